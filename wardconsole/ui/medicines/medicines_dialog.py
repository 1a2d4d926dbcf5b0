"""A patient's medicines list — a monitoring copy of the drug chart — and regular doses.

The window states plainly that the list is "as recorded on the ward console — confirm against
the prescription": the drug chart stays the administration record. Each line shows who
transcribed it and when, and whether a second member of staff has checked it against the chart
("⚠ not checked" in words). From here a nurse adds a line, checks a colleague's line, corrects
or stops one (with a reason), and records a regular dose of the selected line as given or
omitted with a reason — keyboard first: the table has the focus, Alt+G or Alt+O then Alt+S.

A dose is saved once under its save key (a retry never records it twice) and, when the
database does not answer, kept on this station and written when it is back. A second check is
saved once too: the line's check keeps its key until it is saved, however often it is retried.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.medicines import (
    MONITORING_COPY,
    OMITTED_REASONS,
    MedicineLine,
    line_text,
)
from wardconsole.domain.records import ATTENTION_SIGN
from wardconsole.services.context import InvalidInput, ServiceError
from wardconsole.services.medicines import MedicinesService, MedicinesView
from wardconsole.services.recording import SaveResult
from wardconsole.services.safe_saves import QueuedSave
from wardconsole.ui import formatting as fmt
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.entry_time import TakenAtEdit
from wardconsole.ui.bedside.shared import Bedside, queued_text
from wardconsole.ui.medicines.line_dialog import LineDialog, LineMode
from wardconsole.ui.medicines.lines_model import (
    LINE_ROLE,
    LineColumn,
    LinesFilter,
    MedicineLinesModel,
)
from wardconsole.ui.tasks import TaskHandle
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.follows_session import SessionLabel
from wardconsole.ui.widgets.style_property import set_style_property

MONITORING_BANNER = (
    f"Monitoring copy — {MONITORING_COPY[0].lower()}{MONITORING_COPY[1:]} The ward's drug chart "
    "stays the administration record; this list is kept for the dependency watch."
)


class MedicinesDialog(QDialog):
    """The medicines list of one patient, and regular doses against its lines."""

    def __init__(
        self, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        assert bedside.medicines is not None, "the medicines list is not set up at this station"
        self.setObjectName("MedicinesDialog")
        self.setWindowTitle(f"Medicines list — {title}")
        mark_form(self, FormKind.ENTRY)
        self._bedside = bedside
        self._medicines: MedicinesService = bedside.medicines
        self._admission_id = admission_id
        self._title = title
        self._handle: TaskHandle | None = None
        self._save_key = uuid.uuid4().hex
        self.check_keys: dict[int, str] = {}
        """The save key of each line's second check, kept until the check is saved."""
        self._checking = 0
        self.changed = False
        self.view: MedicinesView | None = None
        self._saving: tuple[MedicineLine, str, str] | None = None
        self._saver = EntrySaver(bedside.runner, self)
        self._check_saver = EntrySaver(bedside.runner, self)
        labels = {k: c.label for k, c in bedside.recording.formulary.classes.items()}
        self.model = MedicineLinesModel(labels, bedside.clock(), self)
        self.proxy = LinesFilter(self)
        self.proxy.setSourceModel(self.model)
        self._build(title)
        self._connect_signals()
        self.load()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.resize(1300, 660)

    @classmethod
    def ask(
        cls, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> bool:
        """Show the window modally; True when anything was saved."""
        dialog = cls(bedside, admission_id, title, parent)
        dialog.exec()
        changed = dialog.changed
        dialog.setParent(None)  # the local reference is its only owner from here
        return changed

    @property
    def saver(self) -> EntrySaver:
        return self._saver

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
        self.banner = QLabel(MONITORING_BANNER)
        self.banner.setObjectName("medicines_monitoring_copy")
        self.banner.setWordWrap(True)
        set_style_property(self.banner, "tone", "soon")

        self.summary = QLabel("Reading the medicines list…")
        self.summary.setObjectName("medicines_summary")
        self.summary.setWordWrap(True)
        self.table = QTableView()
        self.table.setObjectName("MedicineLinesView")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header_view = self.table.horizontalHeader()
        for column in LineColumn:
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column == LineColumn.SCHEDULE
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header_view.setSectionResizeMode(column, mode)
        self.show_stopped = QCheckBox("Sho&w stopped lines")
        self.show_stopped.setObjectName("medicines_show_stopped")
        self.add_button = QPushButton("&Add line…")
        self.check_button = QPushButton("Second &check…")
        self.correct_button = QPushButton("Co&rrect…")
        self.stop_button = QPushButton("S&top…")
        for button in (self.add_button, self.check_button, self.correct_button, self.stop_button):
            button.setAutoDefault(False)
        self.check_status = SaveStatusPanel(self._check_saver)
        line_row = QHBoxLayout()
        line_row.addWidget(self.show_stopped)
        line_row.addWidget(self.check_status, 1)
        line_row.addStretch(0)
        for button in (self.add_button, self.check_button, self.correct_button, self.stop_button):
            line_row.addWidget(button)

        self.dose_group = QGroupBox("Regular dose of the selected line")
        self.dose_line = QLabel("Select a regular line in the list.")
        self.dose_line.setObjectName("dose_line")
        self.dose_line.setWordWrap(True)
        self.given = QRadioButton("&Given")
        self.given.setObjectName("dose_given")
        self.omitted = QRadioButton("&Omitted")
        self.omitted.setObjectName("dose_omitted")
        self.given.setChecked(True)
        outcome = QButtonGroup(self)
        outcome.addButton(self.given)
        outcome.addButton(self.omitted)
        self.omitted_reason = QComboBox()
        self.omitted_reason.setObjectName("dose_omitted_reason")
        self.omitted_reason.addItem("— why not given", None)
        for key, label in OMITTED_REASONS.items():
            self.omitted_reason.addItem(label, key)
        self.omitted_reason.setEnabled(False)
        why = QLabel("Wh&y")
        why.setBuddy(self.omitted_reason)
        self.dose_given = QLineEdit()
        self.dose_given.setObjectName("dose_amount")
        self.dose_given.setMaxLength(64)
        self.dose_given.setPlaceholderText("only if not the line's dose")
        amount = QLabel("Dose &if different")
        amount.setBuddy(self.dose_given)
        self.given_at = TakenAtEdit(self._bedside.clock)
        at = QLabel("Ti&me")
        at.setBuddy(self.given_at.edit)
        self.status = SaveStatusPanel(self._saver)
        self.save_button = QPushButton("&Save dose")
        self.save_button.setObjectName("dose_save")
        self.save_button.setAutoDefault(False)  # Enter alone never records a dose
        self.save_button.setEnabled(False)
        fields = QHBoxLayout()
        for widget in (
            self.given,
            self.omitted,
            why,
            self.omitted_reason,
            amount,
            self.dose_given,
            at,
            self.given_at,
        ):
            fields.addWidget(widget)
        fields.addStretch(1)
        fields.addWidget(self.save_button)
        dose_layout = QVBoxLayout(self.dose_group)
        dose_layout.addWidget(self.dose_line)
        dose_layout.addLayout(fields)
        dose_layout.addWidget(self.status)

        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(line_row)
        layout.addWidget(self.dose_group)
        layout.addLayout(bottom)
        chain: list[QWidget] = [
            self.table,
            self.show_stopped,
            self.add_button,
            self.check_button,
            self.correct_button,
            self.stop_button,
            self.given,
            self.omitted,
            self.omitted_reason,
            self.dose_given,
            self.given_at.edit,
            self.given_at.now_button,
            self.save_button,
            self.close_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _connect_signals(self) -> None:
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.show_stopped.toggled.connect(self.proxy.set_show_stopped)
        self.add_button.clicked.connect(self.add_line)
        self.check_button.clicked.connect(self.check_selected)
        self.correct_button.clicked.connect(self.correct_selected)
        self.stop_button.clicked.connect(self.stop_selected)
        self.omitted.toggled.connect(self._on_outcome_changed)
        self.save_button.clicked.connect(self.save_dose)
        self.close_button.clicked.connect(self.reject)
        self.status.retry_requested.connect(self._saver.retry_now)
        self.check_status.retry_requested.connect(self._check_saver.retry_now)
        self._saver.saved.connect(self._on_dose_saved)
        self._saver.refused.connect(self._on_dose_refused)
        self._check_saver.saved.connect(self._on_checked)
        self._check_saver.refused.connect(
            lambda error: self.check_status.show_message(f"✖ Not checked — {error}", "alert")
        )

    # -- reading --------------------------------------------------------------------------------

    def load(self) -> None:
        medicines, admission_id = self._medicines, self._admission_id
        self._handle = self._bedside.runner.run(
            self,
            lambda: medicines.view(admission_id),
            on_success=self._on_loaded,
            on_failure=lambda error: self.summary.setText(
                f"The medicines list could not be read ({error}); close and reopen to try again."
            ),
            key=f"medicines-list-{admission_id}",
        )

    def _on_loaded(self, view: MedicinesView) -> None:
        selected = self.selected_line()
        self.view = view
        now = self._bedside.clock()
        self.model.set_lines(view.lines, now)
        active = [line for line in view.lines if line.active(now)]
        unchecked = sum(1 for line in active if not line.checked)
        stopped = len(view.lines) - len(active)
        parts = [f"{len(active)} active line{'s' if len(active) != 1 else ''}"]
        if unchecked:
            parts.append(
                f"{ATTENTION_SIGN} {unchecked} not yet checked against the chart by a second person"
            )
        if stopped:
            parts.append(f"{stopped} stopped or not yet started (Alt+W shows them)")
        if not view.lines:
            parts = ["No lines yet: add each medicine from the drug chart (Alt+A)"]
        self.summary.setText(" · ".join(parts))
        set_style_property(self.summary, "tone", "soon" if unchecked else "")
        if selected is not None:
            self.select_line(selected.id)
        elif self.proxy.rowCount() > 0:
            self.table.selectRow(0)
        self._on_selection_changed()

    # -- the selected line ----------------------------------------------------------------------

    def selected_line(self) -> MedicineLine | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        line = rows[0].data(LINE_ROLE)
        return line if isinstance(line, MedicineLine) else None

    def select_line(self, line_id: int) -> bool:
        row = self.model.row_of(line_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0, QModelIndex()))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    @Slot()
    def _on_selection_changed(self) -> None:
        line = self.selected_line()
        now = self._bedside.clock()
        for button in (self.check_button, self.correct_button, self.stop_button):
            button.setEnabled(line is not None)
        if line is not None:
            self.check_button.setEnabled(not line.checked)
            self.stop_button.setEnabled(line.stop_at is None)
        regular = line is not None and line.schedule == "regular" and line.active(now)
        if line is None:
            text = "Select a regular line in the list."
        elif line.schedule != "regular":
            text = f"{line_text(line)}: a PRN medicine is recorded with Give PRN (Ctrl+Shift+P)."
        elif not line.active(now):
            text = f"{line_text(line)}: not active now."
        else:
            text = f"{line_text(line)} — record it as given or omitted (with why)."
        self.dose_line.setText(text)
        if self._saver.state is not SaveState.SAVING:
            self.save_button.setEnabled(regular)

    @Slot(bool)
    def _on_outcome_changed(self, omitted: bool) -> None:
        self.omitted_reason.setEnabled(omitted)
        self.dose_given.setEnabled(not omitted)
        if omitted:
            self.omitted_reason.setFocus(Qt.FocusReason.OtherFocusReason)
        if self._saver.state in (SaveState.SAVED, SaveState.REFUSED):
            self._saver.reset()

    def add_line(self) -> None:
        self._open_line(LineMode.ADD, None)

    def correct_selected(self) -> None:
        line = self.selected_line()
        if line is not None:
            self._open_line(LineMode.CORRECT, line)

    def stop_selected(self) -> None:
        line = self.selected_line()
        if line is not None and line.stop_at is None:
            self._open_line(LineMode.STOP, line)

    def _open_line(self, mode: LineMode, line: MedicineLine | None) -> None:
        saved = self.open_line_dialog(mode, line)
        if saved is not None:
            self.changed = True
            self.load()

    def open_line_dialog(self, mode: LineMode, line: MedicineLine | None) -> int | None:
        """The add / correct / stop window (tests replace this)."""
        return LineDialog.ask(
            self._bedside, self._medicines, self._admission_id, mode, line, parent=self
        )

    def check_selected(self) -> None:
        line = self.selected_line()
        if line is None or line.checked or self._check_saver.state is SaveState.SAVING:
            return
        if not self.confirm_check(line):
            return
        medicines, actor, line_id = self._medicines, self._bedside.acting(), line.id
        key = self.check_keys.setdefault(line_id, uuid.uuid4().hex)
        self._checking = line_id
        self._check_saver.reset()
        self._check_saver.start(lambda: medicines.check_line(actor, line_id, save_key=key))

    def confirm_check(self, line: MedicineLine) -> bool:
        """Ask the checker to confirm against the chart (tests replace this)."""
        answer = QMessageBox.question(
            self,
            "Second check",
            f"{line_text(line)}, transcribed by {line.transcribed_by}.\n\nHave you checked "
            "this line against the patient's drug chart, and does it match?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    @Slot(object)
    def _on_checked(self, _result: object) -> None:
        self.check_keys.pop(self._checking, None)
        self.changed = True
        self.check_status.show_message(
            f"✔ Second check SAVED at {fmt.local_time_text(self._bedside.clock())}", "ok"
        )
        self.load()

    # -- a regular dose -------------------------------------------------------------------------

    def save_dose(self) -> None:
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        line = self.selected_line()
        if line is None or line.schedule != "regular":
            self.status.show_message("✖ Choose a regular line in the list first.", "alert")
            return
        omitted = self.omitted.isChecked()
        reason = self.omitted_reason.currentData() if omitted else ""
        if omitted and reason is None:
            self.status.show_message("✖ Not saved — Why: say why the dose was not given", "alert")
            self.omitted_reason.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        problem = self.given_at.problem()
        if problem:
            self.status.show_message(f"✖ Not saved — {problem}", "alert")
            return
        if self._saver.state is SaveState.SAVED:  # a new dose: a new save key
            self._save_key = uuid.uuid4().hex
        self._saver.reset()
        outcome = "omitted" if omitted else "given"
        fields: dict[str, Any] = {
            "outcome": outcome,
            "omitted_reason": reason or "",
            "given_at": self.given_at.taken_at(),
            "dose": "" if omitted else self.dose_given.text().strip(),
            "save_key": self._save_key,
        }
        self._saving = (line, outcome, reason or "")
        actor, medicines, admission_id = self._bedside.acting(), self._medicines, self._admission_id
        saves, line_id = self._bedside.saves, line.id
        self.save_button.setEnabled(False)
        if saves is not None:  # kept on this station if the database is unavailable
            summary = f"{line.drug} {line.dose}: {outcome}"
            self._saver.start(
                lambda: saves.save_regular_dose(
                    actor, admission_id, line_id, **fields, summary=summary
                )
            )
        else:
            self._saver.start(lambda: medicines.record_regular_dose(actor, line_id, **fields))

    @Slot(object)
    def _on_dose_saved(self, result: SaveResult | QueuedSave) -> None:
        self.changed = True
        assert self._saving is not None
        line, outcome, reason = self._saving
        what = "given" if outcome == "given" else f"omitted — {OMITTED_REASONS[reason]}"
        if isinstance(result, QueuedSave):
            self.status.show_message(queued_text(result), "ok")
        else:
            text = (
                f"✔ SAVED at {fmt.local_time_text(self._bedside.clock())} — "
                f"{line.drug} {line.dose} {what}"
            )
            if result.escalations:
                raised = ", ".join(c.kind.label for c in result.escalations)
                text += f" · Escalation raised: {raised}"
            self.status.show_message(text, "ok")
        self.dose_given.clear()
        self.given.setChecked(True)
        self.omitted_reason.setCurrentIndex(0)
        self.save_button.setEnabled(True)

    @Slot(object)
    def _on_dose_refused(self, error: ServiceError) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, InvalidInput):
            message = next(iter(error.problems.values()))
        else:
            message = str(error)
        self.status.show_message(f"✖ Not saved — {message}", "alert")

    # -- closing --------------------------------------------------------------------------------

    def reject(self) -> None:
        if SaveState.SAVING in (self._saver.state, self._check_saver.state):
            self.status.show_message("Still saving — wait until this says Saved.", "busy")
            return
        super().reject()

    def done(self, code: int) -> None:
        self._saver.shutdown()
        self._check_saver.shutdown()
        if self._handle is not None:
            self._handle.cancel()
        super().done(code)
