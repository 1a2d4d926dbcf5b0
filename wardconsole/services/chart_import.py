"""Food, fluid, bowel and sleep entries that came from another system (a FHIR file).

An imported entry passes the same domain checks as one typed at the ward (``fluid_problems``,
``meal_problems``, ``bowel_problems``, ``sleep_problems``): one the checks refuse is counted
in the import report with the message naming the field, never written. A volume above the
policy's confirm threshold cannot be re-measured now, so it is kept with a note, as an extreme
vital sign or weight is.

These tables carry no source reference, so an entry counts as already on record when a current
entry of the same stay, kind, time and values is there — as many times as the file holds it.
Re-importing a file, or importing the console's own export back, therefore adds nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain.bowels import BowelInput, bowel_problems
from wardconsole.domain.fluids import Direction, FluidInput, fluid_problems
from wardconsole.domain.meals import MealInput, Portion, meal_problems
from wardconsole.domain.sleep import (
    SleepInput,
    SleepQuality,
    night_for_entry,
    night_on,
    sleep_problems,
)
from wardconsole.services.db import Database
from wardconsole.store.entries import ENTRY_TABLES, current
from wardconsole.store.history import ENTRY_COLUMNS

KIND_FIELDS: Final[Mapping[str, tuple[Any, tuple[str, ...]]]] = {
    kind: (ENTRY_TABLES[kind], ENTRY_COLUMNS[kind]) for kind in ("fluid", "meal", "bowel", "sleep")
}
"""Kind of chart entry -> its table and the columns that are its values (its identity)."""

ESTIMATED_SLEEP: Final = (
    "not imported: estimated sleep (derived here from the safety checks, never imported)"
)
"""The skip reason of a sleep estimate in a file; the import's summary says so too."""

KIND_WORDS: Final = {
    "fluid": ("fluid entry", "fluid entries"),
    "meal": ("meal or supplement", "meals or supplements"),
    "bowel": ("bowel entry", "bowel entries"),
    "sleep": ("sleep entry", "sleep entries"),
}


@dataclass(slots=True)
class Checked:
    """An entry the domain checks accept: its row values and any extreme-value words."""

    values: dict[str, object]
    extreme: list[str] = field(default_factory=list)


def check_entry(
    db: Database, kind: str, given: Mapping[str, object], taken_at: datetime, now: datetime
) -> Checked | list[str]:
    """The row values of an entry of ``kind`` when the ward's rules accept it, else the
    messages (each naming its field) of why not. A sleep entry without ``night_of`` is about
    the night its time falls in (or the last one), as a typed entry is by default."""
    values = {name: given.get(name) for name in KIND_FIELDS[kind][1]}
    if kind == "fluid":
        return _check_fluid(db, values)
    if kind == "meal":
        return _check_meal(values)
    if kind == "bowel":
        problems = bowel_problems(BowelInput(values["bristol_type"]))  # type: ignore[arg-type]
        return list(problems.values()) or Checked(values)
    return _check_sleep(db, values, taken_at, now)


def _check_fluid(db: Database, values: dict[str, object]) -> Checked | list[str]:
    try:
        direction = Direction(str(values["direction"]))
    except ValueError:
        return ["direction: intake or output"]
    values["description"] = str(values["description"] or "")

    def typed(confirmed: bool) -> FluidInput:
        return FluidInput(
            direction,
            str(values["what"]),
            values["volume_ml"],  # type: ignore[arg-type]
            values["description"],  # type: ignore[arg-type]
            confirmed=confirmed,
        )

    if problems := fluid_problems(typed(True), db.fluid_policy):
        return list(problems.values())
    extreme = fluid_problems(typed(False), db.fluid_policy)
    return Checked(values, [f"{values['volume_ml']} ml"] if extreme else [])


def _check_meal(values: dict[str, object]) -> Checked | list[str]:
    for name in ("offered", "reason", "supplement", "supplement_outcome", "supplement_reason"):
        values[name] = str(values[name] or "")
    portion = values["portion"]
    try:
        eaten = Portion(str(portion)) if portion is not None else None
    except ValueError:
        return ["portion: how much was eaten (none, ¼, ½, ¾ or all)"]
    typed = MealInput(
        occasion=str(values["occasion"]),
        offered=str(values["offered"]),
        portion=eaten,
        reason=str(values["reason"]),
        supplement=str(values["supplement"]),
        supplement_outcome=str(values["supplement_outcome"]),
        supplement_reason=str(values["supplement_reason"]),
    )
    return list(meal_problems(typed).values()) or Checked(values)


def _check_sleep(
    db: Database, values: dict[str, object], taken_at: datetime, now: datetime
) -> Checked | list[str]:
    try:
        quality = SleepQuality(str(values["quality"]))
    except ValueError:
        return ["quality: settled or disturbed"]
    night_of = values["night_of"]
    if not isinstance(night_of, date):
        night = night_for_entry(db.shifts, taken_at, db.sleep_policy)
        night_of = values["night_of"] = night.start_date
    night = night_on(db.shifts, night_of, db.sleep_policy)
    woke = values["woke_at"]
    typed = SleepInput(
        night_of=night_of,
        minutes_slept=values["minutes_slept"],  # type: ignore[arg-type]
        quality=quality,
        woke_at=woke if isinstance(woke, datetime) else None,
    )
    return list(sleep_problems(typed, night, now).values()) or Checked(values)


def identity(kind: str, taken_at: datetime, values: Mapping[str, object]) -> tuple[Any, ...]:
    """What makes two entries of one stay the same entry: kind, time and values."""
    return (kind, taken_at, *(values.get(name) for name in KIND_FIELDS[kind][1]))


class OnRecord:
    """Current chart entries of the stays an import touches, counted by identity: each entry
    of the file that finds its twin uses it up, so a file holding two equal entries adds the
    second once too."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._loaded: set[tuple[int, str]] = set()
        self._counts: Counter[tuple[int, tuple[Any, ...]]] = Counter()

    def take(self, admission_id: int, kind: str, key: tuple[Any, ...]) -> bool:
        """Whether an equal entry is on record (and not yet matched by this import)."""
        if (admission_id, kind) not in self._loaded:
            self._load(admission_id, kind)
        if self._counts[(admission_id, key)] > 0:
            self._counts[(admission_id, key)] -= 1
            return True
        return False

    def _load(self, admission_id: int, kind: str) -> None:
        self._loaded.add((admission_id, kind))
        model, names = KIND_FIELDS[kind]
        rows = self._session.scalars(
            select(model).where(model.admission_id == admission_id, current(model))
        )
        for row in rows:
            values = {name: getattr(row, name) for name in names}
            self._counts[(admission_id, identity(kind, row.taken_at, values))] += 1
