"""Set a patient's supportive observation level: the level, why, and when to review it.

The nurse signed in is the named member of staff who sets it; "agreed with" records a doctor or
nurse in charge who made the decision with them. The recent history is shown so a change is made
knowing what came before. Levels are local policy: the dialog lists what the policy file defines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import escape

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

from wardconsole.domain.observation_levels import ObservationLevelPolicy
from wardconsole.services.observation_views import LevelView, PatientChecks
from wardconsole.ui import formatting as fmt
from wardconsole.ui.widgets.style_property import set_style_property

REVIEW_CHOICES_HOURS: tuple[int, ...] = (2, 4, 8, 12, 24, 48, 72)


@dataclass(frozen=True, slots=True)
class LevelEntry:
    level: str
    reason: str
    review_in: timedelta
    agreed_with: str = ""


class LevelDialog(QDialog):
    """Choose the level, give the reason and the review time (see module docstring)."""

    def __init__(
        self,
        patient: PatientChecks,
        policy: ObservationLevelPolicy,
        history: list[LevelView],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("LevelDialog")
        self.setWindowTitle(f"Observation level — {patient.bed} {patient.patient_name}")
        self.setMinimumWidth(560)
        header = QLabel(
            f"<b>{escape(patient.bed)} · {escape(patient.patient_name)}</b><br>"
            f"Now: {escape(patient.level_label)}"
        )
        header.setObjectName("dialog_title")
        header.setTextFormat(Qt.TextFormat.RichText)

        self.level = QComboBox()
        self.level.setObjectName("level_choice")
        for definition in policy.levels.values():
            self.level.addItem(f"{definition.label} — {definition.description}", definition.key)
        current = self.level.findData(patient.level)
        self.level.setCurrentIndex(max(0, current))
        self.reason = QLineEdit()
        self.reason.setObjectName("level_reason")
        self.reason.setPlaceholderText("e.g. C-SSRS moderate risk at 22:10; low mood")
        self.reason.setMaxLength(500)
        self.review = QComboBox()
        self.review.setObjectName("level_review")
        max_hours = int(policy.max_review.total_seconds() // 3600)
        default_hours = int(policy.default_review.total_seconds() // 3600)
        for hours in sorted({*REVIEW_CHOICES_HOURS, default_hours}):
            if hours <= max_hours:
                self.review.addItem(f"in {hours} h", hours)
        self.review.setCurrentIndex(max(0, self.review.findData(default_hours)))
        self.agreed_with = QLineEdit()
        self.agreed_with.setObjectName("level_agreed_with")
        self.agreed_with.setPlaceholderText("Optional, e.g. Dr Iyer (on call)")
        self.agreed_with.setMaxLength(120)
        form = QFormLayout()
        form.addRow("&Level:", self.level)
        form.addRow("R&eason:", self.reason)
        form.addRow("Re&view:", self.review)
        form.addRow("&Agreed with:", self.agreed_with)

        recent = QLabel(_history_text(history[:4]))
        recent.setObjectName("level_history")
        recent.setWordWrap(True)
        recent.setTextFormat(Qt.TextFormat.RichText)
        set_style_property(recent, "tone", "muted")
        signed = "" if policy.signed_off else ", not yet signed off"
        note = QLabel(
            f"Levels and intervals are local policy ({policy.name}, version "
            f"{policy.version}{signed}). The change is logged with your name and shown "
            "in the handoff."
        )
        note.setWordWrap(True)
        set_style_property(note, "tone", "muted")
        self.error = QLabel()
        self.error.setObjectName("dialog_error")
        set_style_property(self.error, "tone", "alert")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("Set level")
        save.setDefault(True)
        self.buttons.accepted.connect(self._on_save_requested)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(form)
        layout.addWidget(recent)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.reason.setFocus()

    def entry(self) -> LevelEntry:
        return LevelEntry(
            level=str(self.level.currentData()),
            reason=self.reason.text().strip(),
            review_in=timedelta(hours=int(self.review.currentData())),
            agreed_with=self.agreed_with.text().strip(),
        )

    def _on_save_requested(self) -> None:
        if not self.reason.text().strip():
            self.error.setText("Reason: say why the patient needs this level.")
            self.error.show()
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.accept()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        patient: PatientChecks,
        policy: ObservationLevelPolicy,
        history: list[LevelView],
    ) -> LevelEntry | None:
        dialog = cls(patient, policy, history, parent)
        return dialog.entry() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _history_text(history: list[LevelView]) -> str:
    """'Recent levels: Intermittent 15 min from Tue 26 Nov 03:12 by Robin Test — reason'."""
    if not history:
        return ""
    lines = []
    for view in history:
        who = f" by {escape(view.set_by)}" if view.set_by else ""
        reason = f" — {escape(view.reason)}" if view.reason else ""
        since = fmt.local_datetime_text(view.effective_from)
        lines.append(f"{escape(view.label)} from {since}{who}{reason}")
    return "Recent levels:<br>" + "<br>".join(lines)
