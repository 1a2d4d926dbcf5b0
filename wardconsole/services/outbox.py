"""A durable local queue for entries made while the ward database is unavailable.

When PostgreSQL goes down mid-shift, a nurse's bedside save must not vanish. The save is
written to a small SQLite file in the station's user data directory (one file per ward
database, WAL + ``synchronous=FULL``, so it survives a crash or a power cut the moment the
nurse is told "queued"). Once the database answers again the queue is replayed in order,
exactly once — every entry carries the idempotency key (``save_key``) its dialog made, and the
recording service finds an entry already written under that key instead of writing it twice —
with the nurse's original time and name. The queue is shown to the nurse; an entry the
database refuses on replay (the patient was discharged meanwhile, say) stays visible, marked
refused with the reason, until someone dismisses it. An entry that fails on replay for a reason
that will not pass by waiting (a constraint it breaks, a value the database cannot hold, a
payload this version cannot read) is set aside as "needs attention", shown with the reason, and
the rest of the queue replays in order behind it — one bad entry never holds the others back.
Only new entries are queued (rounds, PRN doses, their audit rows): an amendment or a strike-out
names the saved entry's id, which only the database gives, so it is never queued and no queued
entry depends on another.

A queued entry's kind is a ``QueueKind``, or — for a simple kind of entry registered in
``domain/simple_kinds.py`` that has no member here — its ``EntryKind``: a new simple kind is
queued under its own persisted name without a line in this file. Meals and bowels keep their
members (queues written before simple kinds existed name them so, and mean the same entry).

This module holds the file and its rows; ``services.safe_saves`` decides when to queue and
replays it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeAlias

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.simple_kinds import simple_spec
from wardconsole.private_files import private_dir, touch_private
from wardconsole.services.context import Actor, Role

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    save_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    admission_id INTEGER,
    bed TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL,
    actor TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'waiting',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    sent_at TEXT
);
CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class QueueKind(StrEnum):
    """The kinds the queue names by its own member (persisted in queue files). A simple kind
    of entry needs none: it is queued under its ``EntryKind`` (``queue_kind``); meals and
    bowels keep theirs, which name the same entries."""

    ROUND = "round"
    PRN = "prn"
    AUDIT = "audit"
    FLUID = "fluid"
    REGULAR_DOSE = "regular_dose"
    SLEEP = "sleep"
    MEAL = "meal"
    BOWEL = "bowel"
    WEIGHT = "weight"


AnyQueueKind: TypeAlias = QueueKind | EntryKind
"""What a queued entry is: a ``QueueKind``, or the ``EntryKind`` of a simple kind that has no
``QueueKind`` member (its value is what the queue file holds either way)."""


class UnknownQueueKind(ValueError):
    """A queue row names a kind this version can neither queue nor replay."""


def queue_kind(name: str) -> AnyQueueKind:
    """The kind a queue row's ``kind`` names: its ``QueueKind`` member when it has one, else
    the simple kind's ``EntryKind``; anything else is refused, naming it."""
    try:
        return QueueKind(name)
    except ValueError:
        spec = simple_spec(name)
        if spec is None:
            raise UnknownQueueKind(
                f"{name!r} is not a kind of entry this station can queue or replay (neither a "
                "queue kind nor a simple kind of entry)"
            ) from None
        return spec.kind


class QueueState(StrEnum):
    WAITING = "waiting"
    SENT = "sent"
    REFUSED = "refused"
    NEEDS_ATTENTION = "needs_attention"
    """Could not be written for a reason that waiting will not cure; shown with the reason."""
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class QueuedEntry:
    """One queued save as the nurse sees it in the queue, plus what replaying it needs."""

    seq: int
    save_key: str
    kind: AnyQueueKind
    admission_id: int | None
    bed: str
    summary: str
    payload: Mapping[str, Any]
    actor: Actor
    queued_at: datetime
    state: QueueState
    attempts: int
    last_error: str
    sent_at: datetime | None


def outbox_path(data_dir: Path, database_identity: str) -> Path:
    """The queue file for one ward database (a station may be pointed at several)."""
    digest = hashlib.sha256(database_identity.encode()).hexdigest()[:16]
    return data_dir / "outbox" / f"outbox-{digest}.sqlite"


class Outbox:
    """The queue file. Safe to use from several threads (one short connection per call)."""

    def __init__(self, path: Path, database_identity: str = "") -> None:
        self.path = path
        self._lock = threading.Lock()
        private_dir(path.parent)
        touch_private(path)  # SQLite gives its -wal and -shm files the same 0600 mode
        with self._connect() as connection:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            if database_identity:
                connection.execute(
                    "INSERT OR IGNORE INTO outbox_meta(key, value) VALUES ('database', ?)",
                    (database_identity,),
                )

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=FULL")
                connection.execute("BEGIN IMMEDIATE")
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            finally:
                connection.close()

    def enqueue(
        self,
        *,
        kind: AnyQueueKind,
        save_key: str,
        actor: Actor,
        payload: Mapping[str, Any],
        queued_at: datetime,
        admission_id: int | None = None,
        bed: str = "",
        summary: str = "",
    ) -> QueuedEntry:
        """Append an entry (durable when this returns); the same ``save_key`` is kept once."""
        if queued_at.tzinfo is None:
            raise ValueError("queued_at must be timezone-aware")
        kind = queue_kind(kind.value)  # a simple kind with a member is queued as that member
        with self._connect() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO outbox(save_key, kind, admission_id, bed, summary, payload,"
                " actor, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    save_key,
                    kind.value,
                    admission_id,
                    bed,
                    summary,
                    encode(payload),
                    _actor_json(actor),
                    queued_at.astimezone(UTC).isoformat(),
                ),
            )
            row = connection.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE save_key = ?", (save_key,)
            ).fetchone()
        return _entry(row)

    def waiting(self) -> list[QueuedEntry]:
        """Entries still to be written, oldest first (the order they must be replayed in)."""
        return self._select("state = 'waiting'")

    def visible(self) -> list[QueuedEntry]:
        """What the nurse's queue shows: waiting entries, and refused ones and ones that need
        attention not yet dismissed."""
        return self._select("state IN ('waiting', 'refused', 'needs_attention')")

    def all_entries(self) -> list[QueuedEntry]:
        return self._select("1 = 1")

    def has_waiting(self) -> bool:
        with self._connect() as connection:
            row = connection.execute(
                "SELECT 1 FROM outbox WHERE state = 'waiting' LIMIT 1"
            ).fetchone()
        return row is not None

    def mark_sent(self, seq: int, at: datetime) -> None:
        self._update(
            seq, "state = 'sent', sent_at = ?, last_error = ''", (at.astimezone(UTC).isoformat(),)
        )

    def mark_refused(self, seq: int, message: str) -> None:
        self._update(
            seq, "state = 'refused', attempts = attempts + 1, last_error = ?", (message[:500],)
        )

    def set_aside(self, seq: int, message: str) -> None:
        """Stop trying a waiting entry that cannot be written; it stays listed with why."""
        self._update(
            seq,
            "state = 'needs_attention', attempts = attempts + 1, last_error = ?",
            (message[:500],),
        )

    def note_attempt(self, seq: int, message: str) -> None:
        """A replay try failed for a passing reason; the entry keeps waiting."""
        self._update(seq, "attempts = attempts + 1, last_error = ?", (message[:500],))

    def dismiss(self, seq: int) -> None:
        """Hide a refused entry, or one that needed attention, once a nurse has dealt with it
        (waiting ones cannot be). It stays in the file, marked dismissed."""
        with self._connect() as connection:
            connection.execute(
                "UPDATE outbox SET state = 'dismissed'"
                " WHERE seq = ? AND state IN ('refused', 'needs_attention')",
                (seq,),
            )

    def _select(self, where: str) -> list[QueuedEntry]:
        with self._connect() as connection:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE {where} ORDER BY seq"
            ).fetchall()
        return [_entry(row) for row in rows]

    def _update(self, seq: int, assignments: str, values: tuple[Any, ...]) -> None:
        with self._connect() as connection:
            connection.execute(f"UPDATE outbox SET {assignments} WHERE seq = ?", (*values, seq))


_COLUMNS = (
    "seq, save_key, kind, admission_id, bed, summary, payload, actor, queued_at, state,"
    " attempts, last_error, sent_at"
)


def _entry(row: tuple[Any, ...]) -> QueuedEntry:
    (
        seq,
        save_key,
        kind,
        admission_id,
        bed,
        summary,
        payload,
        actor,
        queued_at,
        state,
        attempts,
        last_error,
        sent_at,
    ) = row
    try:
        known = queue_kind(kind)
    except UnknownQueueKind as exc:
        raise UnknownQueueKind(f"queued entry {seq} ({save_key}): {exc}") from None
    return QueuedEntry(
        seq=seq,
        save_key=save_key,
        kind=known,
        admission_id=admission_id,
        bed=bed,
        summary=summary,
        payload=decode(payload),
        actor=_actor_from_json(actor),
        queued_at=datetime.fromisoformat(queued_at),
        state=QueueState(state),
        attempts=attempts,
        last_error=last_error,
        sent_at=datetime.fromisoformat(sent_at) if sent_at else None,
    )


def _actor_json(actor: Actor) -> str:
    return json.dumps(
        {
            "staff_id": actor.staff_id,
            "staff_code": actor.staff_code,
            "display_name": actor.display_name,
            "role": actor.role.value,
            "station": actor.station,
        }
    )


def _actor_from_json(text: str) -> Actor:
    data = json.loads(text)
    return Actor(
        int(data["staff_id"]),
        str(data["staff_code"]),
        str(data["display_name"]),
        Role(data["role"]),
        str(data["station"]),
    )


# -- payload encoding: JSON with datetimes and sets kept -------------------------------------


def encode(payload: Mapping[str, Any]) -> str:
    return json.dumps(_plain(payload), allow_nan=True, ensure_ascii=False)


def decode(text: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(text, object_hook=_revive)
    return decoded


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, set | frozenset):
        return {"$set": sorted((_plain(v) for v in value), key=repr)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _revive(obj: dict[str, Any]) -> Any:
    if set(obj) == {"$datetime"}:
        return datetime.fromisoformat(obj["$datetime"])
    if set(obj) == {"$set"}:
        return set(obj["$set"])
    return obj
