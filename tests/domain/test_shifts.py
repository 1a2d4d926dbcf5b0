"""Shift arithmetic in the ward's time zone, across midnight and both clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wardconsole.domain.policy import EscalationPolicy, Shift
from wardconsole.domain.shifts import ShiftPattern, boundary, ward_zone

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def pattern(policy: EscalationPolicy) -> ShiftPattern:
    return ShiftPattern(policy.shifts, "Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_a_night_in_november_runs_19_to_07_gmt(pattern: ShiftPattern) -> None:
    night = pattern.containing(utc(2026, 11, 26, 3, 0))
    assert night.name == "Night"
    assert night.start == utc(2026, 11, 25, 19, 0)
    assert night.end == utc(2026, 11, 26, 7, 0)
    assert night.duration == timedelta(hours=12)
    assert night.key == "2026-11-25T19:00"
    assert night.label == "Night shift, Wed 25 Nov 19:00 – Thu 26 Nov 07:00"


def test_before_midnight_and_after_midnight_are_the_same_night(pattern: ShiftPattern) -> None:
    evening = pattern.containing(london(2026, 11, 25, 23, 59))
    small_hours = pattern.containing(london(2026, 11, 26, 0, 1))
    assert evening == small_hours
    assert evening.start_date == date(2026, 11, 25)


def test_bounds_belong_to_exactly_one_shift(pattern: ShiftPattern) -> None:
    day = pattern.containing(london(2026, 11, 26, 7, 0))
    assert day.name == "Day"
    assert day.start == utc(2026, 11, 26, 7, 0)
    just_before = pattern.containing(day.start - timedelta(microseconds=1))
    assert just_before.name == "Night"
    assert just_before.end == day.start


def test_summer_shifts_are_in_british_summer_time(pattern: ShiftPattern) -> None:
    day = pattern.containing(london(2026, 7, 1, 12, 0))
    assert day.start == utc(2026, 7, 1, 6, 0)  # 07:00 BST
    assert day.end == utc(2026, 7, 1, 18, 0)


def test_the_night_the_clocks_go_forward_lasts_11_hours(pattern: ShiftPattern) -> None:
    # 2026-03-29 01:00 GMT the clocks jump to 02:00 BST.
    night = pattern.containing(utc(2026, 3, 29, 1, 30))
    assert night.name == "Night"
    assert night.start == utc(2026, 3, 28, 19, 0)  # 19:00 GMT
    assert night.end == utc(2026, 3, 29, 6, 0)  # 07:00 BST
    assert night.duration == timedelta(hours=11)
    assert night.local_end.hour == 7


def test_the_night_the_clocks_go_back_lasts_13_hours(pattern: ShiftPattern) -> None:
    # 2026-10-25 02:00 BST the clocks go back to 01:00 GMT: 01:xx happens twice.
    first_one_thirty = london(2026, 10, 25, 1, 30).replace(fold=0)
    second_one_thirty = london(2026, 10, 25, 1, 30).replace(fold=1)
    night = pattern.containing(first_one_thirty)
    assert pattern.containing(second_one_thirty) == night
    assert night.start == utc(2026, 10, 24, 18, 0)  # 19:00 BST
    assert night.end == utc(2026, 10, 25, 7, 0)  # 07:00 GMT
    assert night.duration == timedelta(hours=13)


def test_last_shift_and_this_shift(pattern: ShiftPattern) -> None:
    now = london(2026, 11, 26, 7, 20)  # twenty minutes into the day shift
    assert pattern.this_shift(now).name == "Day"
    last = pattern.last_shift(now)
    assert (last.name, last.key) == ("Night", "2026-11-25T19:00")
    assert pattern.previous(last).key == "2026-11-25T07:00"
    assert pattern.following(last) == pattern.this_shift(now)


def test_previous_and_following_across_the_clock_changes(pattern: ShiftPattern) -> None:
    for moment in (utc(2026, 3, 29, 3, 0), utc(2026, 10, 25, 3, 0)):
        night = pattern.containing(moment)
        day_before = pattern.previous(night)
        assert day_before.end == night.start
        assert pattern.following(night).start == night.end
        assert pattern.following(day_before) == night


def test_starting_at_takes_local_wall_clock_time(pattern: ShiftPattern) -> None:
    night = pattern.starting_at(datetime(2026, 11, 25, 19, 0))
    assert night.start == utc(2026, 11, 25, 19, 0)
    summer = pattern.starting_at(datetime(2026, 7, 1, 19, 0))
    assert summer.start == utc(2026, 7, 1, 18, 0)
    expected = r"no shift starts at 18:00; shifts start at 07:00 \(Day\)"
    with pytest.raises(ValueError, match=expected):
        pattern.starting_at(datetime(2026, 11, 25, 18, 0))


def test_between_lists_every_shift(pattern: ShiftPattern) -> None:
    first = pattern.starting_at(datetime(2026, 10, 24, 7, 0))
    last = pattern.starting_at(datetime(2026, 10, 25, 19, 0))
    assert [w.key for w in pattern.between(first, last)] == [
        "2026-10-24T07:00",
        "2026-10-24T19:00",
        "2026-10-25T07:00",
        "2026-10-25T19:00",
    ]


def test_a_boundary_in_the_spring_gap_starts_when_the_clocks_change() -> None:
    # A (hypothetical) shift pattern changing at 01:30, a time that does not exist on 29 March.
    pattern = ShiftPattern(
        (Shift("Late", time(13, 30), time(1, 30)), Shift("Early", time(1, 30), time(13, 30))),
        "Europe/London",
    )
    assert boundary(date(2026, 3, 29), time(1, 30), LONDON) == utc(2026, 3, 29, 1, 0)
    late = pattern.containing(utc(2026, 3, 29, 0, 45))  # 00:45 GMT
    assert late.name == "Late"
    assert late.end == utc(2026, 3, 29, 1, 0)  # the clocks jump 01:00 GMT -> 02:00 BST
    early = pattern.containing(utc(2026, 3, 29, 1, 10))  # 02:10 BST
    assert early.name == "Early"
    assert early.start == late.end


def test_a_repeated_boundary_starts_at_its_first_occurrence() -> None:
    pattern = ShiftPattern(
        (Shift("Late", time(13, 30), time(1, 30)), Shift("Early", time(1, 30), time(13, 30))),
        "Europe/London",
    )
    early = pattern.containing(utc(2026, 10, 25, 1, 10))  # 01:10 GMT, the second 01:10
    assert early.name == "Early"
    assert early.start == utc(2026, 10, 25, 0, 30)  # the first 01:30 (BST)


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    )
)
def test_shifts_tile_time_without_gaps(instant: datetime) -> None:
    from wardconsole.domain.policy import load_policy

    pattern = ShiftPattern(load_policy().shifts, "Europe/London")
    window = pattern.containing(instant)
    assert window.start <= instant < window.end
    assert pattern.previous(window).end == window.start
    assert pattern.following(window).start == window.end
    assert timedelta(hours=11) <= window.duration <= timedelta(hours=13)


def test_other_time_zones_and_bad_names() -> None:
    assert ward_zone(None).key == "Europe/London"
    assert ward_zone("Australia/Sydney").key == "Australia/Sydney"
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        ward_zone("Mars/Olympus")


def test_naive_instants_are_refused(pattern: ShiftPattern) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        pattern.containing(datetime(2026, 11, 26, 3, 0))
