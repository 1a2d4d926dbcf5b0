"""Record one safety check: how the patient was (keys 1–5) and where; Enter saves.

Built for a dark ward at night: large choices, one key each, nothing to type for a patient
asleep in bed ("Asleep — breathing observed" is recorded without waking anyone). Nothing is
chosen for the nurse: a check says what was seen. "Not found" says plainly that saving raises
the absent-patient emergency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.safety_checks import Presentation
from wardconsole.services.context import Actor
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.observation_views import CheckResult, PatientChecks
from wardconsole.ui import formatting as fmt
from wardconsole.ui.widgets.style_property import set_style_property

PRESENTATIONS: tuple[Presentation, ...] = tuple(Presentation)
"""In key order: 1 asleep, 2 calm, 3 distressed, 4 agitated, 5 not found."""


@dataclass(frozen=True, slots=True)
class CheckEntry:
    presentation: Presentation
    location: str
    note: str = ""

    def saver(
        self, service: ObservationLevelService, actor: Actor, admission_id: int, save_key: str
    ) -> Callable[[], CheckResult]:
        """The save for the worker: it holds only the service and plain values (who is acting
        was read on the UI thread at the click), from the census and from the round alike."""
        return lambda: service.record_check(
            actor, admission_id, self.presentation, self.location, note=self.note, save_key=save_key
        )


class CheckDialog(QDialog):
    """How and where the patient was at this check (see module docstring)."""

    def __init__(
        self, patient: PatientChecks, locations: tuple[str, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("CheckDialog")
        self.setWindowTitle(f"Safety check — {patient.bed} {patient.patient_name}")
        self.setMinimumWidth(520)
        header = QLabel(
            f"<b>{escape(patient.bed)} · {escape(patient.patient_name)}</b><br>"
            f"{escape(patient.level_label)}"
            f" · next check by {fmt.local_time_text(patient.deadline)}"
        )
        header.setObjectName("dialog_title")
        header.setTextFormat(Qt.TextFormat.RichText)

        self.choices = QButtonGroup(self)
        self.choices.setExclusive(True)
        grid = QGridLayout()
        grid.setSpacing(8)
        for number, presentation in enumerate(PRESENTATIONS, start=1):
            button = QPushButton(f"&{number}  {presentation.label}")
            button.setObjectName(f"how_{presentation.value}")
            button.setCheckable(True)
            button.setMinimumHeight(44)
            self.choices.addButton(button, number)
            grid.addWidget(button, (number - 1) // 2, (number - 1) % 2)
        self.choices.idToggled.connect(self._on_choice_toggled)

        self.location = QComboBox()
        self.location.setObjectName("check_location")
        self.location.setEditable(True)
        self.location.addItems(list(locations))
        last = patient.last_check.location if patient.last_check else ""
        self.location.setCurrentText(last or (locations[0] if locations else ""))
        self.note = QLineEdit()
        self.note.setObjectName("check_note")
        self.note.setPlaceholderText("Optional, e.g. settled after PRN")
        self.note.setMaxLength(500)
        self._where_label = QLabel("&Where:")
        self._where_label.setBuddy(self.location)
        form = QFormLayout()
        form.addRow(self._where_label, self.location)
        form.addRow("N&ote:", self.note)

        self.warning = QLabel("Saving raises an ABSENT PATIENT emergency on every station now.")
        self.warning.setObjectName("absent_warning")
        self.warning.setWordWrap(True)
        set_style_property(self.warning, "tone", "alert")
        self.warning.hide()
        self.error = QLabel()
        self.error.setObjectName("dialog_error")
        set_style_property(self.error, "tone", "alert")
        self.error.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Save check")
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self._on_save_requested)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(QLabel("How was the patient? (press 1–5)"))
        layout.addLayout(grid)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def presentation(self) -> Presentation | None:
        number = self.choices.checkedId()
        return PRESENTATIONS[number - 1] if number > 0 else None

    def entry(self) -> CheckEntry | None:
        how = self.presentation()
        if how is None:
            return None
        return CheckEntry(how, self.location.currentText().strip(), self.note.text().strip())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """1–5 choose how the patient was, unless the nurse is typing a place or a note."""
        number = event.key() - Qt.Key.Key_0
        typing = self.note.hasFocus() or self.location.hasFocus()
        if (
            1 <= number <= len(PRESENTATIONS)
            and not typing
            and not event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        ):
            self.choices.button(number).click()
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_choice_toggled(self, number: int, checked: bool) -> None:
        if not checked:
            return
        absent = PRESENTATIONS[number - 1] is Presentation.NOT_FOUND
        self.warning.setVisible(absent)
        self._where_label.setText("&Where you looked:" if absent else "&Where:")
        self.save_button.setText("Save and raise alarm" if absent else "Save check")
        self.error.hide()
        self.save_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_save_requested(self) -> None:
        if self.presentation() is None:
            self._show_problem("How: choose how the patient was (1–5).")
            return
        if not self.location.currentText().strip():
            self._show_problem("Where: say where the patient was seen (or where you looked).")
            self.location.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.accept()

    def _show_problem(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    @classmethod
    def ask(
        cls, parent: QWidget | None, patient: PatientChecks, locations: tuple[str, ...]
    ) -> CheckEntry | None:
        dialog = cls(patient, locations, parent)
        return dialog.entry() if dialog.exec() == QDialog.DialogCode.Accepted else None
