"""The safety-check rules, run with the other escalation rules in the same transaction.

``escalations.apply_rules`` calls ``with_safety_triggers`` after the clinical rules: it adds the
missed-check and absent-patient triggers and the "review the observation level" prompt, so these
escalations are ordinary escalation rows (announce, acknowledge, cascade, resolve).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from wardconsole.domain.rules import EscalationTrigger
from wardconsole.domain.safety_checks import (
    CheckRecord,
    CheckSchedule,
    LevelPeriod,
    safety_triggers,
    schedule_at,
    with_default_level,
    with_level_review_prompt,
)
from wardconsole.services.db import Database
from wardconsole.store.models import Admission
from wardconsole.store.safety_checks import latest_checks, level_periods


def current_schedule(
    session: Session, db: Database, admission: Admission, now: datetime
) -> CheckSchedule:
    """Where one patient's safety checks stand at ``now`` (two small queries)."""
    levels = db.observation_levels
    periods = with_default_level(
        level_periods(session, [admission.id]).get(admission.id, []),
        admission.admitted_at,
        levels,
    )
    last = latest_checks(session, [admission.id]).get(admission.id)
    return schedule_at(periods, [last] if last else [], now, levels)


def schedules_for(
    session: Session, db: Database, admissions: Iterable[tuple[int, datetime]], now: datetime
) -> dict[int, CheckSchedule]:
    """Each admission's check schedule at ``now``; ``admissions`` are (id, admitted_at).

    Two queries whatever the number of patients (all level rows, newest check each).
    """
    admitted = dict(admissions)
    ids = list(admitted)
    return schedules_from(
        db, admitted, level_periods(session, ids), latest_checks(session, ids), now
    )


def schedules_from(
    db: Database,
    admitted: Mapping[int, datetime],
    periods: Mapping[int, Sequence[LevelPeriod]],
    last: Mapping[int, CheckRecord],
    now: datetime,
) -> dict[int, CheckSchedule]:
    """``schedules_for`` from what it reads (``level_periods``, ``latest_checks``): each
    admission's check schedule at ``now``; ``admitted``: admission id -> admitted at."""
    levels = db.observation_levels
    return {
        admission_id: schedule_at(
            with_default_level(periods.get(admission_id, ()), admitted_at, levels),
            [last[admission_id]] if admission_id in last else [],
            now,
            levels,
        )
        for admission_id, admitted_at in admitted.items()
    }


def with_safety_triggers(
    db: Database, schedule: CheckSchedule, triggers: Sequence[EscalationTrigger]
) -> list[EscalationTrigger]:
    """``triggers`` with the level-review prompt added, plus the safety-check triggers of
    ``schedule`` (``schedules_for`` reads a ward's schedules in two statements)."""
    levels = db.observation_levels
    return with_level_review_prompt(triggers, levels) + safety_triggers(
        schedule, levels, zone=db.shifts.zone
    )
