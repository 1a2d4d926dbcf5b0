"""Safety-check rounds: when the next check is due, when to prompt it, and what was missed.

Pure functions of a patient's level history, recorded checks and the clock (elapsed time only,
so midnight and clock changes are nothing special). The same walk through that history drives
the census countdown, the missed-check escalation and the compliance report, so the three can
never disagree.

The rules, all local policy (``resources/policy/observation_levels.toml``):

- The **deadline** is the latest time the next check may happen: the last check plus the level's
  interval. From admission until a first check, the admission (or level) time is the anchor.
- A **level change** at time L starts the new level's clock: the deadline becomes
  ``min(current deadline, L + new interval)`` (a check already due stays due). A check already
  overdue when the level changes counts as missed, and the new level starts afresh from L (its
  escalation, if raised, stays open until staff resolve it).
- A check at or before the deadline is **on time**; after it but within one more interval it is
  **late**; when a whole further interval passes without one, the check is **missed** and the
  next deadline is one interval on. A pending check past its deadline is **overdue**.
- Checks on irregular levels are **prompted** at a uniformly random time in the window between
  shortly after the last check and shortly before the deadline (``prompt_time``), so rounds have
  no rhythm a patient could learn; the deadline itself never moves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Final, Protocol

from wardconsole.domain.observation_levels import LevelDefinition, ObservationLevelPolicy
from wardconsole.domain.records import EscalationKind
from wardconsole.domain.rules import EscalationTrigger

PROMPT_REVIEW_LEVEL: Final = "Review the patient's observation level"
"""Added to self-harm, hallucination and confusion escalations: a prompt, never a change."""


class Presentation(StrEnum):
    """How the patient was at a check ("how" on the round sheet)."""

    ASLEEP = "asleep_breathing"
    CALM = "calm"
    DISTRESSED = "distressed"
    AGITATED = "agitated"
    NOT_FOUND = "not_found"

    @property
    def label(self) -> str:
        return _PRESENTATION_LABELS[self]

    @property
    def found(self) -> bool:
        return self is not Presentation.NOT_FOUND


_PRESENTATION_LABELS = {
    Presentation.ASLEEP: "Asleep — breathing observed",
    Presentation.CALM: "Awake and calm",
    Presentation.DISTRESSED: "Distressed",
    Presentation.AGITATED: "Agitated",
    Presentation.NOT_FOUND: "Not found",
}


class RandomSource(Protocol):
    """What the scheduler needs from a random number generator (``random.Random`` has it)."""

    def random(self) -> float: ...


@dataclass(frozen=True, slots=True)
class LevelPeriod:
    """An observation level from ``effective_from`` until the next one (``id`` None: the
    policy's default level, in force from admission until staff set one)."""

    id: int | None
    level: str
    check_interval: timedelta
    effective_from: datetime
    next_prompt_at: datetime | None = None
    reason: str = ""
    review_at: datetime | None = None
    set_by: str = ""
    agreed_with: str = ""


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """A recorded safety check (current entries only; entered-in-error ones are left out)."""

    id: int
    taken_at: datetime
    presentation: Presentation
    location: str
    level: str
    next_prompt_at: datetime | None = None
    nurse: str = ""
    nurse_id: int | None = None
    note: str = ""


class SlotOutcome(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"
    OVERDUE = "overdue"
    """Past its deadline and not yet done, but a further interval has not passed."""

    @property
    def label(self) -> str:
        return {
            SlotOutcome.ON_TIME: "On time",
            SlotOutcome.LATE: "Late",
            SlotOutcome.MISSED: "Missed",
            SlotOutcome.OVERDUE: "Overdue",
        }[self]


@dataclass(frozen=True, slots=True)
class CheckSlot:
    """One check that fell due: its deadline, the level then, and what happened."""

    due_at: datetime
    level: str
    outcome: SlotOutcome
    check: CheckRecord | None = None

    @property
    def late_by(self) -> timedelta | None:
        if self.check is None or self.outcome is not SlotOutcome.LATE:
            return None
        return self.check.taken_at - self.due_at


@dataclass(frozen=True, slots=True)
class CheckSchedule:
    """Where a patient's checks stand at ``at``."""

    at: datetime
    level: LevelPeriod
    """The level in force at ``at``."""
    deadline: datetime
    """The latest time the pending check may happen (if overdue: the current slot's)."""
    prompt_at: datetime
    """When the console asks for the pending check (never after ``deadline``)."""
    overdue_since: datetime | None
    """The first deadline missed since the last check; None when the check is not overdue."""
    missed: int
    """Whole intervals missed since the last check (not counting the one pending)."""
    last_check: CheckRecord | None

    @property
    def overdue(self) -> bool:
        return self.overdue_since is not None

    @property
    def prompted(self) -> bool:
        """The console is asking for a check now (its prompt time has come)."""
        return self.at >= self.prompt_at


# --- the scheduler ---------------------------------------------------------------------------


def prompt_window(
    anchor: datetime, deadline: datetime, policy: ObservationLevelPolicy
) -> tuple[datetime, datetime]:
    """The window a check may be prompted in: never before ``anchor``, never after ``deadline``.

    It opens ``min_after_check`` after the anchor and closes ``min_before_deadline`` before the
    deadline; when the deadline is too close for both, it shrinks towards the deadline.
    """
    if deadline <= anchor:
        return anchor, anchor  # already due: prompt at once
    end = max(anchor, deadline - policy.min_before_deadline)
    start = min(anchor + policy.min_after_check, end)
    return start, end


def prompt_time(
    anchor: datetime,
    deadline: datetime,
    level: LevelDefinition,
    policy: ObservationLevelPolicy,
    rng: RandomSource,
) -> datetime:
    """When to prompt the next check after ``anchor`` (a check or a level change).

    Irregular levels: uniformly random inside ``prompt_window`` (a new draw every time, so no
    fixed rhythm). Other levels: when the window closes, just before the deadline.
    """
    start, end = prompt_window(anchor, deadline, policy)
    if not level.irregular:
        return end
    return start + (end - start) * rng.random()


# --- walking the history ---------------------------------------------------------------------


def with_default_level(
    periods: Iterable[LevelPeriod], admitted_at: datetime, policy: ObservationLevelPolicy
) -> list[LevelPeriod]:
    """``periods`` oldest first, preceded by the policy's default level from admission when
    staff set no level at admission."""
    ordered = sorted(periods, key=lambda p: (p.effective_from, p.id or 0))
    if not ordered or ordered[0].effective_from > admitted_at:
        default = policy.default
        ordered.insert(0, LevelPeriod(None, default.key, default.check_interval, admitted_at))
    return ordered


@dataclass(frozen=True, slots=True)
class LevelSpan:
    """One level as it stood during a window: in force at the window's start (set before it)
    or set within it, and replaced within it (``until``) or still in force at its end."""

    period: LevelPeriod
    in_force_at_start: bool
    """Set before the window began: the level the window started on."""
    until: datetime | None
    """When a newer level replaced it inside the window; None: in force to the window's end."""


def levels_within(
    periods: Sequence[LevelPeriod], start: datetime, end: datetime
) -> list[LevelSpan]:
    """The levels in force at any time in ``[start, end)``, oldest first (``periods`` oldest
    first, as from ``with_default_level``). The first one is the level the window started on
    when it was set before ``start``; a period replaced at or before ``start`` is left out."""
    spans: list[LevelSpan] = []
    for i, period in enumerate(periods):
        following = periods[i + 1].effective_from if i + 1 < len(periods) else None
        if period.effective_from >= end or (following is not None and following <= start):
            continue
        spans.append(
            LevelSpan(
                period,
                in_force_at_start=period.effective_from < start,
                until=following if following is not None and following < end else None,
            )
        )
    return spans


class _Walk:
    """Replays levels and checks in time order, producing slots and the final state."""

    def __init__(self, first: LevelPeriod, keep_from: datetime | None) -> None:
        self.level = first
        self.interval = first.check_interval
        self.deadline = first.effective_from + self.interval
        self.overdue_since: datetime | None = None
        self.missed = 0
        self.last_check: CheckRecord | None = None
        self.anchor_prompt = first.next_prompt_at
        self.keep_from = keep_from
        self.slots: list[CheckSlot] = []

    def _keep(self, due: datetime) -> bool:
        return self.keep_from is None or due >= self.keep_from

    def miss_until(self, t: datetime) -> None:
        """Every slot left without a check for a further whole interval before ``t`` is missed."""
        while t > self.deadline + self.interval:
            if self.overdue_since is None:
                self.overdue_since = self.deadline
            if not self._keep(self.deadline):
                # Fast-forward over old slots nobody asked to see (long gaps cost O(1)).
                limit = self.keep_from if self.keep_from is not None else t
                n = max(
                    1,
                    min(
                        math.ceil((t - self.deadline - self.interval) / self.interval),
                        math.ceil((limit - self.deadline) / self.interval),
                    ),
                )
                self.missed += n
                self.deadline += n * self.interval
                continue
            self.slots.append(CheckSlot(self.deadline, self.level.level, SlotOutcome.MISSED))
            self.missed += 1
            self.deadline += self.interval

    def change_level(self, period: LevelPeriod) -> None:
        at = period.effective_from
        self.miss_until(at)
        if self.deadline >= at:
            self.deadline = min(self.deadline, at + period.check_interval)
        else:
            # Overdue when the level changed: that check was missed; the new level starts afresh.
            if self._keep(self.deadline):
                self.slots.append(CheckSlot(self.deadline, self.level.level, SlotOutcome.MISSED))
            self.deadline = at + period.check_interval
            self.overdue_since = None
            self.missed = 0
        self.level = period
        self.interval = period.check_interval
        self.anchor_prompt = period.next_prompt_at

    def check(self, record: CheckRecord) -> None:
        t = record.taken_at
        self.miss_until(t)
        outcome = SlotOutcome.ON_TIME if t <= self.deadline else SlotOutcome.LATE
        if self._keep(self.deadline):
            self.slots.append(CheckSlot(self.deadline, self.level.level, outcome, record))
        self.deadline = t + self.interval
        self.overdue_since = None
        self.missed = 0
        self.last_check = record
        self.anchor_prompt = record.next_prompt_at

    def finish(self, until: datetime, policy: ObservationLevelPolicy) -> CheckSchedule:
        self.miss_until(until)
        overdue = until > self.deadline
        if overdue and self.overdue_since is None:
            self.overdue_since = self.deadline
        if overdue and self._keep(self.deadline):
            self.slots.append(CheckSlot(self.deadline, self.level.level, SlotOutcome.OVERDUE))
        prompt = self.anchor_prompt or (self.deadline - policy.min_before_deadline)
        prompt = min(prompt, self.deadline)
        if self.overdue_since is not None:
            prompt = min(prompt, self.overdue_since)
        return CheckSchedule(
            at=until,
            level=self.level,
            deadline=self.deadline,
            prompt_at=prompt,
            overdue_since=self.overdue_since,
            missed=self.missed,
            last_check=self.last_check,
        )


def walk(
    periods: Sequence[LevelPeriod],
    checks: Iterable[CheckRecord],
    *,
    until: datetime,
    policy: ObservationLevelPolicy,
    keep_from: datetime | None = None,
) -> tuple[list[CheckSlot], CheckSchedule]:
    """Replay ``periods`` (from ``with_default_level``) and ``checks`` up to ``until``.

    Returns the slots that fell due (only those due at or after ``keep_from`` when given; older
    ones are counted but not listed) and the schedule at ``until``. Checks before the last one
    never change what happens after it, so callers may pass only the recent ones.
    """
    if until.tzinfo is None:
        raise ValueError(f"until: expected a timezone-aware datetime, got {until!r}")
    state = _Walk(periods[0], keep_from)
    events: list[tuple[datetime, int, LevelPeriod | CheckRecord]] = [
        (p.effective_from, 0, p) for p in periods[1:] if p.effective_from <= until
    ]
    events += [
        (c.taken_at, 1, c) for c in checks if periods[0].effective_from <= c.taken_at <= until
    ]
    events.sort(key=lambda e: (e[0], e[1]))
    for _at, _order, item in events:
        if isinstance(item, LevelPeriod):
            state.change_level(item)
        else:
            state.check(item)
    return state.slots, state.finish(until, policy)


def schedule_at(
    periods: Sequence[LevelPeriod],
    checks: Iterable[CheckRecord],
    at: datetime,
    policy: ObservationLevelPolicy,
) -> CheckSchedule:
    """Where the checks stand at ``at`` (the census countdown and the missed-check rule)."""
    return walk(periods, checks, until=at, policy=policy, keep_from=at + timedelta(days=1))[1]


def slots_between(
    periods: Sequence[LevelPeriod],
    checks: Iterable[CheckRecord],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    policy: ObservationLevelPolicy,
    until: datetime | None = None,
) -> list[CheckSlot]:
    """Checks that fell due in ``[start, end)`` and what became of them by ``now``.

    The walk goes on past ``end`` (up to one longest interval more, never past ``now`` or
    ``until``, e.g. the discharge) so a check due near the end of a shift is classed as on time,
    late or missed rather than left open. Slots due after ``now`` are not counted.
    """
    stop = min(now, end + 2 * policy.max_interval)
    if until is not None:
        stop = min(stop, until)
    slots, _ = walk(periods, checks, until=stop, policy=policy, keep_from=start)
    return [s for s in slots if start <= s.due_at < end and s.due_at < stop]


# --- escalations ---------------------------------------------------------------------------


def safety_triggers(
    schedule: CheckSchedule,
    policy: ObservationLevelPolicy,
    *,
    zone: tzinfo | None = None,
) -> list[EscalationTrigger]:
    """The missed-check and absent-patient triggers for one patient at ``schedule.at``.

    Missed check: the pending check is past its deadline on a level that escalates missed
    checks (a level no longer in the policy file is treated as one that does). Absent patient:
    the newest check found the patient not there. ``zone`` is the ward's time zone for the
    clock times in the explanation (None: this computer's).
    """
    triggers: list[EscalationTrigger] = []
    definition = policy.levels.get(schedule.level.level)
    label = definition.summary if definition else schedule.level.level
    escalates = definition.escalate_missed if definition else True
    if schedule.overdue_since is not None and escalates:
        late = schedule.at - schedule.overdue_since
        last = schedule.last_check
        if last is not None:
            since = f"last check {_clock(last.taken_at, zone)}"
        else:
            began = _clock(schedule.level.effective_from, zone)
            since = f"no check since the level began at {began}"
        text = (
            f"{label}: check due by {_clock(schedule.overdue_since, zone)} not recorded, "
            f"overdue by {overdue_text(late)}; {since}"
        )
        if schedule.missed:
            text += f"; {schedule.missed + 1} checks missed in a row"
        triggers.append(
            EscalationTrigger(
                kind=EscalationKind.MISSED_CHECK,
                severity=policy.missed_check_severity,
                rule_id="safety_check/missed",
                explanation=text,
                prompts=policy.missed_check_prompts,
                evidence_at=schedule.deadline,
            )
        )
    last = schedule.last_check
    if last is not None and last.presentation is Presentation.NOT_FOUND:
        where = f" (looked in: {last.location})" if last.location else ""
        who = f" by {last.nurse}" if last.nurse else ""
        triggers.append(
            EscalationTrigger(
                kind=EscalationKind.ABSENT,
                severity=policy.absent_severity,
                rule_id="safety_check/not_found",
                explanation=f"Not found at the safety check at {_clock(last.taken_at, zone)}{who}"
                f"{where}",
                prompts=policy.absent_prompts,
                evidence_at=last.taken_at,
            )
        )
    return triggers


def with_level_review_prompt(
    triggers: Iterable[EscalationTrigger], policy: ObservationLevelPolicy
) -> list[EscalationTrigger]:
    """Add "review the observation level" to the kinds the policy names (a prompt only)."""
    out: list[EscalationTrigger] = []
    for trigger in triggers:
        wanted = trigger.kind in policy.review_prompt_kinds
        if wanted and PROMPT_REVIEW_LEVEL not in trigger.prompts:
            trigger = replace(trigger, prompts=(*trigger.prompts, PROMPT_REVIEW_LEVEL))
        out.append(trigger)
    return out


def overdue_text(span: timedelta) -> str:
    """Whole minutes, rounded up, for the first 10 minutes ('1 min' the moment it is late);
    then 5-minute steps, so an escalation's explanation does not change on every tick."""
    seconds = max(0.0, span.total_seconds())
    minutes = max(1, math.ceil(seconds / 60)) if seconds < 600 else int(seconds // 60) // 5 * 5
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def _clock(at: datetime, zone: tzinfo | None) -> str:
    return at.astimezone(zone).strftime("%H:%M")


# --- compliance ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComplianceCounts:
    """Checks due, and how they ended: on time, late, missed, or overdue (still open)."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    overdue: int = 0

    @classmethod
    def of(cls, slots: Iterable[CheckSlot]) -> ComplianceCounts:
        counts = dict.fromkeys(SlotOutcome, 0)
        for slot in slots:
            counts[slot.outcome] += 1
        return cls(
            due=sum(counts.values()),
            on_time=counts[SlotOutcome.ON_TIME],
            late=counts[SlotOutcome.LATE],
            missed=counts[SlotOutcome.MISSED],
            overdue=counts[SlotOutcome.OVERDUE],
        )

    def __add__(self, other: ComplianceCounts) -> ComplianceCounts:
        return ComplianceCounts(
            self.due + other.due,
            self.on_time + other.on_time,
            self.late + other.late,
            self.missed + other.missed,
            self.overdue + other.overdue,
        )

    @property
    def on_time_percent(self) -> float | None:
        """Share of the checks due that were done on time; None when none were due."""
        return 100.0 * self.on_time / self.due if self.due else None


def counts_by_nurse(slots: Iterable[CheckSlot]) -> dict[str, ComplianceCounts]:
    """Checks each nurse recorded, on time or late. Missed checks have no one's name on them:
    they show per patient, never against a nurse the record cannot name."""
    done: dict[str, list[CheckSlot]] = {}
    for slot in slots:
        if slot.check is not None:
            done.setdefault(slot.check.nurse or "—", []).append(slot)
    return {nurse: ComplianceCounts.of(items) for nurse, items in sorted(done.items())}
