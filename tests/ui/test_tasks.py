"""Database work runs off the UI thread; results and change reports arrive on it."""

from __future__ import annotations

import threading
import weakref

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDialog, QWidget

from wardconsole.ui.tasks import ChangeWatcher, TaskRunner

from .factories import FakeChangeFeed


@pytest.fixture
def runner(qapp) -> TaskRunner:
    runner = TaskRunner()
    yield runner
    runner.shutdown()


@pytest.fixture
def owner(qapp) -> QObject:
    """What the tasks are for (a window or dialog in the console)."""
    return QObject()


def test_work_runs_on_the_worker_and_the_result_comes_back_on_the_ui_thread(
    qtbot, runner: TaskRunner, owner: QObject
) -> None:
    seen: dict[str, object] = {}

    def work() -> int:
        seen["work_thread"] = threading.current_thread()
        return 42

    def done(result: int) -> None:
        seen["result"] = result
        seen["callback_thread"] = threading.current_thread()

    runner.run(owner, work, on_success=done)
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["result"] == 42
    assert seen["work_thread"] is not threading.main_thread()
    assert seen["callback_thread"] is threading.main_thread()
    assert not runner.busy


def test_a_failure_goes_to_on_failure(qtbot, runner: TaskRunner, owner: QObject) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        raise ConnectionError("database unavailable")

    runner.run(
        owner,
        work,
        on_success=lambda _: pytest.fail("no result expected"),
        on_failure=errors.append,
    )
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ConnectionError)


def test_tasks_run_one_at_a_time_in_order(qtbot, runner: TaskRunner, owner: QObject) -> None:
    order: list[int] = []
    for i in range(5):
        runner.run(owner, lambda i=i: i, on_success=order.append)
    qtbot.waitUntil(lambda: len(order) == 5)
    assert order == [0, 1, 2, 3, 4]


def test_a_newer_refresh_supersedes_a_waiting_one(
    qtbot, runner: TaskRunner, owner: QObject
) -> None:
    release = threading.Event()
    delivered: list[str] = []
    runner.run(owner, lambda: release.wait(5) and "blocker", on_success=delivered.append)
    first = runner.run(owner, lambda: "first", on_success=delivered.append, key="census")
    second = runner.run(owner, lambda: "second", on_success=delivered.append, key="census")
    third = runner.run(owner, lambda: "third", on_success=delivered.append, key="census")
    release.set()
    qtbot.waitUntil(lambda: third.finished)
    assert delivered == ["blocker", "third"]
    assert first.cancelled and second.cancelled and not third.cancelled


def test_a_running_refresh_still_delivers_when_a_newer_one_is_queued(
    qtbot, runner: TaskRunner, owner: QObject
) -> None:
    started, release = threading.Event(), threading.Event()
    delivered: list[str] = []

    def slow() -> str:
        started.set()
        release.wait(5)
        return "older"

    runner.run(owner, slow, on_success=delivered.append, key="census")
    assert started.wait(5)
    newer = runner.run(owner, lambda: "newer", on_success=delivered.append, key="census")
    release.set()
    qtbot.waitUntil(lambda: newer.finished)
    assert delivered == ["older", "newer"]


def test_a_cancelled_task_never_calls_back(qtbot, runner: TaskRunner, owner: QObject) -> None:
    release = threading.Event()
    delivered: list[str] = []
    runner.run(owner, lambda: release.wait(5) and "blocker", on_success=delivered.append)
    handle = runner.run(owner, lambda: "dropped", on_success=delivered.append)
    handle.cancel()
    release.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert delivered == ["blocker"]


def test_after_shutdown_nothing_calls_back(qtbot, qapp, owner: QObject) -> None:
    runner = TaskRunner()
    release = threading.Event()
    delivered: list[str] = []
    runner.run(owner, lambda: release.wait(5) and "late", on_success=delivered.append)
    release.set()
    runner.shutdown()
    qapp.processEvents()
    assert delivered == []
    assert runner.run(owner, lambda: "x", on_success=delivered.append).cancelled


def test_a_window_dropped_while_its_task_runs_is_destroyed_on_the_ui_thread(
    qtbot, runner: TaskRunner
) -> None:
    """The task's function holds the last reference to its window (closing the rounds window
    while its read is in flight): the window still dies on the UI thread, never the worker."""
    started, release = threading.Event(), threading.Event()
    released_on: list[threading.Thread] = []
    destroyed_on: list[threading.Thread] = []
    delivered: list[str] = []
    window = QWidget()
    window.setObjectName("rounds")
    window.destroyed.connect(
        lambda *_: destroyed_on.append(threading.current_thread()),
        Qt.ConnectionType.DirectConnection,
    )
    weakref.finalize(window, lambda: released_on.append(threading.current_thread()))

    def read(window: QWidget = window) -> str:
        started.set()
        release.wait(5)
        return "read for " + window.objectName()

    handle = runner.run(window, read, delivered.append)
    assert started.wait(5)
    del window, read  # the console drops the window; only the running task holds it now
    release.set()
    qtbot.waitUntil(lambda: bool(destroyed_on) and not runner.busy)
    assert released_on == [threading.main_thread()]
    assert destroyed_on == [threading.main_thread()]
    assert handle.cancelled and delivered == []


def test_a_destroyed_owner_is_never_called_back_and_its_waiting_tasks_are_skipped(
    qtbot, runner: TaskRunner, owner: QObject
) -> None:
    release = threading.Event()
    ran: list[str] = []
    delivered: list[str] = []
    window = QWidget()
    runner.run(owner, lambda: release.wait(5) and "blocker")
    runner.run(window, lambda: ran.append("read") or "read", delivered.append)
    window.deleteLater()
    qtbot.waitUntil(lambda: not runner.busy_for(window))
    release.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert ran == [] and delivered == []


def test_a_finished_dialog_drops_its_results(qtbot, runner: TaskRunner, owner: QObject) -> None:
    release = threading.Event()
    delivered: list[str] = []
    dialog = QDialog()
    qtbot.addWidget(dialog)
    runner.run(owner, lambda: release.wait(5) and "blocker")
    runner.run(dialog, lambda: "search results", delivered.append)
    dialog.reject()
    release.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert delivered == []


def test_a_closing_window_drops_the_results_of_everything_inside_it(
    qtbot, runner: TaskRunner, owner: QObject
) -> None:
    release = threading.Event()
    delivered: list[str] = []
    window = QWidget()
    qtbot.addWidget(window)
    panel = QObject(window)  # a controller living inside the window
    runner.run(owner, lambda: release.wait(5) and "blocker")
    runner.run(panel, lambda: "queue read", delivered.append)
    runner.cancel_all(window)
    release.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert delivered == []


def test_shutting_down_does_not_wait_for_a_running_task(qtbot, qapp, owner: QObject) -> None:
    runner = TaskRunner()
    started, release = threading.Event(), threading.Event()
    runner.run(owner, lambda: started.set() or release.wait(30))
    assert started.wait(5)
    runner.shutdown(wait=False)  # returns while the worker is still inside the call
    assert not release.is_set()
    release.set()


# --- the change watcher ----------------------------------------------------------------------


@pytest.fixture
def feed() -> FakeChangeFeed:
    return FakeChangeFeed()


def make_watcher(open_feed, parent: QObject | None = None) -> ChangeWatcher:
    return ChangeWatcher(open_feed, parent, poll_timeout=0.05, backoff=(0.01, 0.02))


def test_changes_from_another_station_arrive_on_the_ui_thread(qtbot, feed: FakeChangeFeed) -> None:
    watcher = make_watcher(lambda: feed)
    threads: list[threading.Thread] = []
    watcher.changes_arrived.connect(lambda _: threads.append(threading.current_thread()))
    watcher.start()
    try:
        with qtbot.waitSignal(watcher.changes_arrived, timeout=5000) as blocker:
            feed.push("observation", admission_id=3)
        changes = blocker.args[0]
        assert [(c.topic, c.admission_id) for c in changes] == [("observation", 3)]
        assert threads == [threading.main_thread()]
    finally:
        watcher.stop()
    assert not watcher.running
    assert feed.closed == 1


def test_a_lost_database_is_reported_then_its_return(qtbot, feed: FakeChangeFeed) -> None:
    feed.down = True
    watcher = make_watcher(lambda: feed)
    lost: list[str] = []
    watcher.connection_lost.connect(lost.append)
    try:
        with qtbot.waitSignal(watcher.connection_lost, timeout=5000):
            watcher.start()
        assert "Connection refused" in lost[0]
        with qtbot.waitSignal(watcher.connection_restored, timeout=5000):
            feed.down = False
        with qtbot.waitSignal(watcher.changes_arrived, timeout=5000):
            feed.push()
    finally:
        watcher.stop()
    assert len(lost) == 1, "one report per outage, not one per retry"


def test_a_feed_that_cannot_even_be_opened_is_retried(qtbot) -> None:
    feed = FakeChangeFeed()
    attempts: list[int] = []

    def open_feed() -> FakeChangeFeed:
        attempts.append(1)
        if len(attempts) < 3:
            raise OSError("no route to host")
        return feed

    watcher = make_watcher(open_feed)
    try:
        with qtbot.waitSignal(watcher.connection_restored, timeout=5000):
            watcher.start()
    finally:
        watcher.stop()
    assert len(attempts) >= 3


def test_nothing_is_reported_after_stop(qtbot, feed: FakeChangeFeed, qapp) -> None:
    watcher = make_watcher(lambda: feed)
    arrived: list[object] = []
    watcher.changes_arrived.connect(arrived.append)
    watcher.start()
    watcher.stop()
    feed.push()
    qapp.processEvents()
    assert arrived == []


class _BlockingFeed:
    """Waits the whole timeout unless woken: what a quiet ward's feed does."""

    def __init__(self) -> None:
        self.woken = threading.Event()
        self.waiting = threading.Event()
        self.closed = 0

    def wait(self, timeout: float) -> list:
        self.waiting.set()
        self.woken.wait(timeout)
        self.woken.clear()
        return []

    def wake(self) -> None:
        self.woken.set()

    def close(self) -> None:
        self.closed += 1


def test_stop_wakes_the_feed_instead_of_waiting_out_its_poll(qtbot) -> None:
    """Closing the console must not hang for the feed's poll interval (60 s here)."""
    feed = _BlockingFeed()
    watcher = ChangeWatcher(lambda: feed, poll_timeout=60.0)
    watcher.start()
    assert feed.waiting.wait(5.0)
    watcher.stop(timeout=10.0)
    assert not watcher.running, "stop() waited for the poll instead of waking the feed"
    assert feed.closed == 1
