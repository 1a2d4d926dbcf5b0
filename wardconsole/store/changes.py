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
from collections.abc import Collection
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine, func, or_, select, text
from sqlalchemy.orm import Session

from wardconsole.store.changes_api import Change, ChangeFeed
from wardconsole.store.models import ChangeRow

if TYPE_CHECKING:  # imported when a PostgreSQL feed starts: an embedded station never loads it
    import psycopg

CHANNEL = "wardconsole_changes"


def record_change(session: Session, topic: str, admission_id: int | None, station: str) -> None:
    """Append a change-log row (and on PostgreSQL a NOTIFY) in the caller's transaction."""
    session.add(
        ChangeRow(at=datetime.now(UTC), topic=topic, admission_id=admission_id, station=station)
    )
    if session.get_bind().dialect.name == "postgresql":
        # The schema rides along: stations of a ward kept in another schema of the same
        # database hear the notification too, and ignore it instead of reading their log.
        session.execute(
            text(
                "SELECT pg_notify(:channel, json_build_object('schema', current_schema(),"
                " 'topic', CAST(:topic AS text), 'admission_id', CAST(:admission_id AS integer))"
                "::text)"
            ),
            {"channel": CHANNEL, "topic": topic, "admission_id": admission_id},
        )


def latest_seq(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(ChangeRow.id), 0))) or 0


def admission_marker(session: Session, admission_id: int) -> tuple[int, int, int, int]:
    """(count, sum of ids) of the change-log rows naming the admission, then of those naming
    the whole ward: moves whenever a write that could alter what is read for the admission
    commits, in whatever order the ids commit (a lower id committing late still adds to both).
    Index-only reads (``ix_change_log_admission``)."""
    c = ChangeRow

    def counted(wanted: Any) -> Any:
        return select(func.count(), func.coalesce(func.sum(c.id), 0)).where(wanted)

    named = session.execute(counted(c.admission_id == admission_id)).one()
    ward = session.execute(counted(c.admission_id.is_(None))).one()
    return int(named[0]), int(named[1]), int(ward[0]), int(ward[1])


class _LogSource(Protocol):
    """Where a station reads the change log from."""

    def latest(self) -> int: ...

    def rows(self, after: int, holes: Collection[int], limit: int) -> list[Change]:
        """Rows with an id above ``after`` or among ``holes``, in id order."""


class _EngineLog:
    """The change log through the station's engine (SQLite: one writer, the file is local)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def latest(self) -> int:
        with Session(self._engine) as session:
            return latest_seq(session)

    def rows(self, after: int, holes: Collection[int], limit: int) -> list[Change]:
        wanted = ChangeRow.id > after
        if holes:
            wanted = or_(wanted, ChangeRow.id.in_(sorted(holes)))
        with Session(self._engine) as session:
            found = session.execute(
                select(ChangeRow.id, ChangeRow.topic, ChangeRow.admission_id)
                .where(wanted)
                .order_by(ChangeRow.id)
                .limit(limit)
            ).all()
        return [Change(seq=r.id, topic=r.topic, admission_id=r.admission_id) for r in found]


class _LogReader:
    """Reads change-log rows this station has not reported yet, each exactly once.

    Ids are taken when a transaction writes its row. SQLite runs one writer at a time, so
    ids commit in order. PostgreSQL transactions can commit out of order: a row with a lower
    id may become visible after a higher one was read. With ``reread_window`` > 0 the reader
    remembers the ids it skipped (holes) among the trailing ``reread_window`` ids and asks for
    them again with the new rows, so each read returns only rows it has not reported, not the
    whole window every time (a rolled-back id is a hole that never fills: it ages out).
    """

    def __init__(self, source: _LogSource, reread_window: int = 0) -> None:
        self._source = source
        self._window = reread_window
        self._seq = source.latest()
        self._holes: set[int] = set()
        """Ids below ``_seq`` not seen yet: in flight, or rolled back (never filled)."""

    def read_new(self) -> list[Change]:
        if not self._window and self._source.latest() <= self._seq:
            return []
        rows = self._source.rows(self._seq, self._holes, len(self._holes) + 1000)
        fresh = [c for c in rows if c.seq > self._seq or c.seq in self._holes]
        if not fresh:
            return []
        top = max(c.seq for c in fresh)
        if self._window:
            self._holes.update(range(self._seq + 1, top))
            self._holes.difference_update(c.seq for c in fresh)
            self._holes = {seq for seq in self._holes if seq > top - self._window}
        self._seq = max(self._seq, top)
        return fresh


class SqliteChangeFeed:
    """Polls the change log; cheap enough to run twice a second."""

    def __init__(self, engine: Engine, poll_interval: float = 0.5) -> None:
        self._reader = _LogReader(_EngineLog(engine))
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


class FeedClosed(RuntimeError):
    """The feed was asked for the change log after ``close``."""


class PostgresChangeFeed:
    """LISTEN/NOTIFY with the change log as the source of truth.

    A notification only wakes the reader; the change log decides what is new, so a
    notification from another database on the same server never reports anything. After the
    first notification the feed collects the rest of the burst (until ``SETTLE`` s pass without
    one, at most ``SETTLE_MAX`` s) and reads the log once, so a round of saves costs each
    station one read of the log and one reload, not one per save; an idle station reads
    nothing but a safety read every ``SAFETY_READ`` s. ``wake()`` (a byte on a socket pair
    selected beside the LISTEN socket) ends a wait at once, so a closing station never waits
    out a poll or a burst and closes its connection before it goes.
    """

    REREAD_WINDOW = 500
    """How far back (in ids) a skipped id is still asked for: transactions commit out of order."""
    SAFETY_READ = 30.0
    """Seconds between reads of the log with no notification (a belt to LISTEN's braces)."""
    SETTLE = 0.05
    """Quiet time (s) that ends a burst of notifications."""
    SETTLE_MAX = 0.25
    """Longest (s) a first notification waits for the rest of its burst."""

    def __init__(self, engine: Engine) -> None:
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._connection: psycopg.Connection | None = None
        self._schema: str | None = None
        """This ward's schema: notifications from another one are not ours."""
        self._closed = False
        self._due = True
        """Read the log at the next chance: (re)connected, or notified."""
        self._last_read = time.monotonic()
        self._waker, self._woken = socket.socketpair()
        self._woken.setblocking(False)
        self._waker_lock = threading.Lock()
        self._connection_lock = threading.Lock()
        """Opening and closing the listening connection: none is opened once ``close`` ran."""
        self._interrupted = False
        try:
            self._reader = _LogReader(self, reread_window=self.REREAD_WINDOW)
        except BaseException:
            self.close()
            raise

    # -- the change log, read over the listening connection (the feed's one connection, which
    #    it alone opens and closes: nothing of it is left in the station's pool) --------------

    def latest(self) -> int:
        row = self._query("SELECT coalesce(max(id), 0) FROM change_log", ()).fetchone()
        return int(row[0]) if row else 0

    def rows(self, after: int, holes: Collection[int], limit: int) -> list[Change]:
        cursor = self._query(
            "SELECT id, topic, admission_id FROM change_log"
            " WHERE id > %s OR id = ANY(%s) ORDER BY id LIMIT %s",
            (after, sorted(holes), limit),
        )
        return [Change(seq=i, topic=t, admission_id=a) for i, t, a in cursor.fetchall()]

    def _query(self, sql: str, params: tuple[object, ...]) -> psycopg.Cursor[tuple[Any, ...]]:
        import psycopg

        try:
            return self._listen().execute(sql, params)
        except psycopg.OperationalError:
            self._drop_connection()
            raise

    def _listen(self) -> psycopg.Connection:
        import psycopg

        with self._connection_lock:
            if self._closed:
                raise FeedClosed("the change feed is closed")
            if self._connection is None or self._connection.closed:
                connection = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
                try:
                    connection.execute(f"LISTEN {CHANNEL}")
                    row = connection.execute("SELECT current_schema()").fetchone()
                except BaseException:
                    connection.close()
                    raise
                self._schema = str(row[0]) if row and row[0] is not None else None
                self._connection = connection
                self._due = True  # anything committed while not listening
            return self._connection

    def wait(self, timeout: float) -> list[Change]:
        """Changes since the last call, waiting up to ``timeout`` s for a NOTIFY (see the class)."""
        try:
            return self._wait(timeout)
        except FeedClosed:  # closed under the wait: a closed feed reports nothing
            return []

    def _wait(self, timeout: float) -> list[Change]:
        deadline = time.monotonic() + timeout
        self._interrupted = False
        while not self._closed:
            connection = self._listen()
            if self._drain(connection):
                self._due = True  # notified while busy: the read below covers them
            if self._due or time.monotonic() - self._last_read >= self.SAFETY_READ:
                changes = self._reader.read_new()
                self._due = False
                self._last_read = time.monotonic()
                if changes:
                    return changes
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._interrupted:
                return []
            if self._readable(connection, remaining) and self._drain(connection):
                self._settle(connection)
                self._due = True
        return []

    def _readable(self, connection: psycopg.Connection, seconds: float) -> bool:
        """Wait up to ``seconds`` for the LISTEN socket; False when woken or timed out."""
        woken = self._woken.fileno()
        ready, _, _ = io_select.select([connection.fileno(), woken], [], [], seconds)
        if woken in ready:
            with contextlib.suppress(BlockingIOError):
                while self._woken.recv(64):
                    pass
            self._interrupted = True
            return False
        return bool(ready)

    def _drain(self, connection: psycopg.Connection) -> bool:
        """Take the notifications that have arrived, without waiting; True if any was this
        ward's."""
        import psycopg

        try:
            arrived = [n.payload for n in connection.notifies(timeout=0.0)]
        except psycopg.OperationalError:
            self._drop_connection()
            raise
        return any(self._ours(payload) for payload in arrived)

    def _ours(self, payload: str) -> bool:
        """A notification from this ward's schema (or one that cannot be read: read the log)."""
        try:
            schema = json.loads(payload).get("schema")
        except (ValueError, AttributeError):
            return True
        return schema is None or self._schema is None or schema == self._schema

    def _settle(self, connection: psycopg.Connection) -> None:
        """Swallow the notifications of the burst that has started (they all say "read")."""
        until = time.monotonic() + self.SETTLE_MAX
        while not self._closed:
            quiet = min(self.SETTLE, until - time.monotonic())
            if quiet <= 0 or not self._readable(connection, quiet):
                return
            self._drain(connection)

    def wake(self) -> None:
        with self._waker_lock, contextlib.suppress(OSError):
            self._waker.send(b"\0")

    def _drop_connection(self) -> None:
        import psycopg

        with self._connection_lock:
            if self._connection is not None:
                with contextlib.suppress(psycopg.Error):
                    self._connection.close()
            self._connection = None

    def close(self) -> None:
        """Close the listening connection; the feed never opens another. Called by the thread
        that waits on the feed (``ChangeWatcher`` does), after its last ``wait``."""
        with self._connection_lock:
            self._closed = True
        self._drop_connection()
        with self._waker_lock:
            self._waker.close()
        self._woken.close()


def open_change_feed(engine: Engine) -> ChangeFeed:
    if engine.dialect.name == "postgresql":
        return PostgresChangeFeed(engine)
    return SqliteChangeFeed(engine)
