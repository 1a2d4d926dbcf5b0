"""Weight and MUST in the shift handoff: the latest weight with its trend and when weighing is
due, the latest MUST screen and what follows from it — worded once (``domain.weights``), read
for every patient at once (two statements). What needs doing (weighing due, a screen at medium
or high risk, its food chart or refeeding prompt) is ● ADVISORY, as the dietitian referral is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain.handoff_records import Fact
from wardconsole.domain.records import Severity
from wardconsole.domain.weights import handoff_lines, must_prompts, weight_course
from wardconsole.services.db import Database
from wardconsole.store import weights
from wardconsole.store.models import Admission

TOPIC = "nutrition"


def weight_handoff_facts(
    db: Database, session: Session, admission_ids: Sequence[int], until: datetime
) -> dict[int, tuple[Fact, ...]]:
    """Admission id -> the weight and MUST facts as of ``until``."""
    if not admission_ids:
        return {}
    policy = db.weight_policy
    zone = db.shifts.zone
    admitted = dict(
        session.execute(
            select(Admission.id, Admission.admitted_at).where(Admission.id.in_(admission_ids))
        ).all()
    )
    found = weights.weighings(session, admission_ids)
    screens = weights.must_screens(session, admission_ids)

    def when(at: datetime) -> str:
        return at.astimezone(zone).strftime("%a %d %b %H:%M")

    out: dict[int, tuple[Fact, ...]] = {}
    for admission_id in admission_ids:
        course = weight_course(
            [e for e in found[admission_id] if e.taken_at <= until],
            admitted[admission_id],
            policy,
        )
        done = [s for s in screens[admission_id] if s.taken_at <= until]
        latest = done[-1] if done else None
        facts = [
            Fact(text, TOPIC, Severity.ADVISORY if attention else None)
            for text, attention in handoff_lines(course, latest, until, when)
        ]
        facts += [Fact(p, TOPIC, Severity.ADVISORY) for p in must_prompts(latest, until, policy)]
        out[admission_id] = tuple(facts)
    return out
