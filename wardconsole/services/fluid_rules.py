"""The fluid chart's escalations, evaluated with the patient's other rules.

* Intake behind at a review time (the policy's wall-clock reviews, e.g. 15:00 and 06:00, and its
  expected share of the patient's target): an advisory "Fluid intake review" through the normal
  escalation workflow. The thresholds are local policy, not an NHS standard (REFERENCE-2.md
  §12.2), and the explanation says so.
* The plan's own review time reached: the same advisory, until the chart is reviewed (changed,
  continued with a new review time, or stopped).
* On a chart for "drinking less because of bladder pain" with no urine passed recorded for the
  policy's hours: the bladder escalation, prompting the existing bladder assessment (ketamine
  uropathy: retention occurs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from wardconsole.domain.fluids import (
    BLADDER_REASON,
    Direction,
    FluidPeriod,
    FluidPlan,
    FluidTotals,
    ago_text,
    latest_review,
    no_urine_since,
    period_of,
)
from wardconsole.domain.records import EscalationKind
from wardconsole.domain.rules import EscalationTrigger
from wardconsole.services.db import Database
from wardconsole.store.fluids import last_taken, period_totals, plans_in_force

PROMPT_INTAKE = (
    "Offer drinks now and record each one; review the fluid chart with the nurse in charge"
)
PROMPT_PLAN = "Review the fluid chart: continue it with a new review time, change it, or stop it"
PROMPT_BLADDER = (
    "Record the bladder assessment now (Record observations → Bladder); "
    "ask about pain on voiding and retention"
)


def fluid_triggers_of(
    session: Session, db: Database, admission_ids: Sequence[int], now: datetime
) -> dict[int, list[EscalationTrigger]]:
    """Triggers from each patient's fluid chart (none when they are not on one): three
    statements however many patients (their plans, today's totals, the last urine)."""
    plans = plans_in_force(session, admission_ids)
    charted = [i for i in admission_ids if i in plans and plans[i].active]
    if not charted:
        return {i: [] for i in admission_ids}
    period = period_of(now, db.fluid_policy.day_start, db.ward_timezone)
    totals = period_totals(session, charted, [period.start, period.end])
    bladder = [i for i in charted if plans[i].reason == BLADDER_REASON]
    urine = (
        last_taken(session, bladder, direction=Direction.OUTPUT, what="urine") if bladder else {}
    )
    return {
        i: _plan_triggers(
            db, plans[i], period, totals.get((i, 0), FluidTotals()), urine.get(i), now
        )
        if i in charted
        else []
        for i in admission_ids
    }


def _plan_triggers(
    db: Database,
    plan: FluidPlan,
    period: FluidPeriod,
    totals: FluidTotals,
    last_urine: datetime | None,
    now: datetime,
) -> list[EscalationTrigger]:
    policy = db.fluid_policy
    found: list[EscalationTrigger] = []
    review = latest_review(plan, totals, period, now, policy)
    reasons: list[tuple[str, str, str, datetime]] = []
    if review is not None and review.behind:
        reasons.append((f"review_{review.clock}", review.text, PROMPT_INTAKE, review.at))
    if plan.review_at <= now:
        when = plan.review_at.astimezone(db.shifts.zone).strftime("%a %d %b %H:%M")
        reasons.append(
            ("plan_review", f"Fluid chart review due since {when}", PROMPT_PLAN, plan.review_at)
        )
    if reasons:
        found.append(
            EscalationTrigger(
                kind=EscalationKind.FLUID_INTAKE,
                severity=policy.review_severity,
                rule_id=f"fluid_chart/{reasons[0][0]}",
                explanation="; ".join(r[1] for r in reasons),
                prompts=tuple(r[2] for r in reasons),
                evidence_at=max(r[3] for r in reasons),
            )
        )
    if plan.reason == BLADDER_REASON:
        since = no_urine_since(plan, last_urine, now, policy)
        if since is not None:
            what = "since the fluid chart started" if last_urine is None else "recorded"
            found.append(
                EscalationTrigger(
                    kind=EscalationKind.BLADDER,
                    severity=policy.no_urine_severity,
                    rule_id="fluid_chart/no_urine",
                    explanation=(
                        f"No urine passed {what} for {ago_text(now - since)}, on a fluid chart "
                        "for drinking less because of bladder pain"
                    ),
                    prompts=(PROMPT_BLADDER,),
                    evidence_at=since + policy.no_urine,
                )
            )
    return found
