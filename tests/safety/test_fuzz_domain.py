"""Bad input at the domain's validators: random and adversarial values never crash them, never
get through as an impossible value, and every refusal names its field."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from fuzzing import FUZZED, assert_plausible, far_times, names_a_field, nasty, vital_forms
from hypothesis import given, settings
from hypothesis import strategies as st

from wardconsole.domain.assessments import ASSESSMENT_KINDS, score_assessment
from wardconsole.domain.intake import SECTIONS, IntakeProblems, parse_intake
from wardconsole.domain.validation import ACCEPTED_FIELDS, validate_score, validate_vitals
from wardconsole.domain.withdrawal import load_chart

CHART = load_chart()
EXAMPLES = settings(max_examples=int(os.environ.get("WARDCONSOLE_FUZZ_EXAMPLES", "20")) * 15)


@EXAMPLES
@given(form=vital_forms(ACCEPTED_FIELDS), confirm=st.sets(st.sampled_from(ACCEPTED_FIELDS)))
def test_vital_sign_forms(form: dict[str, object], confirm: set[str]) -> None:
    FUZZED["vitals"] += 1
    report = validate_vitals(form, confirmed=confirm)
    shown_keys = {str(k)[:40] for k in form} | set(ACCEPTED_FIELDS)
    for problem in (*report.errors, *report.needs_confirmation):
        assert problem.field in shown_keys
        assert problem.message.startswith(f"{problem.field}:"), problem.message
    if report.ok:
        assert report.vitals is not None
        assert_plausible(report.vitals)
    else:
        assert report.vitals is None


@EXAMPLES
@given(value=nasty, low=st.integers(-5, 5), span=st.integers(0, 20))
def test_score_fields(value: object, low: int, span: int) -> None:
    FUZZED["score"] += 1
    try:
        result = validate_score("rating", value, low, low + span)
    except ValueError as exc:
        assert names_a_field(str(exc), {"rating"}), str(exc)
    else:
        assert isinstance(result, int) and not isinstance(result, bool)
        assert low <= result <= low + span


answer_keys = st.one_of(
    st.sampled_from(
        [
            "q1",
            "q2",
            "q9",
            "score",
            "rass",
            "alertness",
            "amt4",
            "attention",
            "acute_change",
            "symptoms",
            "modalities",
            "severity",
            "note",
            "ideation",
            "behaviour",
            "pain",
            "craving",
            "frequency",
            "haematuria",
            "last_onset",
        ]
    ),
    st.text(max_size=10),
)


@EXAMPLES
@given(
    kind=st.one_of(st.sampled_from(ASSESSMENT_KINDS), nasty),
    answers=st.one_of(st.dictionaries(answer_keys, nasty, max_size=6), nasty),
)
def test_bedside_assessments(kind: Any, answers: Any) -> None:
    FUZZED["assessments"] += 1
    try:
        score = score_assessment(kind, answers)
    except ValueError as exc:
        keys = answers if isinstance(answers, dict) else ()
        assert names_a_field(str(exc), keys), str(exc)
    else:
        assert score.total is None or (isinstance(score.total, int) and -5 <= score.total <= 200)


@EXAMPLES
@given(
    scores=st.one_of(
        st.dictionaries(
            st.one_of(st.sampled_from([i.key for i in CHART.items]), st.text(max_size=8)),
            nasty,
            max_size=len(CHART.items),
        ),
    )
)
def test_withdrawal_chart(scores: Mapping[str, Any]) -> None:
    FUZZED["withdrawal chart"] += 1
    try:
        result = CHART.score(scores)
    except ValueError as exc:
        assert names_a_field(str(exc), scores), str(exc)
    else:
        assert 0 <= result.total <= CHART.max_total


@EXAMPLES
@given(
    data=st.one_of(
        nasty,
        st.dictionaries(
            st.one_of(st.sampled_from([*SECTIONS, "version"]), st.text(max_size=8)),
            st.one_of(nasty, st.dictionaries(st.text(max_size=12), nasty, max_size=4)),
            max_size=5,
        ),
    ),
    admitted_at=far_times,
    born=st.one_of(st.none(), st.dates(date(1, 1, 1), date(9999, 1, 1))),
)
def test_intake_forms(data: Any, admitted_at: datetime, born: date | None) -> None:
    FUZZED["intake"] += 1
    try:
        intake = parse_intake(data, admitted_at=admitted_at.astimezone(UTC), date_of_birth=born)
    except IntakeProblems as exc:
        assert exc.problems
        for key, message in exc.problems.items():
            assert names_a_field(message, [key.rsplit(".", 1)[-1], key]), (key, message)
    else:
        intake.to_json()
