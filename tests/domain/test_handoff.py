"""The generated handoff for one patient's night shift: the facts a night nurse would hand over."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from wardconsole.domain.handoff import (
    HandoffDraft,
    HandoffPolicy,
    HandoffPolicyError,
    Section,
    draft_handoff,
    generic_intake_lines,
    load_handoff_policy,
)
from wardconsole.domain.handoff_records import (
    EscalationHistory,
    EscalationStep,
    PatientShiftFacts,
    PrnEffect,
    PrnGiven,
)
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import EscalationKind, EscalationState, PrnDose, Severity
from wardconsole.domain.shifts import ShiftPattern
from wardconsole.domain.withdrawal import WithdrawalChart

from .builders import FORMULARY, assess, obs, rated

NIGHT_START = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # GMT in November: UTC = ward time
END = NIGHT_START + timedelta(hours=12)
TREND = HandoffPolicy(version="test", symptom_trend_min_change=3)


def at(hour: int, minute: int = 0) -> datetime:
    """Ward time on the night of 25–26 November (hours < 12 are the morning of the 26th)."""
    day = 26 if hour < 12 else 25
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def medium_set(when: datetime) -> Any:
    # RR 22 (2) + HR 112 (2) + T 38.2 (1) = 5: medium, hourly (RCP Chart 4)
    return obs(when, respiration_rate=22, pulse=112, temperature=38.2)


def dose(when: datetime, drug: str, klass: str, reason: str) -> PrnDose:
    return FORMULARY.prn_dose(
        id=hash((when, drug)) % 10_000,
        admission_id=1,
        given_at=when,
        drug=drug,
        stored_class=klass,
        dose="1 mg",
        route="oral",
        reason=reason,
    )


def scores(total: int, **items: int) -> dict[str, int]:
    """Chart ratings adding up to ``total`` (the rest on craving)."""
    return {"craving": total - sum(items.values()), **items}


@pytest.fixture
def pattern(policy: EscalationPolicy) -> ShiftPattern:
    return ShiftPattern(policy.shifts, "Europe/London")


@pytest.fixture
def night(pattern: ShiftPattern) -> PatientShiftFacts:
    shift = pattern.containing(NIGHT_START)
    panic = EscalationHistory(
        id=11,
        kind=EscalationKind.PANIC,
        severity=Severity.URGENT,
        state=EscalationState.RESOLVED,
        explanation="Panic attack (5/13 symptoms)",
        raised_at=at(2, 5),
        acknowledged_at=at(2, 9),
        acknowledged_by="Adaeze Okafor",
        resolved_at=at(3, 10),
        resolved_by="Adaeze Okafor",
        outcome="Settled with PRN",
        steps=(
            EscalationStep(at(2, 5), "raised", None, "Urgent: panic"),
            EscalationStep(at(2, 9), "acknowledged", "Adaeze Okafor"),
            EscalationStep(at(2, 15), "action", "Adaeze Okafor", "1:1 time, breathing"),
            EscalationStep(at(3, 10), "resolved", "Adaeze Okafor", "Settled with PRN"),
        ),
    )
    deterioration = EscalationHistory(
        id=12,
        kind=EscalationKind.DETERIORATION,
        severity=Severity.URGENT,
        state=EscalationState.ACKNOWLEDGED,
        explanation="NEWS2 5 (medium)",
        raised_at=at(3, 30),
        acknowledged_at=at(3, 34),
        acknowledged_by="Sven Lindqvist",
        prompts=("Inform the medical team",),
        steps=(EscalationStep(at(3, 34), "acknowledged", "Sven Lindqvist"),),
    )
    old = replace(
        panic,
        id=10,
        raised_at=at(14, 0) - timedelta(days=1),
        resolved_at=at(15, 0) - timedelta(days=1),
        steps=(),
    )
    return PatientShiftFacts(
        admission_id=1,
        bed="B04",
        patient_name="Aled Abernethy",
        hospital_number="KD000001",
        age=31,
        admitted_at=at(14, 20) - timedelta(days=1),
        detox_day=2,
        reason="Ketamine dependence; planned detox",
        shift=shift,
        previous_shift=pattern.previous(shift),
        as_of=END,
        risk_flags=("Suicide risk",),
        assigned_nurse="Adaeze Okafor",
        observations=(
            obs(at(18, 0)),  # before the shift: NEWS2 0, 12-hourly... due 06:00
            obs(at(21, 50), pulse=95),  # NEWS2 1: low, 4-hourly -> due 01:50
            medium_set(at(3, 30)),  # 1 h 40 min late; NEWS2 5 -> hourly, due 04:30
            replace(
                obs(at(4, 20), pulse=95, systolic_bp=None, temperature=None),
                missing_reasons={"systolic_bp": "asleep", "temperature": "asleep"},
            ),
            # nothing after: hourly re-check of a medium patient is overdue at 07:00
        ),
        symptoms=(
            rated(at(17, 0), **scores(8)),
            rated(at(23, 0), **scores(10, sleep_disturbance=2)),
            rated(at(3, 0), **scores(16, sleep_disturbance=4, nausea_appetite=1)),
        ),
        assessments=(assess("rass", at(23, 0), score=0),),
        prn=(
            PrnGiven(dose(at(22, 10), "Zopiclone", "sedative", "Insomnia"), "Marta Pereira"),
            PrnGiven(
                dose(at(2, 30), "Lorazepam", "anxiolytic", "Acute anxiety"),
                "Adaeze Okafor",
                (PrnEffect(at(3, 30), "Calmer, still anxious"),),
            ),
        ),
        escalations=(old, panic, deterioration),
    )


def draft_of(
    facts: PatientShiftFacts, policy: EscalationPolicy, chart: WithdrawalChart
) -> HandoffDraft:
    return draft_handoff(facts, policy=policy, chart=chart, handoff_policy=TREND)


def texts(draft: HandoffDraft, section: Section) -> list[str]:
    return [fact.text for fact in draft.facts(section)]


def test_situation_says_who_which_day_and_what_is_open(night, policy, chart) -> None:
    draft = draft_of(night, policy, chart)
    situation = texts(draft, Section.SITUATION)
    assert situation[0] == "Bed B04 · Aled Abernethy, 31 · KD000001"
    assert situation[1] == "Detox day 2 (admitted Tue 24 Nov 14:20)"
    assert "NEWS2 5 (medium) at 03:30" in situation
    assert (
        "Open escalation: Deterioration (urgent), raised 03:30, acknowledged by Sven Lindqvist"
    ) in situation


def test_assessment_has_news2_now_and_range_over_the_shift(night, policy, chart) -> None:
    draft = draft_of(night, policy, chart)
    assessment = texts(draft, Section.ASSESSMENT)
    assert assessment[0] == (
        "NEWS2 now 5 (medium) at 03:30; range over the shift 1–5 across 2 "
        "complete sets; at the start of the shift 0 (low)"
    )
    summary = draft.summary
    assert (summary.news2_now, summary.news2_min, summary.news2_max) == (5, 1, 5)
    assert summary.news2_band_now == "medium" and summary.news2_band_before == "low"


def test_late_and_overdue_observations_are_counted_from_the_due_times(night, policy, chart) -> None:
    draft = draft_of(night, policy, chart)
    assessment = texts(draft, Section.ASSESSMENT)
    assert "Observation sets this shift: 2 complete, 1 partial (asleep)" in assessment
    assert "Late set at 03:30: 1 h 40 min after due 01:50" in assessment
    # NEWS2 5 at 03:30 is hourly (Chart 4): due 04:30. The 04:20 partial set's re-check (04:50,
    # local policy 30 min) is later, and a partial set never postpones a due full set; none by
    # 07:00, so 04:30, 05:30 and 06:30 were missed (each beyond the 15-minute grace).
    assert "OVERDUE at handover: set due 04:30, none taken by 07:00 (2 h 30 min)" in assessment
    assert "Missed observation sets this shift: 3" in assessment
    summary = draft.summary
    assert (summary.late_observations, summary.missed_observations) == (1, 3)
    assert summary.overdue_at_end
    assert texts(draft, Section.RECOMMENDATION)[0] == "Next NEWS2 set: OVERDUE since 04:30"


def test_every_escalation_of_the_shift_with_who_handled_it(night, policy, chart) -> None:
    draft = draft_of(night, policy, chart)
    assessment = texts(draft, Section.ASSESSMENT)
    assert "Escalations this shift: 2 (2 raised this shift)" in assessment
    assert (
        "Panic (urgent) raised 02:05: Panic attack (5/13 symptoms); acknowledged 02:09 by "
        "Adaeze Okafor; action 02:15 by Adaeze Okafor: 1:1 time, breathing; resolved 03:10 "
        "by Adaeze Okafor; outcome: Settled with PRN"
    ) in assessment
    assert (
        "Deterioration (urgent) raised 03:30: NEWS2 5 (medium); acknowledged 03:34 by "
        "Sven Lindqvist; STILL OPEN"
    ) in assessment
    assert not any("Tue 14:00" in text for text in assessment)  # yesterday's, already resolved
    assert draft.summary.escalations_in_shift == 2
    assert draft.summary.open_escalations == 1


def test_prn_doses_with_their_effects(night, policy, chart) -> None:
    draft = draft_of(night, policy, chart)
    assessment = texts(draft, Section.ASSESSMENT)
    assert "PRN this shift: 2 dose(s)" in assessment
    assert (
        "Zopiclone 1 mg oral at 22:10 for Insomnia, given by Marta Pereira → effect NOT RECORDED"
    ) in assessment
    assert (
        "Lorazepam 1 mg oral at 02:30 for Acute anxiety, given by Adaeze Okafor → effect "
        "03:30 Calmer, still anxious"
    ) in assessment
    assert (
        "Sedative/anxiolytic PRN in the last 24 h: 2 (local policy: review above 3)" in assessment
    )
    recommendation = texts(draft, Section.RECOMMENDATION)
    assert "Record the effect of Zopiclone given 22:10" in recommendation
    assert draft.summary.prn_doses == 2


def test_symptom_trend_with_the_numbers(night, policy, chart) -> None:
    draft = draft_of(night, policy, chart)
    assessment = texts(draft, Section.ASSESSMENT)
    assert (
        f"Withdrawal chart WORSE: 8 → 16/{chart.max_total} (+8) from the last rating before "
        "the shift over 2 rating(s) this shift"
    ) in assessment
    steady = replace(night, symptoms=(rated(at(23, 0), craving=10), rated(at(3, 0), craving=11)))
    same = draft_of(steady, policy, chart)
    assert same.summary.symptom_trend == "same"
    better = replace(night, symptoms=(rated(at(23, 0), craving=14), rated(at(3, 0), craving=9)))
    assert draft_of(better, policy, chart).summary.symptom_trend == "better"


def test_sleep_nutrition_and_assessments(night, policy, chart) -> None:
    assessment = texts(draft_of(night, policy, chart), Section.ASSESSMENT)
    assert any(
        t.startswith("Sleep: asleep at obs 04:20; sleep disturbance 4/7 (")
        and t.endswith(") at 03:00")
        for t in assessment
    )
    assert any(
        t.startswith(
            "Nutrition and fluids: not recorded in the console this shift; nausea / appetite 1/"
        )
        for t in assessment
    )
    assert "RASS: 0 Alert and calm at 23:00" in assessment


def test_recommendation_lists_what_to_watch_for(night, policy, chart) -> None:
    recommendation = texts(draft_of(night, policy, chart), Section.RECOMMENDATION)
    assert any(t.startswith("Watch: NEWS2 5 (Medium) — Urgent response") for t in recommendation)
    assert "Watch: NEWS2 rose this shift from 0 (low) to 5 (medium)" in recommendation
    assert "Watch: withdrawal symptoms rising (8 → 16)" in recommendation
    assert "Watch: panic — escalated this shift at 02:05" in recommendation
    assert "Watch: intake risk — Suicide risk" in recommendation
    assert (
        "Outstanding: Deterioration escalation still open: Inform the medical team"
        in recommendation
    )


def test_what_changed_since_last_shift(night, policy, chart) -> None:
    summary = draft_of(night, policy, chart).summary
    assert summary.changes == (
        "New escalation: Panic (urgent) 02:05",
        "New escalation: Deterioration (urgent) 03:30",
        "NEWS2 band up: low → medium",
        "New PRN: Lorazepam, Zopiclone",
    )
    # Urgent open escalation, medium band, overdue, two raised this shift.
    assert summary.risk_rank == 2 * 100 + 3 * 10 + 5 + 2


def test_a_quiet_night(night, policy, chart, pattern) -> None:
    quiet = replace(
        night,
        observations=(obs(at(18, 0)), obs(at(5, 30))),
        escalations=(),
        prn=(),
        risk_flags=(),
        symptoms=(rated(at(23, 0), craving=4),),
    )
    draft = draft_of(quiet, policy, chart)
    assessment = texts(draft, Section.ASSESSMENT)
    assert "All sets on time" in assessment
    assert "Escalations this shift: none" in assessment
    assert "PRN this shift: none given" in assessment
    assert (
        f"Withdrawal chart: 4/{chart.max_total} (one rating this shift, nothing to compare)"
        in assessment
    )
    assert texts(draft, Section.SITUATION)[-1] == "No open escalations"
    assert texts(draft, Section.RECOMMENDATION)[0] == (
        "Next NEWS2 set due Thu 26 Nov 17:30 (in 10 h 30 min)"
    )
    assert draft.summary.changes == ()
    assert draft.summary.risk_rank == 10


def test_times_are_ward_time_in_summer(policy, chart, night) -> None:
    pattern = ShiftPattern(policy.shifts, "Europe/London")
    shift = pattern.containing(datetime(2026, 7, 1, 23, 0, tzinfo=UTC))
    facts = replace(
        night,
        shift=shift,
        previous_shift=pattern.previous(shift),
        as_of=shift.end,
        observations=(obs(datetime(2026, 7, 1, 21, 0, tzinfo=UTC)),),
        escalations=(),
        prn=(),
        symptoms=(),
        assessments=(),
    )
    situation = texts(draft_of(facts, policy, chart), Section.SITUATION)
    assert "NEWS2 0 (low) at 22:00" in situation  # 21:00 UTC is 22:00 BST


def test_generated_facts_survive_a_round_trip_through_json(night, policy, chart) -> None:
    draft = draft_of(night, policy, chart)
    again = HandoffDraft.from_json(draft.to_json())
    assert again == draft
    assert again.text(Section.SITUATION).startswith("• Bed B04")


def test_intake_is_summarised_when_there_is_one(night, policy, chart) -> None:
    intake = {
        "version": 1,
        "substance_use": {"routes": ["insufflation"], "frequency": "daily", "notes": ""},
        "mental_health": {"diagnoses": ["anxiety", "PTSD"]},
    }
    assert generic_intake_lines(intake) == [
        ("Substance use", ["Routes: insufflation", "Frequency: daily"]),
        ("Mental health", ["Diagnoses: anxiety, PTSD"]),
    ]
    background = texts(draft_of(replace(night, intake=intake), policy, chart), Section.BACKGROUND)
    assert "Substance use: Routes: insufflation. Frequency: daily." in background
    assert "Risk flags: Suicide risk" in background
    plain = texts(draft_of(night, policy, chart), Section.BACKGROUND)
    assert "Intake assessment: not recorded in the console" in plain


def test_the_bundled_handoff_policy_and_a_broken_one(tmp_path: Path) -> None:
    bundled = load_handoff_policy()
    assert bundled.symptom_trend_min_change == 3
    assert bundled.governance_signoff == ""
    broken = tmp_path / "handoff_policy.toml"
    broken.write_text('[handoff]\nversion = "x"\nsymptom_trend_min_change = 0\n')
    with pytest.raises(HandoffPolicyError, match="symptom_trend_min_change: must be a whole"):
        load_handoff_policy(broken)


def severity_of(draft: HandoffDraft, section: Section, start: str) -> Severity | None:
    [fact] = [f for f in draft.facts(section) if f.text.startswith(start)]
    return fact.severity


def test_each_fact_that_needs_attention_carries_the_severity_its_escalation_has(
    night, policy, chart
) -> None:
    draft = draft_of(night, policy, chart)
    a, r, s = Section.ASSESSMENT, Section.RECOMMENDATION, Section.SITUATION
    # An open escalation: its own severity; NEWS2 medium: the deterioration rule's (urgent);
    # an overdue set: the overdue-observations rule's (urgent in the bundled policy).
    assert severity_of(draft, s, "Open escalation: Deterioration") is Severity.URGENT
    assert severity_of(draft, a, "NEWS2 now 5 (medium)") is Severity.URGENT
    assert severity_of(draft, a, "OVERDUE at handover") is policy.rule("overdue_obs").severity()
    assert severity_of(draft, r, "Next NEWS2 set: OVERDUE") is Severity.URGENT
    # Past, or nothing escalated: advisory. Plain statements have none.
    assert severity_of(draft, a, "Late set at 03:30") is Severity.ADVISORY
    assert severity_of(draft, r, "Record the effect of Zopiclone") is Severity.ADVISORY
    assert severity_of(draft, a, "PRN this shift: 2 dose(s)") is None
    assert severity_of(draft, s, "Bed B04") is None
    # The shape and the word are the escalation vocabulary: '◆ URGENT · …'.
    assert draft.text(s).splitlines()[-1] == (
        "◆ URGENT · Open escalation: Deterioration (urgent), raised 03:30, acknowledged by "
        "Sven Lindqvist"
    )
    assert draft.text(s).splitlines()[0] == "• Bed B04 · Aled Abernethy, 31 · KD000001"


def test_an_open_emergency_and_a_high_suicide_risk_are_emergencies(night, policy, chart) -> None:
    emergency = replace(
        night.escalations[2], kind=EscalationKind.SELF_HARM, severity=Severity.EMERGENCY
    )
    flagged = replace(
        night,
        escalations=(*night.escalations[:2], emergency),
        risk_flags=("Suicide risk: high", "Falls risk"),
    )
    draft = draft_of(flagged, policy, chart)
    b, r, s = Section.BACKGROUND, Section.RECOMMENDATION, Section.SITUATION
    assert severity_of(draft, s, "Open escalation: Self-harm risk") is Severity.EMERGENCY
    assert severity_of(draft, r, "Outstanding: Self-harm risk") is Severity.EMERGENCY
    # The census badge "Suicide▲" and the self-harm rule's high severity.
    assert severity_of(draft, b, "Risk flags") is Severity.EMERGENCY
    falls = replace(night, risk_flags=("Falls risk",))
    assert severity_of(draft_of(falls, policy, chart), b, "Risk flags") is Severity.ADVISORY
    marks = {f.mark for section in Section for f in draft.facts(section) if f.alert}
    assert marks == {"▲ EMERGENCY", "◆ URGENT", "● ADVISORY"}
