"""The food and fluid chart's series for the Physical care chart page: one bar pair per
24-hour period (intake up, measured output down) and the running balance within each period.

Per-period totals are the grouped sum over current entries (``store.fluids.period_totals``), so
a correction is never counted twice. The running balance starts at 0 at each period's start and
breaks (NaN) from the first output that was not measured: after that the balance is unknown,
and the chart never draws a number it does not have.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from wardconsole.domain.fluids import (
    Direction,
    FluidEntry,
    FluidPeriod,
    FluidPlan,
    FluidTotals,
    periods_between,
)
from wardconsole.services.db import Database
from wardconsole.store import fluids


@dataclass(frozen=True, slots=True)
class FluidBar:
    """One period: where it sits on the time axis (epoch seconds) and its totals."""

    start: float
    end: float
    label: str
    totals: FluidTotals

    def contains(self, at: float) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True, slots=True, eq=False)
class FluidSeries:
    bars: tuple[FluidBar, ...]
    balance_x: np.ndarray
    """Running balance within each period: times (epoch seconds), steps at each entry."""
    balance_y: np.ndarray
    """ml; NaN breaks at period ends and wherever an unmeasured output made it unknown."""
    entries: tuple[FluidEntry, ...]
    plan: FluidPlan | None
    """The plan in force (None: not on a chart, or stopped)."""

    def bar_at(self, at: float) -> FluidBar | None:
        for bar in self.bars:
            if bar.contains(at):
                return bar
        return None

    @property
    def points(self) -> int:
        return len(self.entries)


def read_fluid_series(
    session: Session, db: Database, admission_id: int, admitted_at: datetime, stay_end: datetime
) -> FluidSeries:
    """The stay's periods with their totals (one grouped statement) and its entries."""
    policy = db.fluid_policy
    spans = periods_between(admitted_at, stay_end, policy.day_start, db.ward_timezone)
    bounds = [p.start for p in spans] + [spans[-1].end]
    totals = fluids.period_totals(session, [admission_id], bounds)
    entries = tuple(fluids.entries_between(session, admission_id, None, None))
    plan = fluids.plans_in_force(session, [admission_id]).get(admission_id)
    bars = tuple(
        FluidBar(
            p.start.timestamp(),
            p.end.timestamp(),
            p.label,
            totals.get((admission_id, i), FluidTotals()),
        )
        for i, p in enumerate(spans)
    )
    x, y = running_balance(entries, spans, stay_end)
    return FluidSeries(bars, x, y, entries, plan if plan is not None and plan.active else None)


def running_balance(
    entries: Sequence[FluidEntry], spans: Sequence[FluidPeriod], until: datetime
) -> tuple[np.ndarray, np.ndarray]:
    """Step points of the balance within each period (see module docstring)."""
    xs: list[float] = []
    ys: list[float] = []
    ordered = sorted(entries, key=lambda e: (e.taken_at, e.id))
    index = 0
    for span in spans:
        end = min(span.end, until).timestamp()
        running = 0.0
        xs.append(span.start.timestamp())
        ys.append(running)
        while index < len(ordered) and ordered[index].taken_at < span.end:
            entry = ordered[index]
            index += 1
            if entry.taken_at < span.start:
                continue
            at = entry.taken_at.timestamp()
            xs.append(at)
            ys.append(running)
            if entry.direction is Direction.INTAKE:
                running += entry.volume_ml or 0
            elif entry.volume_ml is None or math.isnan(running):
                running = math.nan
            else:
                running -= entry.volume_ml
            xs.append(at)
            ys.append(running)
        xs.append(end)
        ys.append(running)
        xs.append(end)
        ys.append(math.nan)
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
