"""Queries for sleep: the nurses' sleep entries and the withdrawal chart's sleep item, for a
set of admissions over a span of nights (a fixed number of statements, whatever the ward's
size). The safety checks the estimate reads are ``store.safety_checks.checks_for``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain.sleep import SleepEntry, SleepQuality
from wardconsole.store.entries import current
from wardconsole.store.models import SleepEntryRow, Staff, SymptomEntryRow


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
