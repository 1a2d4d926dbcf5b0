"""Weight and height: weigh the patient (at intake and weekly, local policy), with at intake the
weight 3–6 months before admission, documented or self-reported, and whether a change was
planned (MUST step 2). BMI, the change from the last weight and when weighing is next due show
as the nurse types; impossible values are refused with the field named, extreme ones (and a large
change from the last weight) need the "re-measured" tick. Saved as a weighing: history,
corrections, audit and export."""

from __future__ import annotations

import uuid
from decimal import Decimal

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain import must
from wardconsole.domain.weight_policy import LOCAL_POLICY
from wardconsole.domain.weights import (
    BEFORE_SOURCES,
    WeightInput,
    kg,
    metres,
    parse_decimal,
    weight_entry_text,
    weight_problems,
)
from wardconsole.services.context import InvalidInput, ServiceError
from wardconsole.services.history import HistoryEntry
from wardconsole.services.recording import SaveResult
from wardconsole.services.safe_saves import QueuedSave
from wardconsole.services.weights import WeightOverview
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.shared import Bedside, queued_text
from wardconsole.ui.physical.quick_entry import patient_header, save_footer
from wardconsole.ui.theme import FormKind, mark_form


class WeightDialog(QDialog):
    """Record one patient's weight and/or height."""

    def __init__(
        self,
        bedside: Bedside,
        admission_id: int,
        title: str,
        parent: QWidget | None = None,
        *,
        amending: HistoryEntry | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WeightDialog")
        self._amending = amending
        verb = "Correct weighing" if amending is not None else "Weight and height"
        self.setWindowTitle(f"{verb} — {title}")
        mark_form(self, FormKind.ENTRY)
        self._bedside = bedside
        self._admission_id = admission_id
        self.result_value: SaveResult | QueuedSave | None = None
        self.overview: WeightOverview | None = None
        self._saver = EntrySaver(bedside.runner, self)
        self.last = QLabel("Reading the last weighing…")
        self.last.setObjectName("weight_last")
        self.last.setWordWrap(True)
        self.weight_kg = QLineEdit()
        self.weight_kg.setObjectName("weight_kg")
        self.weight_kg.setPlaceholderText("kg, e.g. 61.4")
        self.height_m = QLineEdit()
        self.height_m.setObjectName("weight_height")
        self.height_m.setPlaceholderText("metres, e.g. 1.72 (when measured)")
        self.confirmed = QCheckBox("Re-&measured: the extreme value is right")
        self.confirmed.setObjectName("weight_confirmed")
        self.reason = QLineEdit()
        self.reason.setObjectName("weight_reason")
        self.reason.setPlaceholderText("why it is being corrected (required)")
        form = QFormLayout()
        form.addRow("&Weight:", self.weight_kg)
        form.addRow("&Height:", self.height_m)
        form.addRow("", self.confirmed)
        if amending is not None:
            form.addRow("R&eason:", self.reason)
        self.before_kg = QLineEdit()
        self.before_kg.setObjectName("weight_before")
        self.before_kg.setPlaceholderText("kg, the weight 3–6 months before admission")
        self.before_source = QComboBox()
        self.before_source.setObjectName("weight_before_source")
        self.before_source.addItem("— where it comes from —", "")
        for key, words in BEFORE_SOURCES.items():
            self.before_source.addItem(words.capitalize(), key)
        self.before_planned = QCheckBox("The change was &planned (diet)")
        before = QGroupBox("At intake: weight 3–6 months ago (MUST step 2)")
        before_form = QFormLayout(before)
        before_form.addRow("Weight &then:", self.before_kg)
        before_form.addRow("S&ource:", self.before_source)
        before_form.addRow("", self.before_planned)
        self.outcome = QLabel("Enter the weight, the height, or both")
        self.outcome.setObjectName("weight_outcome")
        self.outcome.setWordWrap(True)
        self.status = SaveStatusPanel(self._saver)
        self.save_button = QPushButton("&Save weighing")
        self.save_button.setDefault(True)
        buttons = save_footer(self, self.status, self.save_button)
        header = patient_header(title, bedside)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.last)
        layout.addLayout(form)
        layout.addWidget(before)
        layout.addWidget(self.outcome)
        layout.addStretch(1)
        layout.addLayout(buttons)
        for edit in (self.weight_kg, self.height_m, self.before_kg):
            edit.textEdited.connect(self._on_changed)
        for box in (self.confirmed, self.before_planned):
            box.toggled.connect(self._on_changed)
        self.before_source.currentIndexChanged.connect(self._on_changed)
        self.save_button.clicked.connect(self.save)
        self._saver.saved.connect(self._on_saved)
        self._saver.refused.connect(self._on_refused)
        self.status.retry_requested.connect(self._saver.retry_now)
        self.resize(620, 470)
        if amending is not None:
            self._fill(amending)
        weights = bedside.weights
        if weights is None:
            self.last.setText("")
        else:
            bedside.runner.run(
                self,
                lambda: weights.overview(admission_id),
                on_success=self._on_loaded,
                on_failure=lambda error: self.last.setText(f"Last weighing not read: {error}"),
                key=f"weight-{admission_id}",
            )

    def _fill(self, entry: HistoryEntry) -> None:
        """A correction starts from the stored values."""
        values = entry.values
        self.weight_kg.setText(str(values.get("weight_kg") or ""))
        self.height_m.setText(str(values.get("height_m") or ""))
        self.before_kg.setText(str(values.get("before_kg") or ""))
        source = self.before_source.findData(values.get("before_source") or "")
        self.before_source.setCurrentIndex(max(0, source))
        self.before_planned.setChecked(bool(values.get("before_planned")))
        self.last.setText(f"Correcting: {weight_entry_text(values)}")

    @classmethod
    def ask(
        cls,
        bedside: Bedside,
        admission_id: int,
        title: str,
        parent: QWidget | None = None,
        *,
        amending: HistoryEntry | None = None,
    ) -> SaveResult | QueuedSave | None:
        dialog = cls(bedside, admission_id, title, parent, amending=amending)
        dialog.exec()
        result = dialog.result_value
        dialog.setParent(None)  # the local reference is its only owner from here
        return result

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    def entry(self) -> WeightInput:
        return WeightInput(
            weight_kg=self.weight_kg.text().strip(),
            height_m=self.height_m.text().strip(),
            before_kg=self.before_kg.text().strip(),
            before_source=str(self.before_source.currentData() or ""),
            before_planned=self.before_planned.isChecked(),
            confirmed=self.confirmed.isChecked(),
        )

    @Slot(object)
    def _on_loaded(self, overview: WeightOverview) -> None:
        self.overview = overview
        course = overview.course
        if self._amending is not None:
            self._on_changed()
            return
        due = overview.due_text
        if course.latest is None:
            self.last.setText(
                f"{due}. Weigh at intake and every "
                f"{overview.policy.interval.days} days ({LOCAL_POLICY})."
            )
        else:
            self.last.setText(f"Last: {course.summary()} · {due}")
        if course.height_m is not None and not self.height_m.text():
            self.height_m.setPlaceholderText(f"last {metres(course.height_m)}; leave empty")
        self._on_changed()

    def _previous_kg(self) -> Decimal | None:
        course = self.overview.course if self.overview is not None else None
        amended = self._amending.id if self._amending is not None else None
        earlier = [e for e in course.weighings if e.id != amended] if course is not None else []
        return earlier[-1].weight_kg if earlier else None

    @Slot()
    def _on_changed(self) -> None:
        if self._saver.state is SaveState.REFUSED:
            self._saver.reset()
        entry = self.entry()
        if self._bedside.weights is None:
            return
        problems = weight_problems(entry, self._bedside.weights.policy, self._previous_kg())
        if problems:
            self.outcome.setText(f"Not ready — {next(iter(problems.values()))}")
            return
        self.outcome.setText(self._preview(entry))

    def _preview(self, entry: WeightInput) -> str:
        weight = parse_decimal(entry.weight_kg) if entry.weight_kg else None
        height = parse_decimal(entry.height_m) if entry.height_m else None
        course = self.overview.course if self.overview is not None else None
        if height is None and course is not None:
            height = course.height_m
        parts = []
        if weight is not None and height is not None:
            value = must.bmi(weight, height)
            parts.append(f"BMI {must.shown(value, must.bmi_score)}")
        previous = self._previous_kg()
        if weight is not None and previous is not None:
            change = weight - previous
            parts.append(f"{'+' if change >= 0 else '−'}{kg(abs(change))} from the last weight")
        return " · ".join(parts) or "Ready to save"

    def save(self) -> None:
        if self._saver.state is SaveState.SAVED:
            self.accept()
            return
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        self._saver.reset()
        recording, actor, admission_id = (
            self._bedside.recording,
            self._bedside.acting(),
            self._admission_id,
        )
        entry = self.entry()
        if self._amending is not None:
            entry_id, reason = self._amending.id, self.reason.text()
            self._saver.start(lambda: recording.amend_weight(actor, entry_id, entry, reason=reason))
            return
        save_key = uuid.uuid4().hex
        saves = self._bedside.saves
        if saves is not None:  # kept on this station if the database is unavailable
            self._saver.start(
                lambda: saves.save_weight(actor, admission_id, entry, save_key=save_key)
            )
            return
        self._saver.start(
            lambda: recording.record_weight(actor, admission_id, entry, save_key=save_key)
        )

    @Slot(object)
    def _on_saved(self, result: SaveResult | QueuedSave) -> None:
        self.result_value = result
        if isinstance(result, QueuedSave):
            self.status.show_message(queued_text(result), "ok")
        else:
            self.status.show_message(f"✔ Weighing SAVED — {self.outcome.text()}", "ok")
        self.save_button.setText("&Close")

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        if isinstance(error, InvalidInput):
            message = next(iter(error.problems.values()))
        else:
            message = str(error)
        self.status.show_message(f"✖ Not saved — {message}", "alert")
