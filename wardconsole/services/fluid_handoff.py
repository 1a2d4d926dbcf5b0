"""The food and fluid chart in the shift handoff: intake, output and the balance this shift and
this period, the chart in force during the shift and its latest review, meals eaten and bowels
(days since the last movement), and this shift's entries of any other simple kind (a urine
dipstick…) — worded once here, for the editor, the board and the printed handoff. Read with
grouped statements for every patient at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from wardconsole.domain.fluid_policy import NOT_A_STANDARD
from wardconsole.domain.fluids import Direction, FluidTotals, latest_review, period_of
from wardconsole.domain.handoff_records import Fact
from wardconsole.services.db import Database
from wardconsole.services.nutrition import nutrition_facts
from wardconsole.services.simple_kind_handoff import simple_kind_facts
from wardconsole.store.fluids import last_taken, period_totals, plans_in_force

TOPIC = "nutrition"


def fluid_handoff_facts(
    db: Database,
    session: Session,
    admission_ids: Sequence[int],
    shift_start: datetime,
    until: datetime,
) -> dict[int, tuple[Fact, ...]]:
    """Admission id -> the food and fluid chart facts of the shift [shift_start, until)."""
    if not admission_ids:
        return {}
    eating = nutrition_facts(db, session, admission_ids, shift_start, until)
    fluids = _fluid_facts(db, session, admission_ids, shift_start, until)
    others = simple_kind_facts(db, session, admission_ids, shift_start, until)
    return {i: fluids[i] + eating.get(i, ()) + others.get(i, ()) for i in admission_ids}


def _fluid_facts(
    db: Database,
    session: Session,
    admission_ids: Sequence[int],
    shift_start: datetime,
    until: datetime,
) -> dict[int, tuple[Fact, ...]]:
    policy = db.fluid_policy
    period = period_of(until, policy.day_start, db.ward_timezone)
    end = until + timedelta(microseconds=1)  # an entry taken at the moment of drafting counts
    shift = _totals(session, admission_ids, shift_start, end)
    so_far = _totals(session, admission_ids, period.start, end)
    plans = plans_in_force(session, admission_ids, at=until)  # the plan of that shift
    last = last_taken(session, admission_ids, direction=Direction.INTAKE, before=end)
    start = period.start.astimezone(db.shifts.zone).strftime("%H:%M")
    out: dict[int, tuple[Fact, ...]] = {}
    for admission_id in admission_ids:
        in_shift = shift.get(admission_id, FluidTotals())
        in_period = so_far.get(admission_id, FluidTotals())
        plan = plans.get(admission_id)
        plan = plan if plan is not None and plan.active else None
        last_intake = last.get(admission_id)
        if plan is None and not _any(in_shift) and not _any(in_period):
            out[admission_id] = (
                Fact("Fluids: none recorded this shift; not on a fluid chart", TOPIC),
            )
            continue
        facts = [
            Fact(f"Fluids this shift: {_line(in_shift, last_intake, until)}", TOPIC),
            Fact(
                f"Fluids this period (from {start}"
                + (f", {period.clock_change}" if period.clock_change else "")
                + f"): {_line(in_period, last_intake, until)}",
                TOPIC,
            ),
        ]
        if plan is not None:
            facts.append(
                Fact(
                    f"On a fluid chart: {plan.reason_label}; target {plan.target_ml} ml per 24 h "
                    f"({NOT_A_STANDARD})",
                    TOPIC,
                )
            )
            review = latest_review(plan, in_period, period, until, policy)
            if review is not None and review.behind:
                facts.append(Fact(review.text, TOPIC, policy.review_severity))
            elif review is not None:
                facts.append(
                    Fact(
                        f"Fluid intake on track at the {review.clock} review: "
                        f"{review.intake_ml} ml of {review.expected_ml} ml expected",
                        TOPIC,
                    )
                )
        out[admission_id] = tuple(facts)
    return out


def _totals(
    session: Session, ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, FluidTotals]:
    if end <= start:
        return {}
    return {key[0]: totals for key, totals in period_totals(session, ids, [start, end]).items()}


def _any(totals: FluidTotals) -> bool:
    return bool(totals.intake_count or totals.output_count or totals.unmeasured_outputs)


def _line(totals: FluidTotals, last_intake: datetime | None, now: datetime) -> str:
    return (
        f"in {totals.intake_text(last_intake, now)} · out {totals.output_text} · "
        f"{totals.balance_text}"
    )
