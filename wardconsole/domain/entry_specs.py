"""A simple kind of clinical entry declared once: its fields, their words, its checks and its
line in words.

A *simple* kind is one whose entry is a handful of values a nurse picks or types at one moment
(bowels, a meal, a urine dipstick) — no period totals, no plan, no score. Everything the console
does with such an entry follows from its ``EntrySpec``: the recording and correction use case
(``RecordingService.record_entry``), the station queue during an outage and its replay, the
history line and its columns, the correction form, the Physical care table, the FHIR and CSV
exports and the import's checks. A new simple kind is its domain module with an ``EntrySpec``,
its line in ``SIMPLE_KINDS`` (``domain/simple_kinds.py``), its table and migration, and its
words in ``domain/entry_kinds.py``; see ``docs/entry-kinds.md``.

The field names are the table's column names and the choice values are what the table holds:
both are persisted, so they never change once released.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.text_input import MAX_NOTE, text_problem

Values = Mapping[str, Any]
"""One entry's values by column name, as the table holds them."""


@dataclass(frozen=True, slots=True)
class Choice:
    """One value a choice field can hold, with its words."""

    value: str | int
    """What the table holds (persisted)."""
    label: str
    """In a form's list: "Type 4 — like a sausage or snake, smooth and soft"."""
    short: str = ""
    """In a table cell or a one-line summary: "type 4"; the label when empty."""

    @property
    def words(self) -> str:
        return self.short or self.label


@dataclass(frozen=True, slots=True)
class EntryField:
    """One value of an entry: a choice from a fixed list, or free text."""

    name: str
    """The column (persisted)."""
    label: str
    """The form's label, with its keyboard mnemonic ("&Blood")."""
    choices: tuple[Choice, ...] = ()
    """Empty for a free-text field."""
    absent: str | None = None
    """Words for "no value" where that is allowed ("Type not seen", "Not read"); None when a
    choice field must be answered."""
    starts_absent: bool = False
    """A new entry's form starts on "no value" (a meal's supplement: most meals have none);
    otherwise the nurse must choose, "not read" included."""
    goes_with: str = ""
    """The field this one only holds a value with (a meal's supplement outcome goes with the
    supplement): the form turns it off and saves it empty while that field is empty, and a
    choice offers no "none" of its own."""
    absent_value: object = None
    """What the table holds for "no value" (None, or "" where the column is not nullable)."""
    max_length: int = 200
    """For a free-text field."""
    hint: str = ""
    """What a wrong value is told ("a Bristol stool type 1–7, or 'type not seen'"); by
    default the choices are listed."""

    @property
    def is_text(self) -> bool:
        return not self.choices

    @property
    def plain_label(self) -> str:
        """The label without its mnemonic or colon: "Blood"."""
        return self.label.replace("&", "").rstrip(":")

    def choice(self, value: object) -> Choice | None:
        """The choice holding ``value`` (None for no value or one the list does not hold)."""
        for choice in self.choices:
            if choice.value == value and type(choice.value) is type(value):
                return choice
        return None

    def words(self, value: object) -> str:
        """The value in words for a table cell ("type 4", "not seen", the text itself)."""
        if value is None or value == "" or value == self.absent_value:
            return self.absent.lower() if self.absent else ""
        if self.is_text:
            return str(value)
        choice = self.choice(value)
        return choice.words if choice is not None else str(value)

    def problem(self, value: object) -> str | None:
        """Why ``value`` cannot be stored in this field (a message starting "name: ")."""
        if self.is_text:
            return text_problem(self.name, value, max_length=self.max_length)
        if value is None or value == self.absent_value:
            if self.absent is not None:
                return None
            return f"{self.name}: {self.hint or 'choose one of ' + self._listed()}"
        if isinstance(value, bool) or self.choice(value) is None:
            allowed = self._listed() + (f", or '{self.absent.lower()}'" if self.absent else "")
            return f"{self.name}: {self.hint or 'one of ' + allowed}"
        return None

    def _listed(self) -> str:
        return ", ".join(choice.words for choice in self.choices)


@dataclass(frozen=True, slots=True)
class EntrySpec:
    """What the console needs to know about one simple kind of entry."""

    kind: EntryKind
    fields: tuple[EntryField, ...]
    text: Callable[[Values], str]
    """The entry in words, for the history, the chart, the queue and the handoff:
    "Bowels opened — Bristol type 4 (like a sausage or snake, smooth and soft)"."""
    summary: Callable[[Values], str] | None = None
    """The Physical care table's value cell ("type 4"); by default each field's words."""
    check: Callable[[Values, str], dict[str, str]] | None = None
    """The kind's own check of the values and the note, where fields depend on each other (a
    meal's portion, a declined supplement's reason); by default each field is checked alone."""
    nothing_recorded: str = ""
    """Where an entry with every field empty records nothing (a dipstick with no pad read):
    what the nurse is told ("read at least one pad"), under the first field. Empty: allowed."""
    audit_detail: Callable[[Values], dict[str, Any]] | None = None
    """What the audit row keeps of the values; by default every value that is set."""

    @property
    def dependent(self) -> dict[str, str]:
        """Field -> the field it goes with, for the fields that go with another."""
        return {f.name: f.goes_with for f in self.fields if f.goes_with}

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> EntryField:
        for entry_field in self.fields:
            if entry_field.name == name:
                return entry_field
        raise KeyError(name)

    def values(self, given: Values) -> dict[str, Any]:
        """Every column of the kind from ``given`` (a missing one is None, text stripped)."""
        out: dict[str, Any] = {}
        for entry_field in self.fields:
            value = given.get(entry_field.name)
            if entry_field.is_text and isinstance(value, str):
                value = value.strip()
            elif entry_field.is_text and value is None:
                value = ""
            elif value is None:
                value = entry_field.absent_value
            out[entry_field.name] = value
        return out

    def problems(self, given: Values, note: str = "") -> dict[str, str]:
        """What is wrong with the values and the note (field -> message naming the field);
        empty when the entry can be saved. Unknown fields are refused, never dropped."""
        problems: dict[str, str] = {}
        unknown = sorted(set(given) - set(self.columns))
        if unknown:
            problems[unknown[0]] = f"{unknown[0]}: not a field of a {self.kind.words.title.lower()}"
        values = self.values(given)
        if self.check is not None:
            return {**problems, **self.check(values, note)}
        for entry_field in self.fields:
            name, controlling = entry_field.name, entry_field.goes_with
            if controlling and self._blank(controlling, values):
                if not self._blank(name, values):  # empty, as its field is
                    problems[name] = f"{name}: only with a {controlling.replace('_', ' ')}"
            elif problem := entry_field.problem(values[name]):
                problems[name] = problem
        if self.nothing_recorded and not problems and self._empty(values):
            first = self.fields[0].name
            problems[first] = f"{first}: {self.nothing_recorded}"
        if problem := text_problem("note", note, max_length=MAX_NOTE, multiline=True):
            problems["note"] = problem
        return problems

    def _blank(self, name: str, values: Values) -> bool:
        return values[name] in (None, "", self.field(name).absent_value)

    def _empty(self, values: Values) -> bool:
        return all(self._blank(f.name, values) for f in self.fields)

    def summarise(self, values: Values) -> str:
        """The table cell: the spec's own summary, else the set fields' words joined."""
        if self.summary is not None:
            return self.summary(values)
        parts = (f.words(values.get(f.name)) for f in self.fields)
        return " · ".join(part for part in parts if part) or "—"

    def detail(self, values: Values) -> dict[str, Any]:
        if self.audit_detail is not None:
            return self.audit_detail(values)
        return {name: value for name, value in values.items() if value not in (None, "")}


@dataclass(frozen=True, slots=True)
class SimpleEntry:
    """One current entry of a simple kind: when it was taken and its values by column."""

    id: int
    admission_id: int
    taken_at: datetime
    values: Mapping[str, Any] = field(hash=False)
