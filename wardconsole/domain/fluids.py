"""The food and fluid chart: what a fluid entry is, its 24-hour periods, totals and reviews.

REFERENCE-2.md §12.2. Periods run from the policy's day start (07:00) to the same wall-clock
time next day in the ward's time zone, so a period lasts 23 or 25 hours on clock-change days and
says so; an entry belongs to the period of its taken time. The balance (intake − output) exists
only when every output in the period was measured; otherwise it is "unknown — output not
measured (n times)". No intake entries is never a bare 0: it reads "0 ml recorded · last entry
6 h ago". Targets and review thresholds are local policy (``fluid_policy``), not NHS standards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

from wardconsole.domain.fluid_policy import NOT_A_STANDARD, FluidPolicy
from wardconsole.domain.records import Severity
from wardconsole.domain.text_input import MAX_NOTE, text_problem


class Direction(StrEnum):
    """Into the patient or out of them (persisted)."""

    INTAKE = "intake"
    OUTPUT = "output"


INTAKE_ROUTES: Final = MappingProxyType(
    {
        "oral": "Oral",
        "iv": "IV fluids (prescribed)",
        "subcut": "Subcutaneous fluids (prescribed)",
    }
)
"""Intake routes (keys persisted). IV and subcutaneous fluids are given under a prescription."""

OUTPUT_KINDS: Final = MappingProxyType({"urine": "Urine", "vomit": "Vomit", "other": "Other"})
"""Outputs (keys persisted); each is measured in ml or recorded as "not measured"."""

PLAN_REASONS: Final = MappingProxyType(
    {
        "poor_intake": "Drinking or eating too little",
        "bladder_pain": "Drinking less because of bladder pain",
        "vomiting": "Vomiting or diarrhoea",
        "iv_fluids": "IV or subcutaneous fluids prescribed",
        "nutrition_risk": "Nutrition screening risk",
        "other": "Other reason (say which)",
    }
)
"""Why a patient is on a fluid chart (keys persisted). ``bladder_pain``: many patients on this
ward drink less to avoid painful voiding, and retention occurs (ketamine uropathy), so no urine
for the policy's hours prompts the bladder assessment."""
BLADDER_REASON: Final = "bladder_pain"


@dataclass(frozen=True, slots=True)
class FluidEntry:
    """One current fluid entry: a drink (or prescribed fluid) in, or an output."""

    id: int
    admission_id: int
    taken_at: datetime
    direction: Direction
    what: str
    """The intake route (``INTAKE_ROUTES``) or the output kind (``OUTPUT_KINDS``)."""
    volume_ml: int | None
    """None only for an output recorded as passed but not measured."""
    description: str = ""
    """The drink ("tea"), or what the output was."""

    @property
    def measured(self) -> bool:
        return self.volume_ml is not None

    @property
    def text(self) -> str:
        """``Tea 200 ml (oral)`` / ``Urine 350 ml`` / ``Urine — passed, not measured``."""
        if self.direction is Direction.INTAKE:
            what = self.description or "Drink"
            route = INTAKE_ROUTES.get(self.what, self.what)
            return f"{what} {self.volume_ml} ml ({route.split(' (')[0].lower()})"
        label = OUTPUT_KINDS.get(self.what, self.what)
        if self.description:
            label += f" ({self.description})"
        if self.volume_ml is None:
            return f"{label} — passed, not measured"
        return f"{label} {self.volume_ml} ml"


@dataclass(frozen=True, slots=True)
class FluidPlan:
    """A patient's fluid chart in force: why, the 24-hour intake target, when to review it."""

    id: int
    admission_id: int
    started_at: datetime
    reason: str
    reason_text: str
    target_ml: int
    review_at: datetime
    active: bool = True
    """False: the chart was stopped (a row that amends the plan, so history keeps both)."""

    @property
    def reason_label(self) -> str:
        label = PLAN_REASONS.get(self.reason, self.reason)
        if self.reason == "other" and self.reason_text:
            return self.reason_text
        return f"{label}: {self.reason_text}" if self.reason_text else label


# -- checking what a nurse typed ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FluidInput:
    """A fluid entry as typed; ``volume_ml`` None is an output "passed, not measured"."""

    direction: Direction
    what: str
    volume_ml: int | None
    description: str = ""
    note: str = ""
    confirmed: bool = False
    """The nurse re-measured an extreme volume and ticked to confirm it."""


def fluid_problems(entry: FluidInput, policy: FluidPolicy) -> dict[str, str]:
    """What is wrong with ``entry`` (field -> message naming the field); empty when fine.

    Limits are the policy's (a DESIGN CHOICE for governance sign-off): above the maximum is
    refused, above the confirm threshold needs the re-measure tick."""
    problems: dict[str, str] = {}
    intake = entry.direction is Direction.INTAKE
    choices = INTAKE_ROUTES if intake else OUTPUT_KINDS
    if entry.what not in choices:
        name = "route" if intake else "output"
        problems[name] = f"{name}: one of {', '.join(choices.values())}"
    volume = entry.volume_ml
    highest = policy.intake_max_ml if intake else policy.output_max_ml
    confirm = policy.intake_confirm_above_ml if intake else policy.output_confirm_above_ml
    if volume is None:
        if intake:
            problems["volume_ml"] = "volume_ml: enter how much was drunk or given, in ml"
    elif isinstance(volume, bool) or not isinstance(volume, int):
        problems["volume_ml"] = "volume_ml: a whole number of ml"
    elif not 1 <= volume <= highest:
        problems["volume_ml"] = (
            f"volume_ml: {volume} ml is not possible for one entry (1–{highest} ml; local policy)"
        )
    elif volume > confirm and not entry.confirmed:
        problems["volume_ml"] = (
            f"volume_ml: {volume} ml is unusually large for one entry; re-measure and tick "
            "'re-measured' to confirm"
        )
    for name, value, longest in (
        ("description", entry.description, 120),
        ("note", entry.note, MAX_NOTE),
    ):
        if problem := text_problem(name, value, max_length=longest, multiline=name == "note"):
            problems[name] = problem
    return problems


def plan_problems(
    *, reason: str, reason_text: str, target_ml: int, review_in: timedelta, policy: FluidPolicy
) -> dict[str, str]:
    """What is wrong with a fluid chart plan (field -> message); empty when fine."""
    problems: dict[str, str] = {}
    if reason not in PLAN_REASONS:
        problems["reason"] = f"reason: one of {', '.join(PLAN_REASONS.values())}"
    elif reason == "other" and not reason_text.strip():
        problems["reason_text"] = "reason_text: say why the patient is on a fluid chart"
    if problem := text_problem("reason_text", reason_text, max_length=500):
        problems["reason_text"] = problem
    low, high = policy.min_target_ml, policy.max_target_ml
    if (
        isinstance(target_ml, bool)
        or not isinstance(target_ml, int)
        or not low <= target_ml <= high
    ):
        problems["target_ml"] = f"target_ml: {low}–{high} ml per 24 hours (local policy)"
    if not timedelta(hours=1) <= review_in <= policy.max_review:
        hours = int(policy.max_review.total_seconds() // 3600)
        problems["review_at"] = f"review_at: between 1 hour and {hours} hours from now"
    return problems


# -- periods --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FluidPeriod:
    """One 24-hour fluid period: [start, end) in UTC, from the day start on ``day`` (local)."""

    day: date
    start: datetime
    end: datetime
    zone_name: str = ""

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    @property
    def clock_change(self) -> str:
        """'' on an ordinary day; '23 h: the clocks went forward' / '25 h: … went back'."""
        hours = self.hours
        if hours < 24:
            return f"{hours:g} h: the clocks went forward"
        if hours > 24:
            return f"{hours:g} h: the clocks went back"
        return ""

    @property
    def label(self) -> str:
        """'Wed 25 Nov 07:00 → Thu 26 Nov 07:00' (+ ' (23 h: the clocks went forward)')."""
        return _period_label(self)

    @property
    def _zone(self) -> tzinfo:
        return _zone_of(self.zone_name)

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


@lru_cache(maxsize=64)
def _period_label(period: FluidPeriod) -> str:
    """Kept per period: the census words the same period on every row of every refresh."""
    local_start = period.start.astimezone(period._zone)
    local_end = period.end.astimezone(period._zone)
    text = f"{local_start:%a %d %b %H:%M} → {local_end:%a %d %b %H:%M}"
    return f"{text} ({period.clock_change})" if period.clock_change else text


def _zone_of(name: str) -> tzinfo:
    return ZoneInfo(name) if name else UTC


def _local_start(day: date, day_start: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, day_start, tzinfo=zone).astimezone(UTC)


def period_on(day: date, day_start: time, zone_name: str) -> FluidPeriod:
    """The period starting at ``day_start`` on the local ``day``."""
    zone = _zone_of(zone_name)
    return FluidPeriod(
        day,
        _local_start(day, day_start, zone),
        _local_start(day + timedelta(days=1), day_start, zone),
        zone_name,
    )


def period_of(at: datetime, day_start: time, zone_name: str) -> FluidPeriod:
    """The period an entry taken at ``at`` belongs to (before the day start: the day before's)."""
    if at.tzinfo is None:
        raise ValueError("at: expected a timezone-aware datetime")
    local = at.astimezone(_zone_of(zone_name))
    day = local.date()
    period = period_on(day, day_start, zone_name)
    if at < period.start:
        period = period_on(day - timedelta(days=1), day_start, zone_name)
    return period


def periods_between(
    start: datetime, end: datetime, day_start: time, zone_name: str
) -> tuple[FluidPeriod, ...]:
    """Every period overlapping [start, end], oldest first."""
    first = period_of(start, day_start, zone_name)
    found = [first]
    while found[-1].end <= end:
        found.append(period_on(found[-1].day + timedelta(days=1), day_start, zone_name))
    return tuple(found)


# -- totals ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FluidTotals:
    """Sums of the current entries of one patient in one span (a period or a shift)."""

    intake_ml: int = 0
    intake_count: int = 0
    output_ml: int = 0
    """Measured outputs only."""
    output_count: int = 0
    unmeasured_outputs: int = 0
    """Outputs recorded as passed but not measured: while any, the balance is unknown."""
    urine_count: int = 0
    """Urine passed (measured or not)."""

    @property
    def balance_ml(self) -> int | None:
        """Intake − output, or None when any output in the span was not measured."""
        if self.unmeasured_outputs:
            return None
        return self.intake_ml - self.output_ml

    @property
    def balance_text(self) -> str:
        """'balance +350 ml' or 'balance unknown — output not measured (2 times)'."""
        balance = self.balance_ml
        if balance is None:
            times = self.unmeasured_outputs
            return f"balance unknown — output not measured ({times} time{'s' if times > 1 else ''})"
        return f"balance {balance:+d} ml"

    def intake_text(self, last_intake_at: datetime | None, now: datetime) -> str:
        """'650 ml in 4 entries', or with none '0 ml recorded · last entry 6 h ago' — never a
        bare 0 that reads as "drank nothing"."""
        if self.intake_count:
            entries = f"{self.intake_count} entr{'ies' if self.intake_count > 1 else 'y'}"
            return f"{self.intake_ml} ml in {entries}"
        if last_intake_at is None:
            return "0 ml recorded · no intake entry yet this stay"
        return f"0 ml recorded · last entry {ago_text(now - last_intake_at)} ago"

    @property
    def output_text(self) -> str:
        parts = []
        if self.output_count:
            parts.append(f"{self.output_ml} ml measured")
        if self.unmeasured_outputs:
            parts.append(f"{self.unmeasured_outputs}× not measured")
        return " + ".join(parts) if parts else "none recorded"


def totals_of(entries: Iterable[FluidEntry]) -> FluidTotals:
    """Totals of ``entries`` (current entries of one span), as the grouped query sums them."""
    intake = intake_count = output = output_count = unmeasured = urine = 0
    for entry in entries:
        if entry.direction is Direction.INTAKE:
            intake += entry.volume_ml or 0
            intake_count += 1
            continue
        if entry.what == "urine":
            urine += 1
        if entry.volume_ml is None:
            unmeasured += 1
        else:
            output += entry.volume_ml
            output_count += 1
    return FluidTotals(intake, intake_count, output, output_count, unmeasured, urine)


def ago_text(span: timedelta) -> str:
    """'45 min' / '6 h' / '6 h 30 min' / '2 days 3 h' (floored)."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days > 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


# -- reviews --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewFinding:
    """Intake at the latest review time of the period, against what the policy expects."""

    at: datetime
    clock: str
    expected_ml: int
    intake_ml: int
    target_ml: int
    severity: Severity = Severity.ADVISORY
    """The policy's severity for intake behind at a review (the escalation it raises)."""

    @property
    def behind(self) -> bool:
        return self.intake_ml < self.expected_ml

    @property
    def text(self) -> str:
        return (
            f"Fluid intake behind at the {self.clock} review: {self.intake_ml} ml of "
            f"{self.expected_ml} ml expected by then (target {self.target_ml} ml per 24 h; "
            f"{NOT_A_STANDARD})"
        )


def review_times(period: FluidPeriod, policy: FluidPolicy) -> list[tuple[datetime, int, str]]:
    """(instant, expected percent, clock) of each policy review inside ``period``, in order.
    A review clock before the day start falls on the period's second calendar day."""
    zone = _zone_of(period.zone_name)
    found = []
    for review in policy.reviews:
        day = period.day if review.at >= policy.day_start else period.day + timedelta(days=1)
        instant = _local_start(day, review.at, zone)
        if period.contains(instant):
            found.append((instant, review.expected_percent, review.clock))
    return sorted(found)


def latest_review(
    plan: FluidPlan | None,
    totals: FluidTotals,
    period: FluidPeriod,
    now: datetime,
    policy: FluidPolicy,
    reviews: Sequence[tuple[datetime, int, str]] | None = None,
) -> ReviewFinding | None:
    """The latest review time passed in ``period`` for a patient whose chart was in force by
    then, with the intake so far; None before the first review or when not on a chart.
    ``reviews``: ``review_times(period, policy)`` when the caller has them already (the same
    for every patient of a period)."""
    if plan is None or not plan.active:
        return None
    if reviews is None:
        reviews = review_times(period, policy)
    passed = [r for r in reviews if plan.started_at <= r[0] <= now]
    if not passed:
        return None
    at, percent, clock = passed[-1]
    expected = (plan.target_ml * percent + 99) // 100  # whole ml, never rounded down in favour
    return ReviewFinding(
        at, clock, expected, totals.intake_ml, plan.target_ml, policy.review_severity
    )


def no_urine_since(
    plan: FluidPlan | None, last_urine_at: datetime | None, now: datetime, policy: FluidPolicy
) -> datetime | None:
    """On a chart for bladder pain with no urine passed recorded for the policy's hours: since
    when (the last urine, or the chart's start). None otherwise."""
    if plan is None or not plan.active or plan.reason != BLADDER_REASON:
        return None
    since = max(last_urine_at, plan.started_at) if last_urine_at else plan.started_at
    return since if now - since >= policy.no_urine else None


@dataclass(frozen=True, slots=True)
class FluidSummary:
    """What the census shows of one patient's fluids this period."""

    period: FluidPeriod
    totals: FluidTotals
    last_intake_at: datetime | None
    plan: FluidPlan | None
    review: ReviewFinding | None

    @property
    def on_chart(self) -> bool:
        return self.plan is not None and self.plan.active

    @property
    def behind(self) -> bool:
        return self.review is not None and self.review.behind

    @property
    def recorded(self) -> bool:
        return (
            self.totals.intake_count > 0
            or self.totals.output_count > 0
            or bool(self.totals.unmeasured_outputs)
        )


def summaries(
    ids: Iterable[int],
    period: FluidPeriod,
    totals: Mapping[int, FluidTotals],
    last_intake: Mapping[int, datetime],
    plans: Mapping[int, FluidPlan],
    now: datetime,
    policy: FluidPolicy,
) -> dict[int, FluidSummary]:
    """One ``FluidSummary`` per admission from the grouped reads."""
    out = {}
    reviews = review_times(period, policy)
    for admission_id in ids:
        found = totals.get(admission_id, FluidTotals())
        plan = plans.get(admission_id)
        out[admission_id] = FluidSummary(
            period,
            found,
            last_intake.get(admission_id),
            plan if plan is not None and plan.active else None,
            latest_review(plan, found, period, now, policy, reviews),
        )
    return out


# -- words for stored values (history, audit) ------------------------------------------------------


def fluid_entry_text(values: Mapping[str, object]) -> str:
    """The history's words for a stored fluid entry's values."""
    volume = values.get("volume_ml")
    entry = FluidEntry(
        0,
        0,
        datetime.min.replace(tzinfo=UTC),
        Direction(str(values.get("direction", "intake"))),
        str(values.get("what", "")),
        volume if isinstance(volume, int) else None,
        str(values.get("description") or ""),
    )
    return ("In: " if entry.direction is Direction.INTAKE else "Out: ") + entry.text


def fluid_plan_text(values: Mapping[str, object]) -> str:
    """The history's words for a stored fluid chart plan."""
    if not values.get("active", True):
        return "Fluid chart stopped"
    reason = str(values.get("reason", ""))
    label = PLAN_REASONS.get(reason, reason)
    extra = str(values.get("reason_text") or "")
    why = extra if reason == "other" and extra else label + (f": {extra}" if extra else "")
    review = values.get("review_at")
    when = (
        f"; review by {review.astimezone():%a %d %b %H:%M}" if isinstance(review, datetime) else ""
    )
    return f"On a fluid chart — {why}; target {values.get('target_ml')} ml per 24 h{when}"
