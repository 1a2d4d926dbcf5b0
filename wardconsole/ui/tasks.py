"""Database work off the UI thread, results back on it.

``TaskRunner`` is one serial background worker (a single-thread executor): blocking calls such
as loading the census run there, one at a time, and their results come back to the UI thread
through one Qt signal and a queue of closures (after Anki's ``taskman``). A task started with a
``key`` supersedes the previous one with the same key if that one has not started yet (after
Orange3's ``concurrent``): a burst of refresh requests costs one database round trip, not ten.

``ChangeWatcher`` runs a ``ChangeFeed``'s blocking ``wait()`` loop on its own daemon thread and
reports what it sees on the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from wardconsole.store.changes_api import Change, ChangeFeed

log = logging.getLogger(__name__)

Closure = Callable[[], None]


class _MainThreadQueue(QObject):
    """Runs closures posted from any thread on the thread this object lives in (the UI thread).

    One signal, one lock-protected list. After ``close()`` posted closures are dropped, so a
    worker finishing late can never touch a window that has gone.
    """

    _closures_pending = Signal()
    """Emitted (from any thread) when closures wait in the queue."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._closures: list[Closure] = []
        self._closed = False
        self._closures_pending.connect(self._on_closures_pending)

    def post(self, closure: Closure) -> None:
        """Queue ``closure`` to run on the UI thread; safe to call from any thread."""
        with self._lock:
            if self._closed:
                return
            self._closures.append(closure)
            # Emitted under the lock so close() cannot delete us between the check and the emit.
            self._closures_pending.emit()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._closures.clear()

    @Slot()
    def _on_closures_pending(self) -> None:
        with self._lock:
            closures, self._closures = self._closures, []
        for closure in closures:
            closure()


class TaskHandle:
    """One submitted task: cancel it, or ask whether its result was delivered.

    A cancelled task never calls its callbacks. Cancelling a task that is already running does
    not interrupt it (a database call cannot be interrupted safely); its result is dropped.
    """

    def __init__(self, key: str | None) -> None:
        self.key = key
        self._future: Future[Any] | None = None
        self._cancelled = False
        self._finished = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def finished(self) -> bool:
        """True once the callbacks have run (or would have, had there been any)."""
        return self._finished

    @property
    def started(self) -> bool:
        return self._future is not None and (self._future.running() or self._future.done())

    def cancel(self) -> None:
        """Drop the result; also skip the work if it has not started yet."""
        self._cancelled = True
        if self._future is not None:
            self._future.cancel()


class TaskRunner(QObject):
    """One serial background worker; callbacks always run on the UI thread.

    Usage::

        runner.run(context.load_census, on_success=model.set_snapshot,
                   on_failure=self._on_census_failed, key="census")
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wardconsole-db")
        self._main = _MainThreadQueue(self)
        self._latest: dict[str, TaskHandle] = {}
        self._pending: set[TaskHandle] = set()
        self._shut_down = False

    @property
    def busy(self) -> bool:
        """True while a task that was not cancelled has yet to deliver its result."""
        self._pending = {handle for handle in self._pending if not handle.cancelled}
        return bool(self._pending)

    def run(
        self,
        fn: Callable[[], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        key: str | None = None,
    ) -> TaskHandle:
        """Run ``fn()`` on the worker; call ``on_success(result)`` or ``on_failure(exc)`` here.

        Must be called from the UI thread. With ``key``, a previous task with the same key that
        has not started yet is cancelled: only the newest request is worth running. One that
        is already running still delivers, since its data is newer than what is on screen and
        the serial worker delivers the newer one after it.
        """
        handle = TaskHandle(key)
        if self._shut_down:
            handle.cancel()
            return handle
        if key is not None:
            previous = self._latest.get(key)
            if previous is not None and not previous.started:
                previous.cancel()
                self._pending.discard(previous)
            self._latest[key] = handle

        def work() -> None:
            if handle.cancelled:
                return
            result: Any = None
            error: BaseException | None = None
            try:
                result = fn()
            except BaseException as exc:
                error = exc
            self._main.post(lambda: self._deliver(handle, result, error, on_success, on_failure))

        self._pending.add(handle)
        handle._future = self._executor.submit(work)
        return handle

    def run_on_main(self, closure: Closure) -> None:
        """Run ``closure`` on the UI thread soon; callable from any thread."""
        self._main.post(closure)

    def shutdown(self, *, wait: bool = True) -> None:
        """Drop every pending result and stop the worker (waiting for a running task)."""
        if self._shut_down:
            return
        self._shut_down = True
        for handle in self._pending:
            handle.cancel()
        self._pending.clear()
        self._latest.clear()
        self._main.close()
        self._executor.shutdown(wait=wait, cancel_futures=True)

    def _deliver(
        self,
        handle: TaskHandle,
        result: Any,
        error: BaseException | None,
        on_success: Callable[[Any], None] | None,
        on_failure: Callable[[BaseException], None] | None,
    ) -> None:
        self._pending.discard(handle)
        if handle.key is not None and self._latest.get(handle.key) is handle:
            del self._latest[handle.key]
        if handle.cancelled:
            return
        handle._finished = True
        if error is None:
            if on_success is not None:
                on_success(result)
        elif on_failure is not None:
            on_failure(error)
        else:
            log.error("Background task failed", exc_info=error)


class ChangeWatcher(QObject):
    """Watches a change feed on a daemon thread; reports on the UI thread.

    The feed is opened, waited on and closed on the watcher's own thread only. When opening or
    waiting raises (database unreachable), the watcher reports ``connection_lost``, closes the
    feed, waits with growing back-off, reopens it and reports ``connection_restored``.
    """

    changes_arrived = Signal(list)
    """Changes committed since the last report (a ``list[Change]``, never empty)."""

    connection_lost = Signal(str)
    """The change feed failed; the argument is a one-line reason for the status display."""

    connection_restored = Signal()
    """The change feed works again after ``connection_lost``."""

    DEFAULT_BACKOFF: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0)

    def __init__(
        self,
        open_feed: Callable[[], ChangeFeed],
        parent: QObject | None = None,
        *,
        poll_timeout: float = 1.0,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
    ) -> None:
        super().__init__(parent)
        self._open_feed = open_feed
        self._poll_timeout = poll_timeout
        self._backoff = tuple(backoff) or (1.0,)
        self._main = _MainThreadQueue(self)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None or self._stopped:
            return
        self._thread = threading.Thread(
            target=self._watch, name="wardconsole-change-feed", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop watching; waits for the thread (at most ``timeout`` s, default poll + 1 s)."""
        self._stopped = True
        self._stop.set()
        self._main.close()
        if self._thread is not None:
            self._thread.join(self._poll_timeout + 1.0 if timeout is None else timeout)
            if self._thread.is_alive():
                log.warning("Change feed thread did not stop within the timeout")

    # -- the watcher thread -------------------------------------------------------------------

    def _watch(self) -> None:
        feed: ChangeFeed | None = None
        failures = 0
        try:
            while not self._stop.is_set():
                try:
                    if feed is None:
                        feed = self._open_feed()
                    changes = feed.wait(self._poll_timeout)
                except Exception as exc:
                    log.warning("Change feed failed: %s", type(exc).__name__)
                    self._close_quietly(feed)
                    feed = None
                    if failures == 0:
                        reason = _one_line(exc)
                        self._main.post(partial(self.connection_lost.emit, reason))
                    delay = self._backoff[min(failures, len(self._backoff) - 1)]
                    failures += 1
                    self._stop.wait(delay)
                    continue
                if failures:  # one successful wait() is what "restored" means
                    failures = 0
                    self._main.post(self.connection_restored.emit)
                if changes:
                    batch: list[Change] = list(changes)
                    self._main.post(partial(self.changes_arrived.emit, batch))
        finally:
            self._close_quietly(feed)

    @staticmethod
    def _close_quietly(feed: ChangeFeed | None) -> None:
        if feed is None:
            return
        try:
            feed.close()
        except Exception:
            log.debug("Closing the change feed failed", exc_info=True)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
