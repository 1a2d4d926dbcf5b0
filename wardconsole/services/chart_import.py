"""Fluid and sleep entries and entries of the simple kinds (meals, bowels…) that came from
another system (a FHIR file).

An imported entry passes the same domain checks as one typed at the ward (``fluid_problems``,
``sleep_problems``, and a simple kind's spec — ``EntrySpec.problems``, ``domain/simple_kinds.py``
— for meals, bowels and any simple kind registered there): one the checks refuse is counted
in the import report with the message naming the field, never written. A volume above the
policy's confirm threshold cannot be re-measured now, so it is kept with a note, as an extreme
vital sign or weight is.

These tables carry no source reference, so an entry counts as already on record when a current
entry of the same stay, kind, time and values is there — as many times as the file holds it.
Re-importing a file, or importing the console's own export back, therefore adds nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import EntrySpec
from wardconsole.domain.fluids import Direction, FluidInput, fluid_problems
from wardconsole.domain.simple_kinds import SIMPLE_KINDS, simple_spec
from wardconsole.domain.sleep import (
    SleepInput,
    SleepQuality,
    night_for_entry,
    night_on,
    sleep_problems,
)
from wardconsole.services.db import Database
from wardconsole.store.entries import ENTRY_TABLES, current
from wardconsole.store.history import entry_columns

_V = TypeVar("_V")


class _Derived(Mapping[str, _V]):
    """A mapping derived from the registries (``SIMPLE_KINDS``, ``ENTRY_TABLES``), built again
    when either is another object than last time, so a simple kind registered there is in it
    without a line here (an import looks a kind up for every entry: the built one is kept)."""

    def __init__(self, build: Callable[[], Mapping[str, _V]]) -> None:
        self._build = build
        self._built: tuple[object, object, Mapping[str, _V]] | None = None

    def _now(self) -> Mapping[str, _V]:
        built = self._built
        if built is None or built[0] is not SIMPLE_KINDS or built[1] is not ENTRY_TABLES:
            built = self._built = (SIMPLE_KINDS, ENTRY_TABLES, self._build())
        return built[2]

    def __getitem__(self, key: str) -> _V:
        return self._now()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._now())

    def __len__(self) -> int:
        return len(self._now())


def _kind_fields() -> dict[str, tuple[Any, tuple[str, ...]]]:
    kinds = ["fluid", *(kind.value for kind in SIMPLE_KINDS), "sleep"]
    return {kind: (ENTRY_TABLES[kind], _columns(kind)) for kind in kinds}


def _columns(kind: str) -> tuple[str, ...]:
    columns = entry_columns(kind)
    assert columns is not None, kind
    return columns


KIND_FIELDS: Final[Mapping[str, tuple[Any, tuple[str, ...]]]] = _Derived(_kind_fields)
"""Kind of chart entry -> its table and the columns that are its values (its identity): fluid,
every simple kind (meals, bowels…, their columns from their specs), sleep."""

ESTIMATED_SLEEP: Final = (
    "not imported: estimated sleep (derived here from the safety checks, never imported)"
)
"""The skip reason of a sleep estimate in a file; the import's summary says so too."""

_OWN_WORDS: Final = {
    "fluid": ("fluid entry", "fluid entries"),
    "meal": ("meal or supplement", "meals or supplements"),
    "bowel": ("bowel entry", "bowel entries"),
    "sleep": ("sleep entry", "sleep entries"),
}
"""The import report's words where they are not the kind's own (``EntryKind.words``): as
released."""


def _kind_words() -> dict[str, tuple[str, str]]:
    return {kind: _OWN_WORDS.get(kind) or _words(kind) for kind in _kind_fields()}


def _words(kind: str) -> tuple[str, str]:
    words = EntryKind(kind).words
    return words.title.lower(), words.plural.lower()


KIND_WORDS: Final[Mapping[str, tuple[str, str]]] = _Derived(_kind_words)
"""Kind of chart entry -> (one, several) in the import report: "bowel entry", "bowel entries";
a simple kind's from its ``EntryKind.words`` unless listed in ``_OWN_WORDS``."""


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
    if kind == "sleep":
        return _check_sleep(db, values, taken_at, now)
    spec = simple_spec(kind)
    assert spec is not None, kind
    return _check_simple(spec, values)


def _check_simple(spec: EntrySpec, values: dict[str, object]) -> Checked | list[str]:
    """An entry of a simple kind, checked by its spec as a typed one is; its text kept as the
    file has it (no value becomes None)."""
    if problems := spec.problems(values):
        return list(problems.values())
    clean = spec.values(values)
    for entry_field in spec.fields:
        if entry_field.is_text:
            clean[entry_field.name] = str(values[entry_field.name] or "")
    return Checked(clean)


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
