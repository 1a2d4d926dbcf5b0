"""Queries for sleep: the nurses' sleep entries and the withdrawal chart's sleep item, for a
set of admissions over a span of nights (a fixed number of statements, whatever the ward's
size). The safety checks the estimate reads are ``store.safety_checks.checks_for``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from wardconsole.domain.sleep import SleepEntry, SleepQuality
from wardconsole.store.entries import current
from wardconsole.store.id_lists import among_ids
from wardconsole.store.models import SafetyCheckRow, SleepEntryRow, Staff, SymptomEntryRow

NightVersion = tuple[int, int, int, int, int, int, int]
"""What the rows behind one admission's night add up to: (safety check rows taken in the
night, the newest of their ids; rows amending any check of the stay, the newest of their ids;
sleep entries about the night, the newest id, current ones). Rows are never changed or
deleted, so any check or entry added, corrected or struck out in that night changes it."""


def sleep_entries(
    session: Session, admission_ids: Sequence[int], first: date, last: date
) -> dict[int, list[SleepEntry]]:
    """Current nurse sleep entries for the nights ``first``..``last`` (local start dates),
    oldest recorded first."""
    if not admission_ids:
        return {}
    rows = session.execute(
        select(SleepEntryRow, Staff.display_name)
        .join(Staff, Staff.id == SleepEntryRow.recorded_by_id)
        .where(
            SleepEntryRow.admission_id.in_(list(admission_ids)),
            SleepEntryRow.night_of >= first,
            SleepEntryRow.night_of <= last,
            current(SleepEntryRow),
        )
        .order_by(SleepEntryRow.taken_at, SleepEntryRow.id)
    ).all()
    found: dict[int, list[SleepEntry]] = {}
    for row, name in rows:
        found.setdefault(row.admission_id, []).append(to_sleep(row, name))
    return found


def to_sleep(row: SleepEntryRow, nurse: str = "") -> SleepEntry:
    """A stored sleep entry as the domain's record."""
    return SleepEntry(
        id=row.id,
        admission_id=row.admission_id,
        night_of=row.night_of,
        minutes_slept=row.minutes_slept,
        quality=SleepQuality(row.quality),
        woke_at=row.woke_at,
        taken_at=row.taken_at,
        nurse=nurse,
    )


def chart_item_ratings(
    session: Session, admission_ids: Sequence[int], item: str, start: datetime, end: datetime
) -> dict[int, list[tuple[datetime, int]]]:
    """(taken at, score) of one withdrawal-chart item in the current ratings of ``[start,
    end)``, oldest first (ratings that left the item out are skipped)."""
    if not admission_ids:
        return {}
    rows = session.execute(
        select(SymptomEntryRow.admission_id, SymptomEntryRow.taken_at, SymptomEntryRow.item_scores)
        .where(
            SymptomEntryRow.admission_id.in_(list(admission_ids)),
            SymptomEntryRow.taken_at >= start,
            SymptomEntryRow.taken_at < end,
            current(SymptomEntryRow),
        )
        .order_by(SymptomEntryRow.taken_at, SymptomEntryRow.id)
    ).all()
    found: dict[int, list[tuple[datetime, int]]] = {}
    for admission_id, taken_at, scores in rows:
        score = (scores or {}).get(item)
        if isinstance(score, int):
            found.setdefault(admission_id, []).append((taken_at, score))
    return found


def night_versions(
    session: Session,
    admission_ids: Sequence[int],
    nights: Sequence[tuple[datetime, datetime, date]],
) -> dict[tuple[int, int], NightVersion]:
    """(admission id, night's index in ``nights``) -> its ``NightVersion``, in one grouped
    statement whatever the ward's size; ``nights`` are (start, end, local start date). A night
    without rows has no key.

    A check's correction or strike-out is a new row amending the old one, for the same
    patient: whether it is taken in the same night or moved elsewhere, the patient's amending
    rows change, and these are counted through the (admission, amended check) index, so no
    check of the nights is probed for a newer version. A sleep entry's correction is the same
    for its night (the few entries are probed one by one)."""
    if not admission_ids or not nights:
        return {}
    values: dict[str, object] = {"ids": list(admission_ids)}
    for index, (start, end, day) in enumerate(nights):
        values.update({f"start{index}": start, f"end{index}": end, f"day{index}": day})
    checks: dict[tuple[int, int], tuple[int, int]] = {}
    amended: dict[int, tuple[int, int]] = {}
    entries: dict[tuple[int, int], tuple[int, int, int]] = {}
    for kind, admission_id, night, count, newest, live in session.execute(
        _versions_statement(len(nights)), values
    ):
        if kind == _CHECKS:
            checks[(admission_id, night)] = (count, newest)
        elif kind == _AMENDING:
            amended[admission_id] = (count, newest)
        elif kind == _ENTRIES:
            entries[(admission_id, night)] = (count, newest, int(live))
    return {
        key: (
            *checks.get(key, (0, 0)),
            *amended.get(key[0], (0, 0)),
            *entries.get(key, (0, 0, 0)),
        )
        for key in checks.keys() | entries.keys()
    }


_CHECKS, _AMENDING, _ENTRIES = 0, 1, 2
"""``_versions_statement``'s kinds of row."""


@cache
def _versions_statement(nights: int) -> CompoundSelect[Any]:
    """``night_versions``'s statement for a number of nights, built once (building it costs
    more than running it); bound by ``ids``, ``start<i>``, ``end<i>`` and ``day<i>``. The
    checks are counted per night from the (admission, taken) index alone, already in the
    index's order (no sorting), and the amending ones from the (admission, amended) index."""
    check = SafetyCheckRow

    def counted(kind: int, night: int, *where: ColumnElement[bool]) -> Any:
        return (
            select(
                literal_column(str(kind)).label("kind"),
                check.admission_id.label("admission_id"),
                literal_column(str(night)).label("night"),
                func.count().label("count"),
                func.max(check.id).label("newest"),
                literal_column("0").label("live"),
            )
            .where(among_ids(check.admission_id, "ids"), *where)
            .group_by(check.admission_id)
        )

    checks = [
        counted(
            _CHECKS,
            i,
            check.taken_at >= bindparam(f"start{i}"),
            check.taken_at < bindparam(f"end{i}"),
        )
        for i in range(nights)
    ]
    amending = counted(_AMENDING, -1, check.amends_id.is_not(None))
    days: list[BindParameter[Any]] = [bindparam(f"day{i}") for i in range(nights)]
    entry_rows = (
        select(
            SleepEntryRow.admission_id.label("admission_id"),
            case(
                *((SleepEntryRow.night_of == day, index) for index, day in enumerate(days)),
                else_=-1,
            ).label("night"),
            SleepEntryRow.id.label("id"),
            case((current(SleepEntryRow), 1), else_=0).label("live"),
        )
        .where(
            among_ids(SleepEntryRow.admission_id, "ids"),
            or_(*(SleepEntryRow.night_of == d for d in days)),
        )
        .subquery()
    )
    entries = select(
        literal_column(str(_ENTRIES)).label("kind"),
        entry_rows.c.admission_id,
        entry_rows.c.night,
        func.count(),
        func.max(entry_rows.c.id),
        func.sum(entry_rows.c.live),
    ).group_by(entry_rows.c.admission_id, entry_rows.c.night)
    return union_all(*checks, amending, entries)
