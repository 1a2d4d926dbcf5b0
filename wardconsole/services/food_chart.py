"""Reading food charts (``domain.food_chart``) with their days and the meals recorded in them,
for any number of patients in two statements: the census, the handoff, the meals window, the
Physical care page and the discharge summary all read ``food_chart_views``.

A chart is started, extended and stopped by ``RecordingService`` (a MUST screen at medium risk;
``stop_food_chart``). An ended chart stays in view for ``SHOWN_AFTER_END`` so the next shifts
see whether meals were recorded on each of its days — a DESIGN CHOICE about display only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Final

from sqlalchemy.orm import Session

from wardconsole.domain.food_chart import (
    NO_MEAL_SEVERITY,
    FoodChart,
    FoodChartDay,
    chart_days,
    chart_headline,
    chart_summary,
    gap_days,
)
from wardconsole.domain.records import Severity
from wardconsole.store import nutrition

SHOWN_AFTER_END: Final = timedelta(days=1)
"""How long an ended food chart's days stay on the census and the handoff (display only)."""


@dataclass(frozen=True, slots=True)
class FoodChartView:
    """A food chart as of ``as_of``: its days so far and what they say."""

    chart: FoodChart
    days: tuple[FoodChartDay, ...]
    as_of: datetime
    zone: tzinfo

    @property
    def running(self) -> bool:
        return self.chart.running(self.as_of)

    @property
    def gaps(self) -> tuple[int, ...]:
        """Finished days with no meal recorded."""
        return tuple(gap_days(self.days))

    @property
    def severity(self) -> Severity | None:
        """Advisory when a finished day has no meal recorded; None otherwise."""
        return NO_MEAL_SEVERITY if self.gaps else None

    @property
    def until_text(self) -> str:
        """'Tue 08 Dec 09:00': when the chart ends (or was stopped), ward time."""
        return self.chart.ends_at.astimezone(self.zone).strftime("%a %d %b %H:%M")

    @property
    def headline(self) -> str:
        """'Food chart day 2 of 3 (until …): …', 'Food chart ended …' or '… stopped … — why'."""
        return chart_headline(self.chart, self.days, self.as_of, self.until_text)

    @property
    def summary(self) -> str:
        """'Food chart day 2 of 3 (until Tue 08 Dec 09:00): 3 meals recorded, ½ eaten on
        average', or the ended chart day by day."""
        return chart_summary(self.chart, self.days, self.as_of, self.until_text)

    @property
    def day_lines(self) -> tuple[str, ...]:
        """One line per chart day so far ('● Day 1 of 3: no meal recorded')."""
        of = self.chart.day_count
        return tuple(day.text(of) for day in self.days)

    @property
    def lines(self) -> tuple[str, ...]:
        """The headline, then each day so far except today's (the headline says today's)."""
        days = self.day_lines[:-1] if self.running else self.day_lines
        return (self.headline, *days)

    @property
    def short(self) -> str:
        """The census cell's words: 'Food day 2/3', '● Food: no meal day 1' or 'Food done'."""
        if self.gaps:
            days = ", ".join(str(n) for n in self.gaps)
            return f"{NO_MEAL_SEVERITY.shape} Food: no meal day {days}"
        if self.running:
            return f"Food day {self.chart.day_of(self.as_of)}/{self.chart.day_count}"
        return "Food chart done"


def food_chart_views(
    session: Session,
    admission_ids: Collection[int],
    now: datetime,
    zone: tzinfo,
    *,
    shown_after_end: timedelta | None = SHOWN_AFTER_END,
) -> dict[int, FoodChartView]:
    """Admission id -> its latest food chart as of ``now`` (the version recorded by then),
    with its days; an ended chart only within ``shown_after_end`` of its end (None: always).
    Two statements whatever the number of patients."""
    charts = nutrition.food_charts(session, admission_ids, at=now)
    shown = {
        admission_id: chart
        for admission_id, chart in charts.items()
        if chart.started_at <= now
        and (shown_after_end is None or now < chart.ends_at + shown_after_end)
    }
    if not shown:
        return {}
    start = min(c.started_at for c in shown.values())
    end = max(c.ends_at for c in shown.values())
    meals = nutrition.meals_between(session, list(shown), start, end)
    return {
        admission_id: FoodChartView(
            chart,
            tuple(chart_days(chart, meals.get(admission_id, ()), now)),
            now,
            zone,
        )
        for admission_id, chart in shown.items()
    }


def running_charts(
    session: Session, admission_ids: Collection[int], now: datetime, zone: tzinfo
) -> dict[int, FoodChartView]:
    """Admission id -> its food chart running at ``now`` (the prompts of the MUST follow-up)."""
    found = food_chart_views(session, admission_ids, now, zone, shown_after_end=timedelta(0))
    return {admission_id: view for admission_id, view in found.items() if view.running}
