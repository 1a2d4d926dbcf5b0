"""The overdue follow-up escalation (hazard HAZ-129), through the normal escalation workflow.

A follow-up past its due time raises an advisory "Follow-up overdue" for the patient (on every
station's escalation panel, marked discharged), saying since when and the attempts so far
(``domain.follow_up.overdue_trigger``). The ward tick raises it
(``EscalationService.evaluate_ward`` runs it for every open follow-up, whether or not the
patient is still on the census), and so does an attempt recorded late, in its own transaction:
a failed attempt updates its words, the attempt that closes the follow-up (contact made, or
unable to contact) resolves it. One open at a time per stay; a nurse who resolves it by hand is
not asked again about the same due time (the Follow-ups list still shows it overdue).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain.follow_up import (
    Attempt,
    AttemptOutcome,
    Basis,
    overdue_trigger,
)
from wardconsole.domain.intake_text import when_text
from wardconsole.domain.records import EscalationKind
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationChange, apply_triggers, resolve_open
from wardconsole.store.models import (
    FollowUpAttemptRow,
    FollowUpRow,
    Staff,
)

KINDS = frozenset({EscalationKind.FOLLOW_UP_OVERDUE})


def attempts_for(session: Session, ids: Sequence[int]) -> dict[int, list[Attempt]]:
    """Each follow-up's attempts, oldest first, with who recorded them."""
    if not ids:
        return {}
    rows = session.execute(
        select(FollowUpAttemptRow, Staff.display_name)
        .join(Staff, Staff.id == FollowUpAttemptRow.recorded_by_id)
        .where(FollowUpAttemptRow.follow_up_id.in_(list(ids)))
        .order_by(FollowUpAttemptRow.attempted_at, FollowUpAttemptRow.id)
    ).all()
    out: dict[int, list[Attempt]] = {}
    for row, name in rows:
        out.setdefault(row.follow_up_id, []).append(
            Attempt(row.attempted_at, AttemptOutcome(row.outcome), name, row.note)
        )
    return out


def overdue_follow_up_ids(session: Session, now: datetime) -> list[int]:
    """Open follow-ups past their due time (the ward tick's work list)."""
    return list(
        session.scalars(
            select(FollowUpRow.id)
            .where(FollowUpRow.closed_at.is_(None), FollowUpRow.due_at < now)
            .order_by(FollowUpRow.due_at)
        )
    )


def follow_up_escalation(
    session: Session,
    db: Database,
    follow_up: FollowUpRow,
    *,
    now: datetime,
    station: str,
    staff_id: int | None,
) -> list[EscalationChange]:
    """Raise or update the overdue escalation of one open follow-up (nothing while it is not
    yet due), in ``session``."""
    zone = db.shifts.zone
    trigger = overdue_trigger(
        due_at=follow_up.due_at,
        hours=follow_up.hours,
        basis=Basis(follow_up.basis),
        attempts=attempts_for(session, [follow_up.id]).get(follow_up.id, []),
        now=now,
        when=lambda at: when_text(at, zone),
    )
    return apply_triggers(
        session,
        follow_up.admission_id,
        [trigger] if trigger is not None else [],
        KINDS,
        now=now,
        station=station,
        staff_id=staff_id,
    )


def close_follow_up_escalation(
    session: Session,
    follow_up: FollowUpRow,
    outcome: AttemptOutcome,
    *,
    now: datetime,
    station: str,
    staff_id: int | None,
) -> list[int]:
    """The attempt that closed the follow-up resolves its overdue escalation (the attempt's
    note stays with the follow-up: it may hold contact details the ward's trail must not)."""
    words = (
        "Follow-up contact made"
        if outcome is AttemptOutcome.CONTACT_MADE
        else "Follow-up closed as unable to contact (what was tried is on its attempts)"
    )
    return resolve_open(
        session,
        follow_up.admission_id,
        words,
        now=now,
        staff_id=staff_id,
        station=station,
        kinds=KINDS,
    )
