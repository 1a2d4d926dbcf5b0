"""The food chart a MUST screen starts: BAPEN's step 5 for medium risk is "Observe. Document
dietary intake for 3 days (hospital or care home)" (REFERENCE-2.md §12.1). The days come from
``weights.toml`` ``[food_chart] days`` (BAPEN's 3; a ward may choose longer).

High risk does not start one: BAPEN's high-risk advice is to treat — refer to a dietitian, set
goals, improve intake, review the care plan weekly — and does not ask for intake to be
documented for a set number of days, so the console adds no chart of its own there (the
dietitian referral is the high-risk prompt). Low risk is routine care and screening again weekly:
a low screen after a medium one leaves the chart running until its end or until a nurse stops it.

A chart's days run 24 hours each from the screen that started it. A finished day with no meal
recorded is flagged as advisory (a gap in what BAPEN asks to be documented, not a finding about
the patient); the average portion is rounded down to the quarter, so it never reads as more
eaten than was recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Final

from wardconsole.domain.meals import MealEntry, Portion
from wardconsole.domain.must import MustRisk
from wardconsole.domain.records import Severity

FOOD_CHART_REASON: Final = "must_medium"
"""Why the chart was started (persisted): a MUST screen at medium risk."""
NO_MEAL_SEVERITY: Final = Severity.ADVISORY
"""A finished chart day with no meal recorded: advisory (it raises no escalation)."""
DAY: Final = timedelta(days=1)


def starts_food_chart(risk: MustRisk) -> bool:
    """Whether a screen at ``risk`` starts (or keeps going) a food chart: medium only (BAPEN)."""
    return risk is MustRisk.MEDIUM


@dataclass(frozen=True, slots=True)
class FoodChart:
    """A patient's food chart (the current version: a later medium screen extends it, a stop
    ends it early)."""

    id: int
    admission_id: int
    started_at: datetime
    ends_at: datetime
    """When the chart ends: the planned end, or when a nurse stopped it."""
    screen_id: int | None
    active: bool = True
    """False: a nurse stopped the chart early (``stop_reason`` says why)."""
    stop_reason: str = ""

    def running(self, now: datetime) -> bool:
        return self.active and self.started_at <= now < self.ends_at

    @property
    def day_count(self) -> int:
        return max(1, ceil((self.ends_at - self.started_at) / DAY))

    def day_of(self, now: datetime) -> int:
        """1-based chart day ``now`` falls in (clamped to the chart's days)."""
        return min(self.day_count, max(1, (now - self.started_at) // DAY + 1))


@dataclass(frozen=True, slots=True)
class FoodChartDay:
    """One 24-hour day of a food chart and the meals recorded in it."""

    number: int
    start: datetime
    end: datetime
    meals: tuple[MealEntry, ...]
    finished: bool

    @property
    def eaten(self) -> tuple[MealEntry, ...]:
        """The meals and snacks with a portion (a supplement on its own is not a meal)."""
        return tuple(m for m in self.meals if m.portion is not None)

    @property
    def whole(self) -> bool:
        """A full 24 hours (the last day of a stopped or extended chart may be shorter)."""
        return self.end - self.start >= DAY

    @property
    def no_meal(self) -> bool:
        """A finished whole day with no meal recorded: the advisory flag."""
        return self.finished and self.whole and not self.eaten

    def text(self, of: int) -> str:
        """'Day 2 of 3: 3 meals recorded, ½ eaten on average' or, for a gap, '● Day 1 of 3: no
        meal recorded'; a shorter last day says its hours ('Day 2 of 2 (1 h): …')."""
        head = f"Day {self.number} of {of}"
        if not self.whole and self.finished:
            head += f" ({(self.end - self.start) / timedelta(hours=1):.0f} h)"
        if self.no_meal:
            return f"{NO_MEAL_SEVERITY.shape} {head}: no meal recorded"
        if self.finished and not self.eaten:
            return f"{head}: no meal recorded"
        return f"{head}: {meals_words(self.eaten)}"


def meals_words(meals: Sequence[MealEntry]) -> str:
    """'3 meals recorded, ½ eaten on average' ('no meal recorded yet' when none)."""
    if not meals:
        return "no meal recorded yet"
    count = f"{len(meals)} meal{'' if len(meals) == 1 else 's'} recorded"
    return f"{count}, {average_portion(meals).label} eaten on average"


def average_portion(meals: Sequence[MealEntry]) -> Portion:
    """The mean portion rounded down to the quarter (never more than was recorded eaten)."""
    eighths = [m.portion.eighths for m in meals if m.portion is not None]
    mean = sum(eighths) / len(eighths) if eighths else 0
    quarters = int(mean // 2)
    return (
        Portion.NONE,
        Portion.QUARTER,
        Portion.HALF,
        Portion.THREE_QUARTERS,
        Portion.ALL,
    )[quarters]


def chart_days(chart: FoodChart, meals: Iterable[MealEntry], now: datetime) -> list[FoodChartDay]:
    """The chart's days up to ``now`` (all of them once it has ended), each with its meals."""
    taken = sorted(meals, key=lambda m: (m.taken_at, m.id))
    days = []
    for number in range(1, chart.day_count + 1):
        start = chart.started_at + (number - 1) * DAY
        if start > now:
            break
        end = min(start + DAY, chart.ends_at)
        in_day = tuple(m for m in taken if start <= m.taken_at < end)
        days.append(FoodChartDay(number, start, end, in_day, finished=end <= now))
    return days


def gap_days(days: Iterable[FoodChartDay]) -> list[int]:
    """The numbers of finished days with no meal recorded."""
    return [d.number for d in days if d.no_meal]


def chart_headline(chart: FoodChart, days: Sequence[FoodChartDay], now: datetime, when: str) -> str:
    """The chart in one phrase: while it runs 'Food chart day 2 of 3 (until Tue 08 Dec 09:00): 3
    meals recorded, ½ eaten on average' (today's meals); once over 'Food chart ended Tue 08 Dec
    09:00' or 'Food chart stopped … — reason'. ``when`` is the end as the caller words it."""
    if chart.running(now):
        today = days[-1] if days else None
        words = meals_words(today.eaten) if today else "no meal recorded yet"
        return f"Food chart day {chart.day_of(now)} of {chart.day_count} (until {when}): {words}"
    if not chart.active:
        return f"Food chart stopped {when} — {chart.stop_reason}"
    return f"Food chart ended {when}"


def chart_summary(chart: FoodChart, days: Sequence[FoodChartDay], now: datetime, when: str) -> str:
    """One line for the handoff and the census: the headline, and once the chart is over every
    day's meals ('Food chart ended Tue 08 Dec 09:00; Day 1 of 3: …; ● Day 2 of 3: no meal
    recorded; …')."""
    head = chart_headline(chart, days, now, when)
    if chart.running(now):
        return head
    return "; ".join([head, *(d.text(chart.day_count) for d in days)])


def food_chart_text(values: Mapping[str, object]) -> str:
    """The history's words for one stored food chart version."""
    ends = values.get("ends_at")
    when = f"{ends.astimezone():%a %d %b %H:%M}" if isinstance(ends, datetime) else str(ends)
    if values.get("active") is False:
        return f"Food chart stopped {when}"
    return f"Food chart: document dietary intake until {when} (MUST medium risk; BAPEN 3 days)"


@dataclass(frozen=True, slots=True)
class ChartVersion:
    """A food chart version to write: a new chart (``amends_id`` None) or one that amends the
    chart in force (extended, or stopped with ``active`` False), with why."""

    started_at: datetime
    ends_at: datetime
    amends_id: int | None
    change_reason: str = ""
    active: bool = True


def after_screen(
    chart: FoodChart | None,
    risk: MustRisk,
    screen_at: datetime,
    now: datetime,
    days: timedelta,
) -> ChartVersion | None:
    """What a MUST screen at ``risk`` taken at ``screen_at`` does to the patient's food chart:
    at medium risk a new chart for ``days`` from the screen, or — while one runs — the same
    chart extended to ``days`` from this screen (never a second chart); nothing at low or high
    risk (a running chart goes on to its end), nor for a screen too old to need one now."""
    if not starts_food_chart(risk):
        return None
    ends = screen_at + days
    if ends <= now:
        return None
    if chart is not None and chart.running(now):
        if ends <= chart.ends_at:
            return None
        reason = f"MUST screen at medium risk again: intake documented for {days.days} days from it"
        return ChartVersion(chart.started_at, ends, chart.id, reason)
    return ChartVersion(screen_at, ends, None)


def stop_version(chart: FoodChart | None, now: datetime, reason: str) -> ChartVersion | None:
    """The version that stops a running chart now, with the nurse's reason (None: no chart
    runs)."""
    if chart is None or not chart.running(now):
        return None
    return ChartVersion(chart.started_at, now, chart.id, reason.strip(), active=False)


def stay_line(
    charts: Sequence[FoodChart],
    meals: Sequence[MealEntry],
    at: datetime,
    when: Callable[[datetime], str],
) -> str:
    """The discharge summary's words for the stay's food charts: each chart's span, its days
    with a meal recorded, the days without and how it ended ('' when there was none)."""
    parts = []
    for chart in charts:
        days = chart_days(chart, meals, at)
        recorded = sum(1 for d in days if d.eaten)
        text = f"{when(chart.started_at)} → {when(min(chart.ends_at, at))}: meals recorded on "
        text += f"{recorded} of {len(days)} day{'' if len(days) == 1 else 's'}"
        eaten = [m for d in days for m in d.eaten]
        if eaten:
            text += f" ({average_portion(eaten).label} eaten on average)"
        if gaps := gap_days(days):
            text += f"; no meal recorded on day {', '.join(str(n) for n in gaps)}"
        if not chart.active:
            text += f"; stopped early — {chart.stop_reason}"
        elif chart.running(at):
            text += "; still running at discharge"
        parts.append(text)
    if not parts:
        return ""
    count = f"{len(parts)} food chart{'' if len(parts) == 1 else 's'}"
    return f"{count} after a medium-risk MUST screen (BAPEN 3 days): " + "; ".join(parts)
