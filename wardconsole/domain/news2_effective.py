"""The patient's effective NEWS2 risk: the last complete set, made worse by newer partial sets.

Incomplete or late data may make a patient look worse, never better. A partial set (values
refused, patient asleep, a bedside monitor that never sends ACVPU or oxygen, an import) is
scored as a lower bound (``news2.news2_lower_bound``); the effective risk is the higher of

* the last complete set's band (RCP 2017 Chart 2, REFERENCE.md §1.4), and
* the lower bound of every incomplete set taken after it.

The complete set's band describes the patient while its Chart 4 interval has not run out
(``complete_current``). After that the set is overdue — the census says so loudly and the
overdue-observations rule alarms — but its band still stands: a partial set taken later never
lowers the displayed risk (LOCAL DECISION, governance sign-off; REFERENCE-2.md §12.10 found no
published RCP rule for partial sets).

Pure functions of the sets and the clock; sequences are oldest first as in
``PatientClinicalState``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from wardconsole.domain.news2 import (
    RISK_LABELS,
    News2LowerBound,
    News2Result,
    news2_lower_bound,
    risk_rank,
    score_vitals,
)
from wardconsole.domain.records import ObservationSet


@dataclass(frozen=True, slots=True)
class EffectiveNews2:
    """What every screen shows for NEWS2, and what the deterioration rule acts on."""

    complete: ObservationSet | None = None
    """The newest complete set considered (None: none)."""
    result: News2Result | None = None
    """Its NEWS2 result."""
    complete_current: bool = False
    """The complete set's Chart 4 interval has not run out at ``now``."""
    partial: ObservationSet | None = None
    """The newer incomplete set with the highest lower bound (newest on a tie), if any."""
    bound: News2LowerBound | None = None
    """That set's lower bound."""
    latest_partial: ObservationSet | None = None
    """The newest incomplete set taken after the complete one (drives the re-check time)."""

    def at(self, now: datetime) -> EffectiveNews2:
        """The same sets' effective NEWS2 at ``now`` (without a look-back, the time changes
        only whether the complete set is still current)."""
        current = _is_current(self.complete, self.result, now)
        return self if current == self.complete_current else replace(self, complete_current=current)

    @property
    def from_partial(self) -> bool:
        """The risk comes from an incomplete set's lower bound (it is above the complete one)."""
        if self.bound is None:
            return False
        if self.result is None:
            return True
        return (risk_rank(self.bound.risk), self.bound.at_least) > (
            risk_rank(self.result.risk),
            self.result.total,
        )

    @property
    def risk(self) -> str | None:
        """'low' | 'low-medium' | 'medium' | 'high', or None when nothing was ever taken."""
        if self.from_partial:
            assert self.bound is not None
            return self.bound.risk
        return self.result.risk if self.result is not None else None

    @property
    def total(self) -> int | None:
        """The complete total, or the lower bound when ``from_partial`` (never both)."""
        if self.from_partial:
            assert self.bound is not None
            return self.bound.at_least
        return self.result.total if self.result is not None else None

    @property
    def source(self) -> ObservationSet | None:
        """The set the risk comes from."""
        return self.partial if self.from_partial else self.complete

    @property
    def risk_label(self) -> str:
        risk = self.risk
        return RISK_LABELS[risk] if risk else ""

    @property
    def text(self) -> str:
        """``7 (high)``, ``incomplete — at least 7 (high)``, ``incomplete`` or ``—``."""
        if self.from_partial:
            assert self.bound is not None
            return self.bound.text
        if self.result is not None:
            return f"{self.result.total} ({self.result.risk})"
        return "incomplete" if self.latest_partial is not None else "—"

    def describe(self) -> str:
        """The escalation's explanation: which values scored, and what was not taken."""
        if self.from_partial:
            assert self.bound is not None
            return self.bound.describe()
        if self.result is not None:
            return self.result.describe()
        return "NEWS2 incomplete"


def effective_news2(
    observations: Sequence[ObservationSet],
    *,
    now: datetime,
    lookback: timedelta | None = None,
) -> EffectiveNews2:
    """The effective NEWS2 from ``observations`` (oldest first, current entries only).

    With ``lookback``, only sets newer than ``now - lookback`` count (the deterioration rule's
    window); without it the newest complete set counts however old it is.
    """
    since = None if lookback is None else now - lookback
    complete: ObservationSet | None = None
    partials: list[ObservationSet] = []
    for obs in reversed(observations):
        if since is not None and obs.taken_at < since:
            break
        if obs.vitals.is_complete:
            complete = obs
            break
        partials.append(obs)
    result = score_vitals(complete.vitals) if complete is not None else None
    best: tuple[ObservationSet, News2LowerBound] | None = None
    for obs in partials:  # newest first: a tie keeps the newer set
        try:
            bound = news2_lower_bound(obs.vitals)
        except ValueError:
            continue  # a stored value the chart no longer accepts: it cannot be scored
        if best is None or (risk_rank(bound.risk), bound.at_least) > (
            risk_rank(best[1].risk),
            best[1].at_least,
        ):
            best = (obs, bound)
    return EffectiveNews2(
        complete=complete,
        result=result,
        complete_current=_is_current(complete, result, now),
        partial=best[0] if best else None,
        bound=best[1] if best else None,
        latest_partial=partials[0] if partials else None,
    )


def _is_current(complete: ObservationSet | None, result: News2Result | None, now: datetime) -> bool:
    """The complete set's Chart 4 interval has not run out at ``now``."""
    return (
        complete is not None
        and result is not None
        and now <= complete.taken_at + result.min_obs_interval
    )
