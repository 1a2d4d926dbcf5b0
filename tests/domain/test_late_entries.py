"""Late entries are judged when they are recorded: a screen typed in on day 2 still raises at
once, and a set or screen entered after a newer one asks whether it was acted on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from typing import Any

import pytest

from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import EscalationKind as K
from wardconsole.domain.records import PatientClinicalState, Severity
from wardconsole.domain.rules import EscalationTrigger, evaluate
from wardconsole.domain.withdrawal import WithdrawalChart

from .builders import NOW, ago, assess, obs, state

NO = {"q1": False, "q2": False, "q6": False}
HIGH = {**NO, "q2": True, "q3": True, "q4": True, "q5": False}


@pytest.fixture
def run(policy: EscalationPolicy, chart: WithdrawalChart) -> Any:
    def _run(patient: PatientClinicalState) -> dict[K, EscalationTrigger]:
        found = evaluate(patient, now=NOW, policy=policy, chart=chart, zone=UTC)
        return {t.kind: t for t in found}

    return _run


def test_a_high_risk_screen_from_the_intake_typed_in_on_day_2_raises_at_once(run: Any) -> None:
    intake = replace(assess("cssrs", ago(hours=30), **HIGH), recorded_at=ago(minutes=1))
    trigger = run(state(intake))[K.SELF_HARM]
    assert (trigger.severity, trigger.explanation) == (Severity.EMERGENCY, "C-SSRS high risk")


def test_the_same_screen_entered_when_taken_has_aged_out(run: Any) -> None:
    entered = replace(assess("cssrs", ago(hours=30), **HIGH), recorded_at=ago(hours=30))
    assert K.SELF_HARM not in run(state(entered))


def test_a_set_taken_before_the_latest_complete_set_never_becomes_current(run: Any) -> None:
    newer = replace(obs(ago(hours=1)), recorded_at=ago(hours=1))
    late = replace(
        obs(ago(hours=3), respiration_rate=26, pulse=135, spo2=91), recorded_at=ago(minutes=2)
    )
    found = run(state(newer, late))
    assert K.DETERIORATION not in found  # the newer, normal set is the current one
    trigger = found[K.LATE_ENTRY]
    assert trigger.severity is Severity.EMERGENCY  # what it would have been when taken
    assert trigger.explanation.startswith("Recorded late — taken at 09:00: NEWS2 ")
    assert trigger.explanation.endswith(": was it acted on?")
    assert trigger.evidence_at == ago(minutes=2)  # resolved once, it stays resolved


def test_a_late_screen_behind_a_newer_one_asks_if_it_was_acted_on(run: Any) -> None:
    newer = replace(assess("cssrs", ago(hours=2), **NO), recorded_at=ago(hours=2))
    late = replace(assess("cssrs", ago(hours=5), **HIGH), recorded_at=ago(minutes=5))
    found = run(state(newer, late))
    assert K.SELF_HARM not in found
    assert found[K.LATE_ENTRY].explanation == (
        "Recorded late — taken at 07:00: C-SSRS high risk: was it acted on?"
    )


def test_a_late_entry_that_would_not_have_escalated_raises_nothing(run: Any) -> None:
    newer = replace(obs(ago(hours=1)), recorded_at=ago(hours=1))
    late = replace(obs(ago(hours=3), pulse=95), recorded_at=ago(minutes=2))  # NEWS2 1
    assert K.LATE_ENTRY not in run(state(newer, late))


def test_entries_made_in_order_are_never_late(run: Any) -> None:
    sick = replace(obs(ago(hours=3), respiration_rate=26), recorded_at=ago(hours=3))
    well = replace(obs(ago(hours=1)), recorded_at=ago(hours=1))
    assert K.LATE_ENTRY not in run(state(sick, well))


def test_hand_built_records_without_a_recorded_time_still_work(run: Any) -> None:
    assert K.LATE_ENTRY not in run(state(obs(ago(hours=3), respiration_rate=26), obs(ago(hours=1))))
