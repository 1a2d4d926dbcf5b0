"""PRN medication given, and its effect recorded later.

The dialog shows the patient's PRN doses of the last 24 hours with the sedative/anxiolytic
count the PRN-review rule uses, so the nurse sees how close the patient is to a review before
giving another dose. The class follows from the drug (the ward formulary): picking a formulary
drug fills in its class and locks it; a drug not in the formulary needs a class chosen from the
formulary's classes and a reason, both kept with the dose. A second dose of the same class
within the formulary's warning minutes is named (drug, dose and time) before saving; the nurse
may save anyway with a second press. Saving goes through ``RecordingService.record_prn`` with a
save key (a retry never records a dose twice); an effect is saved against the dose selected in
the table.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.formulary import Drug
from wardconsole.domain.records import PRN_ROUTES
from wardconsole.services.context import InvalidInput, ServiceError
from wardconsole.services.history import PrnSummary
from wardconsole.services.recording import SameClassWarning, SaveResult
from wardconsole.services.safe_saves import QueuedSave
from wardconsole.ui import formatting as fmt
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.entry_time import TakenAtEdit
from wardconsole.ui.bedside.prn_model import PrnColumn, PrnDoseModel, summary_text
from wardconsole.ui.bedside.shared import (
    Bedside,
    confirm_discard,
    drug_field,
    queued_text,
)
from wardconsole.ui.tasks import TaskHandle
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.follows_session import SessionLabel
from wardconsole.ui.widgets.style_property import set_style_property

ROUTES = tuple(PRN_ROUTES.values())
"""The route decides the monitoring (oral: a RASS after it; IM/IV: rapid tranquillisation), so
it is chosen from the list, never typed."""
CLASS_COLUMN_MAX = 320
"""The widest the class column grows, so the reason and effect stay readable at 1366 px."""
FIELD_LABELS = {
    "drug": "Drug",
    "drug_class": "Class",
    "class_reason": "Why this class",
    "dose": "Dose",
    "route": "Route",
    "reason": "Reason",
    "effect": "Effect",
    "taken_at": "Time given",
}


class PrnDialog(QDialog):
    """Record a PRN dose for one patient, or the effect of an earlier one."""

    def __init__(
        self, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PrnDialog")
        self.setWindowTitle(f"Give PRN — {title}")
        mark_form(self, FormKind.ENTRY)
        self._bedside = bedside
        self._admission_id = admission_id
        self._save_key = uuid.uuid4().hex
        self._summary_handle: TaskHandle | None = None
        self.result_value: SaveResult | QueuedSave | None = None
        self._effects_saved = 0
        self._saver = EntrySaver(bedside.runner, self)
        self._effect_saver = EntrySaver(bedside.runner, self)
        self._formulary = bedside.recording.formulary
        self._checking = False
        self._warned_for: tuple[Any, ...] | None = None
        """The entry a same-class warning was shown for: a second Save records it."""
        self._build(title)
        self._connect_signals()
        self.load_summary()
        self.drug.setFocus(Qt.FocusReason.OtherFocusReason)
        self.resize(1240, 640)

    @classmethod
    def ask(
        cls, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> bool:
        """Show the dialog modally; True when a dose or an effect was saved."""
        dialog = cls(bedside, admission_id, title, parent)
        dialog.exec()
        changed = dialog.result_value is not None or dialog.effects_saved > 0
        dialog.setParent(None)  # the local reference is its only owner from here
        return changed

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    @property
    def effect_saver(self) -> EntrySaver:
        return self._effect_saver

    @property
    def effects_saved(self) -> int:
        return self._effects_saved

    # -- layout ---------------------------------------------------------------------------------

    def _build(self, title: str) -> None:
        patient = QLabel(title)
        patient.setObjectName("entry_patient")
        who = SessionLabel(lambda: self._bedside.recording_as)
        set_style_property(who, "tone", "muted")
        header = QHBoxLayout()
        header.addWidget(patient)
        header.addStretch(1)
        header.addWidget(who)

        self.count_label = QLabel("Reading the last 24 h of PRN…")
        self.count_label.setObjectName("prn_count")
        self.count_label.setWordWrap(True)
        self.model = PrnDoseModel(self)
        self.table = QTableView()
        self.table.setObjectName("PrnDoseView")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header_view = self.table.horizontalHeader()
        for column in PrnColumn:
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column in (PrnColumn.REASON, PrnColumn.EFFECT)
                else QHeaderView.ResizeMode.Interactive
                if column == PrnColumn.CLASS
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header_view.setSectionResizeMode(column, mode)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.effect = QLineEdit()
        self.effect.setObjectName("prn_effect")
        self.effect.setPlaceholderText("Effect of the selected dose, e.g. settled within 30 min")
        self.effect.setMaxLength(500)
        self.effect_button = QPushButton("Save effect")
        self.effect_button.setAutoDefault(False)
        self.effect_button.setEnabled(False)
        self.effect_status = SaveStatusPanel(self._effect_saver)
        effect_row = QHBoxLayout()
        effect_label = QLabel("E&ffect")
        effect_label.setBuddy(self.effect)
        effect_row.addWidget(effect_label)
        effect_row.addWidget(self.effect, 1)
        effect_row.addWidget(self.effect_button)
        recent = QGroupBox("PRN given in the last 24 hours")
        recent_layout = QVBoxLayout(recent)
        recent_layout.addWidget(self.count_label)
        recent_layout.addWidget(self.table, 1)
        recent_layout.addLayout(effect_row)
        recent_layout.addWidget(self.effect_status)

        self.drug = drug_field(self._formulary, "prn_drug")
        self.drug_class = QComboBox()
        self.drug_class.setObjectName("prn_class")
        # Long class names must not widen the form and squeeze the table of recent doses.
        self.drug_class.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.drug_class.setMinimumContentsLength(24)
        self.drug_class.addItem("— choose the class", None)
        for drug_class in self._formulary.classes.values():
            # "✓" as in the table (not a severity shape): counts in the sedative count.
            text = f"✓ {drug_class.label}" if drug_class.counts_as_sedative else drug_class.label
            self.drug_class.addItem(text, drug_class.key)
        self.class_note = QLabel()
        self.class_note.setObjectName("prn_class_note")
        self.class_note.setWordWrap(True)
        set_style_property(self.class_note, "tone", "muted")
        self.class_reason = QLineEdit()
        self.class_reason.setObjectName("prn_class_reason")
        self.class_reason.setMaxLength(500)
        self.class_reason.setPlaceholderText("e.g. pharmacist advised: sedating antidepressant")
        self.dose = QLineEdit()
        self.dose.setObjectName("prn_dose")
        self.dose.setPlaceholderText("e.g. 1 mg")
        self.dose.setMaxLength(64)
        self.route = QComboBox()
        self.route.setObjectName("prn_route")
        self.route.setEditable(False)
        self.route.addItems(ROUTES)
        self.reason = QLineEdit()
        self.reason.setObjectName("prn_reason")
        self.reason.setMaxLength(500)
        self.given_at = TakenAtEdit(self._bedside.clock)
        self.messages = QLabel()
        self.messages.setObjectName("prn_messages")
        self.messages.setWordWrap(True)
        set_style_property(self.messages, "tone", "alert")
        self.messages.setVisible(False)
        self.same_class = QLabel()
        self.same_class.setObjectName("prn_same_class")
        self.same_class.setWordWrap(True)
        set_style_property(self.same_class, "tone", "soon")
        self.same_class.setVisible(False)
        form = QFormLayout()
        self._form = form
        for text, widget in (
            ("&Drug", self.drug),
            ("C&lass", self.drug_class),
            ("", self.class_note),
            ("W&hy this class", self.class_reason),
            ("D&ose", self.dose),
            ("&Route", self.route),
            ("R&eason", self.reason),
            ("&Time given", self.given_at),
        ):
            label = QLabel(text)
            label.setBuddy(widget.edit if isinstance(widget, TakenAtEdit) else widget)
            form.addRow(label, widget)
        form.setRowVisible(self.class_note, False)
        form.setRowVisible(self.class_reason, False)
        self._buddies = {
            "drug": self.drug,
            "drug_class": self.drug_class,
            "class_reason": self.class_reason,
            "dose": self.dose,
            "route": self.route,
            "reason": self.reason,
        }
        give = QGroupBox("Give a PRN dose")
        give_layout = QVBoxLayout(give)
        give_layout.addLayout(form)
        give_layout.addWidget(self.same_class)
        give_layout.addWidget(self.messages)
        give_layout.addStretch(1)

        self.status = SaveStatusPanel(self._saver)
        self.save_button = QPushButton("&Save dose")
        self.save_button.setObjectName("save_button")
        self.save_button.setDefault(True)
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addStretch(0)  # keeps the buttons their size while the status line is empty
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)

        columns = QHBoxLayout()
        columns.addWidget(give, 3)
        columns.addWidget(recent, 7)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(header)
        layout.addLayout(columns, 1)
        layout.addLayout(buttons)
        chain: list[QWidget] = [
            self.drug,
            self.drug_class,
            self.class_reason,
            self.dose,
            self.route,
            self.reason,
            self.given_at.edit,
            self.given_at.now_button,
            self.table,
            self.effect,
            self.effect_button,
            self.save_button,
            self.close_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.effect.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in the effect field saves the effect, not a dose."""
        if (
            watched is self.effect
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.save_effect()
            return True
        return super().eventFilter(watched, event)

    def _connect_signals(self) -> None:
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        self.effect_button.clicked.connect(self.save_effect)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.status.retry_requested.connect(self._saver.retry_now)
        self.effect_status.retry_requested.connect(self._effect_saver.retry_now)
        self._saver.saved.connect(self._on_saved)
        self._saver.refused.connect(self._on_refused)
        self._saver.state_changed.connect(self._on_save_state_changed)
        self._effect_saver.saved.connect(self._on_effect_saved)
        self._effect_saver.refused.connect(self._on_effect_refused)
        for widget in (self.drug, self.dose, self.reason, self.class_reason):
            widget.textEdited.connect(self._on_form_edited)
        self.drug.textChanged.connect(self._on_drug_changed)
        self.drug_class.currentIndexChanged.connect(self._on_form_edited)
        self.given_at.taken_at_changed.connect(self._on_form_edited)

    # -- reading --------------------------------------------------------------------------------

    def load_summary(self) -> None:
        history, admission_id = self._bedside.history, self._admission_id
        self._summary_handle = self._bedside.runner.run(
            self,
            lambda: history.prn_summary(admission_id),
            on_success=self._on_summary_loaded,
            on_failure=self._on_summary_failed,
            key=f"prn-summary-{admission_id}",
        )

    def _on_summary_loaded(self, summary: PrnSummary) -> None:
        selected = self._selected_dose_id()
        self.model.set_summary(summary)
        self.table.resizeColumnToContents(PrnColumn.CLASS)
        widest = min(self.table.columnWidth(PrnColumn.CLASS), CLASS_COLUMN_MAX)
        self.table.setColumnWidth(PrnColumn.CLASS, widest)  # the rest is in its tooltip
        text, tone = summary_text(summary)
        self.count_label.setText(text)
        set_style_property(self.count_label, "tone", tone)
        if selected is not None and (row := self.model.row_of(selected)) >= 0:
            self.table.selectRow(row)
        self._on_selection_changed()

    def _on_summary_failed(self, error: BaseException) -> None:
        self.count_label.setText(
            f"PRN of the last 24 h could not be read ({error}); close and reopen to try again."
        )
        set_style_property(self.count_label, "tone", "alert")

    # -- saving a dose --------------------------------------------------------------------------

    def save(self) -> None:
        if self._saver.state is SaveState.SAVED:
            self.accept()
            return
        if self._checking or self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        self._saver.reset()
        problems = self._problems()
        if problems:
            self._show_problems(problems)
            return
        self._show_problems({})
        fields = self._fields()
        if self._warned_for == self._entry_key(fields):
            self._start_save({**fields, "same_class_confirmed": True})
            return
        self._check_same_class(fields)

    def _fields(self) -> dict[str, Any]:
        listed = self.formulary_drug()
        return {
            "drug": self.drug.text().strip(),
            "drug_class": None if listed is not None else self.drug_class.currentData(),
            "class_reason": "" if listed is not None else self.class_reason.text().strip(),
            "dose": self.dose.text().strip(),
            "route": self.route.currentText().strip(),
            "reason": self.reason.text().strip(),
            "given_at": self.given_at.taken_at(),
            "save_key": self._save_key,
        }

    @staticmethod
    def _entry_key(fields: dict[str, Any]) -> tuple[Any, ...]:
        return (fields["drug"].casefold(), fields["drug_class"], fields["given_at"])

    def _check_same_class(self, fields: dict[str, Any]) -> None:
        """Ask (off the UI thread) for earlier doses of the same class; save when none."""
        recording, admission_id = self._bedside.recording, self._admission_id
        drug, klass, given_at = fields["drug"], fields["drug_class"], fields["given_at"]
        self._checking = True
        self.status.show_message("Checking earlier doses of this class…", "busy")
        self._bedside.runner.run(
            self,
            lambda: recording.same_class_warning(
                admission_id, drug=drug, drug_class=klass, given_at=given_at
            ),
            on_success=lambda warning: self._on_same_class_checked(fields, warning),
            on_failure=lambda error: self._on_same_class_unchecked(fields, error),
            key=f"prn-same-class-{admission_id}",
        )

    def _on_same_class_checked(
        self, fields: dict[str, Any], warning: SameClassWarning | None
    ) -> None:
        self._checking = False
        if warning is None:
            self._start_save(fields)
            return
        self._warned_for = self._entry_key(fields)
        self.same_class.setText(same_class_text(warning, fields["given_at"], self._bedside))
        self.same_class.setVisible(True)
        self.save_button.setText("&Save anyway")
        self.status.show_message(
            "⚠ Not saved yet — another dose of this class was given recently (see the form).",
            "soon",
        )

    def _on_same_class_unchecked(self, fields: dict[str, Any], _error: BaseException) -> None:
        """The database did not answer: the dose is saved (or kept on this station) anyway,
        and the nurse is told the earlier doses were not checked."""
        self._checking = False
        self.same_class.setText(
            "⚠ Earlier doses of this class could not be checked (the database did not answer): "
            "check the drug chart for a recent dose of the same class."
        )
        self.same_class.setVisible(True)
        self._start_save(fields)

    def _start_save(self, fields: dict[str, Any]) -> None:
        recording, actor, admission_id = (
            self._bedside.recording,
            self._bedside.acting(),
            self._admission_id,
        )
        self._set_editing(False)
        saves = self._bedside.saves
        if saves is not None:  # kept on this station if the database is unavailable
            self._saver.start(lambda: saves.save_prn(actor, admission_id, **fields))
        else:
            self._saver.start(lambda: recording.record_prn(actor, admission_id, **fields))

    def formulary_drug(self) -> Drug | None:
        """The formulary drug typed in the Drug field, if it is one."""
        return self._formulary.find(self.drug.text())

    def _problems(self) -> dict[str, str]:
        problems = {}
        if not self.drug.text().strip():
            problems["drug"] = "Drug: required"
        elif self.formulary_drug() is None:
            if self.drug_class.currentData() is None:
                problems["drug_class"] = "Class: not in the formulary — choose the drug's class"
            if not self.class_reason.text().strip():
                problems["class_reason"] = (
                    "Why this class: required for a drug not in the formulary"
                )
        if not self.dose.text().strip():
            problems["dose"] = "Dose: required"
        if not self.route.currentText().strip():
            problems["route"] = "Route: required"
        if not self.reason.text().strip():
            problems["reason"] = "Reason: required"
        time_problem = self.given_at.problem()
        if time_problem:
            problems["taken_at"] = time_problem.replace("Time taken", "Time given")
        return problems

    def _show_problems(self, problems: dict[str, str]) -> None:
        self.messages.setText("\n".join(problems.values()))
        self.messages.setVisible(bool(problems))
        if problems:
            first = next(iter(problems))
            self.status.show_message(f"✖ Not saved — {problems[first]}", "alert")
            widget = self._buddies.get(first, self.given_at.edit)
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(object)
    def _on_saved(self, result: SaveResult | QueuedSave) -> None:
        self.result_value = result
        dose = f"{self.drug.text().strip()} {self.dose.text().strip()}"
        self.status.show_message(
            f"✔ SAVED at {fmt.local_time_text(self._bedside.clock())} — {dose}", "ok"
        )
        if isinstance(result, QueuedSave):
            self.status.show_message(queued_text(result), "ok")
        elif result.escalations:
            raised = ", ".join(
                f"{c.kind.label} ({c.severity.label.lower()})" for c in result.escalations
            )
            self.status.show_message(f"{self.status.text()} · Escalation raised: {raised}", "ok")
        self.save_button.setText("&Close")
        self.close_button.setVisible(False)
        self.load_summary()

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        self._set_editing(True)
        if isinstance(error, InvalidInput):
            self._show_problems(
                {key: _named(key, message) for key, message in error.problems.items()}
            )
        else:
            self._show_problems({"error": str(error)})

    @Slot(object)
    def _on_save_state_changed(self, state: SaveState) -> None:
        self.close_button.setEnabled(state is not SaveState.SAVING)

    def _on_form_edited(self) -> None:
        if self._saver.state is SaveState.REFUSED:
            self._saver.reset()
        if self._warned_for is not None and self._saver.state is SaveState.EDITING:
            self._warned_for = None
            self.same_class.setVisible(False)
            self.save_button.setText("&Save dose")

    @Slot(str)
    def _on_drug_changed(self, text: str) -> None:
        """The class follows from the drug: a formulary drug fills it in and locks it; any
        other drug needs a class chosen and a reason."""
        listed = self._formulary.find(text)
        form = self._form
        if listed is not None:
            self.drug_class.setCurrentIndex(self.drug_class.findData(listed.drug_class.key))
            self.drug_class.setEnabled(False)
            counts = (
                " — counts in the sedative/anxiolytic count" if listed.counts_as_sedative else ""
            )
            self.class_note.setText(
                f"From the formulary ({listed.name}): {listed.drug_class.label}{counts}."
            )
            form.setRowVisible(self.class_note, True)
            form.setRowVisible(self.class_reason, False)
        else:
            if not self.drug_class.isEnabled():  # the class was the formulary's
                self.drug_class.setCurrentIndex(0)
            self.drug_class.setEnabled(self._saver.state is not SaveState.SAVING)
            unlisted = bool(text.strip())
            self.class_note.setText(
                "Not in the formulary: choose its class and say why (kept with the dose)."
            )
            form.setRowVisible(self.class_note, unlisted)
            form.setRowVisible(self.class_reason, unlisted)
        self._on_form_edited()

    def _set_editing(self, editable: bool) -> None:
        for widget in (self.drug, self.dose, self.reason, self.class_reason):
            widget.setReadOnly(not editable)
        self.drug_class.setEnabled(editable and self.formulary_drug() is None)
        self.route.setEnabled(editable)
        self.given_at.set_read_only(not editable)

    # -- the effect of an earlier dose ----------------------------------------------------------

    def _selected_dose_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.dose(rows[0].row()).id if rows else None

    @Slot()
    def _on_selection_changed(self) -> None:
        self.effect_button.setEnabled(self._selected_dose_id() is not None)

    def select_dose(self, dose_id: int) -> bool:
        row = self.model.row_of(dose_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0, QModelIndex()))
        return True

    def save_effect(self) -> None:
        dose_id = self._selected_dose_id()
        text = self.effect.text().strip()
        if self._effect_saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        if dose_id is None:
            self.effect_status.show_message("✖ Choose the dose in the table first.", "alert")
            return
        if not text:
            self.effect_status.show_message("✖ Effect: describe the effect of the dose.", "alert")
            self.effect.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        recording, actor = self._bedside.recording, self._bedside.acting()
        self._effect_saver.reset()
        self.effect.setReadOnly(True)
        self._effect_saver.start(lambda: recording.record_prn_effect(actor, dose_id, text))

    @Slot(object)
    def _on_effect_saved(self, _result: object) -> None:
        self._effects_saved += 1
        self.effect_status.show_message(
            f"✔ Effect SAVED at {fmt.local_time_text(self._bedside.clock())}", "ok"
        )
        self.effect.clear()
        self.effect.setReadOnly(False)
        self.load_summary()

    @Slot(object)
    def _on_effect_refused(self, error: ServiceError) -> None:
        self.effect.setReadOnly(False)
        self.effect_status.show_message(f"✖ Effect not saved — {error}", "alert")

    # -- closing --------------------------------------------------------------------------------

    def reject(self) -> None:
        busy = (SaveState.SAVING,)
        if self._saver.state in busy or self._effect_saver.state in busy:
            self.status.show_message("Still saving — wait until this says Saved.", "busy")
            return
        typed = self._saver.state is not SaveState.SAVED and (
            self.drug.text().strip()
            or self.dose.text().strip()
            or self.reason.text().strip()
            or self.class_reason.text().strip()
        )
        if (typed or self.effect.text().strip()) and not self.discard_confirmed():
            return
        super().reject()

    def discard_confirmed(self) -> bool:
        """Ask whether unsaved input may be thrown away (tests replace this)."""
        return confirm_discard(self, "This PRN entry")

    def done(self, code: int) -> None:
        self._saver.shutdown()
        self._effect_saver.shutdown()
        if self._summary_handle is not None:
            self._summary_handle.cancel()
        super().done(code)


def _named(key: str, message: str) -> str:
    label = FIELD_LABELS.get(key)
    if label and message.startswith(f"{key}:"):
        return f"{label}:{message[len(key) + 1 :]}"
    return message


def same_class_text(warning: SameClassWarning, given_at: Any, bedside: Bedside) -> str:
    """ "⚠ Same class (Benzodiazepine) within 120 min: Lorazepam 1 mg oral at 02:20 (40 min
    before this dose). …" — every earlier dose named with its time."""
    at = given_at or bedside.clock()
    minutes = int(warning.within.total_seconds() // 60)
    earlier = []
    for dose in warning.earlier:
        gap = int(abs((at - dose.given_at).total_seconds()) // 60)
        side = "before" if dose.given_at <= at else "after"
        earlier.append(
            f"{dose.drug} {dose.dose} {dose.route} at {fmt.local_time_text(dose.given_at)} "
            f"({gap} min {side} this dose)"
        )
    return (
        f"⚠ Same class ({warning.class_label}) within {minutes} min: {'; '.join(earlier)}. "
        "Check the prescription, then press Save anyway to record this dose too "
        "(minutes: local policy, pending governance sign-off)."
    )
