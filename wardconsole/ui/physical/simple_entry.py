"""Any simple kind of entry recorded and corrected through forms built from its spec.

A simple kind (``domain/simple_kinds.py``) declares its fields once (``domain/entry_specs.py``):
each choice field becomes a list with its choices and, where the field may be left empty, the
words for that ("Type not seen"); each text field a line; each label keeps the spec's keyboard
mnemonic. ``SimpleEntryDialog`` records an entry of a kind that has no window of its own (the
Patient menu's "Record …" actions) and ``SimpleCorrectionDialog`` corrects an entry of any
simple kind from the history. A bad value is refused with the spec's own message, worded with
the form's label ("Bristol type: a Bristol stool type 1–7, or 'type not seen'"), and nothing is
saved; a save goes through ``SafeSaves`` when the station has it (kept on this station during a
database outage), as the meals window does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import EntryField, EntrySpec
from wardconsole.domain.simple_kinds import simple_spec
from wardconsole.services.context import Actor, InvalidInput, ServiceError
from wardconsole.services.history import HistoryEntry
from wardconsole.services.recording import SaveResult
from wardconsole.services.safe_saves import QueuedSave
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.bedside.entry_time import TakenAtEdit
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.mnemonics import free_mnemonic, taken_letter
from wardconsole.ui.physical.correction_dialog import EntryCorrectionDialog
from wardconsole.ui.physical.quick_entry import QuickEntryDialog

Editor = QComboBox | QLineEdit


class SimpleFields:
    """One widget per field of ``spec``, filled from ``values`` (an entry being corrected) or
    empty (a new entry: a choice that must be made starts with none chosen)."""

    def __init__(
        self, spec: EntrySpec, values: Mapping[str, Any] | None = None, *, prefix: str
    ) -> None:
        self.spec = spec
        self._only_with = spec.dependent
        self.widgets: dict[str, Editor] = {}
        for entry_field in spec.fields:
            given = values.get(entry_field.name) if values is not None else None
            widget = self._editor(entry_field, given, fresh=values is None)
            widget.setObjectName(f"{prefix}_{entry_field.name}")
            self.widgets[entry_field.name] = widget
        for controlling in set(self._only_with.values()):
            editor = self.widgets.get(controlling)
            if isinstance(editor, QComboBox):
                editor.currentIndexChanged.connect(self._follow_dependencies)
            elif isinstance(editor, QLineEdit):
                editor.textChanged.connect(self._follow_dependencies)
        self._follow_dependencies()

    def widget(self, name: str) -> Editor:
        return self.widgets[name]

    def add_rows(self, form: QFormLayout) -> None:
        """A row per field, its label's mnemonic reaching its widget."""
        for entry_field in self.spec.fields:
            label = QLabel(entry_field.label)
            label.setBuddy(self.widgets[entry_field.name])
            form.addRow(label, self.widgets[entry_field.name])

    def labels(self) -> dict[str, str]:
        """Each field's label without its mnemonic, by column (for the refusal's words)."""
        return {f.name: f.plain_label for f in self.spec.fields}

    def values(self) -> dict[str, Any]:
        """The entry as the form holds it, by column (a field left empty: its absent value)."""
        out: dict[str, Any] = {}
        for entry_field in self.spec.fields:
            widget = self.widgets[entry_field.name]
            if not self._in_use(entry_field.name):
                out[entry_field.name] = "" if entry_field.is_text else entry_field.absent_value
            elif isinstance(widget, QLineEdit):
                out[entry_field.name] = widget.text().strip()
            elif widget.currentIndex() < 0:
                out[entry_field.name] = entry_field.absent_value
            else:
                out[entry_field.name] = widget.currentData()
        return out

    def clear(self) -> None:
        """Back to a new entry's state (after a save)."""
        for entry_field in self.spec.fields:
            widget = self.widgets[entry_field.name]
            if isinstance(widget, QLineEdit):
                widget.clear()
            else:
                widget.setCurrentIndex(self._first_index(entry_field, widget))

    def _editor(self, entry_field: EntryField, given: object, *, fresh: bool) -> Editor:
        if entry_field.is_text:
            line = QLineEdit(str(given or ""))
            line.setAccessibleName(entry_field.plain_label)
            return line
        combo = QComboBox()
        combo.setAccessibleName(entry_field.plain_label)
        # Shown while nothing is chosen, so an untouched list never reads as an answer.
        none = f", or {entry_field.absent.lower()}" if entry_field.absent else ""
        combo.setPlaceholderText(f"Choose{none}…")
        for choice in entry_field.choices:
            combo.addItem(choice.label, choice.value)
        if entry_field.absent is not None and entry_field.name not in self._only_with:
            combo.addItem(entry_field.absent, entry_field.absent_value)
        if fresh:
            combo.setCurrentIndex(self._first_index(entry_field, combo))
        else:
            at = _find(combo, given)
            combo.setCurrentIndex(at if at >= 0 else 0)
        return combo

    def _first_index(self, entry_field: EntryField, combo: QComboBox) -> int:
        """A new entry's choice: nothing chosen — the nurse chooses, even "not read" or "type
        not seen", so Enter on an untouched form never records an answer nobody gave; "none"
        where the spec says most entries have none; a field that goes with another (a
        supplement's outcome) on its first choice."""
        if entry_field.name in self._only_with:
            return 0
        return combo.count() - 1 if entry_field.starts_absent else -1  # "none" is listed last

    def unchosen(self) -> list[str]:
        """Choice fields that may be left empty ("not read") but that the nurse has not
        answered yet, by column (one that must be answered is refused by the spec's check)."""
        return [
            f.name
            for f in self.spec.fields
            if f.absent is not None
            and not f.starts_absent
            and self._in_use(f.name)
            and isinstance(widget := self.widgets[f.name], QComboBox)
            and widget.currentIndex() < 0
        ]

    def _in_use(self, name: str) -> bool:
        controlling = self._only_with.get(name)
        if controlling is None:
            return True
        value = self.values_of(controlling)
        return value not in (None, "", self.spec.field(controlling).absent_value)

    def values_of(self, name: str) -> object:
        widget = self.widgets[name]
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        return widget.currentData() if widget.currentIndex() >= 0 else None

    @Slot()
    def _follow_dependencies(self) -> None:
        for name, controlling in self._only_with.items():
            widget = self.widgets.get(name)
            if widget is None:
                continue
            widget.setEnabled(self._in_use(name))
            if isinstance(widget, QLineEdit):  # says why it is off (an empty line looks on)
                label = self.spec.field(controlling).plain_label.lower()
                widget.setPlaceholderText("" if widget.isEnabled() else f"with a {label} only")


def _find(combo: QComboBox, value: object) -> int:
    """The item holding ``value`` (1 is not True, "" is not None)."""
    for index in range(combo.count()):
        data = combo.itemData(index)
        if data == value and type(data) is type(value):
            return index
    return -1


def _mnemonics(spec: EntrySpec) -> set[str]:
    taken = {"n"}  # the time's "Now"
    return taken | {letter for f in spec.fields if (letter := taken_letter(f.label))}


class SimpleEntryDialog(QuickEntryDialog):
    """Record entries of one simple ``kind`` for one patient: its fields, the time and a note;
    Enter saves, the window stays open for the next one."""

    def __init__(
        self,
        bedside: Bedside,
        admission_id: int,
        title: str,
        parent: QWidget | None = None,
        *,
        kind: str,
    ) -> None:
        spec = simple_spec(kind)
        if spec is None:
            raise ValueError(f"{kind!r} is not a simple kind of entry")
        words = spec.kind.words
        super().__init__(
            bedside,
            admission_id,
            title,
            parent,
            name="SimpleEntryDialog",
            window_title=f"{words.title} — {title}",
        )
        self.spec = spec
        self._saving = ""
        """The entry being saved, in words (said when it is saved)."""
        self.fields = SimpleFields(spec, prefix="entry")
        self.taken_at = TakenAtEdit(bedside.clock)
        self.note = QLineEdit()
        self.note.setObjectName("entry_note")
        self.note.setAccessibleName("Note")
        taken = _mnemonics(spec)
        box = QGroupBox(words.title)
        box.setObjectName("entry_fields")
        form = QFormLayout(box)
        self.fields.add_rows(form)
        form.addRow(free_mnemonic("Time:", taken), self.taken_at)
        form.addRow(free_mnemonic("Note:", taken), self.note)
        self.save_button = QPushButton(free_mnemonic("Save", taken))
        self.save_button.setObjectName("entry_save")
        self.save_button.setDefault(True)
        self.save_button.setToolTip(f"Save this {words.title.lower()} (Enter)")
        buttons = self.footer()
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(self.header(title))
        layout.addWidget(box)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        self.resize(max(640, self.sizeHint().width()), self.sizeHint().height())
        self._first_widget().setFocus(Qt.FocusReason.OtherFocusReason)

    @classmethod
    def record(
        cls,
        bedside: Bedside,
        kind: str,
        admission_id: int,
        title: str,
        parent: QWidget | None = None,
    ) -> bool:
        """Show the window modally; True when at least one entry was saved."""
        dialog = cls(bedside, admission_id, title, parent, kind=kind)
        dialog.exec()
        saved = dialog.saved_count > 0
        dialog.setParent(None)  # the local reference is its only owner from here
        return saved

    def _first_widget(self) -> QWidget:
        return self.fields.widgets[self.spec.fields[0].name]

    def _labels(self) -> dict[str, str]:
        return {**self.fields.labels(), "note": "Note", "taken_at": "Time"}

    def save(self) -> None:
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        if self._saver.state is SaveState.SAVED:
            self._saver.reset()
        values, note = self.fields.values(), self.note.text().strip()
        found = self.spec.problems(values, note)
        found.update(
            (name, f"{name}: choose one, or '{self.spec.field(name).absent}'")
            for name in self.fields.unchosen()
        )
        order = {name: at for at, name in enumerate(self.spec.columns)}
        problems = dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))
        if problems:
            self.show_refusal(InvalidInput(problems), self._labels())
            name = next(iter(problems))
            widget = self.fields.widgets.get(name) or (self.note if name == "note" else None)
            if widget is not None:
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        problem = self.taken_at.problem()
        if problem:
            self.show_problem(problem)
            return
        self._saver.reset()
        actor, admission_id, kind = self._bedside.acting(), self._admission_id, self.spec.kind
        taken_at: datetime | None = self.taken_at.taken_at()
        save_key = uuid.uuid4().hex
        write = self._writer()
        self._saving = self.spec.text(values)
        self._saver.start(
            lambda: write(actor, admission_id, kind, values, note, save_key, taken_at)
        )

    def _writer(
        self,
    ) -> Callable[
        [Actor, int, EntryKind, dict[str, Any], str, str, datetime | None],
        SaveResult | QueuedSave,
    ]:
        """What a save calls: ``SafeSaves`` at a station that has it (kept on this station
        during a database outage and written when it is back), else the use case directly."""
        saves, recording = self._bedside.saves, self._bedside.recording

        def write(
            actor: Actor,
            admission_id: int,
            kind: EntryKind,
            values: dict[str, Any],
            note: str,
            save_key: str,
            taken_at: datetime | None,
        ) -> SaveResult | QueuedSave:
            if saves is not None:
                return saves.save_entry(
                    actor,
                    admission_id,
                    kind,
                    values,
                    note=note,
                    save_key=save_key,
                    taken_at=taken_at,
                )
            return recording.record_entry(
                actor, admission_id, kind, values, note=note, save_key=save_key, taken_at=taken_at
            )

        return write

    @Slot(object)
    def _on_saved(self, result: SaveResult | QueuedSave) -> None:
        self.show_saved(result, self._saving)
        self.fields.clear()
        self.note.clear()
        self._first_widget().setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        self.show_refusal(error, self._labels())

    def save_buttons(self) -> tuple[QPushButton, ...]:
        return (self.save_button,)


class SimpleCorrectionDialog(EntryCorrectionDialog):
    """Amend one current entry of any simple kind (``entry.entry_type``), with a reason."""

    def __init__(
        self, bedside: Bedside, entry: HistoryEntry, title: str, parent: QWidget | None = None
    ) -> None:
        spec = simple_spec(entry.entry_type)
        if spec is None:
            raise ValueError(f"{entry.entry_type!r} is not a simple kind of entry")
        super().__init__(
            bedside,
            entry,
            title,
            parent,
            name="SimpleCorrectionDialog",
            window_title=f"Correct {spec.kind.words.label.lower()} — {title}",
        )
        self.spec = spec
        self.fields = SimpleFields(spec, entry.values, prefix="correct")
        self.fields.add_rows(self.form)
        self.finish(spec.text(entry.values))
        self.resize(max(600, self.sizeHint().width()), self.sizeHint().height())

    def widget(self, name: str) -> Editor:
        """The form's widget for the field ``name`` (a column of the kind)."""
        return self.fields.widget(name)

    def amendment(self, actor: Actor, entry_id: int, reason: str) -> Callable[[], SaveResult]:
        recording, kind, values = self._bedside.recording, self.spec.kind, self.fields.values()
        return lambda: recording.amend_entry(actor, kind, entry_id, values, reason=reason)
