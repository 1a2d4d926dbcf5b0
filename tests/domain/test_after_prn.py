"""After a PRN dose: the RASS after an oral sedative or antipsychotic, the oral antipsychotic
count, and the rapid-tranquillisation schedule after an IM/IV dose (NICE QS154 statement 4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from wardconsole.domain.after_prn import (
    is_rt_dose,
    oral_antipsychotic_count,
    post_prn_rass_due,
    rt_status,
)
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import (
    ClinicalDecision,
    DecisionKind,
    EscalationKind,
    PatientClinicalState,
    PrnDose,
    route_key,
    route_label,
)
from wardconsole.domain.rules import evaluate
from wardconsole.domain.withdrawal import WithdrawalChart

from .builders import FORMULARY, NOW, ago, assess, obs, prn, state

MIN = timedelta(minutes=1)


def dose(
    at: Any, drug_class: str = "antipsychotic", route: str = "oral", drug: str = "haloperidol"
) -> PrnDose:
    return replace(prn(at, drug=drug, drug_class=drug_class), route=route, dose="5 mg")


def decision(kind: DecisionKind, at: Any, reason: str = "", **details: Any) -> ClinicalDecision:
    return ClinicalDecision(
        id=1,
        admission_id=1,
        kind=kind,
        decided_at=at,
        decided_by="Dr Amir Khan",
        reason=reason,
        details=details,
    )


def rt(patient: PatientClinicalState, policy: EscalationPolicy, now: Any = NOW) -> Any:
    return rt_status(
        prn_doses=patient.prn_doses,
        assessments=patient.assessments,
        observations=patient.observations,
        decisions=patient.decisions,
        now=now,
        policy=policy,
    )


def triggers(
    patient: PatientClinicalState, policy: EscalationPolicy, chart: WithdrawalChart, now: Any = NOW
) -> dict[EscalationKind, Any]:
    return {t.kind: t for t in evaluate(patient, now=now, policy=policy, chart=chart)}


def checked(at: Any, **answers: Any) -> Any:
    return assess(
        "rt_check",
        at,
        **({"status": "done", "hydration": "adequate", "side_effects": []} | answers),
    )


@pytest.mark.parametrize(
    ("typed", "key", "label"),
    [
        ("PO", "oral", "oral"),
        ("IM", "im", "IM"),
        ("intravenous", "iv", "IV"),
        ("by  mouth", "oral", "oral"),
        ("nasal spray", None, "nasal spray"),
    ],
)
def test_routes_are_read_from_what_was_typed_or_stored(
    typed: str, key: str | None, label: str
) -> None:
    assert route_key(typed) == key
    assert route_label(typed) == label


def test_an_oral_antipsychotic_starts_a_rass_due_within_the_policy_minutes(
    policy: EscalationPolicy,
) -> None:
    given = dose(ago(minutes=30))
    due = post_prn_rass_due((given,), (), policy)
    assert due is not None and due.dose == given
    assert due.due_at == given.given_at + policy.rass_after_prn
    # A RASS recorded after the dose clears it; one recorded before does not.
    assert (
        post_prn_rass_due((given,), (assess("rass", ago(minutes=40), score=0),), policy) is not None
    )
    assert post_prn_rass_due((given,), (assess("rass", ago(minutes=5), score=-1),), policy) is None
    # An analgesic needs no RASS.
    assert post_prn_rass_due((dose(ago(minutes=30), drug="paracetamol"),), (), policy) is None


def test_an_overdue_post_prn_rass_escalates_after_the_grace(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    grace = timedelta(minutes=policy.rule("post_prn_rass").number("grace_minutes"))
    given = dose(NOW - policy.rass_after_prn - grace, "anxiolytic", drug="lorazepam")
    assert EscalationKind.POST_PRN_RASS not in triggers(state(given), policy, chart)
    later = NOW + 5 * MIN
    trigger = triggers(state(given), policy, chart, later)[EscalationKind.POST_PRN_RASS]
    assert trigger.rule_id == "post_prn_rass/overdue"
    assert trigger.explanation == "RASS after PRN lorazepam 5 mg oral overdue by 15 min"
    assert trigger.prompts == ("Record a RASS now",)
    assert trigger.severity.name == "URGENT"
    quiet = state(given, assess("rass", NOW, score=0))
    assert EscalationKind.POST_PRN_RASS not in triggers(quiet, policy, chart, later)


def test_oral_antipsychotics_have_their_own_count_and_the_sedative_count_keeps_its_meaning(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    doses = (
        dose(ago(hours=30)),  # outside 24 h
        dose(ago(hours=20)),
        dose(ago(hours=2), route="IM"),  # rapid tranquillisation, not an oral PRN
        dose(ago(hours=1)),
    )
    assert oral_antipsychotic_count(doses, now=NOW, window=timedelta(hours=24), policy=policy) == 2
    assert not FORMULARY.classes["antipsychotic"].counts_as_sedative
    many = state(*(dose(ago(hours=h)) for h in (1, 2, 3, 4, 5)))
    assert EscalationKind.PRN_REVIEW not in triggers(many, policy, chart)


def test_an_im_or_iv_sedative_or_antipsychotic_is_rapid_tranquillisation(
    policy: EscalationPolicy,
) -> None:
    assert is_rt_dose(dose(NOW, route="IM"), policy)
    assert is_rt_dose(dose(NOW, route="iv", drug="lorazepam"), policy)
    assert not is_rt_dose(dose(NOW, route="oral"), policy)
    assert not is_rt_dose(dose(NOW, route="IM", drug="paracetamol"), policy)
    # An RT dose starts the RT schedule, not a second post-PRN RASS alarm.
    assert post_prn_rass_due((dose(NOW, route="IM"),), (), policy) is None


def test_rapid_tranquillisation_is_hourly_by_default_until_a_clinician_ends_it(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    given = dose(ago(hours=3), route="IM")
    at = ago(hours=2, minutes=10)
    patient = state(given, obs(at), assess("rass", at, score=-1), checked(at))
    status = rt(patient, policy)
    assert status is not None and status.interval == timedelta(hours=1)
    assert status.due == {key: at + timedelta(hours=1) for key in ("news2", "rass", "rt_check")}
    trigger = triggers(patient, policy, chart)[EscalationKind.RAPID_TRANQUILLISATION]
    assert trigger.rule_id == "rapid_tranquillisation/overdue"
    assert trigger.explanation == (
        "Rapid tranquillisation (haloperidol 5 mg IM): NEWS2 set, RASS, hydration and side "
        "effects overdue by 1 h 10 min"
    )
    ended = replace(patient, decisions=(decision(DecisionKind.RT_END, ago(minutes=5), "Settled"),))
    assert rt(ended, policy) is None
    assert EscalationKind.RAPID_TRANQUILLISATION not in triggers(ended, policy, chart)
    # Another IM dose after the end starts a new schedule, due an hour after that dose.
    again = replace(ended, prn_doses=(*ended.prn_doses, dose(ago(minutes=2), route="IM")))
    status = rt(again, policy)
    assert status is not None and status.next_due == ago(minutes=2) + timedelta(hours=1)


def test_each_part_of_the_check_is_due_on_its_own(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    given = dose(ago(minutes=70), route="IM")
    patient = state(given, obs(ago(minutes=20)), assess("rass", ago(minutes=20), score=0))
    status = rt(patient, policy)
    assert status is not None
    assert status.overdue_parts(NOW) == ("rt_check",)
    trigger = triggers(patient, policy, chart)[EscalationKind.RAPID_TRANQUILLISATION]
    assert "hydration and side effects overdue by 10 min" in trigger.explanation
    assert "NEWS2" not in trigger.explanation


def test_the_fifteen_minute_option_carries_its_reason(policy: EscalationPolicy) -> None:
    given = dose(ago(minutes=20), route="IM")
    chosen = decision(
        DecisionKind.RT_INTERVAL, ago(minutes=19), "Appears asleep after the dose", minutes=15
    )
    patient = replace(state(given), decisions=(chosen,))
    status = rt(patient, policy)
    assert status is not None
    assert status.interval == timedelta(minutes=15)
    assert status.interval_reason == "Appears asleep after the dose"
    assert status.next_due == given.given_at + timedelta(minutes=15)
    # A choice made in an earlier episode does not carry over.
    old = replace(chosen, decided_at=ago(minutes=25))
    assert rt(replace(patient, decisions=(old,)), policy).interval == timedelta(hours=1)


def test_asleep_observations_not_possible_never_reads_as_a_normal_check(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    given = dose(ago(minutes=75), route="IM")
    asleep = assess("rt_check", ago(minutes=5), status="asleep_not_possible")
    partial = obs(ago(minutes=5), systolic_bp=None, temperature=None)
    patient = state(given, asleep, partial, assess("rass", ago(minutes=5), score=-2))
    status = rt(patient, policy)
    assert status is not None and status.not_possible_at == ago(minutes=5)
    # Neither the asleep entry nor the partial set counts: those parts stay overdue ...
    assert set(status.overdue_parts(NOW)) == {"news2", "rt_check"}
    trigger = triggers(patient, policy, chart)[EscalationKind.RAPID_TRANQUILLISATION]
    assert "last attempt: asleep, observations not possible" in trigger.explanation
    # ... and the next attempt comes forward to the close interval for every part.
    close = timedelta(
        minutes=policy.rule("rapid_tranquillisation").number("close_interval_minutes")
    )
    assert status.due["rass"] == ago(minutes=5) + close


def test_a_side_effect_escalates_with_its_name(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    given = dose(ago(minutes=30), route="IM")
    patient = state(
        given,
        obs(ago(minutes=5)),
        assess("rass", ago(minutes=5), score=0),
        checked(ago(minutes=5), side_effects=["acute_dystonia"]),
    )
    trigger = triggers(patient, policy, chart)[EscalationKind.RAPID_TRANQUILLISATION]
    assert trigger.rule_id == "rapid_tranquillisation/side_effect"
    assert "side effects: acute dystonia" in trigger.explanation
    assert "Medical review of the side effects now" in trigger.prompts


def test_a_check_needs_hydration_and_side_effects_and_asleep_takes_neither() -> None:
    from wardconsole.domain.assessments import score_assessment

    with pytest.raises(ValueError, match="hydration"):
        score_assessment("rt_check", {"status": "done", "side_effects": []})
    with pytest.raises(ValueError, match="side_effects: 'dizzy'"):
        score_assessment(
            "rt_check", {"status": "done", "hydration": "adequate", "side_effects": ["dizzy"]}
        )
    with pytest.raises(ValueError, match="not asked when observations were not possible"):
        score_assessment("rt_check", {"status": "asleep_not_possible", "hydration": "adequate"})
    assert score_assessment("rt_check", {"status": "asleep_not_possible"}).label == (
        "Asleep — observations not possible"
    )
