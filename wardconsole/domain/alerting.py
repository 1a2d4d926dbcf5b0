"""When a station sounds an escalation again, and when it cascades to the next responder.

Pure bookkeeping on elapsed time: every decision compares two aware UTC datetimes, never a
calendar date or a wall-clock hour, so a shift across midnight or a daylight-saving change
cannot make an alarm early, late or silent.

The rules (intervals from the escalation policy, ``[alerts]``):

* An open (unacknowledged) escalation is announced once when this station first sees it, and
  again when its severity rises (it needs fresh ownership).
* It is announced again every ``reannounce[severity]`` until someone acknowledges it; advisory
  escalations (no interval) are announced once only.
* A snoozed escalation is silent until ``snoozed_until``; then the alarm returns at once.
* An acknowledged escalation that comes back unacknowledged (a time-driven alarm still true
  after its quiet while) is announced at once, and the cascade wait starts again.
* Unacknowledged for ``cascade_after[severity]`` at its current level, it cascades to the next
  responder in ``cascade`` (level 1 is the first name). A snooze or a severity rise restarts that
  wait, so the next responder is never called twice within one interval.
* At most one announcement per escalation per planning pass: the ward is nagged, not spammed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import EscalationState, Severity


class AlarmFacts(Protocol):
    """What the planner reads about one escalation (``EscalationInfo`` provides it)."""

    @property
    def id(self) -> int: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def state(self) -> EscalationState: ...
    @property
    def raised_at(self) -> datetime: ...
    @property
    def last_announced_at(self) -> datetime | None: ...
    @property
    def cascade_level(self) -> int: ...
    @property
    def snoozed_until(self) -> datetime | None: ...


class AnnounceReason(StrEnum):
    NEW = "new"
    SEVERITY_RAISED = "severity_raised"
    REPEAT = "repeat"
    SNOOZE_ENDED = "snooze_ended"
    CASCADE = "cascade"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {
            AnnounceReason.NEW: "New escalation",
            AnnounceReason.SEVERITY_RAISED: "Severity raised",
            AnnounceReason.REPEAT: "Still not acknowledged",
            AnnounceReason.SNOOZE_ENDED: "Snooze ended",
            AnnounceReason.CASCADE: "Escalated",
            AnnounceReason.RETURNED: "Back: still not done",
        }[self]


@dataclass(frozen=True, slots=True)
class Announcement:
    """One alarm this station should sound now."""

    escalation_id: int
    severity: Severity
    reason: AnnounceReason
    cascade_from: int
    """The escalation's cascade level when planned; a cascade moves it to ``cascade_from + 1``."""
    responder: str | None = None
    """For a cascade: who it goes to now (e.g. 'On-call doctor')."""

    @property
    def cascades(self) -> bool:
        return self.reason is AnnounceReason.CASCADE


def cascade_target(policy: EscalationPolicy, level: int) -> str | None:
    """The responder at cascade ``level`` (1 = first in the chain); None at level 0."""
    if level <= 0:
        return None
    return policy.cascade[min(level, len(policy.cascade)) - 1]


@dataclass(slots=True)
class _Seen:
    severity: Severity
    announced_at: datetime
    level: int
    level_since: datetime
    """When the escalation reached ``level`` (or restarted the wait there)."""
    quiet: bool = False
    """Seen acknowledged since the last announcement."""


class AlarmMemory:
    """One station's memory of what it announced, and the planning rules above."""

    def __init__(self) -> None:
        self._seen: dict[int, _Seen] = {}

    def __contains__(self, escalation_id: object) -> bool:
        return escalation_id in self._seen

    def plan(
        self, alarms: Iterable[AlarmFacts], now: datetime, policy: EscalationPolicy
    ) -> list[Announcement]:
        """Announcements due at ``now``; remembers them as made. Forgets closed escalations."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"now: expected a timezone-aware datetime, got {now!r}")
        alarms = list(alarms)
        self._seen = {a.id: s for a in alarms if (s := self._seen.get(a.id)) is not None}
        due: list[Announcement] = []
        for alarm in alarms:
            announcement = self._plan_one(alarm, now, policy)
            if announcement is not None:
                due.append(announcement)
        due.sort(key=lambda a: -a.severity)
        return due

    def _plan_one(
        self, alarm: AlarmFacts, now: datetime, policy: EscalationPolicy
    ) -> Announcement | None:
        seen = self._seen.get(alarm.id)
        cascade_after = policy.cascade_after.get(alarm.severity)
        if seen is not None and alarm.cascade_level > seen.level:
            # Another station cascaded it: the wait for the next level starts now.
            seen.level, seen.level_since = alarm.cascade_level, now
        if alarm.state is not EscalationState.OPEN:
            if seen is not None:
                seen.quiet = True
            return None
        snoozed_until = alarm.snoozed_until
        if snoozed_until is not None and now < snoozed_until:
            return None

        if seen is None:
            # First sight (also after this station restarts): a cascade already due is not
            # delayed by the restart, so the wait counts from when the level could be reached.
            level_since = alarm.raised_at + (cascade_after or timedelta(0)) * alarm.cascade_level
            return self._remember(alarm, now, AnnounceReason.NEW, level_since)
        if alarm.severity > seen.severity:
            return self._remember(alarm, now, AnnounceReason.SEVERITY_RAISED, now)
        if seen.quiet:
            return self._remember(alarm, now, AnnounceReason.RETURNED, now)
        if snoozed_until is not None and seen.announced_at < snoozed_until:
            return self._remember(alarm, now, AnnounceReason.SNOOZE_ENDED, snoozed_until)

        wait_from = max(seen.level_since, alarm.raised_at, snoozed_until or alarm.raised_at)
        if (
            cascade_after is not None
            and alarm.cascade_level < len(policy.cascade)
            and now - wait_from >= cascade_after
        ):
            responder = cascade_target(policy, alarm.cascade_level + 1)
            return self._remember(alarm, now, AnnounceReason.CASCADE, now, responder)

        interval = policy.reannounce.get(alarm.severity)
        last = max(seen.announced_at, alarm.last_announced_at or alarm.raised_at)
        if interval is not None and now - last >= interval:
            return self._remember(alarm, now, AnnounceReason.REPEAT, seen.level_since)
        return None

    def _remember(
        self,
        alarm: AlarmFacts,
        now: datetime,
        reason: AnnounceReason,
        level_since: datetime,
        responder: str | None = None,
    ) -> Announcement:
        cascades = reason is AnnounceReason.CASCADE
        level = alarm.cascade_level + (1 if cascades else 0)
        self._seen[alarm.id] = _Seen(alarm.severity, now, level, level_since)
        return Announcement(alarm.id, alarm.severity, reason, alarm.cascade_level, responder)


def snooze_choices(max_snooze: timedelta) -> tuple[int, ...]:
    """Minutes offered in the snooze dialog: common steps up to the policy maximum."""
    cap = int(max_snooze.total_seconds() // 60)
    steps = [m for m in (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240) if m < cap]
    return (*steps, cap)
