"""A write on one station reaches another through the change feed."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from wardconsole.store.changes import (
    FeedClosed,
    PostgresChangeFeed,
    open_change_feed,
    record_change,
)
from wardconsole.store.changes_api import ChangeFeed
from wardconsole.store.engine import make_engine


def _write(url: str, topic: str, admission_id: int | None) -> None:
    engine = make_engine(url)  # a second, independent station
    with Session(engine) as session, session.begin():
        record_change(session, topic, admission_id, "Station B")
    engine.dispose()


def test_feed_reports_a_commit_from_another_connection(db_url: str) -> None:
    reader = make_engine(db_url)
    feed = open_change_feed(reader)
    try:
        assert feed.wait(0.1) == []
        _write(db_url, "observation", 42)
        changes = feed.wait(5.0)
        assert [(c.topic, c.admission_id) for c in changes] == [("observation", 42)]
        assert feed.wait(0.1) == []  # each change is reported once
    finally:
        feed.close()
        reader.dispose()


def test_feed_wakes_promptly_when_a_write_arrives_while_waiting(db_url: str) -> None:
    reader = make_engine(db_url)
    feed = open_change_feed(reader)
    writer = threading.Timer(0.3, _write, args=(db_url, "escalation", 7))
    try:
        started = time.monotonic()
        writer.start()
        changes = feed.wait(10.0)
        elapsed = time.monotonic() - started
        assert [c.topic for c in changes] == ["escalation"]
        assert elapsed < 3.0
    finally:
        writer.join()
        feed.close()
        reader.dispose()


def test_rolled_back_writes_are_not_reported(db_url: str) -> None:
    reader = make_engine(db_url)
    feed = open_change_feed(reader)
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            session.begin()
            record_change(session, "observation", 1, "Station B")
            session.rollback()
        assert feed.wait(0.8) == []
    finally:
        feed.close()
        engine.dispose()
        reader.dispose()


def test_a_change_that_commits_after_a_later_one_is_still_reported(db_url: str) -> None:
    """PostgreSQL hands out ids at insert time, so commits can land out of id order."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: commits are always in id order")
    reader = make_engine(db_url)
    feed = open_change_feed(reader)
    slow_engine = make_engine(db_url)
    slow = Session(slow_engine)
    try:
        slow.begin()
        record_change(slow, "observation", 1, "Station A")
        slow.flush()  # takes the lower id but does not commit yet
        _write(db_url, "observation", 2)
        seen = [c.admission_id for c in feed.wait(5.0)]
        slow.commit()
        seen += [c.admission_id for c in feed.wait(5.0)]
        assert sorted(seen) == [1, 2]
        assert feed.wait(0.3) == []  # and each once
    finally:
        slow.close()
        feed.close()
        slow_engine.dispose()
        reader.dispose()


def test_a_closing_station_wakes_its_feed_without_waiting_out_the_timeout(db_url: str) -> None:
    """``wake()`` from another thread ends a long wait at once; the feed still works after."""
    reader = make_engine(db_url)
    feed = open_change_feed(reader)
    result: list[list] = []
    waiter = threading.Thread(target=lambda: result.append(feed.wait(60.0)))
    try:
        waiter.start()
        time.sleep(0.2)  # let it block
        feed.wake()
        waiter.join(10.0)
        assert not waiter.is_alive(), "the wait ignored wake()"
        assert result == [[]]
        _write(db_url, "observation", 5)
        assert [c.admission_id for c in feed.wait(5.0)] == [5]
    finally:
        feed.close()
        waiter.join(10.0)
        reader.dispose()


def test_wake_after_close_is_harmless(db_url: str) -> None:
    reader = make_engine(db_url)
    feed = open_change_feed(reader)
    feed.close()
    feed.wake()
    assert feed.wait(0.1) == []
    reader.dispose()


def test_a_closed_feed_never_opens_a_connection_again(db_url: str) -> None:
    """However a read and the close interleave, the close is final: a read after it is refused
    instead of listening again, and a wait reports nothing."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite's feed holds no connection of its own")
    name = f"wardconsole-feed-{uuid.uuid4().hex[:12]}"
    station = make_engine(f"{db_url}{'&' if '?' in db_url else '?'}application_name={name}")
    admin = make_engine(db_url)
    feed = PostgresChangeFeed(station)
    try:
        assert feed.wait(0.1) == []
        feed.close()
        with pytest.raises(FeedClosed):
            feed.latest()
        _write(db_url, "observation", 3)
        assert feed.wait(0.1) == []
        assert _gone_from_the_server(admin, name)
    finally:
        feed.close()
        station.dispose()
        admin.dispose()


def _log_reads(feed: object) -> list[str]:
    """Every read of the change log this station's feed makes (through either backend's
    source: the engine on SQLite, the listening connection on PostgreSQL)."""
    reads: list[str] = []
    source = feed._reader._source  # type: ignore[attr-defined]
    for name in ("latest", "rows"):
        original = getattr(source, name)

        def counted(*args: object, _name: str = name, _original=original) -> object:
            reads.append(_name)
            return _original(*args)

        setattr(source, name, counted)
    return reads


def test_a_burst_of_saves_reaches_a_station_as_one_batch_and_one_read(db_url: str) -> None:
    """Ten saves made while the station was busy (reloading after the last one) arrive as one
    batch from the same reads of the change log as a single save, so the station reloads once,
    not ten times; the ten notifications waiting on its connection cost no further reads."""
    reader = make_engine(db_url)
    feed = open_change_feed(reader)
    reads = _log_reads(feed)
    try:
        assert feed.wait(0.1) == []
        _write(db_url, "observation", 1)
        reads.clear()
        assert [c.admission_id for c in feed.wait(5.0)] == [1]
        reads_for_one = len(reads)
        for admission_id in range(2, 12):
            _write(db_url, "observation", admission_id)
        reads.clear()
        assert [c.admission_id for c in feed.wait(5.0)] == list(range(2, 12))
        assert len(reads) == reads_for_one
        reads.clear()
        assert feed.wait(0.3) == []
        # Notifications of the burst that arrive late come in a spurt or two, never one read each.
        assert len(reads) < 5 * reads_for_one
    finally:
        feed.close()
        reader.dispose()


def test_an_idle_station_on_postgresql_does_not_read_the_change_log(db_url: str) -> None:
    """Nothing notified, nothing read: thirty stations idling cost the server nothing."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has no notifications: its feed polls max(id) by design")
    reader = make_engine(db_url)
    feed = open_change_feed(reader)
    reads = _log_reads(feed)
    try:
        assert feed.wait(0.1) == []  # the first wait reads what came before it listened
        reads.clear()
        assert feed.wait(0.5) == []
        assert feed.wait(0.5) == []
        assert reads == []
    finally:
        feed.close()
        reader.dispose()


def test_a_station_asks_again_only_for_ids_it_skipped(db_url: str) -> None:
    """A transaction still open holds a lower id; the station asks for that id and the new
    rows, not for the whole trailing window again."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: commits are always in id order")
    reader = make_engine(db_url)
    feed = open_change_feed(reader)
    rows: list[int] = []
    source = feed._reader._source  # type: ignore[attr-defined]
    read_rows = source.rows

    def counted(*args: object) -> list:
        found = read_rows(*args)
        rows.append(len(found))
        return found

    source.rows = counted
    slow_engine = make_engine(db_url)
    slow = Session(slow_engine)
    try:
        for admission_id in range(1, 6):
            _write(db_url, "observation", admission_id)
        assert len(feed.wait(5.0)) == 5
        slow.begin()
        record_change(slow, "observation", 99, "Station A")
        slow.flush()  # takes an id, commits later
        _write(db_url, "observation", 6)
        rows.clear()
        assert [c.admission_id for c in feed.wait(5.0)] == [6]
        assert max(rows) == 1  # only the new row came back, not the five already reported
        slow.commit()
        assert [c.admission_id for c in feed.wait(5.0)] == [99]
    finally:
        slow.close()
        feed.close()
        slow_engine.dispose()
        reader.dispose()


def _gone_from_the_server(admin: Engine, application_name: str) -> bool:
    """True once the server lists no session of that name (a closed connection's backend
    takes a moment to exit); False if one is still there after 20 s: a connection left open."""
    deadline = time.monotonic() + 20
    while True:
        with admin.connect() as connection:
            left = connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                {"n": application_name},
            )
        if not left or time.monotonic() > deadline:
            return not left
        time.sleep(0.05)


def test_a_station_stopping_mid_burst_leaves_no_connection_on_the_server(db_url: str) -> None:
    """The console stops its watcher while another station is saving (the feed waiting out a
    burst, or reading the log): every time, the listening connection is gone from the server
    once the watcher thread has closed the feed, and the station's pool holds nothing."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite's feed holds no connection of its own")
    name = f"wardconsole-feed-{uuid.uuid4().hex[:12]}"
    station_url = f"{db_url}{'&' if '?' in db_url else '?'}application_name={name}"
    admin = make_engine(db_url)
    saving = threading.Event()

    def save_continuously() -> None:
        engine = make_engine(db_url)
        while not saving.is_set():
            with Session(engine) as session, session.begin():
                record_change(session, "observation", 1, "Station B")
        engine.dispose()

    writer = threading.Thread(target=save_continuously)
    writer.start()
    try:
        for attempt in range(12):
            station = make_engine(station_url)
            feed = open_change_feed(station)
            stop = threading.Event()

            def watch(feed: ChangeFeed = feed, stop: threading.Event = stop) -> None:
                try:
                    while not stop.is_set():
                        feed.wait(1.0)
                finally:
                    feed.close()  # the watcher closes its own feed, as ChangeWatcher does

            watcher = threading.Thread(target=watch)
            watcher.start()
            time.sleep(0.05 * (attempt % 4))  # stop at a different point of the burst each time
            stop.set()
            feed.wake()
            watcher.join(30)
            assert not watcher.is_alive()
            station.dispose()
            assert _gone_from_the_server(admin, name)
    finally:
        saving.set()
        writer.join()
        admin.dispose()
