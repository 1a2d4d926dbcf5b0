"""The words a nurse reads for times and scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wardconsole.domain.records import Severity
from wardconsole.ui import formatting as fmt

NOW = datetime(2025, 11, 26, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=1), "1 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(hours=1), "1 h ago"),
        (timedelta(hours=3, minutes=10), "3 h 10 min ago"),
        (timedelta(days=2, hours=4, minutes=30), "2 d 4 h ago"),
    ],
)
def test_last_obs_reads_as_time_ago(ago: timedelta, text: str) -> None:
    assert fmt.ago_text(NOW - ago, NOW) == text


def test_no_obs_reads_as_a_dash() -> None:
    assert fmt.ago_text(None, NOW) == "—"


@pytest.mark.parametrize(
    ("due_in", "text"),
    [
        (timedelta(minutes=40), "in 40 min"),
        (timedelta(seconds=30), "in <1 min"),
        (timedelta(hours=2, minutes=5), "in 2 h 5 min"),
        (timedelta(seconds=-30), "OVERDUE <1 min"),
        (-timedelta(hours=1, minutes=5), "OVERDUE 1 h 5 min"),
    ],
)
def test_next_due_counts_down_then_says_overdue(due_in: timedelta, text: str) -> None:
    assert fmt.due_text(NOW + due_in, NOW) == text


def test_due_exactly_now_is_not_yet_overdue() -> None:
    assert not fmt.is_overdue(NOW, NOW)
    assert fmt.is_overdue(NOW - timedelta(seconds=1), NOW)


def test_bands_and_severities_differ_in_words_and_shape_not_only_colour() -> None:
    band_texts = [fmt.news2_band_text(b) for b in fmt.NEWS2_BANDS]
    severity_texts = [fmt.severity_text(s) for s in Severity]
    assert len({t.split()[0] for t in severity_texts}) == len(severity_texts)  # distinct shapes
    for texts in (band_texts, severity_texts):
        assert len({t.split()[1] for t in texts}) == len(texts)  # distinct words
    # A band wears the shape of the escalation it raises: low-medium is urgent, as medium is.
    assert band_texts == ["○ LOW", "◆ LOW-MED", "◆ MED", "▲ HIGH"]


def test_beds_sort_naturally() -> None:
    beds = ["B1", "A10", "A2", "A1", "B10", "B2"]
    assert sorted(beds, key=fmt.bed_sort_key) == ["A1", "A2", "A10", "B1", "B2", "B10"]


def test_local_time_is_shown_in_the_stations_time_zone() -> None:
    assert fmt.local_time_text(NOW) == NOW.astimezone().strftime("%H:%M")
