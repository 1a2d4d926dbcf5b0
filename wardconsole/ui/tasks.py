"""Database work off the UI thread, results back on it — one runner for the whole console.

``TaskRunner`` is built once by the composition root and handed down. It is one serial
background worker: blocking calls such as loading the census run there, one at a time, and
their results come back to the UI thread (after Anki's ``taskman``). Every task belongs to an
*owner* (a widget, a dialog, a controller) and dies with it (after Orange3's
``ConcurrentWidgetMixin``): when the owner is destroyed, or a dialog finishes, its tasks are
cancelled and their callbacks are never called. A task started with a ``key`` supersedes the
owner's previous task with the same key if that one has not started yet: a burst of refresh
requests costs one database round trip, not ten.

No Qt object is ever released on the worker, by construction: the worker holds only a
``_Box`` with the function to run, and the box comes back to the UI thread, which takes the
function, the result and any error out of it before they can be released. The callbacks never
leave the UI thread. So a task's function may capture a widget; the widget still dies on the
UI thread.

The worker is a daemon thread: closing the console never waits for a running task. A save that
is in flight then stays in the station's queue with its save key (``SafeSaves``), so replaying
it does nothing if it had committed.

``ChangeWatcher`` runs a ``ChangeFeed``'s blocking ``wait()`` loop on its own daemon thread and
reports what it sees on the UI thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QDialog

from wardconsole.domain.changes import Change, ChangeFeed

log = logging.getLogger(__name__)

Closure = Callable[[], None]
T = TypeVar("T")

_ABANDONED: list[Any] = []
"""Boxes a worker finished after its runner shut down: kept, never released on the worker
(the process is ending)."""


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


class _Box:
    """All the worker ever holds of a task: the function, then its result or error.

    Filled on the UI thread, run on the worker, handed back and emptied on the UI thread.
    """

    __slots__ = ("error", "fn", "result", "skip", "started")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn: Callable[[], Any] | None = fn
        self.result: Any = None
        self.error: BaseException | None = None
        self.skip = False
        """Set on the UI thread when the task is cancelled before it starts."""
        self.started = False


class _Returns(QObject):
    """Boxes coming back from the worker, in a plain lock-protected deque; one wake-up signal.

    The worker touches only ``put``; this object has a Qt parent (the runner), so the worker's
    reference can never be the one that deletes it.
    """

    _arrived = Signal()

    def __init__(self, deliver: Callable[[_Box], None], parent: QObject) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._boxes: deque[_Box] = deque()
        self._closed = False
        self._deliver = deliver
        self._arrived.connect(self._on_arrived)

    def put(self, box: _Box) -> None:
        with self._lock:
            if self._closed:
                _ABANDONED.append(box)
                return
            self._boxes.append(box)
            self._arrived.emit()

    def close(self) -> list[_Box]:
        with self._lock:
            self._closed = True
            boxes = list(self._boxes)
            self._boxes.clear()
        return boxes

    @Slot()
    def _on_arrived(self) -> None:
        with self._lock:
            boxes = list(self._boxes)
            self._boxes.clear()
        for box in boxes:
            self._deliver(box)


def _work(jobs: queue.SimpleQueue[_Box | None], returns: _Returns) -> None:
    """The worker thread: run each box's function, hand the box back. Holds nothing else."""
    while True:
        box = jobs.get()
        if box is None:
            return
        if not box.skip and box.fn is not None:
            box.started = True
            try:
                box.result = box.fn()
            except BaseException as exc:
                box.error = exc
        try:
            returns.put(box)
        except RuntimeError:  # the runner's Qt object is gone: the process is ending
            _ABANDONED.append(box)
            return
        del box


class TaskHandle(Generic[T]):
    """One submitted task: cancel it, or ask whether its result was delivered.

    A cancelled task never calls its callbacks. Cancelling a task that is already running does
    not interrupt it (a database call cannot be interrupted safely); its result is dropped.
    """

    def __init__(
        self,
        box: _Box,
        owner_id: int,
        key: str | None,
        on_success: Callable[[T], None] | None,
        on_failure: Callable[[BaseException], None] | None,
    ) -> None:
        self.key = key
        self._box = box
        self._owner_id = owner_id
        self._on_success = on_success
        self._on_failure = on_failure
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
        return self._box.started

    def cancel(self) -> None:
        """Drop the result and the callbacks; also skip the work if it has not started yet."""
        self._cancelled = True
        self._box.skip = True
        self._on_success = self._on_failure = None


class TaskRunner(QObject):
    """The console's one serial background worker; callbacks always run on the UI thread.

    Usage (``owner`` is the widget or controller the task is for)::

        runner.run(self, context.load_census, self._on_census_loaded,
                   on_failure=self._on_census_failed, key="census")
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._main = _MainThreadQueue(self)
        self._returns = _Returns(self._deliver, self)
        self._jobs: queue.SimpleQueue[_Box | None] = queue.SimpleQueue()
        self._tasks: dict[_Box, TaskHandle[Any]] = {}
        self._latest: dict[tuple[int, str], TaskHandle[Any]] = {}
        self._owners: dict[int, set[TaskHandle[Any]]] = {}
        self._owner_refs: dict[int, weakref.ref[QObject]] = {}
        self._shut_down = False
        self._thread = threading.Thread(
            target=_work, args=(self._jobs, self._returns), name="wardconsole-db", daemon=True
        )
        self._thread.start()

    @property
    def busy(self) -> bool:
        """True while a task that was not cancelled has yet to deliver its result."""
        return any(not handle.cancelled for handle in self._tasks.values())

    @property
    def settled(self) -> bool:
        """True when every task, cancelled ones included, has come back from the worker: no
        database call of this runner is still running (what a test waits for before it
        disposes of the engine the calls use)."""
        return not self._tasks

    def busy_for(self, owner: QObject) -> bool:
        """True while one of ``owner``'s tasks has yet to deliver its result."""
        return any(not h.cancelled for h in self._owners.get(id(owner), ()))

    def busy_besides(self, owner: QObject) -> bool:
        """True while a task of another owner than ``owner`` has yet to deliver its result."""
        return any(
            not handle.cancelled and handle_owner != id(owner)
            for handle_owner, handles in self._owners.items()
            for handle in handles
        )

    def run(
        self,
        owner: QObject,
        fn: Callable[[], T],
        on_success: Callable[[T], None] | None = None,
        *,
        on_failure: Callable[[BaseException], None] | None = None,
        key: str | None = None,
    ) -> TaskHandle[T]:
        """Run ``fn()`` on the worker for ``owner``; call ``on_success(result)`` or
        ``on_failure(exc)`` here, on the UI thread, unless the owner has gone meanwhile.

        Must be called from the UI thread. With ``key``, the owner's previous task with the
        same key that has not started yet is cancelled: only the newest request is worth
        running. One that is already running still delivers, since its data is newer than what
        is on screen and the serial worker delivers the newer one after it.
        """
        box = _Box(fn)
        owner_id = id(owner)
        handle: TaskHandle[T] = TaskHandle(box, owner_id, key, on_success, on_failure)
        if self._shut_down:
            handle.cancel()
            box.fn = None
            return handle
        if key is not None:
            previous = self._latest.get((owner_id, key))
            if previous is not None and not previous.started:
                previous.cancel()
            self._latest[(owner_id, key)] = handle
        if owner_id not in self._owners:
            self._owners[owner_id] = set()
            self._owner_refs[owner_id] = weakref.ref(owner)
            owner.destroyed.connect(partial(self._owner_gone, owner_id))
            if isinstance(owner, QDialog):
                owner.finished.connect(partial(self._owner_done, owner_id))
        self._owners[owner_id].add(handle)
        self._tasks[box] = handle
        self._jobs.put(box)
        return handle

    def cancel_all(self, owner: QObject) -> None:
        """Cancel every task of ``owner`` and of the Qt objects inside it (it is closing:
        nothing of it may be called back while it is being torn down)."""
        for owner_id, ref in list(self._owner_refs.items()):
            found = ref()
            if found is not None and _inside(found, owner):
                self._owner_done(owner_id)

    def run_on_main(self, closure: Closure) -> None:
        """Run ``closure`` on the UI thread soon; callable from any thread."""
        self._main.post(closure)

    def shutdown(self, *, wait: bool = True) -> None:
        """Drop every pending result and stop the worker. Never waits for a running task
        unless ``wait`` (tests that need the worker idle): the worker is a daemon thread."""
        if self._shut_down:
            return
        self._shut_down = True
        for handle in self._tasks.values():
            handle.cancel()
        self._main.close()
        # Tasks not started yet come back here and are emptied on this (the UI) thread.
        while True:
            try:
                box = self._jobs.get_nowait()
            except queue.Empty:
                break
            if box is not None:
                self._empty(box)
        for box in self._returns.close():
            self._empty(box)
        self._jobs.put(None)
        if wait:
            self._thread.join()
        # The running task's box, if any, is kept (never released on the worker).
        _ABANDONED.extend(self._tasks)
        self._tasks.clear()
        self._latest.clear()
        self._owners.clear()
        self._owner_refs.clear()

    # -- the UI thread ---------------------------------------------------------------------

    def _owner_gone(self, owner_id: int, *_args: object) -> None:
        self._owner_done(owner_id)
        self._owners.pop(owner_id, None)
        self._owner_refs.pop(owner_id, None)

    def _owner_done(self, owner_id: int, *_args: object) -> None:
        for handle in self._owners.get(owner_id, set()):
            handle.cancel()
        for key in [k for k in self._latest if k[0] == owner_id]:
            del self._latest[key]

    def _empty(self, box: _Box) -> None:
        handle = self._tasks.pop(box, None)
        box.fn = box.result = box.error = None
        if handle is not None:
            handle.cancel()
            self._forget(handle)

    def _forget(self, handle: TaskHandle[Any]) -> None:
        owned = self._owners.get(handle._owner_id)
        if owned is not None:
            owned.discard(handle)
        if handle.key is not None:
            latest_key = (handle._owner_id, handle.key)
            if self._latest.get(latest_key) is handle:
                del self._latest[latest_key]

    def _deliver(self, box: _Box) -> None:
        """A box is back from the worker: empty it here, then call the owner back."""
        handle = self._tasks.pop(box, None)
        fn, result, error = box.fn, box.result, box.error
        box.fn = box.result = box.error = None
        del fn  # released here, on the UI thread, whatever it captured
        if handle is None:
            return
        self._forget(handle)
        on_success, on_failure = handle._on_success, handle._on_failure
        handle._on_success = handle._on_failure = None
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


def _inside(found: QObject, owner: QObject) -> bool:
    """``found`` is ``owner`` or one of its Qt descendants."""
    step: QObject | None = found
    try:
        while step is not None:
            if step is owner:
                return True
            step = step.parent()
    except RuntimeError:  # a Qt object on the way is already deleted
        return False
    return False


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
        self._feed_lock = threading.Lock()
        self._feed: ChangeFeed | None = None
        """The open feed, so that ``stop`` can wake its wait (set and cleared on the thread)."""

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
        """Stop watching; wakes the feed's wait and waits for the thread to close it (at most
        ``timeout`` s, default poll + 1 s)."""
        self._stopped = True
        self._stop.set()
        self._main.close()
        with self._feed_lock:
            if self._feed is not None:
                self._feed.wake()
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
                        self._hold(feed)
                    changes = feed.wait(self._poll_timeout)
                except Exception as exc:
                    log.warning("Change feed failed: %s", type(exc).__name__)
                    self._hold(None)
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
            self._hold(None)
            self._close_quietly(feed)

    def _hold(self, feed: ChangeFeed | None) -> None:
        with self._feed_lock:
            self._feed = feed
        if feed is not None and self._stop.is_set():
            feed.wake()  # stop() ran while the feed was being opened

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
