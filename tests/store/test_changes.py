"""A write on one station reaches another through the change feed."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.orm import Session

from wardconsole.store.changes import open_change_feed, record_change
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
