"""Were the shift's observations on time? Late, missed and overdue sets from the due times.

The due time after each set comes from ``schedule.next_observation_due`` (RCP NEWS2 Chart 4
frequencies, REFERENCE.md §1.4, and the local re-check interval after a partial set); the
tolerance before a set counts as late is the overdue rule's ``grace_minutes`` (local policy,
DESIGN CHOICE in ``escalation_policy.toml``). Walking the shift set by set gives, for each set,
the due time it answered; due times that passed with no set at all are "missed". Continuous
monitoring (NEWS2 ≥ 7) has no discrete due time, so it is reported rather than counted late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from wardconsole.domain.news2 import score_vitals
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import ObservationSet
from wardconsole.domain.schedule import next_observation_due

_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class LateSet:
    """A set taken after its due time plus the grace period."""

    taken_at: datetime
    due_at: datetime
    late_by: timedelta
    missed_before: int
    """Further due times that passed before this set was taken (each a missed set)."""
    partial: bool


@dataclass(frozen=True, slots=True)
class ObservationTimeliness:
    complete_sets: int
    partial_sets: int
    late: tuple[LateSet, ...]
    missed: int
    """Due times that passed without any set, including those still outstanding at ``as_of``."""
    overdue_since: datetime | None
    """The due time still unanswered at ``as_of`` (beyond the grace period), if any."""
    next_due: datetime
    continuous_since: datetime | None
    """When the newest set asked for continuous monitoring (NEWS2 ≥ 7), if it did."""


@dataclass(slots=True)
class _Latest:
    complete: ObservationSet | None = None
    any: ObservationSet | None = None

    def take(self, observation: ObservationSet) -> None:
        self.any = observation
        if observation.vitals.is_complete:
            self.complete = observation

    def due(
        self, admitted_at: datetime, policy: EscalationPolicy
    ) -> tuple[datetime, timedelta | None]:
        """The next due time and the interval that produced it (None before any set)."""
        due = next_observation_due(
            latest_complete=self.complete,
            latest_any=self.any,
            admitted_at=admitted_at,
            policy=policy,
        )
        # The set the due time counts from: the complete one when its Chart 4 interval is the
        # earlier term, else a newer partial set (its re-check; a partial set never postpones).
        reference = self.complete
        newer_partial = (
            self.any is not None
            and not self.any.vitals.is_complete
            and (self.complete is None or self.any.taken_at > self.complete.taken_at)
        )
        if newer_partial:
            result = score_vitals(self.complete.vitals) if self.complete is not None else None
            if result is None or due != self.complete.taken_at + result.min_obs_interval:  # type: ignore[union-attr]
                reference = self.any
        if reference is None:
            return due, None
        return due, due - reference.taken_at

    def frequency(self, fallback: timedelta | None) -> timedelta | None:
        """How often sets fall due once one is missed: the Chart 4 frequency of the newest
        complete set (a missed re-check after a partial set does not shorten it)."""
        if self.complete is not None:
            result = score_vitals(self.complete.vitals)
            if result is not None:
                return result.min_obs_interval
        return fallback


def observation_timeliness(
    observations: Sequence[ObservationSet],
    *,
    window_start: datetime,
    as_of: datetime,
    admitted_at: datetime,
    policy: EscalationPolicy,
) -> ObservationTimeliness:
    """Timeliness of the sets taken in ``[window_start, as_of]`` (``observations`` oldest first,
    including the sets before ``window_start`` that set the first due time)."""
    grace = timedelta(minutes=policy.rule("overdue_obs").number("grace_minutes"))
    latest = _Latest()
    for observation in observations:
        if observation.taken_at < window_start:
            latest.take(observation)
    late: list[LateSet] = []
    missed = 0
    complete = partial = 0
    for observation in observations:
        if not window_start <= observation.taken_at <= as_of:
            continue
        due, interval = latest.due(admitted_at, policy)
        if interval != _ZERO and observation.taken_at > due + grace:
            extra = _extra_due_times(observation.taken_at - due - grace, latest.frequency(interval))
            late.append(
                LateSet(
                    observation.taken_at,
                    due,
                    observation.taken_at - due,
                    extra,
                    not observation.vitals.is_complete,
                )
            )
            missed += extra
        if observation.vitals.is_complete:
            complete += 1
        else:
            partial += 1
        latest.take(observation)
    due, interval = latest.due(admitted_at, policy)
    overdue_since = None
    continuous_since = None
    if interval == _ZERO:
        continuous_since = due
    elif as_of > due + grace:
        overdue_since = due
        missed += 1 + _extra_due_times(as_of - due - grace, latest.frequency(interval))
    return ObservationTimeliness(
        complete_sets=complete,
        partial_sets=partial,
        late=tuple(late),
        missed=missed,
        overdue_since=overdue_since,
        next_due=due,
        continuous_since=continuous_since,
    )


def _extra_due_times(beyond_first: timedelta, interval: timedelta | None) -> int:
    """How many more due times fell in ``beyond_first`` at ``interval`` (0 when unknown)."""
    if interval is None or interval <= _ZERO or beyond_first <= _ZERO:
        return 0
    return int(beyond_first // interval)
