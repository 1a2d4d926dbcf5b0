"""Escalation rules (REFERENCE.md §9A): each fires, stays quiet just below, and explains itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import (
    EscalationKind,
    EscalationState,
    OpenEscalation,
    PatientClinicalState,
    Severity,
)
from wardconsole.domain.rules import (
    EscalationTrigger,
    evaluate,
    plan_escalations,
)
from wardconsole.domain.withdrawal import WithdrawalChart

from .builders import NOW, ago, assess, obs, prn, rated, state

K = EscalationKind


@pytest.fixture
def run(policy: EscalationPolicy, chart: WithdrawalChart) -> Any:
    def _run(patient: PatientClinicalState, now: datetime = NOW) -> dict[K, EscalationTrigger]:
        triggers = evaluate(patient, now=now, policy=policy, chart=chart)
        kinds = [t.kind for t in triggers]
        assert len(kinds) == len(set(kinds)), "at most one trigger per kind"
        return {t.kind: t for t in triggers}

    return _run


def test_a_well_patient_raises_nothing(run: Any) -> None:
    assert run(state(obs(ago(minutes=30)), assess("rass", ago(hours=1), score=0))) == {}


# --- deterioration (NEWS2 Chart 4) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "severity", "text"),
    [
        ({"consciousness": "V"}, Severity.URGENT, "NEWS2 3 (low-medium): ACVPU 3"),
        (
            {"respiration_rate": 21, "pulse": 111, "temperature": 38.1},
            Severity.URGENT,
            "NEWS2 5 (medium): RR 2, HR 2, T 1",
        ),
        (
            {"respiration_rate": 25, "spo2": 93, "pulse": 111},
            Severity.EMERGENCY,
            "NEWS2 7 (high): RR 3, SpO2 2, HR 2",
        ),
    ],
)
def test_deterioration_by_news2_band(
    run: Any, changes: dict[str, Any], severity: Severity, text: str
) -> None:
    trigger = run(state(obs(ago(minutes=5), **changes)))[K.DETERIORATION]
    assert trigger.severity is severity
    assert trigger.explanation == text
    assert trigger.rule_id == "deterioration/news2"
    assert trigger.prompts


def test_low_news2_raises_nothing(run: Any) -> None:
    # total 4, no red score: still "low" (ward-based response, no escalation)
    patient = state(obs(ago(minutes=5), respiration_rate=21, pulse=95, temperature=38.1))
    assert K.DETERIORATION not in run(patient)


def test_partial_set_never_changes_the_score(run: Any) -> None:
    patient = state(
        obs(ago(hours=1), respiration_rate=25, spo2=93, pulse=111),
        obs(ago(minutes=5), pulse=None, systolic_bp=None),
    )
    assert run(patient)[K.DETERIORATION].severity is Severity.EMERGENCY


def test_old_complete_set_outside_lookback_does_not_drive_deterioration(run: Any) -> None:
    patient = state(obs(ago(hours=25), respiration_rate=25, spo2=93, pulse=111))
    assert K.DETERIORATION not in run(patient)


# --- panic ---------------------------------------------------------------------------------------

FOUR = ["palpitations", "sweating", "trembling", "shortness_of_breath"]


def test_panic_attack_is_urgent(run: Any) -> None:
    trigger = run(state(assess("panic", ago(minutes=20), symptoms=FOUR, distress=8)))[K.PANIC]
    assert trigger.severity is Severity.URGENT
    assert trigger.explanation == "Panic attack (4/13 symptoms, distress 8/10)"
    assert trigger.rule_id == "panic/panic_attack"
    assert any("NEWS2" in p for p in trigger.prompts)


def test_limited_symptom_attack_is_not_escalated(run: Any) -> None:
    assert K.PANIC not in run(state(assess("panic", ago(minutes=20), symptoms=FOUR[:3])))


def test_chart_anxiety_at_acute_panic_is_urgent(run: Any) -> None:
    trigger = run(state(rated(ago(minutes=30), anxiety=7)))[K.PANIC]
    assert trigger.rule_id == "panic/chart"
    assert trigger.explanation == "Withdrawal chart: Anxiety 7/7 (equivalent to acute panic states)"
    assert K.PANIC not in run(state(rated(ago(minutes=30), anxiety=6)))


def test_panic_never_suppresses_deterioration(run: Any) -> None:
    patient = state(
        assess("panic", ago(minutes=10), symptoms=[*FOUR, "chest_pain"]),
        obs(ago(minutes=5), respiration_rate=25, pulse=131, spo2=93),
    )
    found = run(patient)
    assert found[K.PANIC].severity is Severity.URGENT
    assert found[K.DETERIORATION].severity is Severity.EMERGENCY


def test_panic_three_days_ago_does_not_re_raise(run: Any) -> None:
    assert K.PANIC not in run(state(assess("panic", ago(days=3), symptoms=FOUR)))
    assert K.PANIC not in run(state(rated(ago(days=3), anxiety=7)))


# --- confusion -----------------------------------------------------------------------------------


def test_acvpu_c_is_confusion(run: Any) -> None:
    found = run(state(obs(ago(minutes=5), consciousness="C")))
    assert found[K.CONFUSION].explanation == "New confusion (ACVPU C) on the latest obs set"
    assert found[K.CONFUSION].rule_id == "confusion/acvpu"
    assert found[K.DETERIORATION].severity is Severity.URGENT  # red score too


def test_acvpu_c_in_a_partial_set_still_counts(run: Any) -> None:
    patient = state(obs(ago(hours=1)), obs(ago(minutes=5), consciousness="C", pulse=None))
    assert K.CONFUSION in run(patient)


def test_later_alert_set_clears_confusion(run: Any) -> None:
    patient = state(obs(ago(hours=1), consciousness="C"), obs(ago(minutes=5)))
    assert K.CONFUSION not in run(patient)


def test_4at_threshold(run: Any) -> None:
    base = {"alertness": "normal", "amt4_mistakes": 0, "attention": "seven_or_more"}
    four = run(state(assess("4at", ago(hours=1), **base, acute_change=True)))[K.CONFUSION]
    assert four.explanation == "4AT 4: possible delirium"
    assert four.rule_id == "confusion/4at"
    three = assess(
        "4at",
        ago(hours=1),
        **{**base, "amt4_mistakes": 2, "attention": "refused"},
        acute_change=False,
    )
    assert three.total == 3
    assert K.CONFUSION not in run(state(three))


def test_chart_orientation_red_flag(run: Any) -> None:
    trigger = run(state(rated(ago(hours=1), orientation=2)))[K.CONFUSION]
    assert trigger.rule_id == "confusion/chart"
    assert "Orientation / clouding of sensorium 2/4" in trigger.explanation
    assert K.CONFUSION not in run(state(rated(ago(hours=1), orientation=1)))


# --- hallucination -------------------------------------------------------------------------------


def test_bprse_at_threshold(run: Any) -> None:
    trigger = run(state(assess("hallucination", ago(hours=1), score=6, modalities=["auditory"])))[
        K.HALLUCINATION
    ]
    assert trigger.explanation == (
        "Hallucinations 6/7 auditory (BPRS-E) — very severe hallucinations (acting on them, "
        "or preoccupied)"
    )
    assert trigger.rule_id == "hallucination/bprse"
    # BPRS-E 6–7 is a grade above 5 in the shipped policy (DESIGN CHOICE): emergency.
    assert (trigger.severity, trigger.grade) == (Severity.EMERGENCY, 2)
    at_five = run(state(assess("hallucination", ago(hours=1), score=5, modalities=["auditory"])))
    assert at_five[K.HALLUCINATION].explanation == "Hallucinations 5/7 auditory (BPRS-E)"
    assert (at_five[K.HALLUCINATION].severity, at_five[K.HALLUCINATION].grade) == (
        Severity.URGENT,
        1,
    )


def test_bprse_just_below_threshold_with_earlier_rating_is_quiet(run: Any) -> None:
    patient = state(
        assess("hallucination", ago(days=2), score=4, modalities=["visual"]),
        assess("hallucination", ago(hours=1), score=4, modalities=["visual"]),
    )
    assert K.HALLUCINATION not in run(patient)


def test_new_onset(run: Any) -> None:
    patient = state(
        assess("hallucination", ago(days=1, hours=1), score=2, modalities=["visual"]),
        assess("hallucination", ago(hours=1), score=4, modalities=["visual"]),
    )
    trigger = run(patient)[K.HALLUCINATION]
    assert trigger.rule_id == "hallucination/new_onset"
    assert trigger.explanation.startswith("New hallucinations 4/7 visual (BPRS-E")
    quiet = state(assess("hallucination", ago(hours=1), score=3, modalities=["visual"]))
    assert K.HALLUCINATION not in run(quiet)


def test_old_rating_outside_baseline_does_not_block_new_onset(run: Any) -> None:
    patient = state(
        assess("hallucination", ago(days=8), score=5, modalities=["auditory"]),
        assess("hallucination", ago(hours=1), score=4, modalities=["auditory"]),
    )
    assert run(patient)[K.HALLUCINATION].rule_id == "hallucination/new_onset"


def test_chart_hallucination_red_flag(run: Any) -> None:
    trigger = run(state(rated(ago(hours=1), hallucinations_tactile=4)))[K.HALLUCINATION]
    assert trigger.rule_id == "hallucination/chart"
    assert "Tactile disturbances / hallucinations 4/7" in trigger.explanation
    assert K.HALLUCINATION not in run(state(rated(ago(hours=1), hallucinations_tactile=3)))


def test_two_reasons_same_kind_merge_into_one_trigger(run: Any) -> None:
    patient = state(
        rated(ago(hours=1), hallucinations_visual=5),
        assess("hallucination", ago(hours=1), score=5, modalities=["visual"]),
    )
    trigger = run(patient)[K.HALLUCINATION]
    assert trigger.rule_id == "hallucination/bprse"
    assert "Withdrawal chart: Visual" in trigger.explanation
    assert "(BPRS-E)" in trigger.explanation


# --- self-harm -----------------------------------------------------------------------------------

NO = {"q1": False, "q2": False, "q6": False}


@pytest.mark.parametrize(
    ("answers", "severity", "text"),
    [
        ({**NO, "q1": True}, Severity.ADVISORY, "C-SSRS low risk"),
        (
            {**NO, "q2": True, "q3": True, "q4": False, "q5": False},
            Severity.URGENT,
            "C-SSRS moderate risk",
        ),
        (
            {**NO, "q2": True, "q3": True, "q4": True, "q5": False},
            Severity.EMERGENCY,
            "C-SSRS high risk",
        ),
        ({**NO, "q6": True, "q6_within_3_months": True}, Severity.EMERGENCY, "C-SSRS high risk"),
    ],
)
def test_cssrs_levels(run: Any, answers: dict[str, Any], severity: Severity, text: str) -> None:
    trigger = run(state(assess("cssrs", ago(hours=2), **answers)))[K.SELF_HARM]
    assert (trigger.severity, trigger.explanation) == (severity, text)
    assert trigger.rule_id == "self_harm/cssrs"


def test_cssrs_no_risk_is_quiet(run: Any) -> None:
    assert K.SELF_HARM not in run(state(assess("cssrs", ago(hours=2), **NO)))


def phq9(at: datetime, item9: int) -> Any:
    return assess("phq9", at, q1=1, q2=1, q3=0, q4=0, q5=0, q6=0, q7=0, q8=0, q9=item9)


def test_phq9_item9_prompts_cssrs(run: Any) -> None:
    trigger = run(state(phq9(ago(hours=1), 1)))[K.SELF_HARM]
    assert trigger.severity is Severity.ADVISORY
    assert trigger.prompts == ("C-SSRS required",)
    assert trigger.explanation == "PHQ-9 item 9 positive (1/3), no C-SSRS since"
    assert K.SELF_HARM not in run(state(phq9(ago(hours=1), 0)))


def test_phq9_prompt_clears_once_cssrs_done(run: Any) -> None:
    patient = state(phq9(ago(hours=2), 2), assess("cssrs", ago(hours=1), **NO))
    assert K.SELF_HARM not in run(patient)


def test_phq9_prompt_stays_if_cssrs_was_before(run: Any) -> None:
    patient = state(assess("cssrs", ago(hours=3), **NO), phq9(ago(hours=1), 2))
    assert run(patient)[K.SELF_HARM].rule_id == "self_harm/phq9_item9"


# --- RASS: agitation and over-sedation -----------------------------------------------------------


def test_agitation_threshold(run: Any) -> None:
    trigger = run(state(assess("rass", ago(minutes=15), score=2)))[K.AGITATION]
    assert trigger.explanation == "RASS +2 Agitated"
    assert trigger.severity is Severity.URGENT
    assert K.AGITATION not in run(state(assess("rass", ago(minutes=15), score=1)))


def test_oversedation_threshold_and_news2_prompt(run: Any) -> None:
    light = run(state(assess("rass", ago(minutes=15), score=-2)))[K.OVERSEDATION]
    assert light.explanation == "RASS -2 Light sedation"
    assert "Take a full NEWS2 set now" not in light.prompts
    moderate = run(state(prn(ago(hours=1)), assess("rass", ago(minutes=15), score=-3)))
    trigger = moderate[K.OVERSEDATION]
    assert trigger.prompts[0] == "Take a full NEWS2 set now"
    assert trigger.explanation == "RASS -3 Moderate sedation after PRN lorazepam 1 mg"
    assert K.OVERSEDATION not in run(state(assess("rass", ago(minutes=15), score=-1)))


def test_oversedation_mentions_only_a_recent_prn(run: Any) -> None:
    trigger = run(state(prn(ago(hours=6)), assess("rass", ago(minutes=15), score=-2)))
    assert trigger[K.OVERSEDATION].explanation == "RASS -2 Light sedation"


def test_latest_rass_wins(run: Any) -> None:
    patient = state(assess("rass", ago(hours=2), score=3), assess("rass", ago(minutes=5), score=0))
    assert K.AGITATION not in run(patient)


def test_old_rass_outside_lookback_is_ignored(run: Any) -> None:
    assert K.AGITATION not in run(state(assess("rass", ago(hours=5), score=3)))


# --- overdue observations ------------------------------------------------------------------------


def test_overdue_after_grace_says_by_how_long(run: Any) -> None:
    # NEWS2 1 -> 4-hourly; set 4 h 40 min ago -> overdue by 40 min (> 15 min grace)
    trigger = run(state(obs(ago(hours=4, minutes=40), pulse=95)))[K.OVERDUE_OBS]
    assert trigger.explanation == "Observations overdue by 40 min"
    assert trigger.severity is Severity.URGENT
    assert trigger.prompts == ("Take a full NEWS2 set now",)


def test_within_grace_is_quiet(run: Any) -> None:
    assert K.OVERDUE_OBS not in run(state(obs(ago(hours=4, minutes=15), pulse=95)))


def test_no_observation_since_admission(run: Any) -> None:
    patient = state(admitted_at=ago(hours=2, minutes=7), with_fresh_obs=False)
    trigger = run(patient)[K.OVERDUE_OBS]
    assert trigger.explanation == (
        "No observation set recorded; due since admission, overdue by 2 h 5 min"
    )


def test_partial_set_reschedules_the_recheck(run: Any) -> None:
    # Complete at -11 h (12-hourly), partial at -3 h (asleep): re-check due 2 h later (low risk)
    patient = state(obs(ago(hours=11)), obs(ago(hours=3), pulse=None, systolic_bp=None))
    assert run(patient)[K.OVERDUE_OBS].explanation == "Observations overdue by 1 h"


# --- bladder, PRN, craving -----------------------------------------------------------------------


def test_bladder_red_flags(run: Any) -> None:
    trigger = run(state(assess("bladder", ago(hours=1), visible_haematuria=True)))[K.BLADDER]
    assert trigger.severity is Severity.URGENT
    assert trigger.explanation == "Urinary red flag: visible haematuria"
    clear = state(assess("bladder", ago(hours=1), visible_haematuria=False, retention=False))
    assert K.BLADDER not in run(clear)


def test_prn_review_above_count(run: Any) -> None:
    doses = [prn(ago(hours=h)) for h in (1, 5, 9)]
    assert K.PRN_REVIEW not in run(state(*doses))  # 3 = the policy count, not above it
    trigger = run(state(*doses, prn(ago(hours=20), "diazepam")))[K.PRN_REVIEW]
    assert trigger.severity is Severity.ADVISORY
    assert trigger.explanation == (
        "4 sedative/anxiolytic PRN doses in 24 h (diazepam ×1, lorazepam ×3)"
    )


def test_prn_review_ignores_other_classes_and_old_doses(run: Any) -> None:
    doses = [prn(ago(hours=h)) for h in (1, 5, 9)]
    assert K.PRN_REVIEW not in run(state(*doses, prn(ago(hours=2), "paracetamol", "analgesic")))
    assert K.PRN_REVIEW not in run(state(*doses, prn(ago(hours=25))))


def test_the_sedative_count_follows_the_formulary_not_the_stored_class(run: Any) -> None:
    """Diazepam stored as an analgesic still counts; lorazepam stored as "anxiolytic" and as
    "Lorazepam "/"benzodiazepine" is one drug, counted once per dose."""
    doses = [
        prn(ago(hours=1), "Diazepam", "analgesic"),
        prn(ago(hours=3), "lorazepam", "anxiolytic"),
        prn(ago(hours=5), "Lorazepam ", "benzodiazepine"),
    ]
    assert K.PRN_REVIEW not in run(state(*doses))  # 3: at the policy count
    trigger = run(state(*doses, prn(ago(hours=7), "zopiclone", "sedative")))[K.PRN_REVIEW]
    assert trigger.explanation == (
        "4 sedative/anxiolytic PRN doses in 24 h (zopiclone ×1, Lorazepam ×2, Diazepam ×1)"
    )
    # A drug not in the formulary counts by the class chosen for it.
    chosen = prn(ago(hours=7), "Trazodone", "other_hypnotic")
    assert K.PRN_REVIEW in run(state(*doses, chosen))
    assert K.PRN_REVIEW not in run(state(*doses, prn(ago(hours=7), "Gaviscon", "antacid")))


def test_craving_high(run: Any) -> None:
    trigger = run(state(assess("craving", ago(hours=1), score=7)))[K.CRAVING]
    assert (trigger.severity, trigger.explanation) == (Severity.ADVISORY, "Craving 7/10")
    assert trigger.prompts == ("Keyworker review",)
    assert K.CRAVING not in run(state(assess("craving", ago(hours=1), score=6)))


def test_craving_sustained_rise(run: Any) -> None:
    rising = [assess("craving", ago(hours=h), score=s) for h, s in ((24, 2), (16, 4), (8, 5))]
    trigger = run(state(*rising))[K.CRAVING]
    assert trigger.explanation == "Craving rising: 2 → 4 → 5 (0–10)"
    assert trigger.rule_id == "craving/rising"
    small = [assess("craving", ago(hours=h), score=s) for h, s in ((24, 3), (16, 4), (8, 5))]
    assert K.CRAVING not in run(state(*small))  # rise of 2 < 3
    flat = [assess("craving", ago(hours=h), score=s) for h, s in ((24, 2), (16, 5), (8, 5))]
    assert K.CRAVING not in run(state(*flat))


# --- policy switches and clock -------------------------------------------------------------------


def test_disabled_rule_does_not_fire(policy: EscalationPolicy, chart: WithdrawalChart) -> None:
    off = replace(policy.rules["agitation"], enabled=False)
    quiet = replace(policy, rules={**policy.rules, "agitation": off})
    patient = state(assess("rass", ago(minutes=5), score=3))
    assert evaluate(patient, now=NOW, policy=quiet, chart=chart) == []


def test_naive_now_is_refused(policy: EscalationPolicy, chart: WithdrawalChart) -> None:
    with pytest.raises(ValueError, match=r"^now: "):
        evaluate(state(), now=datetime(2027, 3, 1, 12), policy=policy, chart=chart)


def test_triggers_are_most_severe_first(
    run: Any, policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    patient = state(
        obs(ago(minutes=5), respiration_rate=25, spo2=93, pulse=111),
        assess("craving", ago(hours=1), score=9),
        assess("rass", ago(minutes=5), score=2),
    )
    triggers = evaluate(patient, now=NOW, policy=policy, chart=chart)
    assert [t.severity for t in triggers] == sorted((t.severity for t in triggers), reverse=True)
    assert triggers[0].kind is K.DETERIORATION


# --- plan_escalations ----------------------------------------------------------------------------


def opened(trigger: EscalationTrigger, severity: Severity | None = None) -> OpenEscalation:
    return OpenEscalation(
        id=7,
        kind=trigger.kind,
        severity=severity or trigger.severity,
        state=EscalationState.OPEN,
        raised_at=ago(hours=1),
        explanation=trigger.explanation,
        rule_id=trigger.rule_id,
        grade=trigger.grade,
    )


def trig(
    kind: K,
    severity: Severity,
    text: str = "x",
    rule_id: str = "r/x",
    evidence_at: datetime | None = None,
) -> EscalationTrigger:
    return EscalationTrigger(kind, severity, rule_id, text, evidence_at=evidence_at)


def test_new_kind_is_raised() -> None:
    t = trig(K.PANIC, Severity.URGENT)
    assert [(a.kind, a.action) for a in plan_escalations({}, [t])] == [(K.PANIC, "raise")]


def test_same_trigger_again_does_nothing() -> None:
    t = trig(K.PANIC, Severity.URGENT)
    assert plan_escalations({K.PANIC: opened(t)}, [t]) == []


def test_re_trigger_updates_instead_of_second_alarm() -> None:
    old = trig(K.HALLUCINATION, Severity.URGENT, "Hallucinations 5/7 auditory (BPRS-E)")
    new = trig(K.HALLUCINATION, Severity.URGENT, "Hallucinations 6/7 auditory (BPRS-E)")
    [action] = plan_escalations({K.HALLUCINATION: opened(old)}, [new])
    assert action.action == "update"
    assert action.trigger.explanation == new.explanation


def test_re_trigger_raises_severity() -> None:
    old = trig(K.DETERIORATION, Severity.URGENT, "NEWS2 5 (medium): ...")
    new = trig(K.DETERIORATION, Severity.EMERGENCY, "NEWS2 8 (high): ...")
    [action] = plan_escalations({K.DETERIORATION: opened(old)}, [new])
    assert (action.action, action.trigger.severity) == ("raise_severity", Severity.EMERGENCY)


def test_never_lowers_severity() -> None:
    old = trig(K.DETERIORATION, Severity.EMERGENCY, "NEWS2 8 (high): ...")
    lower = trig(K.DETERIORATION, Severity.URGENT, "NEWS2 5 (medium): ...")
    [action] = plan_escalations({K.DETERIORATION: opened(old)}, [lower])
    assert action.action == "update"
    assert action.trigger.severity is Severity.EMERGENCY


def test_duplicate_triggers_of_one_kind_collapse_to_the_most_severe() -> None:
    triggers = [trig(K.SELF_HARM, Severity.ADVISORY, "a"), trig(K.SELF_HARM, Severity.URGENT, "b")]
    [action] = plan_escalations({}, triggers)
    assert action.trigger.explanation == "b"


def test_evidence_already_resolved_is_not_raised_again() -> None:
    t = trig(K.PANIC, Severity.URGENT, evidence_at=ago(hours=2))
    assert plan_escalations({}, [t], resolved_at={K.PANIC: ago(hours=1)}) == []
    newer = trig(K.PANIC, Severity.URGENT, evidence_at=ago(minutes=10))
    assert len(plan_escalations({}, [newer], resolved_at={K.PANIC: ago(hours=1)})) == 1


def test_evaluate_then_plan_end_to_end(policy: EscalationPolicy, chart: WithdrawalChart) -> None:
    first = state(assess("hallucination", ago(hours=2), score=5, modalities=["auditory"]))
    triggers = evaluate(first, now=NOW, policy=policy, chart=chart)
    [raised] = plan_escalations({}, triggers)
    assert raised.action == "raise"
    open_now = {K.HALLUCINATION: opened(raised.trigger)}
    assert (
        plan_escalations(
            open_now, evaluate(first, now=NOW + timedelta(minutes=5), policy=policy, chart=chart)
        )
        == []
    )
    worse = state(
        assess("hallucination", ago(hours=2), score=5, modalities=["auditory"]),
        assess("hallucination", ago(minutes=5), score=7, modalities=["auditory"]),
    )
    [louder] = plan_escalations(open_now, evaluate(worse, now=NOW, policy=policy, chart=chart))
    # 5 -> 7 is a higher grade: re-opened for a fresh acknowledgement, more severe.
    assert louder.action == "raise_severity"
    assert (louder.trigger.severity, louder.trigger.grade) == (Severity.EMERGENCY, 2)
    assert louder.trigger.explanation.startswith("Hallucinations 7/7 auditory (BPRS-E) — very")
    # 6 -> 7 stays in the same grade: the text changes, nothing is re-announced.
    six = state(assess("hallucination", ago(hours=2), score=6, modalities=["auditory"]))
    [at_six] = plan_escalations({}, evaluate(six, now=NOW, policy=policy, chart=chart))
    [update] = plan_escalations(
        {K.HALLUCINATION: opened(at_six.trigger)},
        evaluate(worse, now=NOW, policy=policy, chart=chart),
    )
    assert update.action == "update"
    assert update.trigger.explanation.startswith("Hallucinations 7/7 auditory (BPRS-E) — very")


# --- assessment meanings: 4AT 1-3 and gradual-onset panic ---------------------------------------


@pytest.mark.parametrize("total_wanted", [1, 2, 3])
def test_4at_one_to_three_is_an_advisory_of_its_own_not_delirium(
    run: Any, total_wanted: int
) -> None:
    answers = {
        1: {"amt4_mistakes": 1, "attention": "seven_or_more"},
        2: {"amt4_mistakes": 2, "attention": "seven_or_more"},
        3: {"amt4_mistakes": 2, "attention": "refused"},
    }[total_wanted]
    entry = assess("4at", ago(hours=1), alertness="normal", acute_change=False, **answers)
    assert entry.total == total_wanted
    found = run(state(entry))
    assert K.CONFUSION not in found
    trigger = found[K.COGNITIVE_IMPAIRMENT]
    assert trigger.severity is Severity.ADVISORY
    assert trigger.explanation == f"4AT {total_wanted}: possible cognitive impairment"
    assert trigger.prompts == ("Fuller cognitive assessment and an informant history",)


def test_4at_of_four_or_more_is_delirium_and_not_the_advisory(run: Any) -> None:
    entry = assess(
        "4at",
        ago(hours=1),
        alertness="normal",
        amt4_mistakes=0,
        attention="seven_or_more",
        acute_change=True,
    )
    found = run(state(entry))
    assert found[K.CONFUSION].explanation == "4AT 4: possible delirium"
    assert K.COGNITIVE_IMPAIRMENT not in found
    zero = assess(
        "4at",
        ago(hours=1),
        alertness="normal",
        amt4_mistakes=0,
        attention="seven_or_more",
        acute_change=False,
    )
    assert K.COGNITIVE_IMPAIRMENT not in run(state(zero))


def test_panic_symptoms_building_over_hours_are_not_a_panic_attack_but_still_escalate(
    run: Any,
) -> None:
    symptoms = ["palpitations", "sweating", "trembling", "nausea", "chills_or_heat"]
    gradual = assess(
        "panic",
        ago(hours=1),
        symptoms=symptoms,
        onset="gradual",
        onset_at=ago(hours=5),
        peak_at=ago(hours=1),
    )
    assert gradual.label.startswith("Panic symptoms, gradual onset — not a panic attack")
    trigger = run(state(gradual))[K.PANIC]
    assert trigger.rule_id == "panic/gradual_onset"
    assert trigger.severity is Severity.URGENT  # the policy level, as for a panic attack
    assert "Panic attack" not in trigger.explanation
    assert "Look for other causes: withdrawal, infection, intoxication" in trigger.prompts
    abrupt = assess("panic", ago(hours=1), symptoms=symptoms, onset="abrupt")
    assert run(state(abrupt))[K.PANIC].rule_id == "panic/panic_attack"


def test_an_abrupt_onset_that_took_an_hour_to_peak_is_refused() -> None:
    with pytest.raises(ValueError, match="not 'abrupt'"):
        assess(
            "panic",
            ago(hours=1),
            symptoms=["palpitations", "sweating", "trembling", "nausea"],
            onset="abrupt",
            onset_at=ago(hours=3),
            peak_at=ago(hours=1),
        )
