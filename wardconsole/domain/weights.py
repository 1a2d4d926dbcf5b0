"""Height and weight as a kind of clinical entry: what a nurse types, its checks, and the course
of a stay (latest weight, BMI, change since the first weight, when the next weighing is due).

Values are kept exactly as typed (``Decimal`` from the digits, never a float), so the BMI the
MUST screen scores is the one the nurse would work out by hand (``domain.must``). A weighing may
carry the weight 3–6 months before admission (documented or self-reported, planned loss or not),
which MUST step 2 scores. The limits and the weighing interval are local policy
(``domain.weight_policy``); BAPEN's weekly rescreening in hospital is REFERENCE-2.md §12.1.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Final

from wardconsole.domain import must
from wardconsole.domain.assessments import MUST_HIGH, MUST_MEDIUM, score_assessment
from wardconsole.domain.records import Severity
from wardconsole.domain.text_input import MAX_NOTE, text_problem
from wardconsole.domain.weight_policy import WeightPolicy

BEFORE_SOURCES: Final = MappingProxyType(
    {"documented": "documented", "self_reported": "self-reported"}
)
"""Where the weight 3–6 months before admission came from (BAPEN accepts a realistic
self-reported weight when no documented one exists, REFERENCE-2.md §12.1)."""


@dataclass(frozen=True, slots=True)
class WeightInput:
    """A weighing as typed. Empty text is "not measured this time"; at least one of weight and
    height is needed. ``before_kg`` is the weight 3–6 months before admission (intake)."""

    weight_kg: str = ""
    height_m: str = ""
    before_kg: str = ""
    before_source: str = ""
    before_planned: bool = False
    note: str = ""
    confirmed: bool = False
    """The nurse re-measured an extreme value and ticked to confirm it."""


@dataclass(frozen=True, slots=True)
class WeightEntry:
    """A current weighing as stored."""

    id: int
    admission_id: int
    taken_at: datetime
    weight_kg: Decimal | None
    height_m: Decimal | None
    before_kg: Decimal | None = None
    before_source: str = ""
    before_planned: bool = False


def parse_decimal(text: str) -> Decimal | None:
    """The typed digits as an exact decimal; None when they are not a finite number."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def kg(value: Decimal) -> str:
    """'61.2 kg' (as typed, trailing zeros after one decimal dropped)."""
    return f"{_plain(value)} kg"


def metres(value: Decimal) -> str:
    return f"{_plain(value)} m"


def _plain(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def _check_weight(
    field: str, value: Decimal, policy: WeightPolicy, confirmed: bool, what: str
) -> str | None:
    if not policy.weight_min_kg <= value <= policy.weight_max_kg:
        return (
            f"{field}: {kg(value)} is not possible for {what} "
            f"({policy.weight_min_kg}–{policy.weight_max_kg} kg; local policy) — type kilograms"
        )
    if not confirmed and not (
        policy.weight_confirm_below_kg <= value <= policy.weight_confirm_above_kg
    ):
        return f"{field}: {kg(value)} is extreme; re-measure and tick 're-measured' to confirm"
    return None


def weight_problems(
    entry: WeightInput, policy: WeightPolicy, previous_kg: Decimal | None = None
) -> dict[str, str]:
    """What is wrong with ``entry`` (field -> message naming the field); empty when fine.

    Outside the policy's limits is refused; outside its confirm band, or a change from
    ``previous_kg`` (the stay's latest weight) above ``change_confirm_kg``, needs the
    re-measure tick. The limits are DESIGN CHOICES for governance sign-off."""
    problems: dict[str, str] = {}
    for name, value, longest in (
        ("weight_kg", entry.weight_kg, 12),
        ("height_m", entry.height_m, 12),
        ("before_kg", entry.before_kg, 12),
        ("note", entry.note, MAX_NOTE),
    ):
        if problem := text_problem(name, value, max_length=longest, multiline=name == "note"):
            problems[name] = problem
    if problems:
        return problems
    if not entry.weight_kg.strip() and not entry.height_m.strip():
        return {"weight_kg": "weight_kg: enter the weight (kg) or the height (m), or both"}
    checks: tuple[tuple[str, str, Callable[[Decimal], str | None]], ...] = (
        ("weight_kg", entry.weight_kg, lambda v: _weight_problem(v, policy, entry, previous_kg)),
        ("height_m", entry.height_m, lambda v: _height_problem(v, policy, entry.confirmed)),
        (
            "before_kg",
            entry.before_kg,
            lambda v: _check_weight("before_kg", v, policy, entry.confirmed, "a weight then"),
        ),
    )
    for name, typed, check in checks:
        if not typed.strip():
            continue
        number = parse_decimal(typed)
        problem = f"{name}: not a number: {typed.strip()!r}" if number is None else check(number)
        if problem:
            problems[name] = problem
    if entry.before_kg.strip() and entry.before_source not in BEFORE_SOURCES:
        problems["before_source"] = (
            "before_source: say whether the weight 3–6 months ago is documented or self-reported"
        )
    if not entry.before_kg.strip() and entry.before_planned:
        problems["before_kg"] = "before_kg: enter the weight 3–6 months ago, or untick 'planned'"
    return problems


def _weight_problem(
    weight: Decimal, policy: WeightPolicy, entry: WeightInput, previous_kg: Decimal | None
) -> str | None:
    if problem := _check_weight("weight_kg", weight, policy, entry.confirmed, "a weight"):
        return problem
    if (
        previous_kg is not None
        and abs(weight - previous_kg) > policy.change_confirm_kg
        and not entry.confirmed
    ):
        return (
            f"weight_kg: {kg(weight)} is {kg(abs(weight - previous_kg))} from the last "
            f"weight ({kg(previous_kg)}); re-measure and tick 're-measured' to confirm"
        )
    return None


def _height_problem(height: Decimal, policy: WeightPolicy, confirmed: bool) -> str | None:
    if not policy.height_min_m <= height <= policy.height_max_m:
        return (
            f"height_m: {metres(height)} is not possible ({policy.height_min_m:.2f}–"
            f"{policy.height_max_m:.2f} m; local policy) — type metres, e.g. 1.72"
        )
    if not confirmed and not (
        policy.height_confirm_below_m <= height <= policy.height_confirm_above_m
    ):
        return (
            f"height_m: {metres(height)} is extreme; re-measure and tick 're-measured' to confirm"
        )
    return None


# -- the course of a stay -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeightCourse:
    """One stay's weighings, oldest first, and what follows from them."""

    entries: tuple[WeightEntry, ...]
    due_at: datetime
    """When the next weighing is due: at admission when never weighed, else the last weight
    plus the policy's interval."""

    @property
    def weighings(self) -> tuple[WeightEntry, ...]:
        return tuple(e for e in self.entries if e.weight_kg is not None)

    @property
    def latest(self) -> WeightEntry | None:
        found = self.weighings
        return found[-1] if found else None

    @property
    def first(self) -> WeightEntry | None:
        found = self.weighings
        return found[0] if found else None

    @property
    def height_m(self) -> Decimal | None:
        heights = [e.height_m for e in self.entries if e.height_m is not None]
        return heights[-1] if heights else None

    @property
    def before(self) -> WeightEntry | None:
        """The latest entry recording the weight 3–6 months before admission."""
        found = [e for e in self.entries if e.before_kg is not None]
        return found[-1] if found else None

    @property
    def bmi(self) -> Decimal | None:
        latest, height = self.latest, self.height_m
        if latest is None or latest.weight_kg is None or height is None:
            return None
        return must.bmi(latest.weight_kg, height)

    @property
    def change_kg(self) -> Decimal | None:
        """Latest minus first weight of the stay (None with fewer than two weighings)."""
        first, latest = self.first, self.latest
        if first is None or latest is None or first.id == latest.id:
            return None
        assert first.weight_kg is not None and latest.weight_kg is not None
        return latest.weight_kg - first.weight_kg

    def change_text(self) -> str:
        """'−2.3 kg (−3.6 %) since Mon 02 Dec' or '' with fewer than two weighings."""
        change, first = self.change_kg, self.first
        if change is None or first is None or first.weight_kg is None:
            return ""
        percent = (change / first.weight_kg * 100).quantize(Decimal("0.1"))
        sign = "+" if change > 0 else "−" if change < 0 else "±"
        return (
            f"{sign}{_plain(abs(change))} kg ({sign}{abs(percent)} %) since "
            f"{first.taken_at.astimezone():%a %d %b}"
        )

    def up_to(self, at: datetime) -> WeightCourse:
        """The course as it stood at ``at`` (the weighings taken by then)."""
        return WeightCourse(tuple(e for e in self.entries if e.taken_at <= at), self.due_at)

    def is_due(self, now: datetime) -> bool:
        return now >= self.due_at

    def due_text(self, now: datetime) -> str:
        """'Weighing due — not weighed this stay', 'Weighing due — last weighed 8 days ago',
        or 'Next weighing Thu 12 Dec'."""
        latest = self.latest
        return weighing_due_text(latest.taken_at if latest else None, self.due_at, now)

    def summary(self) -> str:
        """'61.2 kg, BMI 20.7, −2.3 kg (−3.6 %) since Mon 02 Dec' or 'not weighed'."""
        latest = self.latest
        if latest is None or latest.weight_kg is None:
            return "not weighed"
        parts = [kg(latest.weight_kg)]
        if (value := self.bmi) is not None:
            parts.append(f"BMI {must.shown(value, must.bmi_score)}")
        if change := self.change_text():
            parts.append(change)
        return ", ".join(parts)


def weight_course(
    entries: Sequence[WeightEntry], admitted_at: datetime, policy: WeightPolicy
) -> WeightCourse:
    ordered = tuple(sorted(entries, key=lambda e: (e.taken_at, e.id)))
    weighed = [e for e in ordered if e.weight_kg is not None]
    return WeightCourse(
        ordered, next_weighing(weighed[-1].taken_at if weighed else None, admitted_at, policy)
    )


def next_weighing(
    last_weighed: datetime | None, admitted_at: datetime, policy: WeightPolicy
) -> datetime:
    """When weighing is next due: at admission when never weighed, else the policy's interval
    after the last weight."""
    return last_weighed + policy.interval if last_weighed is not None else admitted_at


def weighing_due_text(last_weighed: datetime | None, due_at: datetime, now: datetime) -> str:
    """'Weighing due — not weighed this stay', 'Weighing due — last weighed 8 days ago',
    or 'Next weighing Thu 12 Dec' (the census reads only the last weighing's time)."""
    if last_weighed is None:
        return "Weighing due — not weighed this stay"
    if now >= due_at:
        days = (now - last_weighed) // timedelta(days=1)
        return f"Weighing due — last weighed {days} days ago"
    return f"Next weighing {due_at.astimezone():%a %d %b}"


def must_prefill(course: WeightCourse) -> dict[str, object]:
    """What the MUST screen starts from: the latest weight and height, and the weight 3–6
    months before admission recorded at intake (keys as ``assessments.score_must`` reads)."""
    answers: dict[str, object] = {}
    latest, height, before = course.latest, course.height_m, course.before
    if latest is not None and latest.weight_kg is not None:
        answers["weight_kg"] = _plain(latest.weight_kg)
    if height is not None:
        answers["height_m"] = _plain(height)
    if before is not None and before.before_kg is not None:
        answers["weight_before_kg"] = _plain(before.before_kg)
        answers["loss_planned"] = before.before_planned
    return answers


def weight_entry_text(values: Mapping[str, object]) -> str:
    """The history's words for a stored weighing's values."""
    parts = []
    if values.get("weight_kg"):
        parts.append(f"Weight {values['weight_kg']} kg")
    if values.get("height_m"):
        parts.append(f"height {values['height_m']} m")
    if values.get("before_kg"):
        source = BEFORE_SOURCES.get(str(values.get("before_source")), "")
        planned = "planned" if values.get("before_planned") else "unplanned"
        parts.append(f"3–6 months ago {values['before_kg']} kg ({source}, {planned} change)")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


WEIGHING_DUE_SEVERITY: Final = Severity.ADVISORY
"""Weighing due: advisory wherever it is flagged (the handoff, the census); it raises nothing."""


# -- MUST follow-up -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MustScreen:
    """The latest MUST screen of a stay, as the follow-up prompts read it."""

    taken_at: datetime
    risk: must.MustRisk
    label: str
    no_intake: bool
    """The screen recorded no nutritional intake (or likely none) for more than 5 days."""
    weight_kg: str = ""
    """The weight the screen scored, as typed ('' for an estimated screen)."""


def must_screen_of(taken_at: datetime, answers: Mapping[str, Any], label: str) -> MustScreen:
    """A stored MUST screen's risk, read back from its answers (the one scorer)."""
    risk = risk_of_flags(score_assessment("must", answers).flags)
    return MustScreen(
        taken_at,
        risk,
        label,
        bool(answers.get("acute_no_intake")),
        str(answers.get("weight_kg") or ""),
    )


def risk_of_flags(flags: Collection[str]) -> must.MustRisk:
    """The MUST risk category a scored screen's flags say."""
    if MUST_HIGH in flags:
        return must.MustRisk.HIGH
    return must.MustRisk.MEDIUM if MUST_MEDIUM in flags else must.MustRisk.LOW


def must_prompts(screen: MustScreen | None, now: datetime, policy: WeightPolicy) -> tuple[str, ...]:
    """What a nurse should do after the latest screen beyond its category: the ward's refeeding
    prompt (local wording, no criteria of the console's own) at high risk with no intake. The
    medium-risk food chart is a record of its own (``domain.food_chart``), shown from it."""
    if screen is None:
        return ()
    if screen.risk is must.MustRisk.HIGH and screen.no_intake:
        return (f"{policy.refeeding_prompt} (ward wording, awaiting governance sign-off)",)
    return ()


def food_chart_preview(risk: must.MustRisk, at: datetime, policy: WeightPolicy) -> str:
    """What saving a screen at ``risk`` now does to the food chart, for the form ('' when
    nothing): at medium risk BAPEN asks for dietary intake documented for 3 days."""
    if risk is not must.MustRisk.MEDIUM:
        return ""
    until = at + policy.food_chart
    return (
        f"Saving starts a food chart (or extends the one running): document dietary intake "
        f"until {until.astimezone():%a %d %b %H:%M} (medium malnutrition risk; BAPEN 3 days)"
    )


# -- words for the handoff and the discharge summary --------------------------------------------


def _screen_words(screen: MustScreen) -> str:
    """'high risk (score 2)' or 'high risk (estimated, no score)' — no tool name, so a line
    that names MUST once does not name it again."""
    if "estimated" in screen.label:
        return f"{screen.risk.value} risk (estimated, no score)"
    total = screen.label.split(" — ")[0].removeprefix("MUST ").strip()
    return f"{screen.risk.value} risk (score {total})"


def stay_lines(
    course: WeightCourse, screens: Sequence[MustScreen], when: Callable[[datetime], str]
) -> list[str]:
    """The stay's weight change and MUST course for the discharge summary, as recorded."""
    first, latest = course.first, course.latest
    lines = []
    if first is None or latest is None or first.weight_kg is None or latest.weight_kg is None:
        lines.append("Weight: not recorded during the stay")
    elif first.id == latest.id:
        lines.append(f"Weight: {kg(first.weight_kg)} ({when(first.taken_at)}); one weighing")
    else:
        text = (
            f"Weight: {kg(first.weight_kg)} at first ({when(first.taken_at)}) → "
            f"{kg(latest.weight_kg)} at last ({when(latest.taken_at)}); "
            f"change {course.change_text().split(' since')[0]}; "
            f"{len(course.weighings)} weighings"
        )
        lines.append(text)
    if (value := course.bmi) is not None:
        lines[-1] += f"; BMI at last {must.shown(value, must.bmi_score)}"
    if screens:
        first_screen = screens[0]
        text = (
            f"MUST screens ({len(screens)}): {_screen_words(first_screen)} "
            f"({when(first_screen.taken_at)})"
        )
        if len(screens) > 1:
            text += f" → {_screen_words(screens[-1])} at last ({when(screens[-1].taken_at)})"
        lines.append(text)
    else:
        lines.append("Malnutrition screening: no MUST screen recorded")
    return lines


def handoff_lines(
    course: WeightCourse,
    screen: MustScreen | None,
    now: datetime,
    when: Callable[[datetime], str],
) -> list[tuple[str, bool]]:
    """(text, needs attention) for the shift handoff: weight and trend with what is due, the
    latest MUST screen."""
    due = course.due_text(now)
    if course.latest is None:
        lines = [(f"Weight: {due[0].lower()}{due[1:]}", True)]
    else:
        lines = [(f"Weight: {course.summary()}; {due[0].lower()}{due[1:]}", course.is_due(now))]
    if screen is not None:
        lines.append(
            (
                f"MUST at {when(screen.taken_at)}: {_screen_words(screen)}",
                screen.risk is not must.MustRisk.LOW,
            )
        )
    else:
        lines.append(("Malnutrition screening: no MUST screen this stay", False))
    return lines
