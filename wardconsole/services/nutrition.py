"""Reading one patient's meals and bowels, and their facts for the handoff.

Meals belong to the food and fluid chart's 07:00 → 07:00 period (``fluid_chart.toml``) like
drinks; bowels are counted in days since the last movement (since admission when none was
recorded) with the policy's flag after ``[bowels] flag_after_days`` days — a local DESIGN
CHOICE awaiting governance sign-off, worded so wherever it shows (``domain.bowels``). Writes go
through ``RecordingService`` (``record_meal``, ``record_bowel``) or, at the bedside,
``SafeSaves.save_meal`` / ``save_bowel``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from wardconsole.domain.bowels import BowelEntry, BowelStatus, bowel_status
from wardconsole.domain.fluids import FluidPeriod, period_of
from wardconsole.domain.food_chart import chart_days
from wardconsole.domain.handoff_records import Fact
from wardconsole.domain.meals import MealEntry, meals_summary
from wardconsole.domain.records import Severity
from wardconsole.domain.weights import must_prompts
from wardconsole.services.context import NotFound
from wardconsole.services.db import Database
from wardconsole.services.food_chart import FoodChartView, food_chart_views
from wardconsole.store import nutrition, weights


@dataclass(frozen=True, slots=True)
class NutritionOverview:
    """This period's meals and the bowels as of ``as_of``, for the quick-entry window."""

    admission_id: int
    as_of: datetime
    period: FluidPeriod
    meals: tuple[MealEntry, ...]
    """This period's current meal entries, oldest first."""
    bowels: BowelStatus
    prompts: tuple[str, ...] = ()
    """What the latest MUST screen asks beyond the food chart: the ward's refeeding prompt at
    high risk with no intake."""
    food_chart: FoodChartView | None = None
    """The food chart a medium-risk MUST screen started: running, or ended within a day."""

    @property
    def meals_text(self) -> str:
        return meals_summary(self.meals) or "none recorded"


@dataclass(frozen=True, slots=True)
class NutritionCourse:
    """Meals and bowel movements over a span of the stay (the chart and the discharge)."""

    meals: tuple[MealEntry, ...]
    bowels: tuple[BowelEntry, ...]
    status: BowelStatus | None
    """Bowels as of the end of the span (None for an admission that does not exist)."""
    food_charts: tuple[FoodChartView, ...] = ()
    """The food charts over the span, oldest first, each with its days as of its end."""

    @classmethod
    def empty(cls) -> NutritionCourse:
        return cls((), (), None)

    @property
    def points(self) -> int:
        return len(self.meals) + len(self.bowels)

    def meals_between(self, start: float, end: float) -> tuple[MealEntry, ...]:
        """The meals taken in [start, end) (epoch seconds)."""
        return tuple(m for m in self.meals if start <= m.taken_at.timestamp() < end)

    def bowels_text_at(self, at: float) -> str:
        """'Bristol type 4, 2 days before' for the last movement at or before ``at`` ('' when
        none): the chart's read-out."""
        before = [b for b in self.bowels if b.taken_at.timestamp() <= at]
        if not before:
            return ""
        last = before[-1]
        what = f"Bristol type {last.bristol_type}" if last.bristol_type else "type not seen"
        days = int((at - last.taken_at.timestamp()) // 86_400)
        return f"last opened {days} day{'' if days == 1 else 's'} before ({what})"


class NutritionService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def overview(self, admission_id: int, at: datetime | None = None) -> NutritionOverview:
        now = at or self._db.clock()
        policy = self._db.fluid_policy
        period = period_of(now, policy.day_start, self._db.ward_timezone)
        with self._db.read() as session:
            admitted = nutrition.admitted_at(session, [admission_id]).get(admission_id)
            if admitted is None:
                raise NotFound(f"admission {admission_id} does not exist")
            meals = nutrition.meals_between(session, [admission_id], period.start, period.end)
            last = nutrition.last_bowels(session, [admission_id]).get(admission_id)
            screens = weights.must_screens(session, [admission_id])[admission_id]
            chart = food_chart_views(session, [admission_id], now, self._db.shifts.zone)
        done = [screen for screen in screens if screen.taken_at <= now]
        return NutritionOverview(
            admission_id,
            now,
            period,
            tuple(meals.get(admission_id, ())),
            self._status(last, admitted, now),
            must_prompts(done[-1] if done else None, now, self._db.weight_policy),
            chart.get(admission_id),
        )

    def course(
        self, admission_id: int, start: datetime | None, end: datetime | None
    ) -> NutritionCourse:
        """Meals and bowel movements taken in [start, end) (None: the whole stay)."""
        with self._db.read() as session:
            return read_course(self._db, session, admission_id, start, end)

    def _status(self, last: BowelEntry | None, admitted: datetime, at: datetime) -> BowelStatus:
        policy = self._db.fluid_policy
        return bowel_status(
            last,
            admitted,
            at,
            policy.bowel_flag_days,
            signed_off=policy.signed_off,
            flag_severity=policy.bowel_flag_severity,
        )


def read_course(
    db: Database, session: Session, admission_id: int, start: datetime | None, end: datetime | None
) -> NutritionCourse:
    """``NutritionService.course`` inside a read the caller already holds."""
    meals = nutrition.meals_between(session, [admission_id], start, end).get(admission_id, [])
    bowels = nutrition.bowels_between(session, admission_id, start, end)
    admitted = nutrition.admitted_at(session, [admission_id]).get(admission_id)
    as_of = end or db.clock()
    charts = tuple(
        FoodChartView(chart, tuple(chart_days(chart, meals, as_of)), as_of, db.shifts.zone)
        for chart in nutrition.stay_food_charts(session, admission_id)
        if chart.started_at <= as_of and (start is None or chart.ends_at > start)
    )
    status = None
    if admitted is not None:
        last = bowels[-1] if bowels else None
        if last is None:
            last = nutrition.last_bowels(session, [admission_id], before=as_of).get(admission_id)
        policy = db.fluid_policy
        status = bowel_status(
            last,
            admitted,
            as_of,
            policy.bowel_flag_days,
            signed_off=policy.signed_off,
            flag_severity=policy.bowel_flag_severity,
        )
    return NutritionCourse(tuple(meals), tuple(bowels), status, charts)


def _task(chart: FoodChartView) -> Severity | None:
    """A running food chart is something to do this shift (advisory, as the MUST prompts)."""
    return Severity.ADVISORY if chart.running else None


def nutrition_facts(
    db: Database,
    session: Session,
    admission_ids: Sequence[int],
    shift_start: datetime,
    until: datetime,
) -> dict[int, tuple[Fact, ...]]:
    """Admission id -> meals eaten this shift (and this period when it began earlier), the food
    chart's day and what was eaten on it, and the bowels as of ``until``, for the handoff. Six
    statements for the whole ward."""
    policy = db.fluid_policy
    period = period_of(until, policy.day_start, db.ward_timezone)
    end = until + timedelta(microseconds=1)  # an entry taken at the moment of drafting counts
    first = min(shift_start, period.start)
    meals = nutrition.meals_between(session, admission_ids, first, end)
    last = nutrition.last_bowels(session, admission_ids, before=end)
    charts = food_chart_views(session, admission_ids, until, db.shifts.zone)
    admitted = nutrition.admitted_at(session, admission_ids)
    start_clock = period.start.astimezone(db.shifts.zone).strftime("%H:%M")
    out: dict[int, tuple[Fact, ...]] = {}
    for admission_id in admission_ids:
        entries = meals.get(admission_id, [])
        in_shift = [m for m in entries if m.taken_at >= shift_start]
        in_period = [m for m in entries if m.taken_at >= period.start]
        facts = [Fact(f"Meals this shift: {meals_summary(in_shift) or 'none recorded'}", "meals")]
        if in_period != in_shift and in_period:
            facts.append(
                Fact(f"Meals this period (from {start_clock}): {meals_summary(in_period)}", "meals")
            )
        if (chart := charts.get(admission_id)) is not None:
            facts.append(Fact(chart.summary, "meals", chart.severity or _task(chart)))
        if admission_id in admitted:
            status = bowel_status(
                last.get(admission_id),
                admitted[admission_id],
                until,
                policy.bowel_flag_days,
                signed_off=policy.signed_off,
                flag_severity=policy.bowel_flag_severity,
            )
            severity = policy.bowel_flag_severity if status.flagged else None
            facts.append(Fact(status.text, "bowels", severity))
        out[admission_id] = tuple(facts)
    return out
