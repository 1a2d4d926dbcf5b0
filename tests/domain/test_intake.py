"""The admission intake: checked field by field, flags derived from REFERENCE-backed screens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from intakefakes import HIGH_RISK, MODERATE_RISK, intake_data

from wardconsole.domain import intake as i
from wardconsole.domain.discharge import (
    Destination,
    EscalationFact,
    PrnFact,
    Reading,
    StayFacts,
    draft_summary,
    stay_day,
)
from wardconsole.domain.intake_text import describe_intake, months_text
from wardconsole.domain.records import Severity

ADMITTED = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
BORN = date(1994, 5, 1)


def parse(data: dict) -> i.Intake:
    return i.parse_intake(data, admitted_at=ADMITTED, date_of_birth=BORN)


def problems(data: dict) -> dict[str, str]:
    with pytest.raises(i.IntakeProblems) as caught:
        parse(data)
    return caught.value.problems


def labels(intake: i.Intake) -> list[str]:
    return [flag.label for flag in intake.risk_flags()]


def test_a_complete_intake_round_trips_through_its_stored_form() -> None:
    intake = parse(intake_data(ADMITTED))
    assert parse(intake.to_json()) == intake
    assert intake.substance_use.last_use_at == ADMITTED - timedelta(hours=6)
    assert intake.gad7_score().total == 14  # scored by the assessments module (§6.4)


def test_no_risk_on_screening_raises_no_suicide_flag() -> None:
    assert labels(parse(intake_data(ADMITTED))) == []


@pytest.mark.parametrize(
    ("answers", "flag"),
    [
        ({"q1": True, "q2": False, "q6": False}, "Suicide risk: low"),
        (MODERATE_RISK, "Suicide risk: moderate"),
        (HIGH_RISK, "Suicide risk: high"),
        ({"q1": False, "q2": False, "q6": True, "q6_within_3_months": True}, "Suicide risk: high"),
        (
            {"q1": False, "q2": False, "q6": True, "q6_within_3_months": False},
            "Suicide risk: moderate",
        ),
    ],
)
def test_suicide_risk_flag_follows_the_cssrs_triage(answers: dict, flag: str) -> None:
    intake = parse(intake_data(ADMITTED, mental_health={"cssrs": answers}))
    assert labels(intake)[0] == flag


def test_cssrs_must_be_answered_or_its_absence_explained() -> None:
    data = intake_data(ADMITTED, mental_health={"cssrs": None})
    assert "C-SSRS" in problems(data)["mental_health.cssrs"]
    data["mental_health"]["cssrs_not_done_reason"] = "asleep on arrival"
    intake = parse(data)
    flags = intake.risk_flags()
    assert flags[0].label == "C-SSRS due"
    assert "asleep on arrival" in flags[0].reason


def test_phq9_item9_without_cssrs_says_so_on_the_flag() -> None:
    data = intake_data(
        ADMITTED,
        mental_health={
            "cssrs": None,
            "cssrs_not_done_reason": "declined",
            "phq9": {f"q{n}": 1 for n in range(1, 10)},
        },
    )
    assert "item 9" in parse(data).risk_flags()[0].reason


def test_cssrs_skip_logic_errors_name_the_question() -> None:
    data = intake_data(
        ADMITTED, mental_health={"cssrs": {"q1": False, "q2": False, "q3": True, "q6": False}}
    )
    assert "q3" in problems(data)["mental_health.cssrs"]


def test_history_and_physical_flags() -> None:
    data = intake_data(
        ADMITTED,
        physical={
            "urinary_red_flags": ["visible_haematuria"],
            "falls_risk": True,
            "falls_reason": "dizzy on standing",
            "no_known_allergies": False,
            "allergies": "penicillin (rash)",
        },
        mental_health={"hallucinations_history": True, "self_harm_history": True},
        risks={"extra_flags": ["Absconding", " absconding "]},
    )
    assert labels(parse(data)) == [
        "Self-harm history",
        "Psychosis history",
        "Bladder red flag",
        "Falls risk",
        "Allergy",
        "Absconding",
    ]


def test_each_missing_or_bad_field_is_named() -> None:
    data = intake_data(ADMITTED)
    data["substance_use"].update(
        routes=[],
        typical_amount=" ",
        frequency="hourly",
        duration_months=12 * 40,
        previous_detox_attempts=-1,
    )
    data["physical"].update(no_known_allergies=False, falls_risk=True, bladder_pain_score=11)
    found = problems(data)
    assert set(found) == {
        "substance_use.routes",
        "substance_use.typical_amount",
        "substance_use.frequency",
        "substance_use.duration_months",
        "substance_use.previous_detox_attempts",
        "physical.allergies",
        "physical.falls_reason",
        "physical.bladder_pain_score",
    }
    assert "longer than the patient has been alive" in found["substance_use.duration_months"]
    assert found["physical.bladder_pain_score"].startswith("bladder_pain_score:")


def test_last_use_is_a_time_before_admission_or_explicitly_unknown() -> None:
    late = intake_data(
        ADMITTED, substance_use={"last_use_at": (ADMITTED + timedelta(hours=2)).isoformat()}
    )
    assert "after the admission" in problems(late)["substance_use.last_use_at"]
    both = intake_data(ADMITTED, substance_use={"last_use_unknown": True})
    assert "not both" in problems(both)["substance_use.last_use_at"]
    unknown = intake_data(ADMITTED, substance_use={"last_use_at": None, "last_use_unknown": True})
    assert parse(unknown).substance_use.last_use_at is None


def test_unknown_fields_and_sections_are_refused() -> None:
    data = intake_data(ADMITTED, physical={"blood_group": "O+"})
    data["baseline"] = {}
    found = problems(data)
    assert "physical.blood_group" in found and "baseline" in found


def test_an_amended_section_replaces_only_that_section() -> None:
    intake = parse(intake_data(ADMITTED))
    part = i.parse_section(
        "mental_health",
        {**intake.to_json()["mental_health"], "cssrs": HIGH_RISK},
        admitted_at=ADMITTED,
    )
    amended = intake.with_section("mental_health", part)
    assert amended.substance_use == intake.substance_use
    assert labels(amended) == ["Suicide risk: high"]


def test_badges_are_compact_and_never_drop_a_flag() -> None:
    assert i.badge_text("Suicide risk: high") == "Suicide▲"
    assert i.badge_text("Falls risk") == "Falls"
    assert i.badge_text("falls") == "Falls"  # older free-text flags
    assert i.badge_text("refuses obs at night") == "refuses obs…"
    assert all(len(kind.badge) <= 10 for kind in i.FLAG_KINDS)


def test_the_intake_reads_as_sentences() -> None:
    text = "\n".join(
        line
        for _title, lines in describe_intake(parse(intake_data(ADMITTED)), ADMITTED, UTC)
        for line in lines
    )
    assert "Ketamine: snorted (intranasal); 2–3 g a day, daily, for 3 years 2 months" in text
    assert "(6 h before admission)" in text
    assert "GAD-7: 14 (Moderate)." in text
    assert months_text(1) == "1 month" and months_text(24) == "2 years"


# --- the discharge summary draft -----------------------------------------------------------------


def facts(**changes: object) -> StayFacts:
    h = timedelta(hours=1)
    base = StayFacts(
        patient_name="Aled Abernethy",
        hospital_number="KD000001",
        date_of_birth=BORN,
        admitted_at=ADMITTED,
        care_setting="inpatient",
        beds=("B01", "B03"),
        intake=parse(intake_data(ADMITTED)),
        risk_flags=("Falls risk",),
        news2=(
            Reading(ADMITTED + h, 1, "low"),
            Reading(ADMITTED + 30 * h, 5, "medium"),
            Reading(ADMITTED + 140 * h, 0, "low"),
        ),
        partial_sets=2,
        symptoms=(
            Reading(ADMITTED + h, 31),
            Reading(ADMITTED + 26 * h, 44),
            Reading(ADMITTED + 141 * h, 6),
        ),
        chart_name="Ketamine withdrawal chart",
        chart_max=109,
        assessments={"craving": (Reading(ADMITTED + h, 8), Reading(ADMITTED + 141 * h, 3))},
        escalations=(
            EscalationFact(
                "Panic",
                Severity.URGENT,
                ADMITTED + 29 * h,
                "Panic attack",
                ADMITTED + 30 * h,
                "PRN given, settled",
            ),
            EscalationFact("Craving", Severity.ADVISORY, ADMITTED + 100 * h, "Craving 8/10"),
        ),
        prn=(
            PrnFact(ADMITTED + 29 * h, "diazepam", "benzodiazepine", "5 mg"),
            PrnFact(ADMITTED + 50 * h, "diazepam", "benzodiazepine", "5 mg"),
            PrnFact(ADMITTED + 130 * h, "paracetamol", "analgesic", "1 g"),
        ),
    )
    from dataclasses import replace

    return replace(base, **changes)


def test_the_draft_states_length_course_escalations_prn_and_status() -> None:
    end = ADMITTED + timedelta(hours=142)
    text = draft_summary(
        facts(),
        discharged_at=end,
        destination=Destination.OUTPATIENT,
        detail="Tuesday group, 10:00",
        tz=UTC,
    )
    assert "length of stay 5 d 22 h (detox day 6)" in text
    assert "bed B01 → B03" in text
    assert "Destination: Outpatient programme — Tuesday group, 10:00" in text
    assert (
        "Ketamine withdrawal chart (unvalidated local tool; maximum 109): 31 at first (day 1"
    ) in text
    assert "→ peak 44 (day 2" in text and "→ 6 at last (day 6" in text
    assert "NEWS2: 1 (low) at first" in text and "peak 5 (medium)" in text
    assert "2 partial sets" in text
    assert "Craving (0–10): 8 at first, the highest (day 1, " in text
    assert "ESCALATIONS (2)" in text and "By kind: Panic ×1, Craving ×1" in text
    assert "resolved Fri 27 Nov 04:00: PRN given, settled" in text
    assert "PRN MEDICATION (3 doses)" in text
    assert "- Day 2, Fri 27 Nov 03:00 — URGENT Panic" in text
    assert "Benzodiazepine: diazepam 5 mg ×2" in text
    assert "In the 24 h before discharge: 1 dose." in text
    assert "Last NEWS2 0 (low), 2 h before discharge." in text
    assert "Open escalations at discharge (1): Craving" in text


def test_a_quiet_stay_says_nothing_happened_rather_than_leaving_gaps() -> None:
    text = draft_summary(
        facts(escalations=(), prn=(), news2=(), symptoms=(), assessments={}),
        discharged_at=ADMITTED + timedelta(hours=20),
        destination=None,
        tz=UTC,
    )
    assert "No escalations during the stay." in text
    assert "No PRN medication given." in text
    assert "NEWS2: not recorded" in text
    assert "Destination: (choose a destination)" in text


def test_destinations_that_need_detail() -> None:
    assert Destination.AGAINST_ADVICE.detail_required
    assert Destination.HOSPITAL.detail_required
    assert not Destination.AFTERCARE.detail_required
    assert stay_day(ADMITTED, ADMITTED + timedelta(hours=23, minutes=59)) == 1


def test_pregnancy_is_recorded_and_flags_news2_not_validated_without_suppressing_anything() -> None:
    intake = i.parse_intake(
        intake_data(ADMITTED, physical={"pregnant": True}),
        admitted_at=ADMITTED,
        date_of_birth=BORN,
    )
    assert intake.physical.pregnant
    flags = {flag.label: flag for flag in intake.risk_flags()}
    flag = flags["NEWS2 not validated: pregnant"]
    assert flag.kind is i.NEWS2_PREGNANT and "still scored" in flag.reason
    plain = i.parse_intake(intake_data(ADMITTED), admitted_at=ADMITTED, date_of_birth=BORN)
    assert not plain.physical.pregnant
    assert "NEWS2 not validated: pregnant" not in {f.label for f in plain.risk_flags()}
