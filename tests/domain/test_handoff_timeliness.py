"""Late, missed and overdue observation sets from the NEWS2 due times (RCP Chart 4) and the
overdue rule's grace period (local policy)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from wardconsole.domain.handoff_timeliness import ObservationTimeliness, observation_timeliness
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import ObservationSet

from .builders import obs

START = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
END = START + timedelta(hours=12)
ADMITTED = START - timedelta(days=2)


def hours(value: float) -> datetime:
    return START + timedelta(hours=value)


def check(
    policy: EscalationPolicy, *sets: ObservationSet, as_of: datetime = END
) -> ObservationTimeliness:
    return observation_timeliness(
        sets, window_start=START, as_of=as_of, admitted_at=ADMITTED, policy=policy
    )


def test_four_hourly_sets_on_time(policy: EscalationPolicy) -> None:
    # NEWS2 1 (pulse 95): at least 4-hourly.
    sets = [obs(hours(h), pulse=95) for h in (-1, 2.5, 6.5, 10.4)]
    result = check(policy, *sets)
    assert (result.complete_sets, result.late, result.missed) == (3, (), 0)
    assert result.overdue_since is None
    assert result.next_due == hours(14.4)


def test_a_set_within_the_grace_period_is_not_late(policy: EscalationPolicy) -> None:
    result = check(policy, obs(hours(-1), pulse=95), obs(hours(3.25), pulse=95))
    assert result.late == ()  # due at 3 h, taken 15 min later: the grace (local policy)


def test_a_late_set_counts_the_due_times_it_skipped(policy: EscalationPolicy) -> None:
    # NEWS2 5 (medium): hourly. Due 20:00; next set at 23:30.
    medium = {"respiration_rate": 22, "pulse": 112, "temperature": 38.2}
    result = check(
        policy,
        obs(hours(-1), **medium),
        obs(hours(0), **medium),
        obs(hours(4.5), **medium),
        as_of=hours(4.6),
    )
    (late,) = result.late
    assert late.due_at == hours(1)
    assert late.late_by == timedelta(hours=3, minutes=30)
    assert late.missed_before == 3  # 21:00, 22:00 and 23:00 also passed
    assert result.missed == 3


def test_no_set_at_all_is_overdue_from_the_last_one(policy: EscalationPolicy) -> None:
    result = check(policy, obs(hours(-2), pulse=95))  # due 21:00, nothing all night
    assert result.overdue_since == hours(2)
    assert result.missed == 1 + 2  # 21:00, then 01:00 and 05:00 (4-hourly)
    assert result.complete_sets == 0


def test_continuous_monitoring_is_reported_not_counted_late(policy: EscalationPolicy) -> None:
    high = {"respiration_rate": 26, "spo2": 91, "pulse": 125, "temperature": 39.2}
    result = check(
        policy, obs(hours(-1)), obs(hours(1), **high), obs(hours(1.5), **high), as_of=hours(2)
    )
    assert result.continuous_since == hours(1.5)
    assert result.late == () and result.overdue_since is None


def test_a_partial_set_asks_for_a_recheck(policy: EscalationPolicy) -> None:
    asleep = replace(
        obs(hours(3), pulse=95, systolic_bp=None, temperature=None),
        missing_reasons={"systolic_bp": "asleep", "temperature": "asleep"},
    )
    early = replace(asleep, taken_at=hours(0))
    result = check(policy, obs(hours(-1), pulse=95), early, as_of=hours(1))
    assert result.partial_sets == 1
    # Low risk: re-check within 120 min of a partial set (local policy), before the 4-hourly
    # full set falls due.
    assert result.next_due == hours(2)
    assert result.overdue_since is None


def test_a_partial_set_never_postpones_the_full_set(policy: EscalationPolicy) -> None:
    asleep = replace(
        obs(hours(3), pulse=95, systolic_bp=None, temperature=None),
        missing_reasons={"systolic_bp": "asleep", "temperature": "asleep"},
    )
    result = check(policy, obs(hours(-1), pulse=95), asleep, as_of=hours(4))
    # NEWS2 1 at -1 h is due 4-hourly at 3 h; the partial set at 3 h does not move it to 5 h.
    assert result.next_due == hours(3)
    assert result.overdue_since == hours(3)
