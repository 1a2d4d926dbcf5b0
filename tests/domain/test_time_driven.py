"""Time-driven alarms: how long a decline or acknowledgement may silence them, and their return."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from wardconsole.domain.alerting import AlarmMemory, AnnounceReason
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import EscalationKind as K
from wardconsole.domain.records import EscalationState, OpenEscalation, Severity
from wardconsole.domain.rules import EscalationTrigger, plan_escalations, silence_window

from .builders import NOW, ago, obs


def _overdue(evidence_minutes_ago: int = 90) -> EscalationTrigger:
    return EscalationTrigger(
        K.OVERDUE_OBS,
        Severity.URGENT,
        "overdue_obs/news2_due",
        "Observations overdue by 1 h",
        evidence_at=ago(minutes=evidence_minutes_ago),
    )


def test_policy_minutes_when_the_chart_4_interval_is_longer(policy: EscalationPolicy) -> None:
    assert silence_window(policy, obs(ago(hours=1))) == timedelta(minutes=30)  # NEWS2 0: 12 h


def test_never_longer_than_the_chart_4_interval(policy: EscalationPolicy) -> None:
    long = replace(policy, time_driven_silence=timedelta(hours=6))
    assert silence_window(long, obs(ago(hours=1))) == timedelta(hours=6)  # NEWS2 0: 12 h
    assert silence_window(long, obs(ago(hours=1), pulse=95)) == timedelta(hours=4)  # NEWS2 1
    assert silence_window(long, obs(ago(hours=1), respiration_rate=26)) == timedelta(hours=1)


def test_continuous_monitoring_and_no_set_use_the_policy_recheck(policy: EscalationPolicy) -> None:
    long = replace(policy, time_driven_silence=timedelta(hours=6))
    high = obs(ago(hours=1), respiration_rate=26, spo2=91, pulse=135)
    assert silence_window(long, high) == policy.partial_recheck["high"]
    assert silence_window(long, None) == policy.partial_recheck["unscored"]


def test_a_declined_time_driven_alarm_is_raised_again_after_the_silence() -> None:
    resolved = {K.OVERDUE_OBS: ago(minutes=30)}
    quiet = plan_escalations(
        {}, [_overdue()], resolved_at=resolved, now=NOW, silence=timedelta(minutes=31)
    )
    assert quiet == []
    [back] = plan_escalations(
        {}, [_overdue()], resolved_at=resolved, now=NOW, silence=timedelta(minutes=30)
    )
    assert (back.kind, back.action) == (K.OVERDUE_OBS, "raise")


def test_other_kinds_stay_resolved_on_the_same_evidence() -> None:
    panic = EscalationTrigger(K.PANIC, Severity.URGENT, "panic/x", "x", evidence_at=ago(hours=2))
    plan = plan_escalations(
        {}, [panic], resolved_at={K.PANIC: ago(hours=1)}, now=NOW, silence=timedelta(0)
    )
    assert plan == []


def _acknowledged(**changes: object) -> OpenEscalation:
    base = OpenEscalation(
        id=3,
        kind=K.OVERDUE_OBS,
        severity=Severity.URGENT,
        state=EscalationState.ACKNOWLEDGED,
        raised_at=ago(hours=2),
        explanation="Observations overdue by 1 h",
        rule_id="overdue_obs/news2_due",
        acknowledged_at=ago(minutes=30),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_an_acknowledged_time_driven_alarm_reopens_after_the_silence() -> None:
    window = timedelta(minutes=30)
    [action] = plan_escalations(
        {K.OVERDUE_OBS: _acknowledged()}, [_overdue()], now=NOW, silence=window
    )
    assert action.action == "reopen"
    early = _acknowledged(acknowledged_at=ago(minutes=29))
    assert plan_escalations({K.OVERDUE_OBS: early}, [_overdue()], now=NOW, silence=window) == []


def test_a_snooze_after_the_acknowledgement_holds_for_its_length() -> None:
    snoozed = _acknowledged(snoozed_until=NOW + timedelta(minutes=1))
    window = timedelta(minutes=30)
    assert plan_escalations({K.OVERDUE_OBS: snoozed}, [_overdue()], now=NOW, silence=window) == []
    ended = _acknowledged(snoozed_until=NOW)
    [action] = plan_escalations({K.OVERDUE_OBS: ended}, [_overdue()], now=NOW, silence=window)
    assert action.action == "reopen"


def test_without_a_clock_nothing_recurs() -> None:
    assert plan_escalations({K.OVERDUE_OBS: _acknowledged()}, [_overdue()]) == []


class _Alarm:
    def __init__(self, state: EscalationState) -> None:
        self.id = 5
        self.severity = Severity.URGENT
        self.state = state
        self.raised_at = ago(hours=2)
        self.last_announced_at = None
        self.cascade_level = 0
        self.snoozed_until = None


def test_an_alarm_back_from_acknowledged_is_announced_at_once(policy: EscalationPolicy) -> None:
    memory = AlarmMemory()
    [first] = memory.plan([_Alarm(EscalationState.OPEN)], ago(hours=1), policy)
    assert first.reason is AnnounceReason.NEW
    assert memory.plan([_Alarm(EscalationState.ACKNOWLEDGED)], ago(minutes=30), policy) == []
    [back] = memory.plan([_Alarm(EscalationState.OPEN)], NOW, policy)
    assert back.reason is AnnounceReason.RETURNED
    assert not back.cascades  # the cascade wait starts again
