"""When the next NEWS2 observation set is due, and by how much it is overdue.

Source: REFERENCE.md §1.4 (RCP Chart 4 minimum observation frequency: 12 h for total 0, 4–6 h
for 1–4 — the console uses 4 h —, 1 h for a red score or 5–6, continuous for ≥ 7) and §9A
("Any set incomplete: show incomplete, no band"). The re-check interval after a partial set is
local policy (``[schedule.partial_recheck_minutes]``, DESIGN CHOICE).

All arithmetic is elapsed time on timezone-aware datetimes, so a set at 23:42 is 21 minutes
before one at 00:03, whatever the calendar date or the local clock change. The clock is passed
in; nothing here reads the system time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from wardconsole.domain.after_prn import post_prn_rass_due
from wardconsole.domain.news2 import score_vitals
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import AssessmentEntry, ObservationSet, PrnDose

_ZERO = timedelta(0)


def next_observation_due(
    *,
    latest_complete: ObservationSet | None,
    latest_any: ObservationSet | None,
    admitted_at: datetime,
    policy: EscalationPolicy,
) -> datetime:
    """When the next full vital-sign set is due.

    * No set yet: due at admission.
    * Otherwise from the latest complete set: ``taken_at + min_obs_interval`` (continuous
      monitoring, NEWS2 ≥ 7, is due at ``taken_at``, i.e. now).
    * A partial set taken after it (asleep, refused, ...) reschedules a re-check at
      ``partial.taken_at + policy.partial_recheck[risk]`` by the patient's current NEWS2 risk
      ("unscored" when there is no complete set). A partial set never changes the score.
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

    risk = "unscored"
    due: datetime | None = None
    if complete is not None:
        _aware("latest_complete.taken_at", complete.taken_at)
        result = score_vitals(complete.vitals)
        assert result is not None  # complete sets always score
        risk = result.risk
        due = complete.taken_at + result.min_obs_interval

    partial = latest_any
    if partial is not None and not partial.vitals.is_complete:
        _aware("latest_any.taken_at", partial.taken_at)
        if complete is None or partial.taken_at > complete.taken_at:
            return partial.taken_at + policy.partial_recheck[risk]
    return due if due is not None else admitted_at


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
