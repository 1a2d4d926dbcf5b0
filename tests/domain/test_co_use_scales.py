"""CIWA-Ar and COWS scored at every band edge and at the item maxima (REFERENCE-2.md §12.5,
§12.6): public implementations get these wrong (COWS gooseflesh 5 read as 4, maximum 47; COWS
0–4 called mild)."""

from __future__ import annotations

from typing import Any

import pytest

from wardconsole.domain.assessments import (
    CIWA_AR_ITEMS,
    CIWA_AR_MAX,
    CIWA_AR_SCHEMES,
    COWS_ITEMS,
    COWS_MAX,
    ScaleItem,
    score_assessment,
    score_ciwa_ar,
    score_cows,
)


def answers_for(items: tuple[ScaleItem, ...], total: int) -> dict[str, Any]:
    """Allowed item values adding up to exactly ``total`` (greedy, then exact on one item)."""
    out = {item.key: 0 for item in items}
    left = total
    for item in items:
        best = max(v for v in item.allowed if v <= left)
        out[item.key] = best
        left -= best
    if left:
        for item in items:  # trade a value for one that fills the remainder exactly
            for value in item.allowed:
                if value > out[item.key] and value - out[item.key] == left:
                    left = 0
                    out[item.key] = value
                    break
            if not left:
                break
    assert sum(out.values()) == total, f"no answers add up to {total}"
    return out


# --- CIWA-Ar --------------------------------------------------------------------------------------


def test_ciwa_ar_has_ten_items_nine_to_seven_and_orientation_to_four() -> None:
    assert len(CIWA_AR_ITEMS) == 10
    assert [i.max_score for i in CIWA_AR_ITEMS] == [7] * 9 + [4]
    assert CIWA_AR_ITEMS[-1].key == "orientation"
    for item in CIWA_AR_ITEMS:
        assert item.allowed == tuple(range(item.max_score + 1))


def test_ciwa_ar_maximum_is_67() -> None:
    top = {item.key: item.max_score for item in CIWA_AR_ITEMS}
    assert CIWA_AR_MAX == 67
    assert score_ciwa_ar(top).total == 67
    assert score_ciwa_ar({item.key: 0 for item in CIWA_AR_ITEMS}).total == 0


@pytest.mark.parametrize("item", CIWA_AR_ITEMS, ids=lambda i: i.key)
def test_ciwa_ar_each_item_at_its_maximum_counts_fully_and_one_more_is_refused(
    item: ScaleItem,
) -> None:
    answers = {i.key: 0 for i in CIWA_AR_ITEMS}
    answers[item.key] = item.max_score
    assert score_ciwa_ar(answers).total == item.max_score
    answers[item.key] = item.max_score + 1
    with pytest.raises(ValueError, match=f"^{item.key}: {item.max_score + 1} is not allowed"):
        score_ciwa_ar(answers)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"tremor": 3}, "nausea_vomiting: required"),
        ({**{i.key: 0 for i in CIWA_AR_ITEMS}, "tremor": -1}, "tremor: -1 is not allowed"),
        ({**{i.key: 0 for i in CIWA_AR_ITEMS}, "tremor": True}, "tremor: True is not allowed"),
        ({**{i.key: 0 for i in CIWA_AR_ITEMS}, "tremor": 2.5}, "tremor: 2.5 is not allowed"),
        ({**{i.key: 0 for i in CIWA_AR_ITEMS}, "seizure": 1}, "'seizure': not an answer"),
        (
            {**{i.key: 0 for i in CIWA_AR_ITEMS}, "band_scheme": "mdcalc"},
            "band_scheme: 'mdcalc' is not a published scheme",
        ),
    ],
)
def test_ciwa_ar_refuses_bad_answers_naming_the_item(answers: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score_ciwa_ar(answers)


@pytest.mark.parametrize(
    ("scheme", "total", "band"),
    [
        ("camcops", 0, "mild/minimal"),
        ("camcops", 7, "mild/minimal"),
        ("camcops", 8, "moderate"),
        ("camcops", 14, "moderate"),
        ("camcops", 15, "severe"),
        ("camcops", 67, "severe"),
        ("asam_2020", 9, "mild"),
        ("asam_2020", 10, "moderate"),
        ("asam_2020", 18, "moderate"),
        ("asam_2020", 19, "severe"),
        ("uk_summary", 8, "minimal (usually no medication)"),
        ("uk_summary", 9, "9–14"),
        ("uk_summary", 14, "9–14"),
        ("uk_summary", 15, "15–20"),
        ("uk_summary", 20, "15–20"),
        ("uk_summary", 21, "over 20"),
    ],
)
def test_ciwa_ar_bands_of_each_published_scheme_at_their_edges(
    scheme: str, total: int, band: str
) -> None:
    answers = answers_for(CIWA_AR_ITEMS, total) | {"band_scheme": scheme}
    scored = score_assessment("ciwa_ar", answers)
    name = CIWA_AR_SCHEMES[scheme].name
    assert (scored.total, scored.label) == (total, f"CIWA-Ar {total}/67: {band} ({name} bands)")


def test_ciwa_ar_without_a_scheme_says_it_is_not_banded() -> None:
    assert score_ciwa_ar(answers_for(CIWA_AR_ITEMS, 12)).label == (
        "CIWA-Ar 12/67 (no band scheme chosen)"
    )


# --- COWS -----------------------------------------------------------------------------------------

PUBLISHED_COWS_VALUES = {
    "pulse": (0, 1, 2, 4),
    "sweating": (0, 1, 2, 3, 4),
    "restlessness": (0, 1, 3, 5),
    "pupils": (0, 1, 2, 5),
    "aches": (0, 1, 2, 4),
    "runny_nose": (0, 1, 2, 4),
    "gi_upset": (0, 1, 2, 3, 5),
    "tremor": (0, 1, 2, 4),
    "yawning": (0, 1, 2, 4),
    "anxiety": (0, 1, 2, 4),
    "gooseflesh": (0, 3, 5),
}
"""REFERENCE-2.md §12.5, item by item."""


def test_cows_has_eleven_items_with_exactly_the_published_values() -> None:
    assert {item.key: item.allowed for item in COWS_ITEMS} == PUBLISHED_COWS_VALUES


def test_cows_maximum_is_48() -> None:
    assert COWS_MAX == 48
    assert score_cows({item.key: item.max_score for item in COWS_ITEMS}).total == 48


@pytest.mark.parametrize("item", COWS_ITEMS, ids=lambda i: i.key)
def test_cows_refuses_every_value_the_item_does_not_allow(item: ScaleItem) -> None:
    base = {i.key: 0 for i in COWS_ITEMS}
    for value in range(0, 7):
        answers = {**base, item.key: value}
        if value in item.allowed:
            assert score_cows(answers).total == value
        else:
            with pytest.raises(ValueError, match=f"^{item.key}: {value} is not allowed"):
                score_cows(answers)


@pytest.mark.parametrize(
    ("total", "text"),
    [
        (0, "not banded (below 5)"),
        (4, "not banded (below 5)"),
        (5, "mild withdrawal"),
        (12, "mild withdrawal"),
        (13, "moderate withdrawal"),
        (24, "moderate withdrawal"),
        (25, "moderately severe withdrawal"),
        (36, "moderately severe withdrawal"),
        (37, "severe withdrawal"),
        (48, "severe withdrawal"),
    ],
)
def test_cows_bands_at_their_edges(total: int, text: str) -> None:
    scored = score_assessment("cows", answers_for(COWS_ITEMS, total))
    assert (scored.total, scored.label) == (total, f"COWS {total}/48: {text}")


def test_cows_needs_every_item() -> None:
    answers = {item.key: 0 for item in COWS_ITEMS}
    del answers["gooseflesh"]
    with pytest.raises(ValueError, match="gooseflesh: required"):
        score_cows(answers)
