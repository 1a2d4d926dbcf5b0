"""The local ketamine withdrawal chart (REFERENCE.md §5.6) and its policy file."""

from __future__ import annotations

from pathlib import Path

import pytest

from wardconsole.domain.withdrawal import ChartConfigError, WithdrawalChart, load_chart

EXPECTED_ITEMS = (
    "craving",
    "anxiety",
    "low_mood",
    "agitation",
    "sleep_disturbance",
    "fatigue",
    "nausea_appetite",
    "tremor",
    "sweats_chills",
    "hallucinations_auditory",
    "hallucinations_visual",
    "hallucinations_tactile",
    "dissociation",
    "bladder_pain",
    "abdominal_pain",
    "headache",
    "orientation",
)


def test_bundled_chart_is_labelled_unvalidated_and_versioned(chart: WithdrawalChart) -> None:
    assert chart.status == "unvalidated local tool"
    assert chart.version
    assert not chart.signed_off  # governance sign-off is still pending
    assert chart.source.endswith("withdrawal_chart.toml")


def test_bundled_chart_items_follow_ciwa_structure(chart: WithdrawalChart) -> None:
    assert tuple(item.key for item in chart.items) == EXPECTED_ITEMS
    for item in chart.items:
        if item.key == "orientation":
            assert item.max_score == 4
            assert tuple(item.anchors) == (0, 1, 2, 3, 4)
        else:
            assert item.max_score == 7
            assert tuple(item.anchors) == (0, 1, 4, 7)
    assert chart.max_total == 16 * 7 + 4


def test_red_flags_and_groups(chart: WithdrawalChart) -> None:
    flagged = {item.key: (item.red_flag_at, item.group) for item in chart.items if item.red_flag_at}
    assert flagged == {
        "anxiety": (7, "panic"),
        "hallucinations_auditory": (4, "hallucination"),
        "hallucinations_visual": (4, "hallucination"),
        "hallucinations_tactile": (4, "hallucination"),
        "orientation": (2, "confusion"),
    }
    assert chart.item("anxiety").anchors[7] == "Equivalent to acute panic states"


def test_score_totals_and_reports_red_flags(chart: WithdrawalChart) -> None:
    result = chart.score({"hallucinations_visual": 4, "anxiety": 6, "orientation": 1, "craving": 3})
    assert result.total == 14
    assert [item.key for item in result.red_flags] == ["hallucinations_visual"]
    assert "tremor" in result.unrated
    assert list(result.item_scores) == [
        "craving",
        "anxiety",
        "hallucinations_visual",
        "orientation",
    ]


def test_just_below_red_flag_is_not_flagged(chart: WithdrawalChart) -> None:
    result = chart.score({"hallucinations_auditory": 3, "anxiety": 6, "orientation": 1})
    assert result.red_flags == ()


def test_orientation_and_anxiety_red_flags(chart: WithdrawalChart) -> None:
    result = chart.score({"anxiety": 7, "orientation": 2})
    assert [item.group for item in result.red_flags] == ["panic", "confusion"]


@pytest.mark.parametrize(
    ("ratings", "match"),
    [
        ({"tremors": 2}, "^tremors: not an item"),
        ({"tremor": 8}, "^tremor: .*0–7"),
        ({"orientation": 5}, "^orientation: .*0–4"),
        ({"tremor": -1}, "^tremor:"),
        ({"tremor": 2.5}, "^tremor: .*whole number"),
        ({"tremor": True}, "^tremor:"),
        ({"tremor": None}, "^tremor: missing"),
    ],
)
def test_bad_ratings_raise(chart: WithdrawalChart, ratings: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        chart.score(ratings)  # type: ignore[arg-type]


def test_anchor_for_uses_nearest_lower_anchor(chart: WithdrawalChart) -> None:
    item = chart.item("tremor")
    assert item.anchor_for(5) == item.anchors[4]
    assert item.anchor_for(7) == item.anchors[7]


# --- a broken file names the file, the item and the problem ---------------------------------------

GOOD_HEADER = """
[chart]
name = "Test chart"
version = "1"
status = "unvalidated local tool"
"""

GOOD_ITEM = """
[[items]]
key = "tremor"
label = "Tremor"
max_score = 7
[items.anchors]
0 = "None"
7 = "Severe"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chart.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_file_loads(tmp_path: Path) -> None:
    chart = load_chart(write(tmp_path, GOOD_HEADER + GOOD_ITEM))
    assert chart.max_total == 7


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("this is = = not toml", "not valid TOML"),
        (GOOD_ITEM, "missing the [chart] table"),
        (GOOD_HEADER, "no [[items]]"),
        (GOOD_HEADER.replace('version = "1"', 'version = ""'), "'version' must be non-empty"),
        (
            GOOD_HEADER + GOOD_ITEM.replace("max_score = 7", "max_score = 9"),
            "item 'tremor': 'max_score' must be a whole number 1–7",
        ),
        (GOOD_HEADER + GOOD_ITEM + "red_flag_at = 8\n", "item 'tremor'"),
        (
            GOOD_HEADER + GOOD_ITEM.replace("max_score = 7", "max_score = 7\nred_flag_at = 8"),
            "item 'tremor': 'red_flag_at' must be a whole number 1–7, got 8",
        ),
        (
            GOOD_HEADER + GOOD_ITEM.replace("max_score = 7", 'max_score = 7\ngroup = "mood"'),
            "item 'tremor': 'group' must be one of panic, hallucination, confusion",
        ),
        (
            GOOD_HEADER + GOOD_ITEM.replace("max_score = 7", "max_score = 7\nred_flag = 4"),
            "item 'tremor': unknown key(s) red_flag",
        ),
        (
            GOOD_HEADER + GOOD_ITEM.replace('7 = "Severe"', '8 = "Severe"'),
            "item 'tremor': anchor score '8' is not a whole number 0–7",
        ),
        (
            GOOD_HEADER + GOOD_ITEM.replace('0 = "None"', '1 = "Mild"'),
            "item 'tremor': anchors must include 0",
        ),
        (GOOD_HEADER + GOOD_ITEM + GOOD_ITEM, "item 'tremor': key is used twice"),
        (
            GOOD_HEADER + GOOD_ITEM.replace('key = "tremor"', 'key = "Tremor Score"'),
            "item #1: 'key' must be lower_snake_case",
        ),
        (
            GOOD_HEADER + GOOD_ITEM.replace('label = "Tremor"', 'label = ""'),
            "item 'tremor': 'label' must be non-empty",
        ),
    ],
)
def test_broken_file_gives_chart_config_error(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ChartConfigError) as info:
        load_chart(path)
    assert str(path) in str(info.value)
    assert problem in str(info.value)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ChartConfigError, match=r"nope\.toml"):
        load_chart(tmp_path / "nope.toml")
