"""Queries for observation levels and safety checks, returning the domain's frozen records.

Level rows are few per admission (a change or two a day), so they are read whole. Checks can
be many (every 15 minutes for days), so the census reads only the newest per patient (one index
seek each, like the other "latest" queries) and reports read a time window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session, aliased

from wardconsole.domain.safety_checks import CheckRecord, LevelPeriod, Presentation
from wardconsole.store.entries import current as is_current
from wardconsole.store.id_lists import among_ids
from wardconsole.store.models import Admission, ObservationLevelRow, SafetyCheckRow, Staff


def level_periods(session: Session, admission_ids: Sequence[int]) -> dict[int, list[LevelPeriod]]:
    """Every level set for these admissions, oldest first, with who set it."""
    if not admission_ids:
        return {}
    rows = session.execute(_level_periods_statement(), {"admission_ids": list(admission_ids)})
    found: dict[int, list[LevelPeriod]] = {}
    for row in rows:
        found.setdefault(row.admission_id, []).append(_period(row, row.set_by))
    return found


@cache
def _level_periods_statement() -> Any:
    """Built once, plain rows: the census reads every admitted patient's levels each refresh."""
    return (
        select(*ObservationLevelRow.__table__.columns, Staff.display_name.label("set_by"))
        .join(Staff, Staff.id == ObservationLevelRow.recorded_by_id)
        .where(among_ids(ObservationLevelRow.admission_id, "admission_ids"))
        .order_by(ObservationLevelRow.effective_from, ObservationLevelRow.id)
    )


def _period(row: ObservationLevelRow | Any, set_by: str) -> LevelPeriod:
    return LevelPeriod(
        id=row.id,
        level=row.level,
        check_interval=timedelta(minutes=row.check_minutes),
        effective_from=row.effective_from,
        next_prompt_at=row.next_prompt_at,
        reason=row.reason,
        review_at=row.review_at,
        set_by=set_by,
        agreed_with=row.agreed_with,
    )


def current_level_id(session: Session, admission_id: int) -> int | None:
    """The newest level row (the one a change must supersede), or None."""
    return session.scalar(
        select(ObservationLevelRow.id)
        .where(ObservationLevelRow.admission_id == admission_id)
        .order_by(ObservationLevelRow.effective_from.desc(), ObservationLevelRow.id.desc())
        .limit(1)
    )


def _check(row: SafetyCheckRow | Any, nurse: str) -> CheckRecord:
    return CheckRecord(
        id=row.id,
        taken_at=row.taken_at,
        presentation=Presentation(row.presentation),
        location=row.location,
        level=row.level,
        next_prompt_at=row.next_prompt_at,
        nurse=nurse,
        nurse_id=row.recorded_by_id,
        note=row.note,
    )


def latest_checks(session: Session, admission_ids: Sequence[int]) -> dict[int, CheckRecord]:
    """Each admission's newest current check: one statement, one index seek per admission."""
    if not admission_ids:
        return {}
    rows = session.execute(
        _latest_checks_statement(before=False), {"admission_ids": list(admission_ids)}
    )
    return {row.admission_id: _check(row, row.nurse) for row in rows}


@cache
def _latest_checks_statement(*, before: bool) -> Any:
    """Built once: the rules run it for every patient on every entry, and building the
    aliased correlated subquery cost several times more than running it. With ``before``,
    only checks taken before the ``before`` parameter count."""
    inner = aliased(SafetyCheckRow)
    conditions = [inner.admission_id == Admission.id, is_current(inner)]
    if before:
        conditions.append(inner.taken_at < bindparam("before"))
    latest = (
        select(inner.id)
        .where(*conditions)
        .order_by(inner.taken_at.desc(), inner.id.desc())
        .limit(1)
        .correlate(Admission)
        .scalar_subquery()
    )
    # Plain rows (the table's columns and the nurse's name), not entities: cheaper to read.
    return (
        select(*SafetyCheckRow.__table__.columns, Staff.display_name.label("nurse"))
        .select_from(Admission)
        .join(SafetyCheckRow, SafetyCheckRow.id == latest)
        .join(Staff, Staff.id == SafetyCheckRow.recorded_by_id)
        .where(among_ids(Admission.id, "admission_ids"))
    )


def checks_between(
    session: Session, admission_id: int, start: datetime, end: datetime
) -> list[CheckRecord]:
    """Current checks taken in ``[start, end)``, oldest first."""
    rows = session.execute(
        select(SafetyCheckRow, Staff.display_name)
        .join(Staff, Staff.id == SafetyCheckRow.recorded_by_id)
        .where(
            SafetyCheckRow.admission_id == admission_id,
            SafetyCheckRow.taken_at >= start,
            SafetyCheckRow.taken_at < end,
            is_current(SafetyCheckRow),
        )
        .order_by(SafetyCheckRow.taken_at, SafetyCheckRow.id)
    ).all()
    return [_check(row, name) for row, name in rows]


def checks_from(
    session: Session, since: Mapping[int, datetime], before: datetime
) -> dict[int, list[CheckRecord]]:
    """Each admission's current checks taken from its own ``since[admission]`` until
    ``before``, oldest first: one statement for the whole ward."""
    if not since:
        return {}
    rows = session.execute(
        select(SafetyCheckRow, Staff.display_name)
        .join(Staff, Staff.id == SafetyCheckRow.recorded_by_id)
        .where(
            or_(
                *(
                    and_(SafetyCheckRow.admission_id == admission_id, SafetyCheckRow.taken_at >= at)
                    for admission_id, at in since.items()
                )
            ),
            SafetyCheckRow.taken_at < before,
            is_current(SafetyCheckRow),
        )
        .order_by(SafetyCheckRow.taken_at, SafetyCheckRow.id)
    ).all()
    found: dict[int, list[CheckRecord]] = {admission_id: [] for admission_id in since}
    for row, name in rows:
        found[row.admission_id].append(_check(row, name))
    return found


def latest_checks_before(
    session: Session, admission_ids: Sequence[int], before: datetime
) -> dict[int, CheckRecord]:
    """Each admission's newest current check taken before ``before``: one statement."""
    if not admission_ids:
        return {}
    rows = session.execute(
        _latest_checks_statement(before=True),
        {"admission_ids": list(admission_ids), "before": before},
    )
    return {row.admission_id: _check(row, row.nurse) for row in rows}


def latest_check_before(
    session: Session, admission_id: int, before: datetime
) -> CheckRecord | None:
    """The newest current check taken before ``before`` (where a report's walk starts)."""
    row = session.execute(
        select(SafetyCheckRow, Staff.display_name)
        .join(Staff, Staff.id == SafetyCheckRow.recorded_by_id)
        .where(
            SafetyCheckRow.admission_id == admission_id,
            SafetyCheckRow.taken_at < before,
            is_current(SafetyCheckRow),
        )
        .order_by(SafetyCheckRow.taken_at.desc(), SafetyCheckRow.id.desc())
        .limit(1)
    ).first()
    return _check(row[0], row[1]) if row else None


def checks_for(
    session: Session, admission_ids: Sequence[int], spans: Sequence[tuple[datetime, datetime]]
) -> dict[int, list[CheckRecord]]:
    """Current checks of these admissions taken in any of the ``[start, end)`` spans, oldest
    first: one statement for the whole ward (the sleep estimate of the census and the handoff,
    one span per night). Only what the estimate reads is loaded (no nurse's name): the census
    pays for it on every refresh."""
    if not admission_ids or not spans:
        return {}
    rows = session.execute(
        select(
            SafetyCheckRow.admission_id,
            SafetyCheckRow.id,
            SafetyCheckRow.taken_at,
            SafetyCheckRow.presentation,
            SafetyCheckRow.location,
            SafetyCheckRow.level,
        )
        .where(
            SafetyCheckRow.admission_id.in_(list(admission_ids)),
            or_(
                *(
                    and_(SafetyCheckRow.taken_at >= start, SafetyCheckRow.taken_at < end)
                    for start, end in spans
                )
            ),
            is_current(SafetyCheckRow),
        )
        .order_by(SafetyCheckRow.taken_at, SafetyCheckRow.id)
    ).all()
    found: dict[int, list[CheckRecord]] = {}
    for admission_id, check_id, taken_at, presentation, location, level in rows:
        found.setdefault(admission_id, []).append(
            CheckRecord(check_id, taken_at, Presentation(presentation), location, level)
        )
    return found
