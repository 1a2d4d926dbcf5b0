"""Add a line to the medicines list, correct one, or stop one — always copied from the drug chart.

Adding records the signed-in nurse as the transcriber; a correction or a stop is a new version
of the line with the reason (the line then needs a fresh second check). The class follows from
the drug through the formulary (filled in and locked for a listed drug); a drug not listed needs
its class chosen. Bad input is refused by field, nothing saved.

The dialog makes one save key when it opens and sends it with every try (a retry after a lost
reply, Save pressed again): the line is added, corrected or stopped once.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.medicines import MONITORING_COPY, SCHEDULES, MedicineLine, line_text
from wardconsole.domain.records import PRN_ROUTES
from wardconsole.services.context import InvalidInput, ServiceError
from wardconsole.services.medicines import MedicinesService
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.shared import (
    Bedside,
    drug_field,
    field_message,
)
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.datetime_field import DateTimeField
from wardconsole.ui.widgets.style_property import set_style_property

FIELD_LABELS = {
    "drug": "Drug",
    "drug_class": "Class",
    "dose": "Dose",
    "route": "Route",
    "schedule": "Regular or PRN",
    "frequency": "When (regular)",
    "max_per_24h": "Max per 24 h (PRN)",
    "starts_at": "Starts",
    "reducing_until": "Reducing regimen ends",
    "stop_at": "Stop at",
    "reason": "Reason",
}


class LineMode(enum.Enum):
    ADD = "Add a line"
    CORRECT = "Correct a line"
    STOP = "Stop a line"


def _qt(when: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(when.timestamp()))


def _utc(field: DateTimeField) -> datetime:
    return datetime.fromtimestamp(field.dateTime().toSecsSinceEpoch(), UTC)


def _time_field(name: str, when: datetime) -> DateTimeField:
    field = DateTimeField()
    field.setObjectName(name)
    field.setDisplayFormat("ddd d MMM yyyy  HH:mm")
    field.setDateTime(_qt(when))
    return field


class LineDialog(QDialog):
    """One line of the medicines list: add, correct (with a reason) or stop (with a reason)."""

    def __init__(
        self,
        bedside: Bedside,
        medicines: MedicinesService,
        admission_id: int,
        mode: LineMode,
        line: MedicineLine | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        assert (line is None) == (mode is LineMode.ADD)
        self.setObjectName("MedicineLineDialog")
        self.setWindowTitle(f"{mode.value} — medicines list")
        mark_form(self, FormKind.ENTRY)
        self._bedside = bedside
        self._medicines = medicines
        self._admission_id = admission_id
        self._mode = mode
        self._line = line
        self._formulary = bedside.recording.formulary
        self.saved_id: int | None = None
        self.save_key = uuid.uuid4().hex
        """Made once for this dialog's one save; every try sends it."""
        self._saver = EntrySaver(bedside.runner, self)
        self._build()
        self._saver.saved.connect(self._on_saved)
        self._saver.refused.connect(self._on_refused)
        self.status.retry_requested.connect(self._saver.retry_now)
        self.resize(720, 560 if mode is not LineMode.STOP else 300)

    @classmethod
    def ask(
        cls,
        bedside: Bedside,
        medicines: MedicinesService,
        admission_id: int,
        mode: LineMode,
        line: MedicineLine | None = None,
        parent: QWidget | None = None,
    ) -> int | None:
        """Show the dialog modally; the saved line's id, or None."""
        dialog = cls(bedside, medicines, admission_id, mode, line, parent)
        dialog.exec()
        saved = dialog.saved_id
        dialog.setParent(None)  # the local reference is its only owner from here
        return saved

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    # -- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        copy = QLabel(
            f"Copy from the ward's drug chart. {MONITORING_COPY} Recorded as transcribed by "
            f"you ({self._bedside.recording_as.removeprefix('Recording as ')})."
        )
        copy.setObjectName("line_copy_note")
        copy.setWordWrap(True)
        set_style_property(copy, "tone", "soon")
        now = self._bedside.clock()
        line = self._line
        form = QFormLayout()
        self._buddies: dict[str, QWidget] = {}
        self.reason = QLineEdit()
        self.reason.setObjectName("line_reason")
        self.reason.setMaxLength(500)
        if self._mode is LineMode.STOP:
            assert line is not None
            title = QLabel(line_text(line))
            title.setObjectName("entry_patient")
            self.stop_at = _time_field("line_stop_at", now)
            self.reason.setPlaceholderText("e.g. stopped on the drug chart by Dr Patel")
            form.addRow(self._label("Stop &at", self.stop_at), self.stop_at)
            form.addRow(self._label("R&eason", self.reason), self.reason)
            self._buddies = {"stop_at": self.stop_at, "reason": self.reason}
            top: list[QWidget] = [title, copy]
        else:
            self._build_line_fields(form, now)
            top = [copy]
            if self._mode is LineMode.CORRECT:
                self.reason.setPlaceholderText("e.g. dose copied wrongly — chart says 3.75 mg")
                form.addRow(self._label("R&eason for the correction", self.reason), self.reason)
                self._buddies["reason"] = self.reason
                self._fill(line)
        self.messages = QLabel()
        self.messages.setObjectName("line_messages")
        self.messages.setWordWrap(True)
        set_style_property(self.messages, "tone", "alert")
        self.messages.setVisible(False)
        self.status = SaveStatusPanel(self._saver)
        self.save_button = QPushButton(
            "&Save stop" if self._mode is LineMode.STOP else "&Save line"
        )
        self.save_button.setObjectName("line_save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        close = QPushButton("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addStretch(0)  # keeps the buttons their size while the status line is empty
        buttons.addWidget(close)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        for widget in top:
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.messages)
        layout.addStretch(1)
        layout.addLayout(buttons)
        first = self.stop_at if self._mode is LineMode.STOP else self.drug
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _build_line_fields(self, form: QFormLayout, now: datetime) -> None:
        self.drug = drug_field(self._formulary, "line_drug")
        self.drug_class = QComboBox()
        self.drug_class.setObjectName("line_class")
        self.drug_class.addItem("— choose the class", None)
        for drug_class in self._formulary.classes.values():
            self.drug_class.addItem(drug_class.label, drug_class.key)
        self.class_note = QLabel()
        self.class_note.setObjectName("line_class_note")
        self.class_note.setWordWrap(True)
        set_style_property(self.class_note, "tone", "muted")
        self.dose = QLineEdit()
        self.dose.setObjectName("line_dose")
        self.dose.setMaxLength(64)
        self.dose.setPlaceholderText("as on the chart, e.g. 7.5 mg")
        self.route = QComboBox()
        self.route.setObjectName("line_route")
        for key, label in PRN_ROUTES.items():
            self.route.addItem(label, key)
        self.schedule = QComboBox()
        self.schedule.setObjectName("line_schedule")
        for key, label in SCHEDULES.items():
            self.schedule.addItem(label, key)
        self.frequency = QLineEdit()
        self.frequency.setObjectName("line_frequency")
        self.frequency.setMaxLength(120)
        self.frequency.setPlaceholderText("as on the chart, e.g. at night, 22:00")
        self.max_per_24h = QLineEdit()
        self.max_per_24h.setObjectName("line_max")
        self.max_per_24h.setMaxLength(64)
        self.max_per_24h.setPlaceholderText("prescribed maximum, e.g. 4 mg")
        self.starts_at = _time_field("line_starts_at", now)
        self.reducing = QCheckBox("Planned red&ucing regimen, ends:")
        self.reducing.setObjectName("line_reducing")
        self.reducing_until = _time_field("line_reducing_until", now)
        self.reducing_until.setEnabled(False)
        self.reducing.toggled.connect(self.reducing_until.setEnabled)
        reducing = QHBoxLayout()
        reducing.addWidget(self.reducing)
        reducing.addWidget(self.reducing_until, 1)
        for text, widget in (
            ("&Drug", self.drug),
            ("C&lass", self.drug_class),
            ("", self.class_note),
            ("D&ose", self.dose),
            ("&Route", self.route),
            ("Re&gular or PRN", self.schedule),
            ("&When (regular)", self.frequency),
            ("&Max per 24 h (PRN)", self.max_per_24h),
            ("S&tarts", self.starts_at),
        ):
            form.addRow(self._label(text, widget), widget)
        form.addRow("", reducing)
        self._form = form
        self._buddies = {
            "drug": self.drug,
            "drug_class": self.drug_class,
            "dose": self.dose,
            "route": self.route,
            "schedule": self.schedule,
            "frequency": self.frequency,
            "max_per_24h": self.max_per_24h,
            "starts_at": self.starts_at,
            "reducing_until": self.reducing_until,
        }
        self.drug.textChanged.connect(self._on_drug_changed)
        self.schedule.currentIndexChanged.connect(self._on_schedule_changed)
        self._on_drug_changed("")
        self._on_schedule_changed()

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _fill(self, line: MedicineLine | None) -> None:
        assert line is not None
        self.drug.setText(line.drug)
        if self._formulary.find(line.drug) is None:
            self.drug_class.setCurrentIndex(max(0, self.drug_class.findData(line.drug_class)))
        self.dose.setText(line.dose)
        self.route.setCurrentIndex(max(0, self.route.findData(line.route)))
        self.schedule.setCurrentIndex(max(0, self.schedule.findData(line.schedule)))
        self.frequency.setText(line.frequency)
        self.max_per_24h.setText(line.max_per_24h)
        self.starts_at.setDateTime(_qt(line.starts_at))
        if line.reducing_until is not None:
            self.reducing.setChecked(True)
            self.reducing_until.setDateTime(_qt(line.reducing_until))

    @Slot(str)
    def _on_drug_changed(self, text: str) -> None:
        listed = self._formulary.find(text)
        if listed is not None:
            self.drug_class.setCurrentIndex(self.drug_class.findData(listed.drug_class.key))
            self.drug_class.setEnabled(False)
            self.class_note.setText(f"From the formulary ({listed.name}).")
        else:
            if not self.drug_class.isEnabled():
                self.drug_class.setCurrentIndex(0)
            self.drug_class.setEnabled(True)
            self.class_note.setText(
                "Not in the formulary: choose its class." if text.strip() else ""
            )
        self._form.setRowVisible(self.class_note, bool(self.class_note.text()))

    @Slot()
    def _on_schedule_changed(self) -> None:
        regular = self.schedule.currentData() == "regular"
        self._form.setRowVisible(self.frequency, regular)
        self._form.setRowVisible(self.max_per_24h, not regular)

    # -- saving ---------------------------------------------------------------------------------

    def _line_fields(self) -> dict[str, Any]:
        regular = self.schedule.currentData() == "regular"
        return {
            "drug": self.drug.text(),
            "drug_class": self.drug_class.currentData() or "",
            "dose": self.dose.text(),
            "route": self.route.currentData(),
            "schedule": self.schedule.currentData(),
            "frequency": self.frequency.text() if regular else "",
            "max_per_24h": "" if regular else self.max_per_24h.text(),
            "starts_at": _utc(self.starts_at),
            "reducing_until": _utc(self.reducing_until) if self.reducing.isChecked() else None,
        }

    def save(self) -> None:
        if self._saver.state is SaveState.SAVED:
            self.accept()
            return
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        self._saver.reset()
        self._show_problems({})
        medicines, actor, admission_id = self._medicines, self._bedside.acting(), self._admission_id
        reason, key = self.reason.text(), self.save_key
        if self._mode is LineMode.STOP:
            assert self._line is not None
            line_id, stop_at = self._line.id, _utc(self.stop_at)
            self._saver.start(
                lambda: medicines.stop_line(
                    actor, line_id, reason=reason, stop_at=stop_at, save_key=key
                )
            )
            return
        fields = {**self._line_fields(), "save_key": key}
        if self._mode is LineMode.CORRECT:
            assert self._line is not None
            line_id = self._line.id
            self._saver.start(lambda: medicines.amend_line(actor, line_id, reason=reason, **fields))
        else:
            self._saver.start(lambda: medicines.add_line(actor, admission_id, **fields))

    def _show_problems(self, problems: dict[str, str]) -> None:
        self.messages.setText("\n".join(problems.values()))
        self.messages.setVisible(bool(problems))
        if problems:
            first = next(iter(problems))
            self.status.show_message(f"✖ Not saved — {problems[first]}", "alert")
            widget = self._buddies.get(first)
            if widget is not None:
                widget.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(object)
    def _on_saved(self, line_id: int | None) -> None:
        self.saved_id = line_id
        self.status.show_message("✔ SAVED — check it against the chart with a colleague", "ok")
        self.save_button.setText("&Close")

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        if isinstance(error, InvalidInput):
            self._show_problems(
                {
                    key: field_message(key, message, FIELD_LABELS)
                    for key, message in error.problems.items()
                }
            )
        else:
            self._show_problems({"error": str(error)})

    def done(self, code: int) -> None:
        self._saver.shutdown()
        super().done(code)
