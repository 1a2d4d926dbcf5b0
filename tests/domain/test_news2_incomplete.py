"""Incomplete sets still alarm: NEWS2 lower bound, effective risk, and louder-by-grade escalations.

RCP 2017 Chart 1/2/4 (REFERENCE.md §1.1–1.4). No published RCP rule for partial sets was found
(REFERENCE-2.md §12.10): the lower bound is a local decision, tested here for what it promises —
a missing value can only make the patient look worse, never better.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wardconsole.domain.entry_scoring import live_news2
from wardconsole.domain.handoff import HandoffPolicy, Section, draft_handoff
from wardconsole.domain.handoff_records import HandoffDraft, PatientShiftFacts
from wardconsole.domain.news2 import news2, news2_lower_bound, score_vitals
from wardconsole.domain.news2_effective import effective_news2
from wardconsole.domain.policy import (
    EscalationPolicy,
    PolicyError,
    default_policy_file,
    load_policy,
)
from wardconsole.domain.records import (
    EscalationKind,
    EscalationState,
    OpenEscalation,
    Severity,
    VitalSigns,
)
from wardconsole.domain.rules import PROMPT_SEPSIS, EscalationTrigger, evaluate, plan_escalations
from wardconsole.domain.shifts import ShiftPattern
from wardconsole.domain.withdrawal import WithdrawalChart, load_chart

from .builders import NOW, WELL, ago, assess, obs, state

K = EscalationKind


def partial(**values: Any) -> VitalSigns:
    """A set with only ``values`` taken (Scale 1 unless given)."""
    return VitalSigns(**{"spo2_scale": 1, **values})


# --- the lower bound --------------------------------------------------------------------------


def test_issue_example_rr_spo2_hr_is_at_least_high() -> None:
    """RR 7, SpO2 84 %, HR 135 with BP and temperature refused: 3 + 3 + 3 = at least 9."""
    bound = news2_lower_bound(partial(respiration_rate=7, spo2=84, pulse=135))
    assert (bound.at_least, bound.risk, bound.red_flag) == (9, "high", True)
    assert bound.text == "incomplete — at least 9 (high)"
    assert bound.describe() == (
        "NEWS2 incomplete — at least 9 (high): RR 3, SpO2 3, HR 3; not taken: O2, SBP, ACVPU, T"
    )


def test_monitor_feed_set_without_acvpu_or_oxygen_alarms() -> None:
    """HR 150 / SpO2 82 % / SBP 85 from a monitor (no ACVPU, no oxygen item)."""
    bound = news2_lower_bound(partial(pulse=150, spo2=82, systolic_bp=85))
    assert (bound.at_least, bound.risk) == (9, "high")


@pytest.mark.parametrize("code", ["C", "V", "P", "U"])
def test_acvpu_alone_is_a_red_score(code: str) -> None:
    bound = news2_lower_bound(partial(consciousness=code))
    assert (bound.at_least, bound.risk, bound.red_flag) == (3, "low-medium", True)


def test_alert_alone_is_low_with_no_score_claimed() -> None:
    bound = news2_lower_bound(partial(consciousness="A"))
    assert (bound.at_least, bound.risk) == (0, "low")
    assert bound.text == "incomplete — at least 0 (low)"


@pytest.mark.parametrize(
    ("values", "at_least", "risk"),
    [
        ({"respiration_rate": 22, "pulse": 115, "temperature": 38.5}, 5, "medium"),  # 2+2+1
        ({"respiration_rate": 22, "pulse": 115}, 4, "low"),  # 2+2
        ({"respiration_rate": 22, "pulse": 115, "on_oxygen": True}, 6, "medium"),  # 2+2+2
        ({"respiration_rate": 25, "pulse": 115, "on_oxygen": True}, 7, "high"),  # 3+2+2
    ],
)
def test_known_sum_bands(values: dict[str, Any], at_least: int, risk: str) -> None:
    bound = news2_lower_bound(partial(**values))
    assert (bound.at_least, bound.risk) == (at_least, risk)


@pytest.mark.parametrize(
    ("spo2", "expected"),
    [
        (97, 0),  # on air 0, on oxygen 3: the smaller
        (95, 0),  # on air 0, on oxygen 2
        (90, 0),
        (86, 1),  # below 88 the same on air or oxygen
        (84, 2),
        (83, 3),
    ],
)
def test_scale2_spo2_without_the_oxygen_item_takes_its_smallest_score(
    spo2: int, expected: int
) -> None:
    bound = news2_lower_bound(partial(spo2=spo2, spo2_scale=2))
    assert bound.parameter_scores["spo2"] == expected
    assert "on_oxygen" in bound.missing


def test_scale2_spo2_with_the_oxygen_item_scores_exactly() -> None:
    bound = news2_lower_bound(partial(spo2=97, spo2_scale=2, on_oxygen=True))
    assert bound.parameter_scores == {"spo2": 3, "on_oxygen": 2}
    assert (bound.at_least, bound.risk) == (5, "medium")


def test_news2_stays_strict() -> None:
    with pytest.raises(TypeError):
        news2(respiration_rate=7, spo2=84)  # type: ignore[call-arg]
    assert score_vitals(partial(respiration_rate=7)) is None


def test_impossible_value_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^pulse"):
        news2_lower_bound(partial(pulse=900))


_VALUES = {
    "respiration_rate": st.integers(3, 60),
    "spo2": st.integers(50, 100),
    "spo2_scale": st.sampled_from([1, 2]),
    "on_oxygen": st.booleans(),
    "systolic_bp": st.integers(50, 250),
    "pulse": st.integers(25, 220),
    "consciousness": st.sampled_from(["A", "C", "V", "P", "U"]),
    "temperature": st.sampled_from([34.0, 35.0, 35.5, 36.0, 36.1, 37.0, 38.1, 39.0, 39.1, 40.5]),
}
_OMITTABLE = [k for k in _VALUES if k != "spo2_scale"]


@given(
    full=st.fixed_dictionaries(_VALUES),
    missing=st.sets(st.sampled_from(_OMITTABLE)),
)
def test_a_missing_value_can_only_make_the_patient_look_worse_than_reality(
    full: dict[str, Any], missing: set[str]
) -> None:
    """Whatever the missing values turn out to be, the real total is at least the bound and
    the real band at least the bound's band: the bound never claims more than the truth."""
    truth = score_vitals(VitalSigns(**full))
    assert truth is not None
    bound = news2_lower_bound(VitalSigns(**{k: v for k, v in full.items() if k not in missing}))
    assert bound.at_least <= truth.total
    order = ["low", "low-medium", "medium", "high"]
    assert order.index(bound.risk) <= order.index(truth.risk)
    if not missing:
        assert (bound.at_least, bound.risk) == (truth.total, truth.risk)


# --- effective risk ---------------------------------------------------------------------------


def test_a_newer_partial_set_raises_the_effective_risk() -> None:
    complete = obs(ago(hours=2))  # NEWS2 0
    worse = obs(ago(minutes=5), respiration_rate=7, spo2=84, pulse=135, systolic_bp=None)
    effective = effective_news2([complete, worse], now=NOW)
    assert effective.from_partial
    assert (effective.risk, effective.total) == ("high", 9)
    assert effective.text == "incomplete — at least 9 (high)"


@pytest.mark.parametrize("hours", [0, 1, 11, 12, 13, 48])
def test_the_same_sets_at_a_later_time_read_as_scored_then(hours: int) -> None:
    """``at``: what a census kept open works out again for sets it scored before."""
    sets = [obs(ago(hours=1)), obs(ago(minutes=5), systolic_bp=None)]
    later = NOW + timedelta(hours=hours)
    assert effective_news2(sets, now=NOW).at(later) == effective_news2(sets, now=later)


def test_a_partial_set_never_lowers_the_effective_risk() -> None:
    complete = obs(ago(hours=3), respiration_rate=25, pulse=111, temperature=39.1)  # 7 high
    calm = obs(ago(minutes=5), temperature=None, systolic_bp=None)  # bound 0
    effective = effective_news2([complete, calm], now=NOW)
    assert not effective.from_partial
    assert (effective.risk, effective.total, effective.text) == ("high", 7, "7 (high)")
    assert not effective.complete_current  # continuous monitoring: overdue, band still stands


def test_an_earlier_red_partial_set_is_not_forgotten_by_a_later_calm_one() -> None:
    complete = obs(ago(hours=5))
    red = obs(ago(hours=1), consciousness="V", temperature=None)
    calm = obs(ago(minutes=5), pulse=None)
    effective = effective_news2([complete, red, calm], now=NOW)
    assert (effective.risk, effective.source) == ("low-medium", red)
    assert effective.latest_partial == calm


def test_a_newer_complete_set_replaces_older_partial_sets() -> None:
    red = obs(ago(hours=1), consciousness="V", temperature=None)
    complete = obs(ago(minutes=5))
    effective = effective_news2([red, complete], now=NOW)
    assert (effective.risk, effective.total, effective.from_partial) == ("low", 0, False)


# --- the deterioration rule on partial sets ---------------------------------------------------


@pytest.fixture
def run(policy: EscalationPolicy, chart: WithdrawalChart) -> Any:
    def _run(patient: Any, now: Any = NOW) -> dict[K, EscalationTrigger]:
        return {t.kind: t for t in evaluate(patient, now=now, policy=policy, chart=chart)}

    return _run


def test_partial_set_raises_deterioration_naming_the_values_that_scored(
    run: Any, policy: EscalationPolicy
) -> None:
    patient = state(
        obs(ago(hours=2)),
        obs(ago(minutes=5), respiration_rate=7, spo2=84, pulse=135, systolic_bp=None),
    )
    trigger = run(patient)[K.DETERIORATION]
    assert trigger.severity is Severity.EMERGENCY
    assert trigger.rule_id == "deterioration/news2_incomplete"
    assert trigger.explanation == (
        "NEWS2 incomplete — at least 9 (high): RR 3, SpO2 3, HR 3; not taken: SBP"
    )
    assert trigger.prompts[0] == "Set incomplete: take the missing values now (SBP)"
    call = policy.rule("deterioration").text("emergency_call")
    assert f"Who to call (ward escalation chain, local policy): {call}" in trigger.prompts
    assert any("Emergency response (RCP Chart 4" in p for p in trigger.prompts)
    assert PROMPT_SEPSIS in trigger.prompts


def test_acvpu_v_alone_in_a_partial_set_is_urgent(run: Any) -> None:
    only_v = obs(
        ago(minutes=5),
        respiration_rate=None,
        spo2=None,
        on_oxygen=None,
        systolic_bp=None,
        pulse=None,
        temperature=None,
        consciousness="V",
    )
    trigger = run(state(obs(ago(hours=3)), only_v))[K.DETERIORATION]
    assert (trigger.severity, trigger.grade) == (Severity.URGENT, 1)
    assert trigger.explanation.startswith("NEWS2 incomplete — at least 3 (low-medium): ACVPU 3")


def test_low_medium_and_medium_get_different_chart4_responses(run: Any) -> None:
    red = run(state(obs(ago(minutes=5), consciousness="V")))[K.DETERIORATION]
    five = run(state(obs(ago(minutes=5), respiration_rate=21, pulse=111, temperature=38.1)))[
        K.DETERIORATION
    ]
    assert red.prompts[0].startswith("Urgent ward-based response (RCP Chart 4, red score)")
    assert five.prompts[0].startswith("Urgent response (RCP Chart 4, NEWS2 5–6)")
    assert "immediately informs the medical team" in five.prompts[0]
    assert (red.grade, five.grade) == (1, 2)
    assert PROMPT_SEPSIS not in red.prompts and PROMPT_SEPSIS in five.prompts
    assert "neither confirm nor exclude infection" in PROMPT_SEPSIS
    assert "dipstick" in PROMPT_SEPSIS and "MSU" in PROMPT_SEPSIS


def test_a_calm_partial_set_does_not_downgrade_an_open_deterioration(
    run: Any, policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    high = obs(ago(hours=1), respiration_rate=25, pulse=111, temperature=39.1)
    raised = run(state(high))[K.DETERIORATION]
    assert raised.severity is Severity.EMERGENCY
    later = state(high, obs(ago(minutes=2), systolic_bp=None, temperature=None))
    trigger = run(later)[K.DETERIORATION]
    assert (trigger.severity, trigger.explanation) == (raised.severity, raised.explanation)
    open_now = {K.DETERIORATION: _opened(raised)}
    actions = plan_escalations(open_now, evaluate(later, now=NOW, policy=policy, chart=chart))
    assert [a for a in actions if a.kind is K.DETERIORATION] == []
    # Continuous monitoring (NEWS2 7) is not relaxed by the partial set: still overdue.
    assert [a.kind for a in actions] == [K.OVERDUE_OBS]


def test_partial_set_outside_the_lookback_does_not_alarm(run: Any) -> None:
    old = obs(ago(hours=30), respiration_rate=7, spo2=84, pulse=135, systolic_bp=None)
    assert K.DETERIORATION not in run(state(old, obs(ago(minutes=10), temperature=None)))


# --- grades -----------------------------------------------------------------------------------


def _opened(trigger: EscalationTrigger, state_: EscalationState = EscalationState.ACKNOWLEDGED):
    return OpenEscalation(
        id=1,
        kind=trigger.kind,
        severity=trigger.severity,
        state=state_,
        raised_at=ago(hours=1),
        explanation=trigger.explanation,
        rule_id=trigger.rule_id,
        grade=trigger.grade,
    )


@pytest.mark.parametrize(
    ("before", "after", "action", "severity"),
    [
        (-2, -4, "raise_severity", Severity.EMERGENCY),  # sedated -> deep sedation
        (-4, -5, "raise_severity", Severity.EMERGENCY),  # deep -> unarousable: same severity
        (-2, -3, "update", Severity.URGENT),  # within the first grade: text only
        (-5, -4, "update", Severity.EMERGENCY),  # better: never lowered automatically
    ],
)
def test_rass_grades_for_oversedation(
    run: Any,
    policy: EscalationPolicy,
    chart: WithdrawalChart,
    before: int,
    after: int,
    action: str,
    severity: Severity,
) -> None:
    first = run(state(assess("rass", ago(minutes=30), score=before)))[K.OVERSEDATION]
    later = state(assess("rass", ago(minutes=1), score=after))
    [planned] = plan_escalations(
        {K.OVERSEDATION: _opened(first)}, evaluate(later, now=NOW, policy=policy, chart=chart)
    )
    assert planned.action == action
    assert planned.trigger.severity is severity
    grade = policy.rule("oversedation").grade_of(after)
    assert grade is not None
    assert planned.trigger.grade == max(first.grade, grade.number)


def test_rass_grade_labels(run: Any) -> None:
    five = run(state(assess("rass", ago(minutes=1), score=-5)))[K.OVERSEDATION]
    assert five.explanation.endswith("— unarousable: airway risk after a sedative")
    combative = run(state(assess("rass", ago(minutes=1), score=4)))[K.AGITATION]
    assert (combative.severity, combative.grade) == (Severity.EMERGENCY, 2)
    assert "combative" in combative.explanation


def test_news2_band_rise_reopens_but_a_worse_total_in_the_same_band_only_updates(
    run: Any, policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    five = run(state(obs(ago(minutes=30), respiration_rate=21, pulse=111, temperature=38.1)))
    opened = {K.DETERIORATION: _opened(five[K.DETERIORATION])}
    six = state(obs(ago(minutes=1), respiration_rate=21, pulse=111, temperature=39.1))
    [update] = plan_escalations(opened, evaluate(six, now=NOW, policy=policy, chart=chart))
    assert update.action == "update"
    red = run(state(obs(ago(minutes=30), consciousness="V")))
    [louder] = plan_escalations(
        {K.DETERIORATION: _opened(red[K.DETERIORATION])},
        evaluate(six, now=NOW, policy=policy, chart=chart),
    )
    # low-medium -> medium: the same severity (urgent) but a higher grade: re-opened.
    assert (louder.action, louder.trigger.severity, louder.trigger.grade) == (
        "raise_severity",
        Severity.URGENT,
        2,
    )


def test_legacy_ungraded_escalation_takes_its_grade_without_reannouncing(
    run: Any, policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    """A row from before grades existed (grade 0) is not re-opened by the upgrade itself."""
    trigger = run(state(assess("rass", ago(minutes=1), score=-3)))[K.OVERSEDATION]
    legacy = OpenEscalation(
        1, K.OVERSEDATION, Severity.URGENT, EscalationState.ACKNOWLEDGED, ago(hours=1), "x", "y"
    )
    [planned] = plan_escalations({K.OVERSEDATION: legacy}, [trigger])
    assert (planned.action, planned.trigger.grade) == ("update", 1)


# --- the loader refuses gaps ------------------------------------------------------------------

BUNDLED = default_policy_file("escalation_policy.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("values = [-4]", "values = [-5]", "[rules.oversedation.grades #3] values: -5 is already"),
        (
            'label = "deep sedation: no response to voice"\nvalues = [-4]',
            'label = "deep sedation: no response to voice"\nvalues = [-6]',
            "values: -6 is outside -2..-5",
        ),
        (
            "values = [6, 7]",
            "values = [6]",
            "[rules.hallucination] grades: 7 not covered; grades must cover every value "
            "from bprse_at_or_above (5) to the end of the scale (7)",
        ),
        (
            'values = [4]\nseverity = "emergency"',
            'values = [4]\nseverity = "advisory"',
            "[rules.agitation.grades #2] severity: a higher grade may not be less severe",
        ),
    ],
)
def test_grade_gaps_and_overlaps_are_refused(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert old in BUNDLED
    path = tmp_path / "policy.toml"
    path.write_text(BUNDLED.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert problem in str(info.value)


def test_lowering_the_trigger_needs_a_grade_for_the_new_value(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(BUNDLED.replace("bprse_at_or_above = 5", "bprse_at_or_above = 4"), "utf-8")
    with pytest.raises(PolicyError, match=r"grades: 4 not covered"):
        load_policy(path)


# --- the handoff says it honestly -------------------------------------------------------------


def test_the_handoff_states_an_incomplete_set_as_a_lower_bound(policy: EscalationPolicy) -> None:
    pattern = ShiftPattern(policy.shifts, "Europe/London")
    start = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    shift = pattern.containing(start)
    red = replace(
        obs(start + timedelta(hours=6), respiration_rate=7, spo2=84, pulse=135, systolic_bp=None),
        missing_reasons={"systolic_bp": "refused"},
    )
    facts = PatientShiftFacts(
        admission_id=1,
        bed="B04",
        patient_name="Aled Abernethy",
        hospital_number="KD000001",
        age=31,
        admitted_at=start - timedelta(days=1),
        detox_day=2,
        reason="Ketamine dependence",
        shift=shift,
        previous_shift=pattern.previous(shift),
        as_of=start + timedelta(hours=7),
        observations=(obs(start + timedelta(hours=1)), red),
    )
    draft = draft_handoff(
        facts,
        policy=policy,
        chart=load_chart(),
        handoff_policy=HandoffPolicy(version="t", symptom_trend_min_change=3),
    )
    situation = [f.text for f in draft.facts(Section.SITUATION)]
    assert "NEWS2 0 (low) at 20:00" in situation
    assert (
        "NEWS2 incomplete — at least 9 (high): RR 3, SpO2 3, HR 3; not taken: SBP at 01:00 — "
        "above the latest complete set"
    ) in situation
    assessment = [f.text for f in draft.facts(Section.ASSESSMENT)]
    assert assessment[0] == (
        "NEWS2 now 0 (low) at 20:00; range over the shift 0–0 across 1 complete set; "
        "a later set is incomplete — at least 9 (high)"
    )
    assert "Continuous monitoring required since 01:00 (NEWS2 ≥ 7)" in assessment
    recommendation = draft.facts(Section.RECOMMENDATION)
    watch = [f.text for f in recommendation if f.text.startswith("Watch: NEWS2")]
    assert watch[0].startswith("Watch: NEWS2 incomplete — at least 9 (high) — take a full set now")
    summary = draft.summary
    assert (summary.news2_now, summary.news2_at_least, summary.news2_bound_band) == (0, 9, "high")
    again = HandoffDraft.from_json(draft.to_json()).summary
    assert (again.news2_at_least, again.news2_bound_band) == (9, "high")


# --- the entry form's live score ----------------------------------------------------------------


def test_the_entry_form_shows_what_a_half_typed_set_will_alarm_on() -> None:
    live = live_news2(VitalSigns(respiration_rate=7, spo2=84, pulse=135))
    assert live.result is None
    assert live.bound is not None and live.bound.text == "incomplete — at least 9 (high)"
    assert live_news2(VitalSigns()).bound is None  # nothing typed: nothing claimed
    full = VitalSigns(**{**WELL, "pulse": 135})
    assert live_news2(full).result is not None and live_news2(full).bound is None
