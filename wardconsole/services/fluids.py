"""Reading one patient's food and fluid chart: this period so far, the plan in force, the
periods of the stay. Writes go through ``RecordingService`` (``record_fluid``,
``set_fluid_plan``) or, at the bedside, ``SafeSaves.save_fluid``."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from wardconsole.domain.fluid_policy import FluidPolicy
from wardconsole.domain.fluids import (
    Direction,
    FluidEntry,
    FluidPeriod,
    FluidPlan,
    FluidTotals,
    ReviewFinding,
    latest_review,
    period_of,
    periods_between,
)
from wardconsole.services.context import NotFound
from wardconsole.services.db import Database
from wardconsole.store import fluids, repository


@dataclass(frozen=True, slots=True)
class PeriodView:
    """One period of the stay with its totals (the chart's bars and the table)."""

    period: FluidPeriod
    totals: FluidTotals


@dataclass(frozen=True, slots=True)
class FluidOverview:
    """One patient's fluid chart as of ``as_of``: this period so far and the plan."""

    admission_id: int
    as_of: datetime
    period: FluidPeriod
    totals: FluidTotals
    entries: tuple[FluidEntry, ...]
    """This period's current entries, oldest first."""
    last_intake_at: datetime | None
    plan: FluidPlan | None
    review: ReviewFinding | None
    policy: FluidPolicy

    @property
    def intake_text(self) -> str:
        return self.totals.intake_text(self.last_intake_at, self.as_of)


class FluidService:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def policy(self) -> FluidPolicy:
        return self._db.fluid_policy

    def period_at(self, at: datetime) -> FluidPeriod:
        policy = self._db.fluid_policy
        return period_of(at, policy.day_start, self._db.ward_timezone)

    def overview(self, admission_id: int, at: datetime | None = None) -> FluidOverview:
        """This period so far for one patient (one short read)."""
        now = at or self._db.clock()
        policy = self._db.fluid_policy
        period = self.period_at(now)
        with self._db.read() as session:
            if repository.admission(session, admission_id) is None:
                raise NotFound(f"admission {admission_id} does not exist")
            entries = fluids.entries_between(session, admission_id, period.start, period.end)
            totals = fluids.period_totals(session, [admission_id], [period.start, period.end])
            last = fluids.last_taken(session, [admission_id], direction=Direction.INTAKE)
            plan = fluids.plans_in_force(session, [admission_id]).get(admission_id)
        found = totals.get((admission_id, 0), FluidTotals())
        active = plan if plan is not None and plan.active else None
        return FluidOverview(
            admission_id=admission_id,
            as_of=now,
            period=period,
            totals=found,
            entries=tuple(entries),
            last_intake_at=last.get(admission_id),
            plan=active,
            review=latest_review(active, found, period, now, policy),
            policy=policy,
        )

    def periods(self, admission_id: int, start: datetime, end: datetime) -> tuple[PeriodView, ...]:
        """Every period overlapping [start, end] with its totals (one grouped read)."""
        policy = self._db.fluid_policy
        spans = periods_between(start, end, policy.day_start, self._db.ward_timezone)
        bounds = [p.start for p in spans] + [spans[-1].end]
        with self._db.read() as session:
            totals = fluids.period_totals(session, [admission_id], bounds)
        return tuple(
            PeriodView(p, totals.get((admission_id, i), FluidTotals())) for i, p in enumerate(spans)
        )


_ReadFrom = tuple[datetime, datetime, object]
"""(Period start, period end, the stay's rows' version in it)."""


class PeriodReader:
    """This period's totals and fluid chart plan of each stay, for the census: kept between
    refreshes by a reader that lives as long as its census, and read again only for the stays
    whose rows changed (``store.fluids.period_versions``, one grouped statement), at any
    station. So a refresh with nothing new reads no entry, and none is ever shown stale."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[_ReadFrom, FluidTotals | None, FluidPlan | None]] = {}
        """Admission id -> (what it was read from, the period's totals, the plan in force)."""

    def read(
        self,
        session: Session,
        admission_ids: Sequence[int],
        period: FluidPeriod,
        *,
        changed: Collection[int] | None = None,
    ) -> tuple[dict[int, FluidTotals], dict[int, FluidPlan]]:
        """(Admission id -> the period's totals, admission id -> the plan in force, stopped
        ones included), as ``fluids.period_totals`` and ``fluids.plans_in_force`` read them:
        one statement, two more when a stay's rows changed (whatever the number).
        ``changed``: the only stays whose rows may have changed since the last call (the change
        feed named them): the others' kept totals and plan of this period are taken as they
        are, without a statement."""
        kept: dict[int, tuple[_ReadFrom, FluidTotals | None, FluidPlan | None]] = {}
        asked: list[int] = []
        for admission_id in admission_ids:
            found = self._kept.get(admission_id)
            if (
                changed is not None
                and admission_id not in changed
                and found is not None
                and found[0][:2] == (period.start, period.end)
            ):
                kept[admission_id] = found
            else:
                asked.append(admission_id)
        versions = fluids.period_versions(session, asked, period.start, period.end) if asked else {}
        stale: dict[int, _ReadFrom] = {}
        for admission_id in asked:
            key = (period.start, period.end, versions.get(admission_id))
            found = self._kept.get(admission_id)
            if found is not None and found[0] == key:
                kept[admission_id] = found
            else:
                stale[admission_id] = key
        if stale:
            again = list(stale)
            totals = fluids.period_totals(session, again, [period.start, period.end])
            plans = fluids.plans_in_force(session, again)
            for admission_id, read_from in stale.items():
                kept[admission_id] = (
                    read_from,
                    totals.get((admission_id, 0)),
                    plans.get(admission_id),
                )
        self._kept = kept
        return (
            {i: totals for i, (_key, totals, _plan) in kept.items() if totals is not None},
            {i: plan for i, (_key, _totals, plan) in kept.items() if plan is not None},
        )
