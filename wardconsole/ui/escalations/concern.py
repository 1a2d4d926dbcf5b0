"""Raise concern…: a nurse escalates whatever the scores say.

SIGN 167 (REFERENCE-2.md §12.10): an observation system is an aid to clinical judgement and
never replaces clinical concern. The concern becomes an ordinary escalation (banner, sound,
acknowledge, cascade, handoff, audit, FHIR Flag) through ``EscalationService.raise_concern``; the
dialog asks only for the severity and the reason, and refuses to close without a reason.
Offered on the census (menu, context menu, shortcut) and in every patient window.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.changes import Change
from wardconsole.domain.records import Severity
from wardconsole.services.context import Actor
from wardconsole.services.escalations import EscalationService
from wardconsole.services.views import CensusRow
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.style_property import set_style_property

if TYPE_CHECKING:  # the patient window (and its charts) load with the first patient opened
    from wardconsole.ui.patient.patient_window import PatientWindow

CONCERN_SHORTCUT = "Ctrl+Shift+C"
"""Free app-wide (checked against every other action's shortcut by the UI tests)."""
CONCERN_TEXT = "Raise &concern…"
MAX_REASON = 1000


class ConcernDialog(QDialog):
    """Severity (urgent / emergency) and what worries you; Save raises the escalation."""

    def __init__(self, patient: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Raise concern")
        self.setMinimumWidth(520)
        header = QLabel(
            f"<b>{patient}</b><br>Escalate because you are worried, whatever the scores say: "
            "it sounds, needs acknowledging and cascades like any escalation."
        )
        header.setObjectName("concern_header")
        header.setWordWrap(True)
        header.setTextFormat(Qt.TextFormat.RichText)
        self.urgent = QRadioButton("&Urgent — review soon")
        self.urgent.setObjectName("concern_urgent")
        self.emergency = QRadioButton("&Emergency — review now")
        self.emergency.setObjectName("concern_emergency")
        self._severity = QButtonGroup(self)
        self._severity.addButton(self.urgent)
        self._severity.addButton(self.emergency)
        self.urgent.setChecked(True)
        severity_row = QHBoxLayout()
        severity_row.addWidget(self.urgent)
        severity_row.addWidget(self.emergency)
        severity_row.addStretch(1)
        reason_label = QLabel("&What worries you? (required)")
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("concern_reason")
        self.reason.setPlaceholderText("e.g. Grey and clammy, not himself since tea")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(90)
        reason_label.setBuddy(self.reason)
        self.error = QLabel()
        self.error.setObjectName("dialog_error")
        self.error.setWordWrap(True)
        self.error.hide()
        set_style_property(self.error, "tone", "alert")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Raise concern")
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self._on_save_requested)
        self.buttons.rejected.connect(self.reject)
        save = QShortcut(QKeySequence("Ctrl+Return"), self)
        save.activated.connect(self._on_save_requested)
        self.reason.installEventFilter(self)  # Ctrl+Return saves from inside the text too
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(severity_row)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.reason
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self._on_save_requested()
            return True
        return super().eventFilter(watched, event)

    def severity(self) -> Severity:
        return Severity.EMERGENCY if self.emergency.isChecked() else Severity.URGENT

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    @Slot()
    def _on_save_requested(self) -> None:
        text = self.reason_text()
        if not text:
            self._problem("Say what worries you about the patient: a concern needs a reason.")
        elif len(text) > MAX_REASON:
            self._problem(f"Keep the reason under {MAX_REASON} characters; the rest in the notes.")
        else:
            self.accept()

    def _problem(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.adjustSize()  # room for the message without squeezing the wrapped header
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    @classmethod
    def ask(cls, parent: QWidget | None, patient: str) -> tuple[Severity, str] | None:
        dialog = cls(patient, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.severity(), dialog.reason_text()


class ConcernController(QObject):
    """The "Raise concern…" action for the census and for each patient window (a
    ``ui.controller.Controller``)."""

    concern_raised = Signal(int)
    """A concern was written for this admission (the escalation board should re-read now)."""

    message_requested = Signal(str)
    """A short message for the status bar."""

    def __init__(
        self,
        service: EscalationService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        window: QWidget,
        selected_row: Callable[[], CensusRow | None],
    ) -> None:
        super().__init__(window)
        self._service = service
        self._actor = current_actor
        self._runner = runner
        self._window = window
        self._selected_row = selected_row
        self.concern_action = self._make_action(window)
        self.concern_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.concern_action.triggered.connect(self._on_census_concern)

    def actions(self) -> list[QAction]:
        return [self.concern_action]

    def on_changes(self, changes: list[Change]) -> None:
        """Nothing to reload: the escalation panel follows the changes itself."""

    def shutdown(self) -> None:
        """A concern still being written is written; its message is dropped with the window."""
        self._runner.cancel_all(self)

    def raise_concern(self, row: CensusRow, parent: QWidget | None = None) -> None:
        """Ask for severity and reason, then raise it in the background."""
        service, current_actor = self._service, self._actor
        owner = parent or self._window
        answer = ConcernDialog.ask(owner, f"Bed {row.bed} · {row.patient_name}")
        if answer is None:
            return
        severity, reason = answer
        admission_id = row.admission_id
        owner_ref = weakref.ref(owner)
        actor = current_actor()

        def raised(_result: object) -> None:
            self.concern_raised.emit(admission_id)
            self.message_requested.emit(
                f"Concern raised ({severity.label.lower()}) for {row.patient_name}"
            )

        def failed(error: BaseException) -> None:
            shown = owner_ref()
            QMessageBox.warning(shown, "Concern not raised", f"{error}\n\nTry again.")

        self._runner.run(
            self,
            lambda: service.raise_concern(actor, admission_id, severity, reason),
            on_success=raised,
            on_failure=failed,
        )

    def attach(self, window: PatientWindow) -> QAction:
        """Give a patient window its own "Raise concern…" (same shortcut, its patient), in
        its context menu and header beside the bedside actions; done once per window."""
        existing = [a for a in window.actions() if a.objectName() == "raise_concern"]
        if existing:
            return existing[0]
        action = self._make_action(window)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        window_ref = weakref.ref(window)  # the window owns the action: no cycle back to it

        def triggered() -> None:
            shown = window_ref()
            if shown is not None and not shown.discharged:
                self.raise_concern(shown.row, parent=shown)

        action.triggered.connect(triggered)
        window.addAction(action)
        window.header.add_actions([action])
        return action

    def _make_action(self, parent: QObject) -> QAction:
        action = QAction(CONCERN_TEXT, parent)
        action.setObjectName("raise_concern")
        action.setShortcut(QKeySequence(CONCERN_SHORTCUT))
        action.setStatusTip("Escalate a patient you are worried about, whatever the scores say")
        return action

    @Slot()
    def _on_census_concern(self) -> None:
        row = self._selected_row()
        if row is None:
            self.message_requested.emit("Select a patient on the census first")
            return
        self.raise_concern(row)
