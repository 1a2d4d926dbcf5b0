"""Safety-check rounds: irregular prompts, deadlines, missed checks and absent patients.

The clock is injected everywhere: every time below is a fixed UTC instant, and the ward's zone
for explanations is UTC so the clock times read the same as the test.
"""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest

from wardconsole.domain.observation_levels import load_observation_levels
from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.domain.rules import EscalationTrigger
from wardconsole.domain.safety_checks import (
    PROMPT_REVIEW_LEVEL,
    CheckRecord,
    LevelPeriod,
    LevelSpan,
    Presentation,
    levels_within,
    overdue_text,
    prompt_time,
    prompt_window,
    safety_triggers,
    schedule_at,
    with_default_level,
    with_level_review_prompt,
)

POLICY = load_observation_levels()
ADMITTED = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def level(key: str, at: datetime, *, prompt: datetime | None = None, id: int = 1) -> LevelPeriod:
    return LevelPeriod(
        id,
        key,
        POLICY.level(key).check_interval,
        at,
        next_prompt_at=prompt,
        set_by="Gwen Harrow",
        reason="test",
    )


def check(
    at: datetime,
    how: Presentation = Presentation.CALM,
    *,
    id: int = 1,
    prompt: datetime | None = None,
    where: str = "Bedroom",
) -> CheckRecord:
    return CheckRecord(
        id, at, how, where, "intermittent_15", next_prompt_at=prompt, nurse="Robin Test", nurse_id=7
    )


def periods(*items: LevelPeriod) -> list[LevelPeriod]:
    return with_default_level(items, ADMITTED, POLICY)


# --- irregular prompting -------------------------------------------------------------------


def test_prompts_fall_inside_the_interval_and_have_no_fixed_rhythm() -> None:
    """A night of 15-minute checks, each done when prompted: every prompt lies inside its
    window and before the deadline, and the gaps between checks vary widely."""
    rng = random.Random(20261125)
    definition = POLICY.level("intermittent_15")
    t = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    gaps: list[float] = []
    for _ in range(48):
        deadline = t + definition.check_interval
        prompt = prompt_time(t, deadline, definition, POLICY, rng)
        assert t + POLICY.min_after_check <= prompt <= deadline - POLICY.min_before_deadline
        gaps.append((prompt - t).total_seconds() / 60)
        t = prompt  # the nurse checks when prompted
    assert max(gaps) <= 12 and min(gaps) >= 2
    assert statistics.pstdev(gaps) > 2  # far from a fixed rhythm (uniform on 2–12: ~2.9)
    assert len({round(g) for g in gaps}) >= 7  # many different gap lengths in one night
    assert max(gaps) - min(gaps) > 6


def test_the_same_generator_seed_gives_the_same_prompts_and_another_gives_others() -> None:
    definition = POLICY.level("intermittent_30")
    t = ADMITTED
    times = [
        prompt_time(t, t + definition.check_interval, definition, POLICY, random.Random(1))
        for _ in range(2)
    ]
    other = prompt_time(t, t + definition.check_interval, definition, POLICY, random.Random(2))
    assert times[0] == times[1] != other


def test_regular_levels_prompt_just_before_the_deadline() -> None:
    definition = POLICY.level("general")
    deadline = ADMITTED + timedelta(hours=1)
    assert prompt_time(ADMITTED, deadline, definition, POLICY, random.Random(3)) == (
        deadline - POLICY.min_before_deadline
    )


def test_a_prompt_is_never_after_the_deadline_even_when_the_deadline_is_close() -> None:
    anchor = ADMITTED
    start, end = prompt_window(anchor, anchor + 2 * MIN, POLICY)
    assert anchor <= start <= end <= anchor + 2 * MIN
    assert prompt_window(anchor, anchor - MIN, POLICY) == (anchor, anchor)


# --- deadlines and levels -------------------------------------------------------------------


def test_a_new_patient_is_on_the_default_level_from_admission() -> None:
    schedule = schedule_at(periods(), [], ADMITTED + 10 * MIN, POLICY)
    assert schedule.level.level == "general" and schedule.level.id is None
    assert schedule.deadline == ADMITTED + timedelta(hours=1)
    assert not schedule.overdue


def test_raising_the_level_brings_the_next_check_forward() -> None:
    raised_at = ADMITTED + 10 * MIN
    history = periods(level("intermittent_15", raised_at))
    schedule = schedule_at(history, [], raised_at + MIN, POLICY)
    assert schedule.deadline == raised_at + 15 * MIN


def test_lowering_the_level_keeps_a_check_already_due() -> None:
    history = periods(level("intermittent_15", ADMITTED), level("general", ADMITTED + 20 * MIN))
    last = check(ADMITTED + 10 * MIN)
    schedule = schedule_at(history, [last], ADMITTED + 21 * MIN, POLICY)
    assert schedule.deadline == ADMITTED + 25 * MIN  # still due under the old level
    later = check(ADMITTED + 24 * MIN, id=2)
    assert schedule_at(history, [last, later], ADMITTED + 30 * MIN, POLICY).deadline == (
        ADMITTED + 84 * MIN  # then hourly
    )


def test_changing_the_level_when_overdue_counts_a_miss_and_starts_afresh() -> None:
    history = periods(level("intermittent_15", ADMITTED + 70 * MIN))  # general was overdue
    schedule = schedule_at(history, [], ADMITTED + 71 * MIN, POLICY)
    assert not schedule.overdue
    assert schedule.deadline == ADMITTED + 85 * MIN


def test_the_deadline_counts_from_the_last_check() -> None:
    history = periods(level("intermittent_30", ADMITTED))
    checks = [check(ADMITTED + 7 * MIN, id=1), check(ADMITTED + 19 * MIN, id=2)]
    schedule = schedule_at(history, checks, ADMITTED + 20 * MIN, POLICY)
    assert schedule.deadline == ADMITTED + 49 * MIN
    assert schedule.last_check == checks[1]


def test_the_stored_prompt_of_the_last_check_is_used() -> None:
    history = periods(level("intermittent_15", ADMITTED))
    prompt = ADMITTED + 11 * MIN
    schedule = schedule_at(
        history, [check(ADMITTED + 5 * MIN, prompt=prompt)], ADMITTED + 10 * MIN, POLICY
    )
    assert schedule.prompt_at == prompt and not schedule.prompted
    assert schedule_at(
        history, [check(ADMITTED + 5 * MIN, prompt=prompt)], ADMITTED + 12 * MIN, POLICY
    ).prompted


# --- missed checks --------------------------------------------------------------------------


def _missed(triggers: list[EscalationTrigger]) -> EscalationTrigger | None:
    return next((t for t in triggers if t.kind is EscalationKind.MISSED_CHECK), None)


def test_a_missed_check_escalates_the_moment_its_deadline_passes_across_midnight() -> None:
    """Level raised at 23:40; last check at 23:52; the check due by 00:07 is not done."""
    evening = datetime(2026, 11, 25, 23, 40, tzinfo=UTC)
    history = periods(level("intermittent_15", evening))
    checks = [check(datetime(2026, 11, 25, 23, 52, tzinfo=UTC))]
    deadline = datetime(2026, 11, 26, 0, 7, tzinfo=UTC)

    def triggers_at(at: datetime) -> list[EscalationTrigger]:
        return safety_triggers(schedule_at(history, checks, at, POLICY), POLICY, zone=UTC)

    assert _missed(triggers_at(deadline - timedelta(seconds=1))) is None
    assert _missed(triggers_at(deadline)) is None  # the deadline itself is still in time
    # The ward tick runs every 30-60 s: the first tick after the deadline raises it.
    raised = _missed(triggers_at(deadline + timedelta(seconds=30)))
    assert raised is not None
    assert raised.severity is Severity.URGENT
    assert raised.evidence_at == deadline
    assert raised.explanation == (
        "Intermittent 15 min (check at least every 15 min): check due by 00:07 not recorded, "
        "overdue by 1 min; last check 23:52"
    )
    assert "See the patient now and record the check" in raised.prompts
    later = _missed(triggers_at(deadline + 12 * MIN))
    assert later is not None and "overdue by 10 min" in later.explanation


def test_every_further_interval_without_a_check_is_another_missed_check() -> None:
    history = periods(level("intermittent_15", ADMITTED))
    checks = [check(ADMITTED)]
    schedule = schedule_at(history, checks, ADMITTED + 50 * MIN, POLICY)
    # Due 15 (missed at 30), due 30 (missed at 45), due 45 pending and overdue.
    assert schedule.overdue_since == ADMITTED + 15 * MIN
    assert schedule.missed == 2
    assert schedule.deadline == ADMITTED + 45 * MIN
    trigger = _missed(safety_triggers(schedule, POLICY, zone=UTC))
    assert trigger is not None
    assert "overdue by 35 min" in trigger.explanation
    assert "3 checks missed in a row" in trigger.explanation
    assert trigger.evidence_at == ADMITTED + 45 * MIN  # a resolved one returns a slot later


def test_a_check_ends_the_overdue_state() -> None:
    history = periods(level("intermittent_15", ADMITTED))
    checks = [check(ADMITTED), check(ADMITTED + 20 * MIN, id=2)]
    schedule = schedule_at(history, checks, ADMITTED + 21 * MIN, POLICY)
    assert not schedule.overdue and schedule.missed == 0
    assert _missed(safety_triggers(schedule, POLICY, zone=UTC)) is None


def test_general_observation_shows_overdue_but_does_not_escalate_by_default() -> None:
    schedule = schedule_at(periods(), [], ADMITTED + 90 * MIN, POLICY)
    assert schedule.overdue
    assert safety_triggers(schedule, POLICY, zone=UTC) == []


def test_elapsed_time_rules_over_a_clock_change() -> None:
    """Clocks go back at 02:00 BST (01:00 UTC) on 25 Oct 2026: 15 minutes are still 15."""
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    start = datetime(2026, 10, 25, 0, 50, tzinfo=UTC)  # 01:50 BST
    history = [level("intermittent_15", start)]
    schedule = schedule_at(history, [check(start)], start + 16 * MIN, POLICY)
    trigger = _missed(safety_triggers(schedule, POLICY, zone=london))
    assert trigger is not None
    assert "check due by 01:05 not recorded" in trigger.explanation  # 01:05 GMT, after 01:50 BST


# --- absent patients ------------------------------------------------------------------------


def test_not_found_raises_an_absent_patient_emergency_at_once() -> None:
    history = periods(level("intermittent_15", ADMITTED))
    gone = check(ADMITTED + 3 * MIN, Presentation.NOT_FOUND, where="Bedroom, lounge")
    triggers = safety_triggers(
        schedule_at(history, [gone], gone.taken_at, POLICY), POLICY, zone=UTC
    )
    absent = [t for t in triggers if t.kind is EscalationKind.ABSENT]
    assert len(absent) == 1
    assert absent[0].severity is Severity.EMERGENCY
    assert absent[0].explanation == (
        "Not found at the safety check at 14:03 by Robin Test (looked in: Bedroom, lounge)"
    )
    assert absent[0].evidence_at == gone.taken_at


def test_finding_the_patient_again_stops_the_absent_trigger() -> None:
    history = periods(level("intermittent_15", ADMITTED))
    checks = [check(ADMITTED, Presentation.NOT_FOUND), check(ADMITTED + 4 * MIN, id=2)]
    triggers = safety_triggers(
        schedule_at(history, checks, ADMITTED + 5 * MIN, POLICY), POLICY, zone=UTC
    )
    assert not any(t.kind is EscalationKind.ABSENT for t in triggers)


# --- prompts to review the level -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "prompted"),
    [
        (EscalationKind.SELF_HARM, True),
        (EscalationKind.HALLUCINATION, True),
        (EscalationKind.CONFUSION, True),
        (EscalationKind.DETERIORATION, False),
    ],
)
def test_some_escalations_suggest_reviewing_the_level(kind: EscalationKind, prompted: bool) -> None:
    trigger = EscalationTrigger(kind, Severity.URGENT, "x/y", "why", ("Do this",))
    [out] = with_level_review_prompt([trigger], POLICY)
    assert (PROMPT_REVIEW_LEVEL in out.prompts) is prompted
    assert out.prompts[0] == "Do this"
    assert with_level_review_prompt([out], POLICY)[0].prompts == out.prompts  # once only


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "1 min"),
        (60, "1 min"),
        (61, "2 min"),
        (9 * 60 + 59, "10 min"),
        (10 * 60, "10 min"),
        (14 * 60, "10 min"),
        (65 * 60, "1 h 5 min"),
        (120 * 60, "2 h"),
    ],
)
def test_overdue_text(seconds: int, text: str) -> None:
    assert overdue_text(timedelta(seconds=seconds)) == text


def test_levels_within_a_window_know_which_one_the_window_started_on() -> None:
    start = ADMITTED + timedelta(hours=17)  # next morning 07:00
    end = start + timedelta(hours=12)
    general, eyesight, q15, later = with_default_level(
        [
            level("eyesight", ADMITTED + timedelta(hours=2), id=1),
            level("intermittent_15", start + 48 * MIN, id=2),
            level("general", end + MIN, id=3),
        ],
        ADMITTED,
        POLICY,
    )
    assert levels_within([general, eyesight, q15, later], start, end) == [
        LevelSpan(eyesight, in_force_at_start=True, until=start + 48 * MIN),
        LevelSpan(q15, in_force_at_start=False, until=None),
    ]
    # Set exactly at the start: the shift started on it, it was not "set in the shift" before.
    on_the_hour = level("eyesight", start, id=4)
    assert levels_within([general, on_the_hour], start, end) == [
        LevelSpan(on_the_hour, in_force_at_start=False, until=None)
    ]
    assert levels_within([general], start, end) == [
        LevelSpan(general, in_force_at_start=True, until=None)
    ]
