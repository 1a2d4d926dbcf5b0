"""Sleep from the safety checks: the night on the ward's clock, the estimate at its edges (no
checks, one check, awake throughout, gaps longer than the interval), the nurse's entry and the
"little sleep two nights running" flag."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from wardconsole.domain.policy import Shift
from wardconsole.domain.safety_checks import CheckRecord, Presentation
from wardconsole.domain.shifts import ShiftPattern, ShiftWindow
from wardconsole.domain.sleep import (
    ChartSleep,
    SleepEntry,
    SleepInput,
    SleepPolicyError,
    SleepQuality,
    course_line,
    estimate_sleep,
    last_night,
    little_sleep_flag,
    load_sleep_policy,
    night_for_entry,
    night_label,
    night_on,
    nights_sleep,
    recent_nights,
    sleep_problems,
)

POLICY = load_sleep_policy()
PATTERN = ShiftPattern(
    (Shift("Day", time(7), time(19)), Shift("Night", time(19), time(7))), "Europe/London"
)
HOURLY = timedelta(hours=1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def checks(*items: tuple[str, Presentation]) -> list[CheckRecord]:
    return [
        CheckRecord(i, utc(at), how, "bedroom", "general") for i, (at, how) in enumerate(items, 1)
    ]


def hourly(first: str, count: int, how: Presentation) -> list[tuple[str, Presentation]]:
    start = datetime.fromisoformat(first)
    return [((start + i * HOURLY).isoformat(sep=" "), how) for i in range(count)]


def interval(_level: str) -> timedelta:
    return HOURLY


NIGHT = night_on(PATTERN, date(2026, 11, 25), POLICY)  # 19:00 GMT -> 07:00 GMT


def test_the_night_is_the_policy_shift_on_the_wards_clock_across_midnight() -> None:
    assert NIGHT.start == utc("2026-11-25 19:00") and NIGHT.end == utc("2026-11-26 07:00")
    assert night_label(NIGHT) == "night of Wed 25 → Thu 26 Nov"
    # At 10:00 and at 02:00 the next night, "last night" is the one that has ended.
    assert last_night(PATTERN, utc("2026-11-26 10:00"), POLICY) == NIGHT
    assert last_night(PATTERN, utc("2026-11-27 02:00"), POLICY) == NIGHT
    # An entry made at 06:30 is about the night in progress; at 10:00, about last night.
    assert night_for_entry(PATTERN, utc("2026-11-26 06:30"), POLICY) == NIGHT
    assert night_for_entry(PATTERN, utc("2026-11-26 10:00"), POLICY) == NIGHT
    two = recent_nights(PATTERN, utc("2026-11-27 10:00"), POLICY, 2)
    assert [n.start_date for n in two] == [date(2026, 11, 25), date(2026, 11, 26)]


def test_clock_change_nights_last_13_and_11_hours_and_say_so() -> None:
    back = night_on(PATTERN, date(2026, 10, 24), POLICY)  # clocks go back at 02:00 on the 25th
    forward = night_on(PATTERN, date(2026, 3, 28), POLICY)  # clocks go forward on the 29th
    assert back.duration == timedelta(hours=13)
    assert forward.duration == timedelta(hours=11)
    assert "13 h: the clocks went back" in night_label(back)
    assert "11 h: the clocks went forward" in night_label(forward)
    # Asleep at every hourly check of the long night counts 13 elapsed hours, not 12.
    found = estimate_sleep(
        back,
        checks(*hourly("2026-10-24 18:30", 13, Presentation.ASLEEP)),  # 19:30 BST onwards
        interval,
        POLICY,
    )
    assert found.asleep == timedelta(hours=13) and found.hours == 13
    # A nurse may enter 12 h for the long night but not for the short one.
    late = utc("2026-10-25 12:00")
    assert not sleep_problems(
        SleepInput(back.start_date, 12 * 60, SleepQuality.SETTLED), back, late
    )
    short = sleep_problems(
        SleepInput(forward.start_date, 12 * 60, SleepQuality.SETTLED),
        forward,
        utc("2026-03-29 12:00"),
    )
    assert short["minutes_slept"].startswith("hours slept: 12 h is not possible in a 11-hour")


def test_no_checks_is_no_estimate_never_zero_hours() -> None:
    found = estimate_sleep(NIGHT, [], interval, POLICY)
    assert found.hours is None
    assert found.text == "no safety checks saw the patient — sleep not estimated"


def test_one_check_is_too_few_to_state_hours() -> None:
    found = estimate_sleep(
        NIGHT, checks(("2026-11-26 02:00", Presentation.ASLEEP)), interval, POLICY
    )
    assert found.asleep == HOURLY  # half an hour either side
    assert found.hours is None
    assert found.text == (
        "too few checks to estimate (1 check, 02:00–02:00, asleep at every one; checks are samples)"
    )


def test_asleep_at_nine_hourly_checks_reads_as_an_estimate_from_samples() -> None:
    items = hourly("2026-11-25 19:00", 3, Presentation.CALM)
    items += hourly("2026-11-25 22:00", 9, Presentation.ASLEEP)
    found = estimate_sleep(NIGHT, checks(*items), interval, POLICY)
    # 19:00 stands for 19:00–19:30 (the night starts at 19:00); each later check one hour.
    assert found.awake == timedelta(hours=2, minutes=30)
    assert found.asleep == timedelta(hours=9)
    # 06:30–07:00 is after the last check's half hour: said, not guessed.
    assert found.text == (
        "≈ 9 h asleep (from 12 checks, 19:00–06:00; 30 min not covered by a check; "
        "checks are samples)"
    )


def test_awake_throughout_is_zero_hours_and_says_awake_at_every_check() -> None:
    found = estimate_sleep(
        NIGHT, checks(*hourly("2026-11-25 19:30", 12, Presentation.AGITATED)), interval, POLICY
    )
    assert found.hours == 0
    assert "≈ 0 h asleep" in found.text and "awake at every check" in found.text


def test_a_gap_longer_than_the_interval_is_not_covered_not_counted_asleep() -> None:
    items = hourly("2026-11-25 19:30", 4, Presentation.ASLEEP)  # 19:30 … 22:30
    items += hourly("2026-11-26 02:30", 5, Presentation.ASLEEP)  # 02:30 … 06:30
    found = estimate_sleep(NIGHT, checks(*items), interval, POLICY)
    # Asleep at 22:30 and at 02:30: the four hours between are covered for half an hour at
    # each end; three hours are not covered by any check.
    assert found.asleep == timedelta(hours=9)
    assert found.not_covered == timedelta(hours=3)
    assert found.text == (
        "≈ 9 h asleep (from 9 checks, 19:30–06:30; 3 h not covered by a check; checks are samples)"
    )


def test_a_night_the_patient_was_admitted_during_counts_from_the_admission() -> None:
    admitted = utc("2026-11-26 01:00")
    items = hourly("2026-11-26 01:30", 6, Presentation.ASLEEP)  # 01:30 … 06:30
    found = estimate_sleep(NIGHT, checks(*items), interval, POLICY, admitted)
    # The six hours before the admission are not "not covered": the patient was not here.
    assert found.asleep == timedelta(hours=6) and found.not_covered == timedelta(0)
    assert found.text == "≈ 6 h asleep (from 6 checks, 01:30–06:30; checks are samples)"
    # A check at the admission stands for no time before it.
    early = estimate_sleep(
        NIGHT, checks(("2026-11-26 01:00", Presentation.ASLEEP)), interval, POLICY, admitted
    )
    assert early.asleep == timedelta(minutes=30)
    # Without the admission the same checks leave most of the night uncovered.
    whole = estimate_sleep(NIGHT, checks(*items), interval, POLICY)
    assert whole.not_covered == timedelta(hours=6)
    # One check stands for enough of a night entered at 05:30 to state hours.
    late = estimate_sleep(
        NIGHT,
        checks(*hourly("2026-11-26 06:00", 1, Presentation.CALM)),
        interval,
        POLICY,
        utc("2026-11-26 05:30"),
    )
    assert late.hours == 0 and late.not_covered == timedelta(minutes=30)
    (night,) = nights_sleep(PATTERN, [NIGHT], checks(*items), [], [], interval, POLICY, admitted)
    assert night.hours == 6 and "not covered" not in night.detail


def test_a_night_the_patient_was_discharged_during_ends_at_the_discharge() -> None:
    items = hourly("2026-11-25 19:30", 12, Presentation.ASLEEP)  # 19:30 … 06:30
    # Discharged before the night began: none of it was on the ward, and no check counts.
    before = estimate_sleep(NIGHT, checks(*items), interval, POLICY, None, utc("2026-11-25 18:59"))
    assert before.on_ward == timedelta(0) and before.checks == 0 and before.hours is None
    assert before.not_covered == timedelta(0)
    at_start = estimate_sleep(NIGHT, checks(*items), interval, POLICY, None, NIGHT.start)
    assert at_start.on_ward == timedelta(0) and at_start.checks == 0
    # Discharged one minute into the night: one minute on the ward, nothing "not covered" after.
    minute = estimate_sleep(
        NIGHT,
        checks(("2026-11-25 19:00", Presentation.CALM), *items),
        interval,
        POLICY,
        None,
        utc("2026-11-25 19:01"),
    )
    assert minute.on_ward == timedelta(minutes=1) and minute.checks == 1
    assert minute.awake == timedelta(minutes=1) and minute.not_covered == timedelta(0)
    # Discharged at midnight after checks to 23:30: the five hours on the ward are covered; the
    # seven after the discharge are not "not covered", and checks after it do not count.
    left = utc("2026-11-26 00:00")
    found = estimate_sleep(NIGHT, checks(*items), interval, POLICY, None, left)
    assert found.asleep == timedelta(hours=5) and found.not_covered == timedelta(0)
    assert found.text == "≈ 5 h asleep (from 5 checks, 19:30–23:30; checks are samples)"
    whole = estimate_sleep(NIGHT, checks(*items[:5]), interval, POLICY)
    assert whole.hours is None and whole.text.startswith("too few checks to estimate")
    # Discharged after the night ended (or at its end): the night is unchanged.
    for after in (NIGHT.end, utc("2026-11-26 10:00")):
        late = estimate_sleep(NIGHT, checks(*items[:5]), interval, POLICY, None, after)
        assert late == whole and late.discharged_at is None
    # Admitted and discharged in the same night: only the time between counts.
    both = estimate_sleep(NIGHT, checks(*items), interval, POLICY, utc("2026-11-25 22:00"), left)
    assert both.on_ward == timedelta(hours=2) and both.asleep == timedelta(hours=2)
    (night,) = nights_sleep(PATTERN, [NIGHT], checks(*items), [], [], interval, POLICY, None, left)
    assert night.hours == 5 and "not covered" not in night.detail


def test_a_night_in_progress_counts_until_now_not_the_hours_still_to_come() -> None:
    """At midnight with hourly checks since 19:30 the handoff reads hours asleep so far; the
    seven hours still to come are not "not covered by a check" and not "too few checks"."""
    items = hourly("2026-11-25 19:30", 12, Presentation.ASLEEP)  # 19:30 … 06:30
    now = utc("2026-11-26 00:00")
    so_far = estimate_sleep(NIGHT, checks(*items), interval, POLICY, as_of=now)
    assert so_far.on_ward == timedelta(hours=5) and so_far.checks == 5
    assert so_far.asleep == timedelta(hours=5) and so_far.hours == 5
    assert so_far.text == "≈ 5 h asleep (from 5 checks, 19:30–23:30; checks are samples)"
    # A gap before now still shows: no check since 23:30 at 02:30 leaves time not covered.
    later = estimate_sleep(
        NIGHT, checks(*items[:5]), interval, POLICY, as_of=utc("2026-11-26 02:30")
    )
    assert later.not_covered == timedelta(hours=2, minutes=30)
    assert "2 h 30 min not covered by a check" in later.text
    # Once the night has ended, "as of" changes nothing.
    assert estimate_sleep(
        NIGHT, checks(*items), interval, POLICY, as_of=NIGHT.end
    ) == estimate_sleep(NIGHT, checks(*items), interval, POLICY)
    (night,) = nights_sleep(PATTERN, [NIGHT], checks(*items), [], [], interval, POLICY, as_of=now)
    assert night.hours == 5 and "not covered" not in night.detail


def test_checks_closer_than_the_interval_share_the_time_between_them() -> None:
    found = estimate_sleep(
        NIGHT,
        checks(("2026-11-26 01:00", Presentation.ASLEEP), ("2026-11-26 01:20", Presentation.CALM)),
        interval,
        POLICY,
    )
    assert found.asleep == timedelta(minutes=40)  # 00:30–01:10
    assert found.awake == timedelta(minutes=40)  # 01:10–01:50


def test_not_found_says_nothing_about_sleep_and_checks_outside_the_night_are_ignored() -> None:
    found = estimate_sleep(
        NIGHT,
        checks(
            ("2026-11-25 18:59", Presentation.ASLEEP),
            ("2026-11-26 01:00", Presentation.NOT_FOUND),
            ("2026-11-26 07:00", Presentation.ASLEEP),
        ),
        interval,
        POLICY,
    )
    assert found.checks == 0 and found.asleep == timedelta(0)


def _night_sleep(
    day: date, hours: int | None, entry_minutes: int | None = None
) -> tuple[ShiftWindow, list[CheckRecord], list[SleepEntry]]:
    night = night_on(PATTERN, day, POLICY)
    start = night.start + timedelta(minutes=30)
    items = [
        CheckRecord(
            i,
            start + i * HOURLY,
            Presentation.ASLEEP if hours is not None and i < hours else Presentation.CALM,
            "bedroom",
            "general",
        )
        for i in range(12 if hours is not None else 0)
    ]
    entries = []
    if entry_minutes is not None:
        entries.append(
            SleepEntry(
                1, 1, day, entry_minutes, SleepQuality.DISTURBED, None, night.end, "A. Nurse"
            )
        )
    return night, items, entries


def test_little_sleep_two_nights_running_flags_one_night_does_not() -> None:
    n1, c1, _ = _night_sleep(date(2026, 11, 24), 3)
    n2, c2, _ = _night_sleep(date(2026, 11, 25), 3)
    found = nights_sleep(PATTERN, [n1, n2], [*c1, *c2], [], [], interval, POLICY)
    flag = little_sleep_flag(found, POLICY)
    assert flag is not None and flag.text == "● little sleep 3 h, 3 h"
    assert "local policy, not a published standard" in flag.detail[-1]
    n3, c3, _ = _night_sleep(date(2026, 11, 24), 7)
    found = nights_sleep(PATTERN, [n3, n2], [*c3, *c2], [], [], interval, POLICY)
    assert little_sleep_flag(found, POLICY) is None


def test_the_nurses_entry_wins_over_the_estimate_and_an_unknown_night_breaks_the_run() -> None:
    n1, c1, e1 = _night_sleep(date(2026, 11, 24), 3, entry_minutes=6 * 60)
    n2, c2, _ = _night_sleep(date(2026, 11, 25), 3)
    found = nights_sleep(PATTERN, [n1, n2], [*c1, *c2], e1, [], interval, POLICY)
    assert found[0].hours == 6 and found[0].source == "nurse's entry"
    assert little_sleep_flag(found, POLICY) is None
    n0, c0, _ = _night_sleep(date(2026, 11, 24), None)
    found = nights_sleep(PATTERN, [n0, n2], [*c0, *c2], [], [], interval, POLICY)
    assert found[0].hours is None and little_sleep_flag(found, POLICY) is None


def test_handoff_words_and_the_morning_chart_rating_shown_together() -> None:
    n2, c2, _ = _night_sleep(date(2026, 11, 25), 4)
    rating = ChartSleep(
        4, 7, "Broken sleep, awake for long periods or nightmares", utc("2026-11-26 08:00")
    )
    during = ChartSleep(1, 7, "Slightly disturbed sleep", utc("2026-11-25 21:00"))
    (night,) = nights_sleep(PATTERN, [n2], c2, [], [during, rating], interval, POLICY)
    assert night.fact() == (
        "slept ≈ 4 h last night (estimate from 12 checks; checks are samples); "
        "withdrawal chart sleep 4/7 (Broken sleep, awake for long periods or nightmares)"
    )


def test_bad_entries_are_refused_naming_the_field() -> None:
    now = utc("2026-11-26 10:00")
    bad = sleep_problems(
        SleepInput(NIGHT.start_date, -30, SleepQuality.SETTLED, woke_at=utc("2026-11-26 11:00")),
        NIGHT,
        now,
    )
    assert bad["minutes_slept"].startswith("hours slept:")
    assert bad["woke_at"] == "woke at: that time has not come yet"
    early = sleep_problems(
        SleepInput(NIGHT.start_date, 60, SleepQuality.SETTLED, woke_at=utc("2026-11-25 12:00")),
        NIGHT,
        now,
    )
    assert early["woke_at"].startswith("woke at: between the night's start")


def test_a_bad_policy_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "sleep.toml"
    text = Path(POLICY.source).read_text(encoding="utf-8")
    path.write_text(text.replace("nights_running = 2", "nights_running = 0"), encoding="utf-8")
    with pytest.raises(SleepPolicyError, match=r"\[flag\] nights_running"):
        load_sleep_policy(path)


def test_the_discharge_course_marks_estimates_and_names_the_short_nights() -> None:
    nights = []
    for day, hours, minutes in ((24, 2, None), (25, 3, None), (26, None, None), (27, 7, 450)):
        night, items, entries = _night_sleep(date(2026, 11, day), hours, entry_minutes=minutes)
        nights += nights_sleep(PATTERN, [night], items, entries, [], interval, POLICY)
    assert course_line(nights, POLICY) == (
        "Sleep: 4 nights; night 1 ≈ 2 h, night 4 7.5 h; under 4 h on 2 nights (nights 1, 2; "
        "local policy, not a published standard); 1 night with too few checks to say. "
        "≈: estimated from the safety checks (checks are samples)."
    )
    assert course_line([], POLICY) == "Sleep: no night recorded in the console."
