"""The questions an escalation step asks: what was done, how it ended, why snooze, why not.

Each dialog names the escalation it is about, refuses to close without what it needs (the
message says which field), and is made for the keyboard of a tired nurse:

* focus starts in the first field, so typing never lands on a button (a space once pressed
  "Save" and the rest of the text went to the census filter);
* Return submits from a single-line field or a list when the form is complete (otherwise it
  says what is missing), Ctrl+Return submits from anywhere, Return in multi-line text is a new
  line; buttons are never pressed by Return just because they have focus;
* closing with typed text unsaved asks first — inside the dialog, never as a second window, so
  nothing blocks the idle lock (which covers the dialog and keeps the text) or a click on the
  alarm banner: the dialogs are not modal, and the console stays usable while one is open.

``open_()`` shows a dialog and calls back with the answer when it is saved; ``ask()`` waits for
the answer (scripts and tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtGui import (
    QCloseEvent,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.records import EscalationInfo
from wardconsole.ui import formatting as fmt
from wardconsole.ui.widgets.style_property import set_style_property

MAX_TEXT = 500
"""Free text longer than this belongs in the patient's notes, not on an escalation."""

ACTION_PRESETS: tuple[str, ...] = (
    "Doctor called",
    "Nurse in charge informed",
    "PRN given",
    "1:1 observation started",
    "Observations repeated",
    "Reassurance and de-escalation",
)
"""Common actions on this ward; none is chosen until the nurse picks one (typed text alone is
recorded as typed)."""
SUBMIT_KEYS = ("Ctrl+Return", "Ctrl+Enter")


class EscalationDialog(QDialog):
    """Header naming the escalation, a form, an error line, a discard question, Save / Cancel."""

    def __init__(
        self, title: str, escalation: EscalationInfo, save_text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        # Wide enough for the example in each field and for the second-person note in few lines.
        self.setMinimumWidth(600)
        self.setModal(False)
        self.escalation = escalation
        self._closing = False
        header = QLabel(
            f"<b>{fmt.severity_text(escalation.severity)} · {escalation.kind.label}</b><br>"
            f"{escalation.where} · {escalation.patient_name}<br>{escalation.explanation}"
        )
        header.setObjectName("escalation_header")
        header.setWordWrap(True)
        header.setTextFormat(Qt.TextFormat.RichText)
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setObjectName("dialog_error")
        self.error.setWordWrap(True)
        self.error.hide()
        set_style_property(self.error, "tone", "alert")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText(save_text)
        save.setToolTip("Save (Ctrl+Return)")
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):  # Return presses one only by our rules (above)
                button.setAutoDefault(False)
                button.setDefault(False)
        self.buttons.accepted.connect(self._on_save_requested)
        self.buttons.rejected.connect(self.reject)
        self.discard_bar = self._discard_bar()
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.discard_bar)
        layout.addStretch(1)  # any spare height goes above the buttons, not between the lines
        layout.addWidget(self.buttons)
        for keys in SUBMIT_KEYS:
            QShortcut(QKeySequence(keys), self, self._on_save_requested)

    def _discard_bar(self) -> QFrame:
        bar = QFrame()
        bar.setObjectName("discard_question")
        self.discard_label = QLabel("What you typed is not saved. Discard it?")
        self.discard_label.setWordWrap(True)
        set_style_property(self.discard_label, "tone", "alert")
        self.keep_button = QPushButton("Keep editing")
        self.keep_button.setObjectName("keep_editing")
        self.discard_button = QPushButton("Discard")
        self.discard_button.setObjectName("discard_typed")
        for button in (self.keep_button, self.discard_button):
            button.setAutoDefault(False)
        self.keep_button.clicked.connect(self._keep_editing)
        self.discard_button.clicked.connect(self._discard)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.discard_label, 1)
        row.addWidget(self.keep_button)
        row.addWidget(self.discard_button)
        bar.hide()
        return bar

    @staticmethod
    def text_field(name: str, placeholder: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setPlaceholderText(placeholder)
        field.setMaxLength(MAX_TEXT)
        field.setClearButtonEnabled(True)
        return field

    # -- what each dialog says -----------------------------------------------------------------

    def first_field(self) -> QWidget:
        """Where typing starts."""
        raise NotImplementedError

    def problem(self) -> tuple[QWidget, str] | None:
        """The field to fix and what to say, or None when the answer is complete."""
        raise NotImplementedError

    def answer(self) -> Any:
        """What was decided, once ``problem()`` is None."""
        raise NotImplementedError

    def add_second_person(self, what: str) -> None:
        """Fields for a colleague who signs in to confirm silencing an emergency (ward policy):
        the station stays signed in as before; both names go on the trail and the audit."""
        note = QLabel(
            f"An emergency is {what} only with a second member of staff. Ask a colleague to "
            "sign in here to confirm; you stay signed in."
        )
        note.setObjectName("second_person_note")
        note.setWordWrap(True)
        set_style_property(note, "tone", "alert")
        self.second_staff_id = self.text_field("second_staff_id", "their staff ID")
        self.second_password = QLineEdit()
        self.second_password.setObjectName("second_password")
        self.second_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(note)
        self.form.addRow("Colleague's staff &ID:", self.second_staff_id)
        self.form.addRow("Their pass&word:", self.second_password)

    def second_person(self) -> tuple[str, str] | None:
        """The colleague's staff ID and password, when this dialog asks for them."""
        if getattr(self, "second_staff_id", None) is None:
            return None
        return self.second_staff_id.text().strip(), self.second_password.text()

    def second_person_problem(self) -> tuple[QWidget, str] | None:
        second = self.second_person()
        if second is None:
            return None
        if not second[0]:
            return self.second_staff_id, "Staff ID: the colleague who confirms signs in here."
        if not second[1]:
            return self.second_password, "Password: the colleague types their own password."
        return None

    def typed_text(self) -> str:
        """Everything typed into the text fields (empty: nothing to lose on closing)."""
        return " ".join(f.text().strip() for f in self.findChildren(QLineEdit)).strip()

    # -- behaviour -----------------------------------------------------------------------------

    def show_problem(self, field: QWidget, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        field.setFocus(Qt.FocusReason.OtherFocusReason)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Never shorter than the wrapped lines need at this width (a window does not follow
        its labels' height-for-width by itself: the note's last line was cut)."""
        super().resizeEvent(event)
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth():
            self.setMinimumHeight(layout.totalHeightForWidth(self.width()))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.discard_bar.isVisible():
            self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if isinstance(focus, QAbstractButton):
                focus.click()  # a nurse who tabbed to a button and pressed Return means it
            elif isinstance(focus, QLineEdit | QComboBox):
                self._on_save_requested()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.discard_bar.isVisible():
            self._keep_editing()
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_save_requested(self) -> None:
        if self._closing or not self.isVisible():
            return
        problem = self.problem()
        if problem is None:
            self._closing = True
            self.accept()
        else:
            self.discard_bar.hide()
            self.show_problem(*problem)

    def reject(self) -> None:
        """Cancel, Esc or the window's close button: ask first when typed text would be lost."""
        if self.typed_text() and not self._closing:
            self.discard_bar.show()
            self.adjustSize()
            self.keep_button.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self._closing = True
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.typed_text() and not self._closing:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    def _keep_editing(self) -> None:
        self.discard_bar.hide()
        self.first_field().setFocus(Qt.FocusReason.OtherFocusReason)

    def _discard(self) -> None:
        self._closing = True
        super().reject()

    # -- opening -------------------------------------------------------------------------------

    def open_(self, on_answer: Callable[[Any], None]) -> None:
        """Show the dialog (not modal); ``on_answer`` gets the answer when it is saved."""
        self.accepted.connect(lambda: on_answer(self.answer()))
        self.show()
        self.raise_()
        self.activateWindow()

    def wait(self) -> Any:
        """Show the dialog and wait for it: the answer, or None when it was closed unsaved."""
        answers: list[Any] = []
        loop = QEventLoop()
        self.finished.connect(loop.quit)
        self.open_(answers.append)
        if self.isVisible():
            loop.exec()
        return answers[0] if answers else None


class RecordActionDialog(EscalationDialog):
    """What was done about it: typed in words, or a common action (with optional details)."""

    def __init__(self, escalation: EscalationInfo, parent: QWidget | None = None) -> None:
        super().__init__("Record action taken", escalation, "Record action", parent)
        self.details = self.text_field("action_details", "e.g. Dr Iyer to attend in 10 min")
        self.preset = QComboBox()
        self.preset.setObjectName("action_preset")
        self.preset.addItems(ACTION_PRESETS)
        self.preset.setPlaceholderText("(none — the words above say it)")
        self.preset.setCurrentIndex(-1)
        self.form.addRow("&What was done:", self.details)
        self.form.addRow("Common &action:", self.preset)

    def first_field(self) -> QWidget:
        return self.details

    def text(self) -> str:
        preset, details = self.preset.currentText(), self.details.text().strip()
        if not preset:
            return details
        return f"{preset} — {details}" if details else preset

    def answer(self) -> str:
        return self.text()

    def problem(self) -> tuple[QWidget, str] | None:
        if not self.text():
            return self.details, "What was done: type it, or choose a common action."
        return None

    def typed_text(self) -> str:
        return self.text()


class ResolveDialog(EscalationDialog):
    """How it ended: the outcome is required (it goes on the trail and into the handoff)."""

    def __init__(self, escalation: EscalationInfo, parent: QWidget | None = None) -> None:
        super().__init__("Resolve escalation", escalation, "Resolve", parent)
        self.outcome = self.text_field("outcome", "e.g. Reviewed by doctor, NEWS2 now 3")
        self.form.addRow("&Outcome:", self.outcome)

    def first_field(self) -> QWidget:
        return self.outcome

    def answer(self) -> str:
        return self.outcome.text().strip()

    def problem(self) -> tuple[QWidget, str] | None:
        if not self.outcome.text().strip():
            return self.outcome, "Outcome: say how the escalation ended."
        return None


class SnoozeDialog(EscalationDialog):
    """Silence the alarm for a while, with a reason; it returns when the time is up."""

    def __init__(
        self,
        escalation: EscalationInfo,
        choices: tuple[int, ...],
        parent: QWidget | None = None,
        *,
        second_person: bool = False,
    ) -> None:
        super().__init__("Snooze alarm", escalation, "Snooze", parent)
        self.reason = self.text_field("snooze_reason", "e.g. Doctor already at the bedside")
        self.minutes = QComboBox()
        self.minutes.setObjectName("snooze_minutes")
        for minutes in choices:
            self.minutes.addItem(f"{minutes} min", minutes)
        note = QLabel(
            f"At most {choices[-1]} min (ward policy). The alarm sounds again when the time is "
            "up unless someone has acknowledged it. The snooze and its reason are logged."
        )
        note.setWordWrap(True)
        set_style_property(note, "tone", "muted")
        self.form.addRow("R&eason:", self.reason)
        self.form.addRow("Snooze &for:", self.minutes)
        self.form.addRow(note)
        if second_person:
            self.add_second_person("snoozed")

    def first_field(self) -> QWidget:
        return self.reason

    def answer(self) -> tuple[int, str]:
        return int(self.minutes.currentData()), self.reason.text().strip()

    def problem(self) -> tuple[QWidget, str] | None:
        if not self.reason.text().strip():
            return self.reason, "Reason: a snooze needs a reason."
        return self.second_person_problem()


class NotEscalatingDialog(EscalationDialog):
    """A nurse's judgement that this needs no escalation: allowed, but never silent."""

    def __init__(
        self,
        escalation: EscalationInfo,
        parent: QWidget | None = None,
        *,
        second_person: bool = False,
    ) -> None:
        super().__init__("Decide not to escalate", escalation, "Close without escalating", parent)
        self.reason = self.text_field(
            "decline_reason", "e.g. Known baseline; reviewed by doctor at 02:00"
        )
        note = QLabel(
            "This closes the alarm. Your name, the time and the reason are logged and "
            "shown in the handoff."
        )
        note.setWordWrap(True)
        set_style_property(note, "tone", "muted")
        self.form.addRow("R&eason:", self.reason)
        self.form.addRow(note)
        if second_person:
            self.add_second_person("closed without escalating")

    def first_field(self) -> QWidget:
        return self.reason

    def answer(self) -> str:
        return self.reason.text().strip()

    def problem(self) -> tuple[QWidget, str] | None:
        if not self.reason.text().strip():
            return self.reason, "Reason: say why this does not need escalating."
        return self.second_person_problem()
