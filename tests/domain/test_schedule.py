"""When the next NEWS2 set is due (REFERENCE.md §1.4 Chart 4; partial-set re-check is policy)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import ObservationSet
from wardconsole.domain.schedule import next_observation_due, overdue_by, rass_due_after_prn

from .builders import ADMITTED, NOW, assess, obs, prn


def due(
    policy: EscalationPolicy,
    complete: ObservationSet | None = None,
    latest: ObservationSet | None = None,
) -> datetime:
    return next_observation_due(
        latest_complete=complete, latest_any=latest or complete, admitted_at=ADMITTED, policy=policy
    )


def test_no_observation_yet_is_due_at_admission(policy: EscalationPolicy) -> None:
    assert due(policy) == ADMITTED


@pytest.mark.parametrize(
    ("changes", "interval"),
    [
        ({}, timedelta(hours=12)),  # total 0
        ({"pulse": 95}, timedelta(hours=4)),  # total 1: 4 h (strict end)
        ({"consciousness": "C"}, timedelta(hours=1)),  # red score
        ({"respiration_rate": 21, "pulse": 111, "temperature": 39.1}, timedelta(hours=1)),  # 6
        ({"respiration_rate": 25, "pulse": 111, "temperature": 39.1}, timedelta(0)),  # 7: now
    ],
)
def test_due_from_chart4_frequency(
    policy: EscalationPolicy, changes: dict[str, object], interval: timedelta
) -> None:
    complete = obs(NOW, **changes)
    assert due(policy, complete) == NOW + interval


@pytest.mark.parametrize(
    ("changes", "risk"),
    [
        ({}, "low"),
        ({"pulse": 95}, "low"),
    ],
)
def test_partial_set_brings_the_recheck_forward_by_risk(
    policy: EscalationPolicy, changes: dict[str, object], risk: str
) -> None:
    complete = obs(NOW - timedelta(hours=1), **changes)
    partial = obs(NOW, pulse=None, systolic_bp=None)  # asleep: no cuff
    assert due(policy, complete, partial) == NOW + policy.partial_recheck[risk]


@pytest.mark.parametrize(
    "changes",
    [
        {"consciousness": "C"},  # red score: hourly
        {"respiration_rate": 21, "pulse": 111, "temperature": 38.1},  # 5: hourly
        {"respiration_rate": 25, "pulse": 111, "temperature": 39.1},  # 7: continuous
    ],
)
def test_partial_set_never_postpones_the_due_full_set(
    policy: EscalationPolicy, changes: dict[str, object]
) -> None:
    """NEWS2 5 hourly: a partial set every 30 min must not keep the patient from being due."""
    complete = obs(NOW - timedelta(hours=1), **changes)
    chart4_due = due(policy, complete)
    risk = complete.news2_risk
    assert risk is not None
    for minutes in (10, 30, 55, 59):
        partial = obs(NOW - timedelta(hours=1) + timedelta(minutes=minutes), pulse=None)
        recheck = partial.taken_at + policy.partial_recheck[risk]
        assert due(policy, complete, partial) == min(chart4_due, recheck) <= chart4_due


def test_a_higher_partial_bound_brings_the_full_set_forward(policy: EscalationPolicy) -> None:
    """Last full set NEWS2 0 (12-hourly); a partial set with RR 7 is a red score: the
    re-check is the low-medium one, not the 12 h of the full set."""
    complete = obs(NOW - timedelta(hours=2))
    partial = obs(NOW, respiration_rate=7, systolic_bp=None, temperature=None)
    assert due(policy, complete, partial) == NOW + policy.partial_recheck["low-medium"]


def test_continuous_monitoring_is_never_relaxed_by_a_partial_set(
    policy: EscalationPolicy,
) -> None:
    """A partial set whose known values already reach 7 is continuous monitoring: due now."""
    complete = obs(NOW - timedelta(hours=3))
    high = obs(
        NOW - timedelta(minutes=20),
        respiration_rate=7,
        spo2=84,
        pulse=135,
        systolic_bp=None,
        temperature=None,
    )
    later = obs(NOW, temperature=None)  # a later partial set with nothing abnormal
    assert (
        next_observation_due(
            latest_complete=complete,
            latest_any=later,
            partials=[high],
            admitted_at=ADMITTED,
            policy=policy,
        )
        == high.taken_at
    )


def test_partial_set_before_the_complete_one_is_ignored(policy: EscalationPolicy) -> None:
    partial = obs(NOW - timedelta(hours=2), pulse=None)
    complete = obs(NOW)
    assert due(policy, complete, partial) == NOW + timedelta(hours=12)


def test_partial_set_without_any_complete_set(policy: EscalationPolicy) -> None:
    partial = obs(NOW, temperature=None)
    assert due(policy, None, partial) == NOW + policy.partial_recheck["unscored"]


def test_newer_complete_latest_any_is_used(policy: EscalationPolicy) -> None:
    older = obs(NOW - timedelta(hours=3))
    newer = obs(NOW, pulse=95)
    assert due(policy, older, newer) == NOW + timedelta(hours=4)


def test_incomplete_latest_complete_is_refused(policy: EscalationPolicy) -> None:
    with pytest.raises(ValueError, match=r"^latest_complete: "):
        due(policy, obs(NOW, pulse=None))


def test_naive_datetimes_are_refused(policy: EscalationPolicy) -> None:
    with pytest.raises(ValueError, match=r"^admitted_at: expected a timezone-aware"):
        next_observation_due(
            latest_complete=None, latest_any=None, admitted_at=datetime(2027, 1, 1), policy=policy
        )
    with pytest.raises(ValueError, match=r"^now: "):
        overdue_by(NOW, datetime(2027, 1, 1))


def test_overdue_by() -> None:
    assert overdue_by(NOW, NOW - timedelta(minutes=5)) == timedelta(0)
    assert overdue_by(NOW, NOW) == timedelta(0)
    assert overdue_by(NOW, NOW + timedelta(minutes=21)) == timedelta(minutes=21)


def test_midnight_is_elapsed_time_not_calendar(policy: EscalationPolicy) -> None:
    """A set at 23:42 continuing to 00:03 is 21 minutes, not "yesterday's"."""
    taken = datetime(2027, 3, 1, 23, 42, tzinfo=UTC)
    continuous = obs(taken, respiration_rate=25, pulse=111, temperature=39.1)  # NEWS2 7
    at = datetime(2027, 3, 2, 0, 3, tzinfo=UTC)
    assert overdue_by(due(policy, continuous), at) == timedelta(minutes=21)


def test_offsets_are_compared_as_instants(policy: EscalationPolicy) -> None:
    plus_one = timezone(timedelta(hours=1))
    complete = obs(datetime(2027, 3, 1, 13, 0, tzinfo=plus_one), pulse=95)  # 12:00 UTC, 4-hourly
    assert due(policy, complete) == NOW + timedelta(hours=4)
    assert overdue_by(due(policy, complete), NOW + timedelta(hours=5)) == timedelta(hours=1)


# --- RASS after a sedative PRN (§5.5, design) -----------------------------------------------------


def test_rass_due_after_sedative_prn(policy: EscalationPolicy) -> None:
    dose = prn(NOW - timedelta(minutes=20))
    assert policy.rass_after_prn == timedelta(hours=1)
    assert rass_due_after_prn(prn_doses=[dose], assessments=[], policy=policy) == (
        dose.given_at + timedelta(hours=1)
    )


def test_rass_recorded_after_the_dose_clears_it(policy: EscalationPolicy) -> None:
    dose = prn(NOW - timedelta(minutes=50))
    rass = assess("rass", NOW - timedelta(minutes=10), score=-1)
    assert rass_due_after_prn(prn_doses=[dose], assessments=[rass], policy=policy) is None
    before = assess("rass", NOW - timedelta(hours=2), score=0)
    assert rass_due_after_prn(prn_doses=[dose], assessments=[before], policy=policy) is not None


def test_non_sedative_prn_needs_no_rass(policy: EscalationPolicy) -> None:
    dose = prn(NOW, "paracetamol", "analgesic")
    assert rass_due_after_prn(prn_doses=[dose], assessments=[], policy=policy) is None
