"""Per-patient clinician decisions: Scale 2, modified response, observation frequency, and
where NEWS2 is not validated. None of them ever relaxes Chart 4 or suppresses an escalation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from wardconsole.domain.decisions import (
    current_decision,
    describe_decision,
    documented_due,
    news2_not_validated,
)
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import ClinicalDecision, DecisionKind, EscalationKind, Severity
from wardconsole.domain.rules import evaluate
from wardconsole.domain.withdrawal import WithdrawalChart

from .builders import NOW, ago, obs, state


def decided(kind: DecisionKind, review_at: Any = None, **details: Any) -> ClinicalDecision:
    return ClinicalDecision(
        id=1,
        admission_id=1,
        kind=kind,
        decided_at=ago(days=1),
        decided_by="Dr Amir Khan",
        reason="Confirmed hypercapnic respiratory failure",
        details=details,
        review_at=review_at,
    )


def test_the_latest_decision_of_a_kind_counts_and_a_withdrawal_ends_it() -> None:
    scale2 = decided(DecisionKind.SPO2_SCALE, scale=2)
    assert current_decision((scale2,), DecisionKind.SPO2_SCALE) == scale2
    back = replace(decided(DecisionKind.SPO2_SCALE, scale=1), decided_at=ago(hours=1))
    assert current_decision((scale2, back), DecisionKind.SPO2_SCALE) is None
    assert describe_decision(scale2) == "SpO2 Scale 2 (target 88–92 %, Dr Amir Khan)"


def test_a_documented_frequency_only_ever_brings_the_next_set_forward() -> None:
    last = ago(hours=2)
    chart4 = last + timedelta(hours=4)
    hourly = decided(DecisionKind.OBS_FREQUENCY, minutes=60)
    assert documented_due((hourly,), last, chart4) == last + timedelta(hours=1)
    twelve_hourly = decided(DecisionKind.OBS_FREQUENCY, minutes=720)
    assert documented_due((twelve_hourly,), last, chart4) == chart4


def test_an_overdue_set_under_a_documented_frequency_escalates(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    patient = replace(
        state(obs(ago(minutes=90))), decisions=(decided(DecisionKind.OBS_FREQUENCY, minutes=60),)
    )
    found = {t.kind: t for t in evaluate(patient, now=NOW, policy=policy, chart=chart)}
    assert found[EscalationKind.OVERDUE_OBS].explanation == "Observations overdue by 30 min"


def test_a_modified_response_is_shown_beside_chart_4_and_never_stops_the_escalation(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    modified = decided(DecisionKind.MODIFIED_RESPONSE, response="Call the on-call GP first")
    patient = replace(
        state(obs(ago(minutes=5), respiration_rate=25, spo2=93, pulse=111)), decisions=(modified,)
    )
    found = {t.kind: t for t in evaluate(patient, now=NOW, policy=policy, chart=chart)}
    trigger = found[EscalationKind.DETERIORATION]
    assert trigger.severity is Severity.EMERGENCY
    assert trigger.prompts[0].startswith("Emergency response (RCP Chart 4")
    assert "Modified response (Dr Amir Khan): Call the on-call GP first" in trigger.prompts


def test_a_review_date_reached_raises_an_advisory(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    scale2 = decided(DecisionKind.SPO2_SCALE, review_at=ago(hours=1), scale=2)
    patient = replace(state(), decisions=(scale2,))
    found = {t.kind: t for t in evaluate(patient, now=NOW, policy=policy, chart=chart)}
    trigger = found[EscalationKind.DECISION_REVIEW]
    assert trigger.severity is Severity.ADVISORY
    assert trigger.explanation == (
        "SpO2 Scale 2 (target 88–92 %, Dr Amir Khan): review date reached"
    )
    later = replace(scale2, review_at=NOW + timedelta(days=1))
    quiet = replace(patient, decisions=(later,))
    assert EscalationKind.DECISION_REVIEW not in {
        t.kind for t in evaluate(quiet, now=NOW, policy=policy, chart=chart)
    }


def test_news2_is_flagged_not_validated_under_16_or_in_pregnancy() -> None:
    today = date(2027, 3, 1)
    assert news2_not_validated(date_of_birth=date(2011, 3, 2), on=today, pregnant=False) == (
        "under 16",
    )
    assert news2_not_validated(date_of_birth=date(2011, 3, 1), on=today, pregnant=None) == ()
    assert news2_not_validated(date_of_birth=date(1990, 1, 1), on=today, pregnant=True) == (
        "pregnant",
    )
