"""Per-patient decisions a clinician documents: SpO2 Scale 2, a modified response, an
observation frequency, and the rapid-tranquillisation interval and end.

Sources: REFERENCE.md §1.2 — Scale 2 only when a competent clinical decision-maker has
documented confirmed hypercapnic (type 2) respiratory failure and prescribed a target of
88–92 % (RCP 2017; the target is fixed, not a free field); REFERENCE-2.md §12.10 — NEWS2 is for
patients aged 16 and over and is not validated in pregnancy.

A documented observation frequency can only make sets more frequent than RCP Chart 4: the
console never relaxes the published minimum (late data may make a patient look worse, never
better). A modified response is shown beside the Chart 4 response, never instead of it, and no
decision suppresses scoring or escalation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Final

from wardconsole.domain.records import ClinicalDecision, DecisionKind

SCALE2_TARGET: Final = "88–92 %"
"""The SpO2 target of Scale 2, fixed by the RCP (REFERENCE.md §1.2)."""
SCALE2_REASON: Final = "Confirmed hypercapnic respiratory failure"
"""The only reason Scale 2 may be used (REFERENCE.md §1.2)."""
REVIEWED_DECISIONS: Final = (
    DecisionKind.SPO2_SCALE,
    DecisionKind.MODIFIED_RESPONSE,
    DecisionKind.OBS_FREQUENCY,
)
"""Decisions that carry a review date; reaching it raises an advisory."""
NEWS2_MIN_AGE: Final = 16
"""NEWS2 is for patients aged 16 and over (RCP 2017 as cited, REFERENCE-2.md §12.10)."""


def current_decision(
    decisions: Sequence[ClinicalDecision], kind: DecisionKind
) -> ClinicalDecision | None:
    """The latest decision of ``kind`` if it is in force (not withdrawn); oldest-first input."""
    latest = next((d for d in reversed(decisions) if d.kind is kind), None)
    return latest if latest is not None and latest.active else None


def describe_decision(decision: ClinicalDecision) -> str:
    """One line for the census, header, charts and handoff, naming who decided it."""
    who = decision.decided_by
    if decision.kind is DecisionKind.SPO2_SCALE:
        return f"SpO2 Scale 2 (target {SCALE2_TARGET}, {who})"
    if decision.kind is DecisionKind.MODIFIED_RESPONSE:
        return f"Modified response ({who}): {decision.details.get('response', '')}"
    if decision.kind is DecisionKind.OBS_FREQUENCY:
        return f"Observations every {_minutes(int(decision.details['minutes']))} ({who})"
    if decision.kind is DecisionKind.RT_INTERVAL:
        return f"RT checks every {_minutes(int(decision.details['minutes']))} ({who})"
    return f"Rapid tranquillisation ended ({who})"


def documented_due(
    decisions: Sequence[ClinicalDecision], latest_complete_at: datetime | None, chart4_due: datetime
) -> datetime:
    """The due time with a documented observation frequency applied: only ever earlier."""
    decision = current_decision(decisions, DecisionKind.OBS_FREQUENCY)
    if decision is None or latest_complete_at is None:
        return chart4_due
    return min(chart4_due, latest_complete_at + timedelta(minutes=int(decision.details["minutes"])))


def news2_not_validated(
    *, date_of_birth: date | None, on: date, pregnant: bool | None
) -> tuple[str, ...]:
    """Why NEWS2 is not validated for this patient (empty when it is). A flag only: it never
    suppresses scoring or escalation."""
    reasons: list[str] = []
    if date_of_birth is not None and _age(date_of_birth, on) < NEWS2_MIN_AGE:
        reasons.append(f"under {NEWS2_MIN_AGE}")
    if pregnant:
        reasons.append("pregnant")
    return tuple(reasons)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{minutes} min"
