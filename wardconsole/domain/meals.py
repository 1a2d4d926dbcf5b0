"""Meals, snacks and supplements on the food chart: what was offered, how much was eaten, and
nutritional drinks or vitamins given or declined — with the reason when a patient ate nothing or
declined a supplement.

The portions are the food chart's usual quarters (none, ¼, ½, ¾, all; the openEObs food and
fluid chart records "food taken" and "offered but rejected", REFERENCE-2.md §12.2). No threshold
here is clinical: "ate little" is only what the nurse recorded, summed in words, never scored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import Choice, EntryField, EntrySpec, Values
from wardconsole.domain.text_input import MAX_NOTE, text_problem


class Portion(StrEnum):
    """How much of what was offered was eaten (persisted)."""

    NONE = "none"
    QUARTER = "quarter"
    HALF = "half"
    THREE_QUARTERS = "three_quarters"
    ALL = "all"

    @property
    def label(self) -> str:
        return _PORTION_LABELS[self]

    @property
    def eighths(self) -> int:
        """The portion in eighths of a meal offered: for the chart's height only."""
        return {"none": 0, "quarter": 2, "half": 4, "three_quarters": 6, "all": 8}[self.value]


_PORTION_LABELS: Final = MappingProxyType(
    {
        Portion.NONE: "none",
        Portion.QUARTER: "¼",
        Portion.HALF: "½",
        Portion.THREE_QUARTERS: "¾",
        Portion.ALL: "all",
    }
)

OCCASIONS: Final = MappingProxyType(
    {
        "breakfast": "Breakfast",
        "lunch": "Lunch",
        "evening_meal": "Evening meal",
        "snack": "Snack",
        "supplement": "Supplement only",
    }
)
"""What the entry is (keys persisted). ``supplement``: a nutritional drink or vitamins given or
declined outside a meal; it has no portion."""

SUPPLEMENTS: Final = MappingProxyType(
    {"nutritional_drink": "Nutritional drink", "vitamins": "Vitamins", "other": "Other supplement"}
)
"""Supplements (keys persisted)."""

SUPPLEMENT_OUTCOMES: Final = MappingProxyType({"given": "given", "declined": "declined"})

REASONS: Final = (
    "Not hungry",
    "Nausea or vomiting",
    "Asleep",
    "Off the ward",
    "Declined",
    "Mouth, teeth or swallowing problem",
    "Abdominal pain",
)
"""Reasons offered in the form for eating nothing or declining (any other can be typed)."""


@dataclass(frozen=True, slots=True)
class MealInput:
    """A meal, snack or supplement as typed.

    ``portion`` is None only for ``occasion`` ``supplement``. ``reason`` is needed when nothing
    was eaten; ``supplement_reason`` when a supplement was declined."""

    occasion: str
    offered: str = ""
    portion: Portion | None = None
    reason: str = ""
    supplement: str = ""
    """"" none, else a ``SUPPLEMENTS`` key."""
    supplement_outcome: str = ""
    supplement_reason: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class MealEntry:
    """One current meal entry."""

    id: int
    admission_id: int
    taken_at: datetime
    occasion: str
    offered: str
    portion: Portion | None
    reason: str = ""
    supplement: str = ""
    supplement_outcome: str = ""
    supplement_reason: str = ""

    @property
    def text(self) -> str:
        return meal_text(self.values())

    def values(self) -> dict[str, object]:
        return {
            "occasion": self.occasion,
            "offered": self.offered,
            "portion": self.portion.value if self.portion else None,
            "reason": self.reason,
            "supplement": self.supplement,
            "supplement_outcome": self.supplement_outcome,
            "supplement_reason": self.supplement_reason,
        }

    @property
    def ate_little(self) -> bool:
        """Nothing or a quarter of what was offered."""
        return self.portion in (Portion.NONE, Portion.QUARTER)


def meal_problems(entry: MealInput) -> dict[str, str]:
    """What is wrong with ``entry`` (field -> message naming the field); empty when fine."""
    problems: dict[str, str] = {}
    if entry.occasion not in OCCASIONS:
        problems["occasion"] = f"occasion: one of {', '.join(OCCASIONS.values())}"
    if entry.occasion == "supplement":
        if entry.portion is not None:
            problems["portion"] = "portion: a supplement on its own has no portion eaten"
        if not entry.supplement:
            problems["supplement"] = "supplement: say which supplement was offered"
    elif not isinstance(entry.portion, Portion):
        problems["portion"] = "portion: how much was eaten (none, ¼, ½, ¾ or all)"
    elif entry.portion is Portion.NONE and not entry.reason.strip():
        problems["reason"] = "reason: say why nothing was eaten"
    problems.update(_supplement_problems(entry))
    for name, value, longest in (
        ("offered", entry.offered, 120),
        ("reason", entry.reason, 200),
        ("supplement_reason", entry.supplement_reason, 200),
        ("note", entry.note, MAX_NOTE),
    ):
        if problem := text_problem(name, value, max_length=longest, multiline=name == "note"):
            problems[name] = problem
    return problems


def _supplement_problems(entry: MealInput) -> dict[str, str]:
    if not entry.supplement:
        if entry.supplement_outcome or entry.supplement_reason.strip():
            return {"supplement": "supplement: say which supplement was offered"}
        return {}
    if entry.supplement not in SUPPLEMENTS:
        return {"supplement": f"supplement: one of {', '.join(SUPPLEMENTS.values())}"}
    if entry.supplement_outcome not in SUPPLEMENT_OUTCOMES:
        return {"supplement_outcome": "supplement_outcome: given or declined"}
    if entry.supplement_outcome == "declined" and not entry.supplement_reason.strip():
        return {"supplement_reason": "supplement_reason: say why it was declined"}
    return {}


def meal_text(values: Mapping[str, object]) -> str:
    """'Lunch (soup and bread): ate ½; nutritional drink declined — nausea' — the history's, the
    chart's and the handoff's words for one meal entry."""
    occasion = str(values.get("occasion") or "")
    label = OCCASIONS.get(occasion, occasion)
    offered = str(values.get("offered") or "")
    parts = []
    portion = values.get("portion")
    if portion:
        eaten = Portion(str(portion))
        text = f"{label}{f' ({offered})' if offered else ''}: ate {eaten.label}"
        if values.get("reason"):
            text += f" — {values['reason']}"
        parts.append(text)
    supplement = str(values.get("supplement") or "")
    if supplement:
        name = SUPPLEMENTS.get(supplement, supplement)
        if not portion and offered:
            name += f" ({offered})"
        text = f"{name} {values.get('supplement_outcome') or ''}".strip()
        if values.get("supplement_reason"):
            text += f" — {values['supplement_reason']}"
        parts.append(text)
    return "; ".join(parts) or label


def meals_summary(entries: Iterable[MealEntry]) -> str:
    """'Breakfast ¼, Lunch none (nausea), Snack all; Nutritional drink declined ×1' for the
    handoff; '' when there is nothing."""
    meals, supplements = [], []
    for entry in sorted(entries, key=lambda e: (e.taken_at, e.id)):
        if entry.portion is not None:
            label = OCCASIONS.get(entry.occasion, entry.occasion)
            why = f" ({entry.reason})" if entry.reason and entry.ate_little else ""
            meals.append(f"{label} {entry.portion.label}{why}")
        if entry.supplement:
            name = SUPPLEMENTS.get(entry.supplement, entry.supplement)
            supplements.append(f"{name} {entry.supplement_outcome}")
    counted = [f"{text} ×{supplements.count(text)}" for text in dict.fromkeys(supplements)]
    return "; ".join(part for part in (", ".join(meals), ", ".join(counted)) if part)


def course_lines(entries: Iterable[MealEntry], admitted_at: datetime) -> list[str]:
    """The stay's eating in the discharge summary's words: how many meals were recorded and
    how much was eaten, the count of meals half or more eaten on each stay day, and the
    supplements given or declined. Counts only; nothing here is a threshold."""
    meals = sorted((e for e in entries if e.portion is not None), key=lambda e: e.taken_at)
    supplements = [e for e in entries if e.supplement]
    lines = []
    if meals:
        most = [
            m for m in meals if m.portion in (Portion.HALF, Portion.THREE_QUARTERS, Portion.ALL)
        ]
        lines.append(
            f"Meals and snacks recorded: {len(meals)}; half or more eaten at {len(most)}, "
            f"a quarter or none at {len(meals) - len(most)}"
        )
        by_day: dict[int, list[MealEntry]] = {}
        for meal in meals:
            day = max(1, (meal.taken_at - admitted_at) // timedelta(days=1) + 1)
            by_day.setdefault(day, []).append(meal)
        days = ", ".join(
            f"day {day} {sum(1 for m in eaten if m in most)}/{len(eaten)}"
            for day, eaten in sorted(by_day.items())
        )
        lines.append(f"Meals half or more eaten, by detox day: {days}")
    else:
        lines.append("Meals: none recorded in the console")
    if supplements:
        counted: dict[str, int] = {}
        for entry in supplements:
            name = SUPPLEMENTS.get(entry.supplement, entry.supplement)
            key = f"{name} {entry.supplement_outcome}"
            counted[key] = counted.get(key, 0) + 1
        lines.append(
            "Supplements: " + ", ".join(f"{key} ×{count}" for key, count in counted.items())
        )
    return lines


def meal_values(entry: MealInput) -> dict[str, object]:
    """The table's columns for a meal as typed (text stripped; no supplement, no outcome)."""
    return {
        "occasion": entry.occasion,
        "offered": entry.offered.strip(),
        "portion": entry.portion.value if entry.portion is not None else None,
        "reason": entry.reason.strip(),
        "supplement": entry.supplement,
        "supplement_outcome": entry.supplement_outcome if entry.supplement else "",
        "supplement_reason": entry.supplement_reason.strip() if entry.supplement else "",
    }


def meal_input(values: Values, note: str = "") -> MealInput:
    """A meal as typed from the table's columns (the queue's payload, a correction form)."""
    portion = values.get("portion")
    return MealInput(
        occasion=str(values.get("occasion") or ""),
        offered=str(values.get("offered") or ""),
        portion=Portion(portion) if portion else None,
        reason=str(values.get("reason") or ""),
        supplement=str(values.get("supplement") or ""),
        supplement_outcome=str(values.get("supplement_outcome") or ""),
        supplement_reason=str(values.get("supplement_reason") or ""),
        note=note,
    )


def _meal_detail(values: Values) -> dict[str, object]:
    detail = {k: values[k] for k in ("occasion", "portion", "supplement") if values.get(k)}
    if values.get("supplement_outcome"):
        detail["supplement_outcome"] = values["supplement_outcome"]
    return detail


def _meal_check(values: Values, note: str) -> dict[str, str]:
    """``meal_problems`` of the values; a portion the list does not hold (from a file, say) is
    refused naming the field, as a typed one would be, never raised."""
    portion = values.get("portion")
    if portion is not None and portion not in {p.value for p in Portion}:
        return {"portion": "portion: how much was eaten (none, ¼, ½, ¾ or all)"}
    return meal_problems(meal_input(values, note))


def _meal_summary(values: Values) -> str:
    portion = values.get("portion")
    return Portion(str(portion)).label if portion else "—"


MEAL_SPEC: Final = EntrySpec(
    EntryKind.MEAL,
    (
        EntryField("occasion", "&Meal:", tuple(Choice(k, v) for k, v in OCCASIONS.items())),
        EntryField("offered", "&Offered:", max_length=120),
        EntryField(
            "portion",
            "&Portion eaten:",
            tuple(Choice(p.value, p.label) for p in Portion),
            absent="— (supplement only)",
        ),
        EntryField("reason", "&Why little or none:"),
        EntryField(
            "supplement",
            "Supp&lement:",
            tuple(Choice(k, v) for k, v in SUPPLEMENTS.items()),
            absent="None",
            starts_absent=True,
            absent_value="",
        ),
        EntryField(
            "supplement_outcome",
            "&Given or declined:",
            (Choice("given", "Given", "given"), Choice("declined", "Declined", "declined")),
            absent="—",
            goes_with="supplement",
            absent_value="",
        ),
        EntryField("supplement_reason", "&Declined because:", goes_with="supplement"),
    ),
    text=meal_text,
    summary=_meal_summary,
    check=lambda values, note: _meal_check(values, note),
    audit_detail=_meal_detail,
)
"""Meals as a simple kind; its fields depend on each other, so ``meal_problems`` checks them."""
