"""When the next NEWS2 observation set is due, and by how much it is overdue.

Source: REFERENCE.md §1.4 (RCP Chart 4 minimum observation frequency: 12 h for total 0, 4–6 h
for 1–4 — the console uses 4 h —, 1 h for a red score or 5–6, continuous for ≥ 7). A partial
set counts by its lower bound (``news2_effective``; LOCAL DECISION replacing §9A's "incomplete,
no band"). The re-check interval after a partial set is local policy
(``[schedule.partial_recheck_minutes]``, DESIGN CHOICE).

All arithmetic is elapsed time on timezone-aware datetimes, so a set at 23:42 is 21 minutes
before one at 00:03, whatever the calendar date or the local clock change. The clock is passed
in; nothing here reads the system time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from wardconsole.domain.after_prn import post_prn_rass_due
from wardconsole.domain.news2_effective import EffectiveNews2, effective_news2
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import AssessmentEntry, ObservationSet, PrnDose

_ZERO = timedelta(0)


def next_observation_due(
    *,
    latest_complete: ObservationSet | None,
    latest_any: ObservationSet | None,
    admitted_at: datetime,
    policy: EscalationPolicy,
    partials: Sequence[ObservationSet] = (),
) -> datetime:
    """When the next full vital-sign set is due (see ``due_from_effective``).

    ``latest_any`` is the newest set of any kind; ``partials`` may add the other incomplete
    sets taken after ``latest_complete`` (any order), so a red score in an earlier partial set
    is not forgotten when a later one scores less.
    """
    _aware("admitted_at", admitted_at)
    complete = latest_complete
    if complete is not None and not complete.vitals.is_complete:
        raise ValueError("latest_complete: this observation set is incomplete")
    # Tolerate a caller whose latest_any is a newer complete set.
    if (
        latest_any is not None
        and latest_any.vitals.is_complete
        and (complete is None or latest_any.taken_at > complete.taken_at)
    ):
        complete = latest_any
    sets: dict[int, ObservationSet] = {}
    for obs in (complete, latest_any, *partials):
        if obs is not None and (complete is None or obs.taken_at >= complete.taken_at):
            _aware("taken_at", obs.taken_at)
            sets[obs.id] = obs
    ordered = sorted(sets.values(), key=lambda o: (o.taken_at, o.vitals.is_complete, o.id))
    effective = effective_news2(ordered, now=max(o.taken_at for o in ordered)) if ordered else None
    return due_from_effective(effective, admitted_at=admitted_at, policy=policy)


def due_from_effective(
    effective: EffectiveNews2 | None, *, admitted_at: datetime, policy: EscalationPolicy
) -> datetime:
    """When the next full set is due, given the patient's effective NEWS2.

    * No set yet: due at admission.
    * The earlier of the latest complete set + its Chart 4 interval (continuous monitoring,
      NEWS2 ≥ 7, is due at ``taken_at``, i.e. now) and the newest partial set + the re-check
      interval (``policy.partial_recheck``, DESIGN CHOICE) for the **effective** risk, so a
      partial set never postpones a due full set and a red score in a partial set brings the
      full set forward. Without a complete set the stricter of the "unscored" re-check and
      the partial set's own band applies.
    * Continuous monitoring is never relaxed by a partial set: when the effective risk is high
      the set is due from the time the high risk was seen.
    """
    if effective is None or (effective.complete is None and effective.latest_partial is None):
        return admitted_at
    due: list[datetime] = []
    if effective.complete is not None and effective.result is not None:
        due.append(effective.complete.taken_at + effective.result.min_obs_interval)
    partial = effective.latest_partial
    if partial is not None:
        risk = effective.risk or "unscored"
        source = effective.source
        if risk == "high" and source is not None:
            due.append(source.taken_at)
        elif effective.complete is None:
            due.append(
                partial.taken_at
                + min(policy.partial_recheck["unscored"], policy.partial_recheck[risk])
            )
        else:
            due.append(partial.taken_at + policy.partial_recheck[risk])
    return min(due)


def rass_due_after_prn(
    *,
    prn_doses: Sequence[PrnDose],
    assessments: Sequence[AssessmentEntry],
    policy: EscalationPolicy,
) -> datetime | None:
    """When a RASS is due after the latest oral (not rapid-tranquillisation) PRN of a class the
    ``post_prn_rass`` rule lists; None if none is outstanding (``after_prn.post_prn_rass_due``).

    REFERENCE.md §5.5 ("RASS after any sedative PRN", design); the interval is
    ``policy.rass_after_prn`` (DESIGN CHOICE). Sequences are oldest first.
    """
    found = post_prn_rass_due(prn_doses, assessments, policy)
    if found is None:
        return None
    _aware("prn_doses.given_at", found.dose.given_at)
    return found.due_at


def overdue_by(due_at: datetime, now: datetime) -> timedelta:
    """How long past due (zero when not yet due)."""
    _aware("due_at", due_at)
    _aware("now", now)
    return max(now - due_at, _ZERO)


def _aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: expected a timezone-aware datetime (UTC), got {value!r}")
