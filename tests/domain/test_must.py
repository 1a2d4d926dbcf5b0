"""MUST at its band edges (REFERENCE-2.md §12.1): a BMI of exactly 20.0 or 18.5 and a loss of
exactly 5 % or 10 % score 1, including values that binary floating point puts on the wrong side
of an edge; a rounded value is never shown in a safer band; an estimated screen has a category
and no score."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wardconsole.domain.must import (
    MustInputError,
    MustRisk,
    bmi,
    bmi_score,
    estimated_must,
    loss_score,
    score_must,
    weight_loss_percent,
)


@pytest.mark.parametrize(
    ("weight", "height", "points"),
    [
        ("61.25", "1.75", 1),  # exactly 20.0
        ("54.45", "1.65", 1),  # exactly 20.0; as floats 54.45 / 1.65² is 20.000000000000004
        ("54.46", "1.65", 0),  # just above 20
        ("47.36", "1.60", 1),  # exactly 18.5; as floats 47.36 / 1.6² is 18.499999999999996
        ("59.94", "1.80", 1),  # exactly 18.5 again (the same float trap)
        ("47.35", "1.60", 2),  # just below 18.5
        ("95", "1.80", 0),  # > 30: obese, scores 0 (noted, not a malnutrition score)
    ],
)
def test_bmi_band_edges_are_scored_as_written(weight: str, height: str, points: int) -> None:
    assert bmi_score(bmi(weight, height)) == points


def test_the_float_traps_are_real() -> None:
    """The cases above would score on the wrong side with floats: the exact arithmetic matters."""
    assert 54.45 / 1.65**2 > 20 and 47.36 / 1.6**2 < 18.5
    assert (40.4 - 38.38) / 40.4 * 100 < 5 and (41.0 - 36.9) / 41.0 * 100 > 10


@pytest.mark.parametrize(
    ("before", "now", "points"),
    [
        ("40.4", "38.38", 1),  # exactly 5 %; as floats 4.99999999999999
        ("60", "57.01", 0),  # 4.98 %
        ("41.0", "36.9", 1),  # exactly 10 %; as floats 10.000000000000004
        ("70", "63", 1),  # exactly 10 %
        ("70", "62.99", 2),  # just over 10 %
        ("70", "72", 0),  # a gain is no loss
    ],
)
def test_weight_loss_band_edges_are_scored_as_written(before: str, now: str, points: int) -> None:
    assert loss_score(weight_loss_percent(before, now)) == points


def test_a_screen_adds_the_steps_and_gives_the_published_category_and_advice() -> None:
    low = score_must(weight_kg="70", height_m="1.75", weight_before_kg="71")
    assert (low.total, low.risk) == (0, MustRisk.LOW)
    medium = score_must(weight_kg="61.25", height_m="1.75")
    assert (medium.total, medium.risk) == (1, MustRisk.MEDIUM)
    assert "dietary intake for 3 days" in medium.risk.advice
    high = score_must(
        weight_kg="47.35",
        height_m="1.60",
        weight_before_kg="53",
        acutely_ill_no_intake_over_5_days=True,
    )
    assert (high.bmi_points, high.loss_points, high.acute_points, high.total) == (2, 2, 2, 6)
    assert high.risk is MustRisk.HIGH and "dietitian" in high.risk.advice
    planned = score_must(weight_kg="60", height_m="1.70", weight_before_kg="70", loss_planned=True)
    assert (planned.loss_percent, planned.loss_points) == (Decimal(0), 0)


def test_a_value_is_never_shown_rounded_into_a_safer_band() -> None:
    just_above = score_must(weight_kg="54.56", height_m="1.65")  # BMI 20.04
    assert just_above.bmi_points == 0
    assert "BMI 20.04: 0" in just_above.label  # not "20.0", which scores 1
    edge = score_must(weight_kg="54.45", height_m="1.65")
    assert "BMI 20.0: 1" in edge.label
    below = score_must(weight_kg="47.34", height_m="1.60")  # 18.49…
    assert below.bmi_points == 2 and "BMI 18.49: 2" in below.label


def test_an_estimated_screen_has_a_category_and_no_score() -> None:
    result = estimated_must(MustRisk.MEDIUM)
    assert result.total is None and result.estimated
    assert result.label == "MUST estimated — medium risk, no score"


def test_impossible_or_float_measurements_are_refused_naming_the_field() -> None:
    with pytest.raises(MustInputError, match="height_m"):
        bmi("60", "0")
    with pytest.raises(MustInputError, match="weight_kg"):
        bmi("sixty", "1.7")
    with pytest.raises(MustInputError, match="not a float"):
        bmi(60.5, "1.7")  # type: ignore[arg-type]
