"""Compliance for a scripted night shift: every check due, and how each one ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wardconsole.domain.observation_levels import load_observation_levels
from wardconsole.domain.safety_checks import (
    CheckRecord,
    ComplianceCounts,
    LevelPeriod,
    Presentation,
    SlotOutcome,
    counts_by_nurse,
    slots_between,
    with_default_level,
)

POLICY = load_observation_levels()
DAY = datetime(2026, 11, 25, tzinfo=UTC)
SHIFT_START = DAY + timedelta(hours=19)
SHIFT_END = DAY + timedelta(days=1, hours=7)


def at(hhmm: str, *, next_day: bool = False) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return DAY + timedelta(days=int(next_day), hours=hours, minutes=minutes)


def level(key: str, when: datetime, id: int) -> LevelPeriod:
    return LevelPeriod(id, key, POLICY.level(key).check_interval, when)


CHECKS = [
    # (time, nurse)
    (at("18:50"), "Adaeze Okafor"),  # day shift: sets the first deadline, 19:20
    (at("19:10"), "Sven Lindqvist"),  # on time for 19:20
    (at("19:45"), "Sven Lindqvist"),  # late for 19:40 (by 5 min)
    # 20:15 missed (no check by 20:45)
    (at("21:00"), "Marta Pereira"),  # late for 20:45
    (at("21:20"), "Sven Lindqvist"),  # on time for 21:30
    (at("21:44"), "Marta Pereira"),  # on time for 21:45 (the level went up at 21:30)
    # 21:59 missed: still not done when the level went down at 22:00 (then hourly from 22:00)
    (at("22:30"), "Marta Pereira"),  # on time for 23:00
    # 23:30, 00:30 ... 05:30 missed hourly
    (at("06:50", next_day=True), "Sven Lindqvist"),  # late for 06:30
]
LEVELS = [
    level("intermittent_30", at("18:00"), 1),
    level("intermittent_15", at("21:30"), 2),
    level("general", at("22:00"), 3),
]


def _checks() -> list[CheckRecord]:
    return [
        CheckRecord(i, when, Presentation.ASLEEP, "Bedroom", "x", nurse=nurse)
        for i, (when, nurse) in enumerate(CHECKS, start=1)
    ]


def _slots(now: datetime):
    history = with_default_level(LEVELS, at("14:00"), POLICY)
    return slots_between(history, _checks(), SHIFT_START, SHIFT_END, now=now, policy=POLICY)


def test_a_finished_night_shift_counts_every_check_due() -> None:
    slots = _slots(now=SHIFT_END + timedelta(hours=3))
    assert [(s.due_at.strftime("%H:%M"), s.outcome) for s in slots] == [
        ("19:20", SlotOutcome.ON_TIME),
        ("19:40", SlotOutcome.LATE),
        ("20:15", SlotOutcome.MISSED),
        ("20:45", SlotOutcome.LATE),
        ("21:30", SlotOutcome.ON_TIME),
        ("21:45", SlotOutcome.ON_TIME),
        ("21:59", SlotOutcome.MISSED),
        ("23:00", SlotOutcome.ON_TIME),
        ("23:30", SlotOutcome.MISSED),
        ("00:30", SlotOutcome.MISSED),
        ("01:30", SlotOutcome.MISSED),
        ("02:30", SlotOutcome.MISSED),
        ("03:30", SlotOutcome.MISSED),
        ("04:30", SlotOutcome.MISSED),
        ("05:30", SlotOutcome.MISSED),
        ("06:30", SlotOutcome.LATE),
    ]
    assert ComplianceCounts.of(slots) == ComplianceCounts(
        due=16, on_time=4, late=3, missed=9, overdue=0
    )
    assert slots[1].late_by == timedelta(minutes=5)
    assert slots[6].late_by is None and slots[6].check is None
    assert [s.level for s in slots[4:8]] == [
        "intermittent_30",
        "intermittent_15",
        "intermittent_15",
        "general",
    ]


def test_per_nurse_counts_only_what_each_nurse_recorded() -> None:
    by_nurse = counts_by_nurse(_slots(now=SHIFT_END + timedelta(hours=3)))
    assert by_nurse == {
        "Marta Pereira": ComplianceCounts(due=3, on_time=2, late=1),
        "Sven Lindqvist": ComplianceCounts(due=4, on_time=2, late=2),
    }  # the check before the shift and the 8 missed ones are on nobody's list


def test_mid_shift_the_report_stops_at_now() -> None:
    slots = _slots(now=at("22:10"))
    counts = ComplianceCounts.of(slots)
    assert counts == ComplianceCounts(due=7, on_time=3, late=2, missed=2, overdue=0)
    assert slots[-1].due_at == at("21:59") and slots[-1].outcome is SlotOutcome.MISSED
    assert counts.on_time_percent is not None and round(counts.on_time_percent) == 43


def test_a_check_due_near_the_end_of_the_shift_is_classed_after_it() -> None:
    """The 06:30 check was done at 06:50: late, known before the shift ended. Had it been done
    at 07:20 (next shift), it is still the night shift's check, late by 50 min."""
    late = CheckRecord(
        99, at("07:20", next_day=True), Presentation.CALM, "Lounge", "x", nurse="Jamie McCall"
    )
    checks = [*_checks()[:-1], late]
    history = with_default_level(LEVELS, at("14:00"), POLICY)
    slots = slots_between(
        history, checks, SHIFT_START, SHIFT_END, now=SHIFT_END + timedelta(hours=1), policy=POLICY
    )
    assert slots[-1].due_at == at("06:30", next_day=True)
    assert slots[-1].outcome is SlotOutcome.LATE
    assert slots[-1].late_by == timedelta(minutes=50)


def test_no_checks_are_due_after_discharge() -> None:
    history = with_default_level(LEVELS, at("14:00"), POLICY)
    slots = slots_between(
        history,
        _checks(),
        SHIFT_START,
        SHIFT_END,
        now=SHIFT_END + timedelta(hours=3),
        policy=POLICY,
        until=at("21:50"),
    )
    assert slots[-1].due_at == at("21:45")


def test_an_open_check_past_its_deadline_shows_as_overdue_mid_shift() -> None:
    slots = _slots(now=at("21:58") + timedelta(minutes=3))  # 22:01, the 21:59 check not done
    assert slots[-1].due_at == at("21:59") and slots[-1].outcome is SlotOutcome.MISSED
    slots = _slots(now=at("21:59") + timedelta(seconds=30))
    assert slots[-1].outcome is SlotOutcome.OVERDUE
