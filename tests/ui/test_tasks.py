"""Database work runs off the UI thread; results and change reports arrive on it."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject

from wardconsole.ui.tasks import ChangeWatcher, TaskRunner

from .factories import FakeChangeFeed


@pytest.fixture
def runner(qapp) -> TaskRunner:
    runner = TaskRunner()
    yield runner
    runner.shutdown()


def test_work_runs_on_the_worker_and_the_result_comes_back_on_the_ui_thread(
    qtbot, runner: TaskRunner
) -> None:
    seen: dict[str, object] = {}

    def work() -> int:
        seen["work_thread"] = threading.current_thread()
        return 42

    def done(result: int) -> None:
        seen["result"] = result
        seen["callback_thread"] = threading.current_thread()

    runner.run(work, on_success=done)
    qtbot.waitUntil(lambda: "result" in seen)
    assert seen["result"] == 42
    assert seen["work_thread"] is not threading.main_thread()
    assert seen["callback_thread"] is threading.main_thread()
    assert not runner.busy


def test_a_failure_goes_to_on_failure(qtbot, runner: TaskRunner) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        raise ConnectionError("database unavailable")

    runner.run(
        work, on_success=lambda _: pytest.fail("no result expected"), on_failure=errors.append
    )
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ConnectionError)


def test_tasks_run_one_at_a_time_in_order(qtbot, runner: TaskRunner) -> None:
    order: list[int] = []
    for i in range(5):
        runner.run(lambda i=i: i, on_success=order.append)
    qtbot.waitUntil(lambda: len(order) == 5)
    assert order == [0, 1, 2, 3, 4]


def test_a_newer_refresh_supersedes_a_waiting_one(qtbot, runner: TaskRunner) -> None:
    release = threading.Event()
    delivered: list[str] = []
    runner.run(lambda: release.wait(5) and "blocker", on_success=delivered.append)
    first = runner.run(lambda: "first", on_success=delivered.append, key="census")
    second = runner.run(lambda: "second", on_success=delivered.append, key="census")
    third = runner.run(lambda: "third", on_success=delivered.append, key="census")
    release.set()
    qtbot.waitUntil(lambda: third.finished)
    assert delivered == ["blocker", "third"]
    assert first.cancelled and second.cancelled and not third.cancelled


def test_a_running_refresh_still_delivers_when_a_newer_one_is_queued(
    qtbot, runner: TaskRunner
) -> None:
    started, release = threading.Event(), threading.Event()
    delivered: list[str] = []

    def slow() -> str:
        started.set()
        release.wait(5)
        return "older"

    runner.run(slow, on_success=delivered.append, key="census")
    assert started.wait(5)
    newer = runner.run(lambda: "newer", on_success=delivered.append, key="census")
    release.set()
    qtbot.waitUntil(lambda: newer.finished)
    assert delivered == ["older", "newer"]


def test_a_cancelled_task_never_calls_back(qtbot, runner: TaskRunner) -> None:
    release = threading.Event()
    delivered: list[str] = []
    runner.run(lambda: release.wait(5) and "blocker", on_success=delivered.append)
    handle = runner.run(lambda: "dropped", on_success=delivered.append)
    handle.cancel()
    release.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert delivered == ["blocker"]


def test_after_shutdown_nothing_calls_back(qtbot, qapp) -> None:
    runner = TaskRunner()
    release = threading.Event()
    delivered: list[str] = []
    runner.run(lambda: release.wait(5) and "late", on_success=delivered.append)
    release.set()
    runner.shutdown()
    qapp.processEvents()
    assert delivered == []
    assert runner.run(lambda: "x", on_success=delivered.append).cancelled


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
