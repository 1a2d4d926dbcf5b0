"""What happens to the values a nurse types (REFERENCE.md §7)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wardconsole.domain.limits import LIMITS
from wardconsole.domain.validation import (
    ACCEPTED_FIELDS,
    validate_score,
    validate_vitals,
)

FORM: dict[str, Any] = {
    "respiration_rate": "16",
    "spo2": " 98 ",
    "on_oxygen": "air",
    "systolic_bp": "120",
    "diastolic_bp": "80",
    "pulse": "72",
    "consciousness": "A",
    "temperature": "37.2",
}


def check(**changes: Any) -> Any:
    return validate_vitals({**FORM, **changes})


def test_a_typed_form_is_parsed_into_a_complete_set() -> None:
    report = check()
    assert report.ok
    assert report.errors == ()
    assert report.needs_confirmation == ()
    v = report.vitals
    assert v is not None
    assert (v.respiration_rate, v.spo2, v.on_oxygen, v.systolic_bp, v.diastolic_bp, v.pulse) == (
        16,
        98,
        False,
        120,
        80,
        72,
    )
    assert v.consciousness == "A"
    assert v.temperature == pytest.approx(37.2)
    assert v.spo2_scale == 1
    assert v.is_complete


def test_blank_fields_make_a_partial_set_not_zero() -> None:
    report = check(pulse="", temperature=None)
    assert report.ok
    assert report.vitals is not None
    assert report.vitals.pulse is None
    assert report.vitals.temperature is None
    assert report.vitals.missing_fields() == ("pulse", "temperature")


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("pulse", "0", "1–299 /min"),
        ("pulse", "300", "1–299 /min"),
        ("respiration_rate", "70", "1–69 /min"),
        ("systolic_bp", "400", "1–399 mmHg"),
        ("diastolic_bp", "0", "1–299 mmHg"),
        ("spo2", "101", "1–100 %"),
        ("temperature", "10", "10.1–49.9 °C"),
        ("temperature", "50", "10.1–49.9 °C"),
        ("temperature", "120", "10.1–49.9 °C"),
        ("pulse", "72.5", "whole number"),
        ("pulse", "seventy", "not a number"),
        ("temperature", "37,2", "not a number"),
        ("pulse", "nan", "not a number"),
        ("pulse", "1e2", "not a number"),
        ("glucose", "0", "0.6–33.3 mmol/L"),
        ("glucose", "40", "0.6–33.3 mmol/L"),
        ("on_oxygen", "maybe", "air or oxygen"),
        ("consciousness", "sleepy", "A, C, V, P, U"),
        ("spo2_scale", "3", "1 or 2"),
    ],
)
def test_impossible_values_are_refused_naming_field_and_range(
    field: str, value: str, fragment: str
) -> None:
    report = check(**{field: value})
    assert not report.ok
    assert report.vitals is None
    [problem] = report.errors
    assert problem.field == field
    assert problem.message.startswith(f"{field}:")
    assert fragment in problem.message


def test_values_are_never_clamped() -> None:
    report = check(spo2="101")
    assert report.vitals is None
    assert "spo2" not in report.values


@pytest.mark.parametrize(
    ("field", "value", "usual"),
    [
        ("pulse", "29", "30–200 /min"),
        ("pulse", "201", "30–200 /min"),
        ("respiration_rate", "5", "6–40 /min"),
        ("respiration_rate", "41", "6–40 /min"),
        ("systolic_bp", "69", "70–250 mmHg"),
        ("systolic_bp", "251", "70–250 mmHg"),
        ("spo2", "69", "70–100 %"),
        ("temperature", "33.9", "34.0–41.0 °C"),
        ("temperature", "41.1", "34.0–41.0 °C"),
        ("glucose", "1.9", "2.0–30 mmol/L"),
    ],
)
def test_extreme_values_need_confirmation(field: str, value: str, usual: str) -> None:
    form = {**FORM, "diastolic_bp": "50", field: value}
    report = validate_vitals(form)
    assert not report.ok
    assert report.errors == ()
    [problem] = report.needs_confirmation
    assert problem.field == field
    assert problem.confirmable
    assert usual in problem.message
    confirmed = validate_vitals(form, confirmed={field})
    assert confirmed.ok
    assert confirmed.confirmed == (field,)
    assert confirmed.vitals is not None


def test_confirming_another_field_does_not_accept() -> None:
    assert not validate_vitals({**FORM, "pulse": "201"}, confirmed={"spo2"}).ok


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pulse", "30"),
        ("pulse", "200"),
        ("spo2", "70"),
        ("temperature", "34.0"),
        ("temperature", "41.0"),
    ],
)
def test_confirm_limits_themselves_need_no_confirmation(field: str, value: str) -> None:
    assert check(**{field: value}).ok


@pytest.mark.parametrize(
    ("typed", "celsius"),
    [
        ("98.6", Decimal("37.0")),
        ("93", Decimal("33.9")),
        ("110", Decimal("43.3")),
        ("101.3", Decimal("38.5")),
    ],
)
def test_fahrenheit_in_celsius_field_suggests_celsius(typed: str, celsius: Decimal) -> None:
    report = check(temperature=typed)
    assert not report.ok
    [problem] = report.needs_confirmation
    assert problem.field == "temperature"
    assert "°F" in problem.message
    assert str(celsius) in problem.message
    assert problem.suggestion == celsius
    assert not problem.confirmable
    # Confirming does not convert or accept it: the nurse must enter the °C value.
    assert not validate_vitals({**FORM, "temperature": typed}, confirmed={"temperature"}).ok


def test_diastolic_not_below_systolic_is_refused() -> None:
    report = check(systolic_bp="120", diastolic_bp="120")
    assert [p.field for p in report.errors] == ["diastolic_bp"]
    assert "lower than the systolic" in report.errors[0].message
    assert check(systolic_bp="120", diastolic_bp="119").ok


def test_unknown_field_is_refused() -> None:
    report = check(heart_rate="80")
    assert [p.field for p in report.errors] == ["heart_rate"]


def test_numbers_and_words_are_accepted_too() -> None:
    report = validate_vitals(
        {
            "pulse": 80,
            "temperature": 38.05,
            "on_oxygen": True,
            "consciousness": "new confusion",
            "spo2_scale": "2",
            "glucose": "5.4",
        }
    )
    assert report.ok
    assert report.vitals is not None
    assert report.vitals.temperature == pytest.approx(38.1)
    assert report.vitals.consciousness == "C"
    assert report.vitals.spo2_scale == 2
    assert report.values["glucose"] == Decimal("5.4")


def test_bool_is_not_a_number() -> None:
    assert [p.field for p in check(pulse=True).errors] == ["pulse"]


# --- validate_score -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 0), (10, 10), ("7", 7), (" 3 ", 3), (4.0, 4), (Decimal("5"), 5)]
)
def test_validate_score_accepts(value: Any, expected: int) -> None:
    assert validate_score("craving", value, 0, 10) == expected


@pytest.mark.parametrize(
    "value",
    [
        -1,
        11,
        2.5,
        "2.5",
        "",
        None,
        True,
        float("nan"),
        float("inf"),
        "--5",
        "٣",
        Decimal("1e999999"),
        pytest.param(10**5000, id="huge-int"),
        [],
        "x",
    ],
)
def test_validate_score_refuses(value: Any) -> None:
    with pytest.raises(ValueError, match=r"^craving: .*0–10"):
        validate_score("craving", value, 0, 10)


# --- properties: never crash, always name the field ---------------------------------------------

NASTY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Zs"]), max_size=8),
    st.sampled_from(["", " ", "NaN", "inf", "-inf", "1e400", "37.2", "٣٧", "98.6", "½", "\x00"]),
)


@given(st.sampled_from(ACCEPTED_FIELDS), NASTY)
def test_validate_vitals_never_crashes_and_names_the_field(field: str, value: Any) -> None:
    report = validate_vitals({field: value})
    for problem in (*report.errors, *report.needs_confirmation):
        assert problem.field == field
        assert problem.message.startswith(f"{field}:")
    if report.ok:
        assert report.vitals is not None


@given(NASTY)
def test_validate_score_never_crashes_and_names_the_field(value: Any) -> None:
    try:
        result = validate_score("pain", value, 0, 10)
    except ValueError as exc:
        assert str(exc).startswith("pain:")
        assert "0–10" in str(exc)
    else:
        assert 0 <= result <= 10


def test_limits_table_covers_every_numeric_field() -> None:
    assert {
        "pulse",
        "respiration_rate",
        "systolic_bp",
        "diastolic_bp",
        "spo2",
        "temperature",
        "glucose",
        "pain",
        "craving",
    } <= set(LIMITS)
    for lim in LIMITS.values():
        assert lim.low <= lim.high
        assert lim.unit
