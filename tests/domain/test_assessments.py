"""Scoring edges of each bedside assessment (REFERENCE.md §2, §3.1, §5.3, §6, §7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wardconsole.domain.assessments import (
    ANSWER_SCHEMAS,
    ASSESSMENT_KINDS,
    FLAGS,
    PANIC_SYMPTOMS,
    cssrs_risk,
    score_assessment,
)


def test_every_kind_is_documented() -> None:
    assert set(ASSESSMENT_KINDS) == {
        "rass",
        "4at",
        "panic",
        "hallucination",
        "cssrs",
        "phq9",
        "gad7",
        "craving",
        "pain",
        "bladder",
        "rt_check",
        "ciwa_ar",
        "cows",
        "must",
    }
    for kind in ASSESSMENT_KINDS:
        assert "Answers" in ANSWER_SCHEMAS[kind]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^kind: 'ciwa' is not an assessment"):
        score_assessment("ciwa", {})


# --- RASS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (4, "+4 Combative"),
        (2, "+2 Agitated"),
        (0, "0 Alert and calm"),
        (-2, "-2 Light sedation"),
        (-3, "-3 Moderate sedation"),
        (-5, "-5 Unarousable"),
    ],
)
def test_rass_terms(value: int, label: str) -> None:
    result = score_assessment("rass", {"score": value})
    assert (result.total, result.label) == (value, label)


@pytest.mark.parametrize("value", [5, -6, 1.5, None, True, "agitated"])
def test_rass_out_of_range(value: Any) -> None:
    with pytest.raises(ValueError, match=r"^score: .*-5–4"):
        score_assessment("rass", {"score": value})


# --- 4AT -----------------------------------------------------------------------------------------


def four_at(**changes: Any) -> Any:
    answers = {
        "alertness": "normal",
        "amt4_mistakes": 0,
        "attention": "seven_or_more",
        "acute_change": False,
        **changes,
    }
    return score_assessment("4at", answers)


@pytest.mark.parametrize(
    ("mistakes", "total"), [(0, 0), (1, 1), (2, 2), (3, 2), (4, 2), ("untestable", 2)]
)
def test_4at_amt4_official_scoring(mistakes: Any, total: int) -> None:
    # Official: 1 mistake -> 1; 2 or more, or untestable -> 2 (not the 1–2/3–4 mis-mapping).
    assert four_at(amt4_mistakes=mistakes).total == total


@pytest.mark.parametrize(
    ("attention", "total"),
    [
        ("seven_or_more", 0),
        ("fewer_than_seven", 1),
        ("refused", 1),
        ("untestable", 2),
        (7, 0),
        (12, 0),
        (6, 1),
        (0, 1),
    ],
)
def test_4at_attention(attention: Any, total: int) -> None:
    assert four_at(attention=attention).total == total


def test_4at_bands() -> None:
    unlikely = four_at()
    assert (unlikely.total, unlikely.flags) == (0, ())
    impaired = four_at(amt4_mistakes=2, attention="refused")
    assert (impaired.total, impaired.flags) == (3, ("possible_cognitive_impairment",))
    delirium = four_at(acute_change=True)
    assert (delirium.total, delirium.flags) == (4, ("possible_delirium",))
    assert four_at(alertness="abnormal").flags == ("possible_delirium",)
    assert four_at(alertness="mild_sleepiness").total == 0


def test_4at_untestable_on_both_items_scores_four() -> None:
    assert four_at(amt4_mistakes="untestable", attention="untestable").total == 4


def test_4at_maximum() -> None:
    result = four_at(
        alertness="abnormal", amt4_mistakes=4, attention="untestable", acute_change=True
    )
    assert result.total == 12


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"amt4_mistakes": 5}, "^amt4_mistakes: .*0–4, or untestable"),
        ({"attention": "some"}, "^attention: "),
        ({"alertness": "drowsy"}, "^alertness: .*normal, mild_sleepiness, abnormal"),
        ({"acute_change": "no"}, "^acute_change: expected yes or no"),
        ({"extra": 1}, "^'extra': not an answer"),
    ],
)
def test_4at_bad_answers(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        four_at(**changes)


# --- panic ---------------------------------------------------------------------------------------


def test_panic_attack_needs_four_symptoms() -> None:
    three = score_assessment("panic", {"symptoms": list(PANIC_SYMPTOMS[:3])})
    assert (three.total, three.flags) == (3, ("limited_symptom_attack",))
    four = score_assessment("panic", {"symptoms": list(PANIC_SYMPTOMS[:4]), "distress": 8})
    assert (four.total, four.flags) == (4, ("panic_attack",))
    assert "distress 8/10" in four.label
    none = score_assessment("panic", {"symptoms": []})
    assert (none.total, none.flags) == (0, ())


def test_panic_symptoms_as_booleans() -> None:
    answers = {key: i < 5 for i, key in enumerate(PANIC_SYMPTOMS)}
    assert score_assessment("panic", answers).total == 5


def test_panic_times() -> None:
    onset = datetime(2027, 1, 1, 3, 0, tzinfo=UTC)
    ok = {"symptoms": ["sweating"], "onset_at": onset, "peak_at": onset + timedelta(minutes=5)}
    assert score_assessment("panic", ok).total == 1
    with pytest.raises(ValueError, match=r"^peak_at: must not be before onset_at"):
        score_assessment("panic", {**ok, "peak_at": onset - timedelta(minutes=1)})
    with pytest.raises(ValueError, match=r"^onset_at: expected a timezone-aware"):
        score_assessment("panic", {**ok, "onset_at": datetime(2027, 1, 1)})


@pytest.mark.parametrize(
    ("answers", "match"),
    [
        ({"symptoms": ["sweating", "yawning"]}, "^symptoms: 'yawning' is not a DSM-5"),
        ({"symptoms": "sweating"}, "^symptoms: expected a list"),
        ({"symptoms": ["sweating"], "nausea": True}, "^symptoms: give either"),
        ({"symptoms": [], "distress": 11}, r"^distress: .*0–10"),
    ],
)
def test_panic_bad_answers(answers: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        score_assessment("panic", answers)


# --- hallucination (BPRS-E item 10) --------------------------------------------------------------


def test_hallucination_label_and_modalities() -> None:
    result = score_assessment("hallucination", {"score": 6, "modalities": ["visual", "auditory"]})
    assert result.total == 6
    assert result.label == "6/7 Severe (auditory, visual)"
    assert result.flags == ("hallucinations_present",)
    absent = score_assessment("hallucination", {"score": 1})
    assert (absent.label, absent.flags) == ("1/7 Not present", ())


@pytest.mark.parametrize(
    ("answers", "match"),
    [
        ({"score": 0}, r"^score: .*1–7"),
        ({"score": 8}, r"^score: .*1–7"),
        ({"score": 3, "modalities": ["smell"]}, "^modalities: 'smell' is not a modality"),
        ({"score": 1, "modalities": ["visual"]}, "^modalities: must be empty"),
    ],
)
def test_hallucination_bad_answers(answers: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        score_assessment("hallucination", answers)


# --- C-SSRS --------------------------------------------------------------------------------------

NO = {"q1": False, "q2": False, "q6": False}


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        (NO, "none"),
        ({**NO, "q1": True}, "low"),
        ({**NO, "q1": True, "q2": True, "q3": False, "q4": False, "q5": False}, "low"),
        ({**NO, "q2": True, "q3": True, "q4": False, "q5": False}, "moderate"),
        ({**NO, "q6": True, "q6_within_3_months": False}, "moderate"),
        ({**NO, "q2": True, "q3": True, "q4": True, "q5": False}, "high"),
        ({**NO, "q2": True, "q3": False, "q4": False, "q5": True}, "high"),
        ({**NO, "q6": True, "q6_within_3_months": True}, "high"),
        ({**NO, "q1": True, "q6": True, "q6_within_3_months": True}, "high"),
    ],
)
def test_cssrs_risk_levels(answers: dict[str, Any], risk: str) -> None:
    result = score_assessment("cssrs", answers)
    assert result.total is None
    assert cssrs_risk(result.flags) == risk
    assert result.flags == (() if risk == "none" else (f"cssrs_{risk}",))


@pytest.mark.parametrize(
    ("answers", "match"),
    [
        ({**NO, "q3": True}, "^q3: only asked when q2 is yes"),
        ({**NO, "q5": False}, "^q5: only asked when q2 is yes"),
        ({**NO, "q2": True, "q3": True, "q4": False}, "^q5: expected yes or no"),
        ({**NO, "q6": True}, "^q6_within_3_months: expected yes or no"),
        ({**NO, "q6_within_3_months": True}, "^q6_within_3_months: only asked when q6 is yes"),
        ({"q1": True, "q6": False}, "^q2: expected yes or no"),
        ({**NO, "q7": True}, "^'q7': not an answer"),
    ],
)
def test_cssrs_skip_logic(answers: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        score_assessment("cssrs", answers)


def test_cssrs_skipped_questions_may_be_none() -> None:
    answers = {**NO, "q3": None, "q4": None, "q5": None, "q6_within_3_months": None}
    assert cssrs_risk(score_assessment("cssrs", answers).flags) == "none"


# --- PHQ-9 and GAD-7 -----------------------------------------------------------------------------


def items(count: int, total: int, last: int = 0) -> dict[str, int]:
    """``count`` items summing to ``total``, with item ``count`` set to ``last``."""
    values = [0] * count
    values[-1] = last
    remaining = total - last
    for i in range(count - 1):
        values[i] = min(3, remaining)
        remaining -= values[i]
    assert remaining == 0
    return {f"q{i + 1}": v for i, v in enumerate(values)}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "None/minimal"),
        (4, "None/minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
        (24, "Severe"),
    ],
)
def test_phq9_band_edges(total: int, band: str) -> None:
    result = score_assessment("phq9", items(9, total))
    assert result.total == total
    assert result.label == band
    assert "cssrs_required" not in result.flags


def test_phq9_item9_requires_cssrs() -> None:
    result = score_assessment("phq9", items(9, 1, last=1))
    assert "cssrs_required" in result.flags
    assert "C-SSRS required" in result.label
    assert score_assessment("phq9", {**items(9, 27, last=3), "q10": 2}).total == 27


def test_phq9_major_depressive_syndrome() -> None:
    answers = {"q1": 2, "q2": 0, "q3": 2, "q4": 2, "q5": 2, "q6": 0, "q7": 0, "q8": 0, "q9": 1}
    assert "major_depressive_syndrome" in score_assessment("phq9", answers).flags
    answers["q9"] = 0
    assert "major_depressive_syndrome" not in score_assessment("phq9", answers).flags


@pytest.mark.parametrize(
    ("total", "band", "positive"),
    [
        (0, "None/minimal", False),
        (4, "None/minimal", False),
        (5, "Mild", False),
        (9, "Mild", False),
        (10, "Moderate", True),
        (14, "Moderate", True),
        (15, "Severe", True),
        (21, "Severe", True),
    ],
)
def test_gad7_band_edges(total: int, band: str, positive: bool) -> None:
    result = score_assessment("gad7", items(7, total, last=min(3, total)))
    assert (result.total, result.label) == (total, band)
    assert ("gad7_positive_screen" in result.flags) is positive


@pytest.mark.parametrize(
    ("kind", "answers", "match"),
    [
        ("phq9", {**items(9, 0), "q3": 4}, r"^q3: .*0–3"),
        ("phq9", {k: v for k, v in items(9, 0).items() if k != "q9"}, "^q9: missing"),
        ("gad7", {**items(7, 0), "q8": 1}, "^'q8': not an answer"),
        ("gad7", {**items(7, 0), "q1": -1}, r"^q1: .*0–3"),
    ],
)
def test_questionnaire_bad_answers(kind: str, answers: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        score_assessment(kind, answers)


# --- craving, pain, bladder ----------------------------------------------------------------------


def test_craving() -> None:
    assert score_assessment("craving", {"score": 7}).label == "Craving 7/10"
    with pytest.raises(ValueError, match=r"^score: .*0–10"):
        score_assessment("craving", {"score": 11})


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "no pain"),
        (1, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (10, "severe"),
    ],
)
def test_pain_bands(value: int, band: str) -> None:
    answers: dict[str, Any] = {"score": value, "site": "abdomen"}
    assert score_assessment("pain", answers).label.endswith(band)


def test_pain_site() -> None:
    assert score_assessment("pain", {"score": 6, "site": "bladder"}).label == (
        "Pain 6/10 (bladder), moderate"
    )
    assert score_assessment("pain", {"score": 0}).total == 0
    with pytest.raises(ValueError, match=r"^site: required"):
        score_assessment("pain", {"score": 3})
    with pytest.raises(ValueError, match=r"^site: 'knee' is not a site"):
        score_assessment("pain", {"score": 3, "site": "knee"})


def test_bladder_red_flags() -> None:
    clear = score_assessment("bladder", {"visible_haematuria": False, "retention": False})
    assert clear.flags == ()
    flagged = score_assessment("bladder", {"visible_haematuria": True, "retention": True})
    assert flagged.flags == ("bladder_red_flag", "visible_haematuria", "retention")
    assert flagged.label == "Urinary red flag: visible haematuria, urinary retention"
    with pytest.raises(ValueError, match=r"^retention: expected yes or no"):
        score_assessment("bladder", {"retention": "yes"})


def test_note_is_accepted_everywhere() -> None:
    assert score_assessment("craving", {"score": 2, "note": "after phone call"}).total == 2


# --- property: any answers give a score or a ValueError naming a key ------------------------------

ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 30),
    st.floats(),
    st.text(max_size=8),
    st.lists(st.sampled_from([*PANIC_SYMPTOMS, "visual", "auditory", "x"]), max_size=5),
)
KEYS = st.sampled_from(
    [
        "score",
        "q1",
        "q2",
        "q3",
        "q6",
        "q6_within_3_months",
        "alertness",
        "amt4_mistakes",
        "attention",
        "acute_change",
        "symptoms",
        "modalities",
        "site",
        "retention",
        "distress",
        "bogus",
    ]
)


@given(st.sampled_from(ASSESSMENT_KINDS), st.dictionaries(KEYS, ANY, max_size=6))
def test_scoring_never_crashes(kind: str, answers: dict[str, Any]) -> None:
    try:
        result = score_assessment(kind, answers)
    except ValueError as exc:
        assert ":" in str(exc)
    else:
        assert set(result.flags) <= set(FLAGS)
        assert result.label
