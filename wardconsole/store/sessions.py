"""Reading therapy and support sessions: the current ones of some admissions in a time window,
with the craving ratings linked to them, as frozen records (``domain.sessions``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from wardconsole.domain.sessions import Attendance, SessionFact, SessionType
from wardconsole.store.entries import current
from wardconsole.store.models import AssessmentRow, Staff, SupportSessionRow


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A current session with who recorded it, for the chart's event lane."""

    id: int
    fact: SessionFact
    ended_at: datetime
    note: str
    recorded_by: str
    station: str


def session_records(
    session: Session,
    admission_ids: Sequence[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[SessionRecord]:
    """Current sessions of ``admission_ids`` that started in [since, until], oldest first."""
    if not admission_ids:
        return []
    s = SupportSessionRow
    before, after = aliased(AssessmentRow), aliased(AssessmentRow)
    query = (
        select(s, before.total, after.total, Staff.display_name)
        .join(Staff, Staff.id == s.recorded_by_id)
        .outerjoin(before, before.id == s.craving_before_id)
        .outerjoin(after, after.id == s.craving_after_id)
        .where(s.admission_id.in_(list(admission_ids)), current(s))
        .order_by(s.taken_at, s.id)
    )
    if since is not None:
        query = query.where(s.taken_at >= since)
    if until is not None:
        query = query.where(s.taken_at <= until)
    return [
        SessionRecord(
            id=row.id,
            fact=SessionFact(
                admission_id=row.admission_id,
                started_at=row.taken_at,
                session_type=SessionType(row.session_type),
                attendance=Attendance(row.attendance),
                led_by=row.led_by or "",
                craving_before=craving_before,
                craving_after=craving_after,
            ),
            ended_at=row.ended_at,
            note=row.note or "",
            recorded_by=name,
            station=row.station,
        )
        for row, craving_before, craving_after, name in session.execute(query).all()
    ]


def session_facts(
    session: Session,
    admission_ids: Sequence[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[int, list[SessionFact]]:
    """``session_records`` by admission, as the handoff and the day list read them."""
    out: dict[int, list[SessionFact]] = {a: [] for a in admission_ids}
    for record in session_records(session, admission_ids, since=since, until=until):
        out[record.fact.admission_id].append(record.fact)
    return out


def craving_links(
    session: Session, session_ids: Sequence[int]
) -> dict[int, tuple[int | None, ...]]:
    """Session id -> (craving before, craving after) as linked, for the history."""
    if not session_ids:
        return {}
    s = SupportSessionRow
    before, after = aliased(AssessmentRow), aliased(AssessmentRow)
    rows = session.execute(
        select(s.id, before.total, after.total)
        .outerjoin(before, before.id == s.craving_before_id)
        .outerjoin(after, after.id == s.craving_after_id)
        .where(s.id.in_(list(session_ids)))
    ).all()
    return {row[0]: (row[1], row[2]) for row in rows}
