"""NEWS2 scoring against RCP 2017 Chart 1/2/4 (REFERENCE.md §1) and the reference vectors in
tests/data/news2 (see its README for each source and licence)."""

from __future__ import annotations

import json
import math
import runpy
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wardconsole.domain.news2 import (
    PARAMETERS,
    RISK_LABELS,
    News2Result,
    news2,
    score_vitals,
)
from wardconsole.domain.records import CompleteVitals, VitalSigns

NEWS2_DATA = Path(__file__).resolve().parents[1] / "data" / "news2"
VECTOR_FILES = ("openmedicine_vectors.json", "rcp2017_vectors.json")
"""A public suite's vectors (MIT) and those regenerated from the RCP tables (regenerate.py)."""


def _load_vectors() -> dict[str, list[Any]]:
    vectors: dict[str, list[Any]] = {"aggregate": [], "subscore": []}
    for name in VECTOR_FILES:
        document = json.loads((NEWS2_DATA / name).read_text(encoding="utf-8"))
        for kind, items in vectors.items():
            items.extend(document[kind])
    vectors["risk_values"] = json.loads(
        (NEWS2_DATA / "rcp2017_chart1.json").read_text(encoding="utf-8")
    )["risk"]["values"]
    return vectors


VECTORS = _load_vectors()

# A well adult: every parameter scores 0.
WELL: dict[str, Any] = {
    "respiration_rate": 16,
    "spo2": 98,
    "spo2_scale": 1,
    "on_oxygen": False,
    "systolic_bp": 120,
    "pulse": 70,
    "consciousness": "A",
    "temperature": 37.0,
}


def score(**changes: Any) -> News2Result:
    return news2(CompleteVitals(**{**WELL, **changes}))


# --- Chart 1 band edges, every parameter -------------------------------------------------------

BAND_EDGES = [
    ("respiration_rate", 8, 3),
    ("respiration_rate", 9, 1),
    ("respiration_rate", 11, 1),
    ("respiration_rate", 12, 0),
    ("respiration_rate", 20, 0),
    ("respiration_rate", 21, 2),
    ("respiration_rate", 24, 2),
    ("respiration_rate", 25, 3),
    ("spo2", 91, 3),
    ("spo2", 92, 2),
    ("spo2", 93, 2),
    ("spo2", 94, 1),
    ("spo2", 95, 1),
    ("spo2", 96, 0),
    ("systolic_bp", 90, 3),
    ("systolic_bp", 91, 2),
    ("systolic_bp", 100, 2),
    ("systolic_bp", 101, 1),
    ("systolic_bp", 110, 1),
    ("systolic_bp", 111, 0),
    ("systolic_bp", 219, 0),
    ("systolic_bp", 220, 3),
    ("pulse", 40, 3),
    ("pulse", 41, 1),
    ("pulse", 50, 1),
    ("pulse", 51, 0),
    ("pulse", 90, 0),
    ("pulse", 91, 1),
    ("pulse", 110, 1),
    ("pulse", 111, 2),
    ("pulse", 130, 2),
    ("pulse", 131, 3),
    ("temperature", 35.0, 3),
    ("temperature", 35.1, 1),
    ("temperature", 36.0, 1),
    ("temperature", 36.1, 0),
    ("temperature", 38.0, 0),
    ("temperature", 38.1, 1),
    ("temperature", 39.0, 1),
    ("temperature", 39.1, 2),
    ("consciousness", "A", 0),
    ("consciousness", "C", 3),
    ("consciousness", "V", 3),
    ("consciousness", "P", 3),
    ("consciousness", "U", 3),
    ("on_oxygen", False, 0),
    ("on_oxygen", True, 2),
]


@pytest.mark.parametrize(("parameter", "value", "expected"), BAND_EDGES, ids=lambda x: str(x))
def test_band_edge_scores(parameter: str, value: Any, expected: int) -> None:
    result = score(**{parameter: value})
    assert result.parameter_scores[parameter] == expected
    others = {k: v for k, v in result.parameter_scores.items() if k != parameter}
    assert set(others.values()) == {0}


# Scale 2 (confirmed hypercapnic failure, §1.2): (SpO2, on oxygen) -> SpO2 item score.
SCALE2_PAIRS = [
    (83, False, 3),
    (84, False, 2),
    (85, False, 2),
    (86, False, 1),
    (87, False, 1),
    (88, False, 0),
    (92, False, 0),
    (93, False, 0),
    (97, False, 0),
    (100, False, 0),
    (83, True, 3),
    (85, True, 2),
    (87, True, 1),
    (88, True, 0),
    (92, True, 0),
    (93, True, 1),
    (94, True, 1),
    (95, True, 2),
    (96, True, 2),
    (97, True, 3),
    (100, True, 3),
]


@pytest.mark.parametrize(("spo2", "oxygen", "expected"), SCALE2_PAIRS)
def test_scale2_pairs(spo2: int, oxygen: bool, expected: int) -> None:
    result = score(spo2=spo2, spo2_scale=2, on_oxygen=oxygen)
    assert result.parameter_scores["spo2"] == expected
    # Supplemental oxygen adds 2 on either scale.
    assert result.parameter_scores["on_oxygen"] == (2 if oxygen else 0)


def test_scale1_on_oxygen_high_saturation_scores_only_the_oxygen() -> None:
    result = score(spo2=99, on_oxygen=True)
    assert result.parameter_scores["spo2"] == 0
    assert result.total == 2


# --- rounding trap (§1.5) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("temperature", "expected"),
    [
        (38.05, 1),
        (38.04, 0),
        (35.05, 1),
        (35.04, 3),
        (36.05, 0),
        (39.05, 2),
        (39.049, 1),
        (Decimal("38.05"), 1),
        (38, 0),
    ],
)
def test_temperature_is_quantised_half_up_before_banding(temperature: Any, expected: int) -> None:
    assert round(38.05, 1) == 38.0  # the trap this guards against
    assert score(temperature=temperature).parameter_scores["temperature"] == expected


# --- totals, risk, response, frequency (Charts 2 and 4) ----------------------------------------


@pytest.mark.parametrize(
    ("changes", "total", "risk", "red", "interval"),
    [
        ({}, 0, "low", False, timedelta(hours=12)),
        (
            {"respiration_rate": 21, "pulse": 91, "temperature": 38.1},
            4,
            "low",
            False,
            timedelta(hours=4),
        ),
        (
            {"respiration_rate": 21, "pulse": 91, "temperature": 38.1, "systolic_bp": 110},
            5,
            "medium",
            False,
            timedelta(hours=1),
        ),
        (
            {"respiration_rate": 21, "pulse": 111, "temperature": 39.1},
            6,
            "medium",
            False,
            timedelta(hours=1),
        ),
        (
            {"respiration_rate": 25, "pulse": 111, "temperature": 39.1},
            7,
            "high",
            True,
            timedelta(0),
        ),
        (
            {
                "respiration_rate": 5,
                "spo2": 85,
                "on_oxygen": True,
                "systolic_bp": 85,
                "pulse": 35,
                "consciousness": "U",
                "temperature": 34.0,
            },
            20,
            "high",
            True,
            timedelta(0),
        ),
        ({"consciousness": "C"}, 3, "low-medium", True, timedelta(hours=1)),
        ({"consciousness": "C", "pulse": 91}, 4, "low-medium", True, timedelta(hours=1)),
        ({"on_oxygen": True}, 2, "low", False, timedelta(hours=4)),
    ],
    ids=[
        "total-0",
        "total-4",
        "total-5",
        "total-6",
        "total-7",
        "total-20",
        "single-red",
        "red-plus-1",
        "oxygen-only",
    ],
)
def test_totals_risk_and_frequency(
    changes: dict[str, Any], total: int, risk: str, red: bool, interval: timedelta
) -> None:
    result = score(**changes)
    assert result.total == total
    assert result.risk == risk
    assert result.red_flag is red
    assert result.min_obs_interval == interval
    assert result.continuous is (interval == timedelta(0))
    assert result.response
    assert result.risk_label == RISK_LABELS[risk]


def test_red_score_takes_precedence_below_five_but_not_above() -> None:
    assert score(systolic_bp=90).risk == "low-medium"
    assert score(systolic_bp=90, pulse=111).risk == "medium"  # 3 + 2 = 5


def test_risk_labels_cover_every_risk_value() -> None:
    assert set(RISK_LABELS) == set(VECTORS["risk_values"])
    assert RISK_LABELS["low-medium"] == "Low–medium (red score)"


def test_parameter_scores_are_read_only_and_keyed_exactly() -> None:
    result = score()
    assert tuple(result.parameter_scores) == PARAMETERS
    with pytest.raises(TypeError):
        result.parameter_scores["pulse"] = 3  # type: ignore[index]


def test_describe_names_the_scoring_parameters() -> None:
    text = score(respiration_rate=25, spo2=93, pulse=111).describe()
    assert text == "NEWS2 7 (high): RR 3, SpO2 2, HR 2"
    assert score().describe() == "NEWS2 0 (low): all parameters 0"


# --- every reference vector ---------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS["aggregate"], ids=lambda v: v["id"])
def test_reference_aggregate_vector(vector: dict[str, Any]) -> None:
    result = news2(CompleteVitals(**vector["input"]))
    expected = vector["expected"]
    assert result.total == expected["total"]
    assert result.risk == expected["risk"]
    assert result.red_flag == expected["red_flag"]
    assert dict(result.parameter_scores) == expected["parameter_scores"]


@pytest.mark.parametrize("vector", VECTORS["subscore"], ids=lambda v: v["id"])
def test_reference_subscore_vector(vector: dict[str, Any]) -> None:
    inputs = {**WELL, "spo2_scale": vector["spo2_scale"], "on_oxygen": vector["on_oxygen"]}
    inputs[vector["parameter"]] = vector["value"]
    result = news2(CompleteVitals(**inputs))
    assert result.parameter_scores[vector["parameter"]] == vector["expected_score"]


def test_reference_vectors_are_present() -> None:
    assert len(VECTORS["aggregate"]) >= 11
    assert len(VECTORS["subscore"]) >= 40


def test_regenerated_vectors_are_what_the_rcp_tables_give() -> None:
    """The checked-in RCP vectors are exactly what regenerate.py reads off the tables."""
    generator = runpy.run_path(str(NEWS2_DATA / "regenerate.py"))
    expected = generator["render"]()
    assert (NEWS2_DATA / "rcp2017_vectors.json").read_text(encoding="utf-8") == expected


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("respiration_rate", None),
        ("respiration_rate", 0),
        ("respiration_rate", 70),
        ("respiration_rate", 15.5),
        ("respiration_rate", True),
        ("respiration_rate", "15"),
        ("respiration_rate", math.nan),
        ("spo2", 0),
        ("spo2", 101),
        ("spo2", None),
        ("spo2", math.inf),
        ("spo2", False),
        ("systolic_bp", 0),
        ("systolic_bp", 400),
        ("systolic_bp", 120.5),
        ("pulse", 0),
        ("pulse", 300),
        ("pulse", -5),
        ("pulse", None),
        ("temperature", 10.0),
        ("temperature", 50.0),
        ("temperature", 98.6),
        ("temperature", math.nan),
        ("temperature", -math.inf),
        ("temperature", None),
        ("temperature", True),
        ("temperature", "37.0"),
        ("consciousness", "X"),
        ("consciousness", None),
        ("consciousness", 0),
        ("consciousness", "alert"),
        ("on_oxygen", None),
        ("on_oxygen", 1),
        ("on_oxygen", "yes"),
        ("spo2_scale", 3),
        ("spo2_scale", True),
        ("spo2_scale", 1.0),
        ("spo2_scale", None),
    ],
)
def test_bad_values_raise_naming_the_parameter(parameter: str, value: Any) -> None:
    with pytest.raises(ValueError, match=f"^{parameter}:"):
        score(**{parameter: value})


def test_hard_limit_edges_are_accepted() -> None:
    assert score(respiration_rate=1, spo2=1, systolic_bp=1, pulse=1, temperature=10.1).total == 15
    assert score(respiration_rate=69, spo2=100, systolic_bp=399, pulse=299, temperature=49.9)


def test_integral_float_is_accepted_for_integer_parameters() -> None:
    assert score(pulse=95.0).parameter_scores["pulse"] == 1


def test_message_gives_accepted_range() -> None:
    with pytest.raises(ValueError, match=r"pulse: .*1–299 /min"):
        score(pulse=300)


# --- score_vitals ------------------------------------------------------------------------------


def test_score_vitals_complete_set() -> None:
    vitals = VitalSigns(
        respiration_rate=22,
        spo2=93,
        spo2_scale=1,
        on_oxygen=False,
        systolic_bp=105,
        diastolic_bp=70,
        pulse=70,
        consciousness="A",
        temperature=36.8,
    )
    result = score_vitals(vitals)
    assert result is not None
    assert result.total == 5


@pytest.mark.parametrize("missing", [p for p in PARAMETERS])
def test_score_vitals_incomplete_is_none_never_zero(missing: str) -> None:
    values = {k: v for k, v in WELL.items() if k != missing}
    assert score_vitals(VitalSigns(**values)) is None


def test_score_vitals_does_not_need_diastolic() -> None:
    assert score_vitals(VitalSigns(**WELL)) is not None


# --- properties --------------------------------------------------------------------------------

VALID = {
    "respiration_rate": st.integers(1, 69),
    "spo2": st.integers(1, 100),
    "spo2_scale": st.sampled_from([1, 2]),
    "on_oxygen": st.booleans(),
    "systolic_bp": st.integers(1, 399),
    "pulse": st.integers(1, 299),
    "consciousness": st.sampled_from(["A", "C", "V", "P", "U"]),
    "temperature": st.integers(101, 499).map(lambda t: t / 10),
}


@given(st.fixed_dictionaries(VALID))
def test_total_is_sum_of_parameter_scores(inputs: dict[str, Any]) -> None:
    result = news2(CompleteVitals(**inputs))
    assert result.total == sum(result.parameter_scores.values())
    assert 0 <= result.total <= 20
    assert all(0 <= s <= 3 for s in result.parameter_scores.values())
    assert result.red_flag == (3 in result.parameter_scores.values())
    assert result.risk in VECTORS["risk_values"]


SCORED = [p for p in PARAMETERS if p not in ("spo2", "on_oxygen")]


@given(st.fixed_dictionaries(VALID), st.sampled_from(SCORED), st.data())
def test_changing_one_parameter_changes_only_its_own_score(
    inputs: dict[str, Any], parameter: str, data: st.DataObject
) -> None:
    before = news2(CompleteVitals(**inputs))
    after = news2(CompleteVitals(**{**inputs, parameter: data.draw(VALID[parameter])}))
    for name in PARAMETERS:
        if name != parameter:
            assert after.parameter_scores[name] == before.parameter_scores[name]


@given(st.fixed_dictionaries(VALID), st.integers(1, 100))
def test_changing_spo2_changes_only_the_spo2_score(inputs: dict[str, Any], spo2: int) -> None:
    before = news2(CompleteVitals(**inputs))
    after = news2(CompleteVitals(**{**inputs, "spo2": spo2}))
    for name in PARAMETERS:
        if name != "spo2":
            assert after.parameter_scores[name] == before.parameter_scores[name]


NASTY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)


@given(st.sampled_from([*PARAMETERS, "spo2_scale"]), NASTY)
def test_news2_only_ever_raises_value_error_naming_the_parameter(
    parameter: str, value: Any
) -> None:
    try:
        result = score(**{parameter: value})
    except ValueError as exc:
        assert str(exc).startswith(f"{parameter}:")
    else:
        assert result.total == sum(result.parameter_scores.values())
