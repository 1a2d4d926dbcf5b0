"""The current entries in the rules' history window, carried from one rules pass to the next.

The monitor feed rules the same patients several times a second, and reading every entry of
their history window again each time was most of the listener's work. Entries are append-only
(``store.entries``: a correction or a strike-out is a new row that names the row it replaces),
and on SQLite, whose single writer commits one transaction after another, a row that a read has
not seen has a higher id than every row it saw. So a pass reads only the rows above the highest
id the last pass saw — the feed's new sets, a correction or strike-out made at another station —
applies them as ``entries.current`` would (a row that amends another removes it; a final row is
added) and drops what has left the window: it returns exactly what a full read would return.

On PostgreSQL ids come from a sequence and may commit out of order, so every pass reads the
whole window there, as a read without this cache does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from wardconsole.domain.records import RecordStatus
from wardconsole.store.entries import current
from wardconsole.store.id_lists import among_ids

MAX_STAYS = 64
"""Stays whose windows are kept: twice the monitors the feed serves at once (the least
recently ruled beyond it are read afresh when next ruled)."""


class _Entry(NamedTuple):
    taken_at: datetime
    id: int
    recorded_at: datetime
    value: Any
    """The entry as the rules read it (``repository.to_observation`` and the like)."""


@dataclass(slots=True)
class _Table:
    seen_up_to: int = 0
    """Every row with an id up to this one has been applied to ``stays``."""
    stays: dict[int, dict[int, _Entry]] = field(default_factory=dict)
    """Admission id -> its current entries in the window, by row id."""


class EntryWindows:
    """Carried windows for one thread (the monitor feed's writer). Run each transaction that
    reads through it inside ``transaction()``: a transaction that fails may have read rows that
    were never committed, so everything carried is then forgotten."""

    def __init__(self, max_stays: int = MAX_STAYS) -> None:
        self._tables: dict[Any, _Table] = {}
        self._since: datetime | None = None
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._max_stays = max_stays
        self.rows_read = 0
        """Rows read from the database through this cache (for the tests and the bench)."""

    def clear(self) -> None:
        self._tables.clear()
        self._recent.clear()
        self._since = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.clear()
            raise

    def current_since(
        self,
        session: Session,
        model: Any,
        admission_ids: Sequence[int],
        since: datetime,
        convert: Callable[[Any], Any],
    ) -> dict[int, list[Any]]:
        """Per admission, its current entries of ``model`` taken or recorded since ``since``,
        oldest first, each passed through ``convert``: what ``repository._current_since``
        reads, read only where it changed."""
        if session.get_bind().dialect.name != "sqlite":
            read = current_since(session, model, admission_ids, since)
            self.rows_read += sum(len(rows) for rows in read.values())
            return {i: [convert(row) for row in rows] for i, rows in read.items()}
        if self._since is not None and since < self._since:
            self.clear()  # a wider window than the one carried: read it whole
        self._since = since
        self._remember(admission_ids)
        table = self._tables.setdefault(model, _Table())
        top = session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0
        if table.stays and top > table.seen_up_to:
            self._apply_newer(session, model, table, since, convert)
        fresh = [i for i in admission_ids if i not in table.stays]
        if fresh:
            for i in fresh:
                table.stays[i] = {}
            rows = session.execute(
                _window_statement(model), {"admission_ids": fresh, "since": since}
            ).all()
            self.rows_read += len(rows)
            for row in rows:
                table.stays[row.admission_id][row.id] = _entry(row, convert)
        table.seen_up_to = top
        found: dict[int, list[Any]] = {}
        for admission_id in admission_ids:
            entries = table.stays[admission_id]
            gone = [k for k, e in entries.items() if e.taken_at < since and e.recorded_at < since]
            for key in gone:
                del entries[key]
            ordered = sorted(entries.values(), key=lambda e: (e.taken_at, e.id))
            found[admission_id] = [e.value for e in ordered]
        return found

    def _apply_newer(
        self,
        session: Session,
        model: Any,
        table: _Table,
        since: datetime,
        convert: Callable[[Any], Any],
    ) -> None:
        """The rows above ``seen_up_to`` of the stays carried, and every row there that amends
        another (a correction may move a set to another stay), applied in id order. Applying a
        row twice changes nothing, so a row the fresh read of a stay saw too is harmless."""
        rows = session.execute(
            _newer_statement(model),
            {"after": table.seen_up_to, "admission_ids": list(table.stays)},
        ).all()
        self.rows_read += len(rows)
        final = RecordStatus.FINAL.value
        for row in rows:
            if row.amends_id is not None:
                for carried in table.stays.values():
                    if carried.pop(row.amends_id, None) is not None:
                        break
            entries = table.stays.get(row.admission_id)
            if entries is None or row.status != final:
                continue
            if row.taken_at >= since or row.recorded_at >= since:
                entries[row.id] = _entry(row, convert)

    def _remember(self, admission_ids: Sequence[int]) -> None:
        for admission_id in admission_ids:
            self._recent[admission_id] = None
            self._recent.move_to_end(admission_id)
        while len(self._recent) > self._max_stays:
            stale, _ = self._recent.popitem(last=False)
            for table in self._tables.values():
                table.stays.pop(stale, None)


def current_since(
    session: Session, model: Any, admission_ids: Sequence[int], since: datetime
) -> dict[int, list[Any]]:
    """Plain rows (read like the model's objects) per admission, oldest first: the current
    entries taken or recorded since ``since``. The rules only read them, and a monitor's stream
    puts hundreds in the window, where building ORM objects cost most of the read."""
    found: dict[int, list[Any]] = {i: [] for i in admission_ids}
    for row in session.execute(
        _window_statement(model), {"admission_ids": list(admission_ids), "since": since}
    ):
        found[row.admission_id].append(row)
    return found


def _entry(row: Any, convert: Callable[[Any], Any]) -> _Entry:
    return _Entry(row.taken_at, row.id, row.recorded_at, convert(row))


@cache
def _window_statement(model: Any) -> Any:
    """Built once per model: the rules read four kinds for the patients on every entry, and
    building these statements cost about as much as running them."""
    since: Any = bindparam("since")
    return (
        select(*model.__table__.columns)
        .where(
            among_ids(model.admission_id, "admission_ids"),
            or_(model.taken_at >= since, model.recorded_at >= since),
            current(model),
        )
        .order_by(model.taken_at, model.id)
    )


@cache
def _newer_statement(model: Any) -> Any:
    """Every row above an id, of the stays asked for or amending any row, in id order."""
    return (
        select(*model.__table__.columns)
        .where(
            model.id > bindparam("after"),
            or_(
                among_ids(model.admission_id, "admission_ids"),
                model.amends_id.is_not(None),
            ),
        )
        .order_by(model.id)
    )
