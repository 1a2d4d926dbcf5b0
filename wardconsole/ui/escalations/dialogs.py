"""The questions an escalation step asks: what was done, how it ended, why snooze, why not.

Each dialog names the escalation it is about, refuses to close without what it needs (the
message says which field), and has a ``classmethod ask()`` returning the answer or None, which
tests monkeypatch.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from wardconsole.store.repository import EscalationInfo
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
    "Other",
)
"""Common actions on this ward; 'Other' needs a description."""


class _EscalationDialog(QDialog):
    """Header naming the escalation, a form, an error line, and Save / Cancel."""

    def __init__(
        self, title: str, escalation: EscalationInfo, save_text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        header = QLabel(
            f"<b>{fmt.severity_text(escalation.severity)} · {escalation.kind.label}</b><br>"
            f"Bed {escalation.bed} · {escalation.patient_name}<br>{escalation.explanation}"
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
        save.setDefault(True)
        self.buttons.accepted.connect(self._on_save_requested)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    @staticmethod
    def text_field(name: str, placeholder: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setPlaceholderText(placeholder)
        field.setMaxLength(MAX_TEXT)
        field.setClearButtonEnabled(True)
        return field

    def problem(self) -> tuple[QWidget, str] | None:
        """The field to fix and what to say, or None when the answer is complete."""
        raise NotImplementedError

    def show_problem(self, field: QWidget, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_save_requested(self) -> None:
        problem = self.problem()
        if problem is None:
            self.accept()
        else:
            self.show_problem(*problem)


class RecordActionDialog(_EscalationDialog):
    """What was done about it: a common action and/or free text."""

    def __init__(self, escalation: EscalationInfo, parent: QWidget | None = None) -> None:
        super().__init__("Record action taken", escalation, "Record action", parent)
        self.preset = QComboBox()
        self.preset.setObjectName("action_preset")
        self.preset.addItems(ACTION_PRESETS)
        self.details = self.text_field("action_details", "e.g. Dr Iyer to attend in 10 min")
        self.form.addRow("&Action:", self.preset)
        self.form.addRow("&Details:", self.details)

    def text(self) -> str:
        preset, details = self.preset.currentText(), self.details.text().strip()
        if preset == "Other":
            return details
        return f"{preset} — {details}" if details else preset

    def problem(self) -> tuple[QWidget, str] | None:
        if not self.text():
            return self.details, "Details: describe the action taken (you chose 'Other')."
        return None

    @classmethod
    def ask(cls, parent: QWidget | None, escalation: EscalationInfo) -> str | None:
        dialog = cls(escalation, parent)
        return dialog.text() if dialog.exec() == QDialog.DialogCode.Accepted else None


class ResolveDialog(_EscalationDialog):
    """How it ended: the outcome is required (it goes on the trail and into the handoff)."""

    def __init__(self, escalation: EscalationInfo, parent: QWidget | None = None) -> None:
        super().__init__("Resolve escalation", escalation, "Resolve", parent)
        self.outcome = self.text_field("outcome", "e.g. Reviewed by doctor, NEWS2 now 3")
        self.form.addRow("&Outcome:", self.outcome)

    def problem(self) -> tuple[QWidget, str] | None:
        if not self.outcome.text().strip():
            return self.outcome, "Outcome: say how the escalation ended."
        return None

    @classmethod
    def ask(cls, parent: QWidget | None, escalation: EscalationInfo) -> str | None:
        dialog = cls(escalation, parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.outcome.text().strip()
        return None


class SnoozeDialog(_EscalationDialog):
    """Silence the alarm for a while, with a reason; it returns when the time is up."""

    def __init__(
        self, escalation: EscalationInfo, choices: tuple[int, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__("Snooze alarm", escalation, "Snooze", parent)
        self.minutes = QComboBox()
        self.minutes.setObjectName("snooze_minutes")
        for minutes in choices:
            self.minutes.addItem(f"{minutes} min", minutes)
        self.reason = self.text_field("snooze_reason", "e.g. Doctor already at the bedside")
        note = QLabel(
            f"At most {choices[-1]} min (ward policy). The alarm sounds again when the time is "
            "up unless someone has acknowledged it. The snooze and its reason are logged."
        )
        note.setWordWrap(True)
        set_style_property(note, "tone", "muted")
        self.form.addRow("&For:", self.minutes)
        self.form.addRow("&Reason:", self.reason)
        self.form.addRow(note)

    def problem(self) -> tuple[QWidget, str] | None:
        if not self.reason.text().strip():
            return self.reason, "Reason: a snooze needs a reason."
        return None

    @classmethod
    def ask(
        cls, parent: QWidget | None, escalation: EscalationInfo, choices: tuple[int, ...]
    ) -> tuple[int, str] | None:
        dialog = cls(escalation, choices, parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return int(dialog.minutes.currentData()), dialog.reason.text().strip()
        return None


class NotEscalatingDialog(_EscalationDialog):
    """A nurse's judgement that this needs no escalation: allowed, but never silent."""

    def __init__(self, escalation: EscalationInfo, parent: QWidget | None = None) -> None:
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
        self.form.addRow("&Reason:", self.reason)
        self.form.addRow(note)

    def problem(self) -> tuple[QWidget, str] | None:
        if not self.reason.text().strip():
            return self.reason, "Reason: say why this does not need escalating."
        return None

    @classmethod
    def ask(cls, parent: QWidget | None, escalation: EscalationInfo) -> str | None:
        dialog = cls(escalation, parent)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.reason.text().strip()
        return None
