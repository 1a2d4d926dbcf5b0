"""Change notification between stations.

Every write transaction appends a row to ``change_log`` (see ``record_change``). Readers:

* SQLite: ``SqliteChangeFeed`` polls ``max(id)`` of the change log, an index-only lookup
  that costs microseconds, every ``poll_interval`` seconds (several windows on one PC).
* PostgreSQL: the writer also calls ``pg_notify`` inside its transaction, so the
  notification is delivered exactly when the write commits. ``PostgresChangeFeed`` LISTENs on
  a dedicated connection, reconnects if the server restarts, and always re-reads the change
  log so that nothing committed while it was disconnected is missed.
"""

from __future__ import annotations

import contextlib
import json
import select as io_select
import socket
import threading
import time
from datetime import UTC, datetime

import psycopg
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from wardconsole.store.changes_api import Change, ChangeFeed
from wardconsole.store.models import ChangeRow

CHANNEL = "wardconsole_changes"


def record_change(session: Session, topic: str, admission_id: int | None, station: str) -> None:
    """Append a change-log row (and on PostgreSQL a NOTIFY) in the caller's transaction."""
    session.add(
        ChangeRow(at=datetime.now(UTC), topic=topic, admission_id=admission_id, station=station)
    )
    if session.get_bind().dialect.name == "postgresql":
        payload = json.dumps({"topic": topic, "admission_id": admission_id})
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
        )


def latest_seq(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(ChangeRow.id), 0))) or 0


def changes_since(session: Session, seq: int, limit: int = 500) -> list[Change]:
    rows = session.execute(
        select(ChangeRow.id, ChangeRow.topic, ChangeRow.admission_id)
        .where(ChangeRow.id > seq)
        .order_by(ChangeRow.id)
        .limit(limit)
    ).all()
    return [Change(seq=r.id, topic=r.topic, admission_id=r.admission_id) for r in rows]


class _LogReader:
    """Reads change-log rows this station has not reported yet, each exactly once.

    Ids are taken when a transaction writes its row. SQLite runs one writer at a time, so
    ids commit in order. PostgreSQL transactions can commit out of order: a row with a lower
    id may become visible after a higher one was read. With ``reread_window`` > 0 the reader
    re-reads that many trailing ids and reports any it has not reported before.
    """

    def __init__(self, engine: Engine, reread_window: int = 0) -> None:
        self._engine = engine
        self._window = reread_window
        with Session(engine) as session:
            self._seq = latest_seq(session)
        self._floor = self._seq  # ids up to here were committed before this feed opened
        self._reported: set[int] = set()

    def read_new(self) -> list[Change]:
        low = max(self._floor, self._seq - self._window)
        with Session(self._engine) as session:
            if not self._window and latest_seq(session) <= self._seq:
                return []
            rows = changes_since(session, low, limit=self._window + 1000)
        fresh = [c for c in rows if c.seq not in self._reported]
        if rows:
            self._seq = max(self._seq, rows[-1].seq)
        self._reported.update(c.seq for c in fresh)
        self._reported = {seq for seq in self._reported if seq > self._seq - self._window}
        return fresh


class SqliteChangeFeed:
    """Polls the change log; cheap enough to run twice a second."""

    def __init__(self, engine: Engine, poll_interval: float = 0.5) -> None:
        self._reader = _LogReader(engine)
        self._poll_interval = poll_interval
        self._closed = False
        self._woken = threading.Event()

    def wait(self, timeout: float) -> list[Change]:
        deadline = time.monotonic() + timeout
        while not self._closed:
            changes = self._reader.read_new()
            if changes:
                return changes
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._woken.is_set():
                break
            self._woken.wait(min(self._poll_interval, remaining))
        self._woken.clear()
        return []

    def wake(self) -> None:
        self._woken.set()

    def close(self) -> None:
        self._closed = True
        self._woken.set()


class PostgresChangeFeed:
    """LISTEN/NOTIFY with the change log as the source of truth."""

    REREAD_WINDOW = 500
    """Trailing ids re-read on every wake-up, for transactions that commit out of order."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reader = _LogReader(engine, reread_window=self.REREAD_WINDOW)
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._connection: psycopg.Connection | None = None
        self._closed = False
        # ``wake()`` writes a byte here; ``wait()`` selects on it beside the LISTEN socket, so a
        # closing station is never held up by a wait for notifications.
        self._waker, self._woken = socket.socketpair()
        self._woken.setblocking(False)
        self._waker_lock = threading.Lock()

    def _listen(self) -> psycopg.Connection:
        if self._connection is None or self._connection.closed:
            connection = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
            try:
                connection.execute(f"LISTEN {CHANNEL}")
            except psycopg.Error:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def wait(self, timeout: float) -> list[Change]:
        """Changes since the last call, waiting up to ``timeout`` s for a NOTIFY.

        A notification only wakes the reader; the change log decides what is new, so a
        notification from another database on the same server never reports anything.
        """
        deadline = time.monotonic() + timeout
        while not self._closed:
            connection = self._listen()
            changes = self._reader.read_new()
            if changes:
                return changes
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            woken = self._woken.fileno()
            ready, _, _ = io_select.select([connection.fileno(), woken], [], [], remaining)
            if woken in ready:
                self._drain_wake_ups()
                return []
            if not ready:
                return []
            try:
                # The socket is readable: take what arrived without blocking (a partial packet
                # times out at once and is read on the next turn).
                for _notify in connection.notifies(timeout=0, stop_after=1):
                    break
            except psycopg.OperationalError:
                self._drop_connection()
                raise
        return []

    def _drain_wake_ups(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while self._woken.recv(64):
                pass

    def wake(self) -> None:
        with self._waker_lock, contextlib.suppress(OSError):
            self._waker.send(b"\0")

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
        self._connection = None

    def close(self) -> None:
        self._closed = True
        self._drop_connection()
        with self._waker_lock:
            self._waker.close()
        self._woken.close()


def open_change_feed(engine: Engine) -> ChangeFeed:
    if engine.dialect.name == "postgresql":
        return PostgresChangeFeed(engine)
    return SqliteChangeFeed(engine)
