"""Re-announce and cascade on elapsed time: nagged, not spammed, across midnight and DST."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from wardconsole.domain.alerting import (
    AlarmMemory,
    AnnounceReason,
    cascade_target,
    snooze_choices,
)
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import EscalationState, Severity

LONDON = ZoneInfo("Europe/London")
MIN = timedelta(minutes=1)


@dataclass(frozen=True)
class Alarm:
    id: int
    severity: Severity
    raised_at: datetime
    state: EscalationState = EscalationState.OPEN
    last_announced_at: datetime | None = None
    cascade_level: int = 0
    snoozed_until: datetime | None = None


def reasons(
    memory: AlarmMemory, alarms: list[Alarm], now: datetime, policy: EscalationPolicy
) -> list[AnnounceReason]:
    return [a.reason for a in memory.plan(alarms, now, policy)]


def test_a_new_escalation_is_announced_once_then_repeats_after_its_interval(
    policy: EscalationPolicy,
) -> None:
    raised = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    alarm = Alarm(1, Severity.URGENT, raised)
    memory = AlarmMemory()
    assert reasons(memory, [alarm], raised, policy) == [AnnounceReason.NEW]
    # Ticks in between do not spam.
    for seconds in range(5, 600, 5):
        assert reasons(memory, [alarm], raised + timedelta(seconds=seconds), policy) == []
    assert policy.reannounce[Severity.URGENT] == 10 * MIN
    assert reasons(memory, [alarm], raised + 10 * MIN, policy) == [AnnounceReason.REPEAT]
    assert reasons(memory, [alarm], raised + 11 * MIN, policy) == []


def test_advisory_is_announced_once_and_never_nags(policy: EscalationPolicy) -> None:
    raised = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    alarm = Alarm(1, Severity.ADVISORY, raised)
    memory = AlarmMemory()
    assert reasons(memory, [alarm], raised, policy) == [AnnounceReason.NEW]
    assert reasons(memory, [alarm], raised + timedelta(hours=8), policy) == []


def test_acknowledged_is_silent_and_a_severity_rise_announces_again(
    policy: EscalationPolicy,
) -> None:
    raised = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    alarm = Alarm(1, Severity.URGENT, raised)
    memory = AlarmMemory()
    memory.plan([alarm], raised, policy)
    taken = replace(alarm, state=EscalationState.ACKNOWLEDGED)
    assert reasons(memory, [taken], raised + timedelta(hours=1), policy) == []
    worse = replace(alarm, severity=Severity.EMERGENCY)
    assert reasons(memory, [worse], raised + timedelta(hours=1, minutes=1), policy) == [
        AnnounceReason.SEVERITY_RAISED
    ]


def test_a_snoozed_alarm_returns_when_the_snooze_ends(policy: EscalationPolicy) -> None:
    raised = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    memory = AlarmMemory()
    alarm = Alarm(1, Severity.EMERGENCY, raised)
    memory.plan([alarm], raised, policy)
    snoozed = replace(alarm, snoozed_until=raised + 20 * MIN)
    for minute in range(1, 20):
        assert reasons(memory, [snoozed], raised + minute * MIN, policy) == []
    assert reasons(memory, [snoozed], raised + 20 * MIN, policy) == [AnnounceReason.SNOOZE_ENDED]
    # The next responder gets a full cascade interval after the snooze, not an instant call.
    assert reasons(memory, [snoozed], raised + 22 * MIN, policy) == [AnnounceReason.REPEAT]
    assert reasons(memory, [snoozed], raised + 25 * MIN, policy) == [AnnounceReason.CASCADE]


def test_cascade_walks_the_chain_one_step_per_interval(policy: EscalationPolicy) -> None:
    assert policy.cascade == ("Nurse in charge", "On-call doctor")
    assert policy.cascade_after[Severity.EMERGENCY] == 5 * MIN
    raised = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    memory = AlarmMemory()
    alarm = Alarm(1, Severity.EMERGENCY, raised)
    memory.plan([alarm], raised, policy)
    assert reasons(memory, [alarm], raised + 2 * MIN, policy) == [AnnounceReason.REPEAT]
    [first] = memory.plan([alarm], raised + 5 * MIN, policy)
    assert (first.reason, first.responder, first.cascade_from) == (
        AnnounceReason.CASCADE,
        "Nurse in charge",
        0,
    )
    alarm = replace(alarm, cascade_level=1, last_announced_at=raised + 5 * MIN)
    assert reasons(memory, [alarm], raised + 9 * MIN, policy) == [AnnounceReason.REPEAT]
    [second] = memory.plan([alarm], raised + 10 * MIN, policy)
    assert (second.reason, second.responder) == (AnnounceReason.CASCADE, "On-call doctor")
    # The end of the chain: it keeps nagging every 2 min, never cascades further.
    alarm = replace(alarm, cascade_level=2, last_announced_at=raised + 10 * MIN)
    assert reasons(memory, [alarm], raised + 12 * MIN, policy) == [AnnounceReason.REPEAT]
    assert reasons(memory, [alarm], raised + 13 * MIN, policy) == []
    assert cascade_target(policy, 0) is None and cascade_target(policy, 9) == "On-call doctor"


def test_a_cascade_made_by_another_station_restarts_the_wait(policy: EscalationPolicy) -> None:
    raised = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    memory = AlarmMemory()
    alarm = Alarm(1, Severity.EMERGENCY, raised)
    memory.plan([alarm], raised, policy)
    elsewhere = replace(alarm, cascade_level=1, last_announced_at=raised + 5 * MIN)
    assert reasons(memory, [elsewhere], raised + 5 * MIN, policy) == []
    assert AnnounceReason.CASCADE not in reasons(memory, [elsewhere], raised + 9 * MIN, policy)


def test_a_station_that_restarts_does_not_delay_an_overdue_cascade(
    policy: EscalationPolicy,
) -> None:
    raised = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    alarm = Alarm(1, Severity.EMERGENCY, raised, last_announced_at=raised + 6 * MIN)
    memory = AlarmMemory()
    assert reasons(memory, [alarm], raised + 6 * MIN, policy) == [AnnounceReason.NEW]
    assert reasons(memory, [alarm], raised + 6 * MIN + timedelta(seconds=5), policy) == [
        AnnounceReason.CASCADE
    ]


def test_across_midnight_only_elapsed_time_counts(policy: EscalationPolicy) -> None:
    raised = datetime(2026, 11, 25, 23, 55, tzinfo=LONDON)
    memory = AlarmMemory()
    alarm = Alarm(1, Severity.URGENT, raised.astimezone(UTC))
    memory.plan([alarm], raised.astimezone(UTC), policy)
    before = datetime(2026, 11, 26, 0, 4, 59, tzinfo=LONDON).astimezone(UTC)
    at = datetime(2026, 11, 26, 0, 5, tzinfo=LONDON).astimezone(UTC)
    assert reasons(memory, [alarm], before, policy) == []
    assert reasons(memory, [alarm], at, policy) == [AnnounceReason.REPEAT]


@pytest.mark.parametrize(
    ("raised_local", "due_local", "fold"),
    [
        # Clocks go forward at 01:00 GMT: 00:59 GMT + 2 min is 02:01 BST (wall clock +62 min).
        (datetime(2026, 3, 29, 0, 59), datetime(2026, 3, 29, 2, 1), 0),
        # Clocks go back at 02:00 BST: 01:59 BST + 2 min is the second 01:01 (wall clock -58).
        (datetime(2026, 10, 25, 1, 59), datetime(2026, 10, 25, 1, 1), 1),
    ],
)
def test_a_daylight_saving_change_neither_delays_nor_hurries_an_alarm(
    policy: EscalationPolicy, raised_local: datetime, due_local: datetime, fold: int
) -> None:
    raised = raised_local.replace(tzinfo=LONDON).astimezone(UTC)
    due = due_local.replace(tzinfo=LONDON, fold=fold).astimezone(UTC)
    assert due - raised == 2 * MIN
    memory = AlarmMemory()
    alarm = Alarm(1, Severity.EMERGENCY, raised)
    memory.plan([alarm], raised, policy)
    assert reasons(memory, [alarm], due - timedelta(seconds=1), policy) == []
    assert reasons(memory, [alarm], due, policy) == [AnnounceReason.REPEAT]
    [cascade] = memory.plan([alarm], raised + 5 * MIN, policy)
    assert cascade.reason is AnnounceReason.CASCADE


def test_closed_escalations_are_forgotten_and_a_naive_clock_is_refused(
    policy: EscalationPolicy,
) -> None:
    raised = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    memory = AlarmMemory()
    memory.plan([Alarm(1, Severity.URGENT, raised)], raised, policy)
    assert 1 in memory
    memory.plan([], raised + MIN, policy)
    assert 1 not in memory
    with pytest.raises(ValueError, match="timezone-aware"):
        memory.plan([], datetime(2026, 11, 26, 3, 0), policy)


def test_the_most_severe_is_announced_first(policy: EscalationPolicy) -> None:
    raised = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    alarms = [
        Alarm(1, Severity.ADVISORY, raised),
        Alarm(2, Severity.EMERGENCY, raised),
        Alarm(3, Severity.URGENT, raised),
    ]
    assert [a.escalation_id for a in AlarmMemory().plan(alarms, raised, policy)] == [2, 3, 1]


def test_snooze_choices_end_at_the_policy_maximum() -> None:
    assert snooze_choices(timedelta(minutes=30)) == (5, 10, 15, 20, 30)
    assert snooze_choices(timedelta(minutes=7)) == (5, 7)


def test_the_sound_mute_limit_is_local_policy_and_bounded(tmp_path) -> None:
    from wardconsole.domain.policy import PolicyError, default_policy_file, load_policy

    bundled = default_policy_file("escalation_policy.toml").read_text(encoding="utf-8")
    assert load_policy().max_sound_mute == 5 * MIN
    without = tmp_path / "without.toml"
    without.write_text(bundled.replace("max_sound_mute_minutes = 5", ""), encoding="utf-8")
    assert load_policy(without).max_sound_mute == 5 * MIN
    forever = tmp_path / "forever.toml"
    forever.write_text(
        bundled.replace("max_sound_mute_minutes = 5", "max_sound_mute_minutes = 600"),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match=r"\[alerts\] max_sound_mute_minutes: must be a whole"):
        load_policy(forever)
