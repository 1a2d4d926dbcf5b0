"""Record one therapy or support session: which, whether the patient took part, who led it,
when, and (optionally) craving ratings before and after.

Nothing is chosen for the nurse: the type and the attendance start blank and must be picked.
The craving ratings are the ward's craving assessment (0–10); "not rated" is the default and
a declined session has no "after" rating. The form checks with the domain before it closes, so
a problem is named at its field and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.sessions import MAX_LED_BY, Attendance, SessionType, check_session
from wardconsole.ui.bedside.entry_time import TakenAtEdit
from wardconsole.ui.widgets.datetime_field import DateTimeField
from wardconsole.ui.widgets.style_property import set_style_property

NOT_RATED = -1
"""The craving spin boxes' "not rated" value (shown as its special-value text)."""


@dataclass(frozen=True, slots=True)
class SessionForm:
    """What the nurse entered; ``ended_at`` None means "now" (the time of saving)."""

    session_type: SessionType
    attendance: Attendance
    started_at: datetime
    ended_at: datetime | None
    led_by: str
    craving_before: int | None
    craving_after: int | None
    note: str


_FIELD_LABELS = {
    "session_type": "Session",
    "attendance": "Attendance",
    "ended_at": "Ended",
    "started_at": "Started",
    "led_by": "Led by",
    "craving_before": "Craving before",
    "craving_after": "Craving after",
    "note": "Note",
}


def _craving_box(name: str) -> QSpinBox:
    box = QSpinBox()
    box.setObjectName(name)
    box.setRange(NOT_RATED, 10)
    box.setSpecialValueText("not rated")
    box.setValue(NOT_RATED)
    box.setSuffix(" / 10")
    box.setAccessibleName(name.replace("_", " "))
    return box


class SessionDialog(QDialog):
    """One session for one patient (see module docstring)."""

    def __init__(
        self, patient_title: str, clock: Callable[[], datetime], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SessionDialog")
        self.setWindowTitle(f"Therapy or support session — {patient_title}")
        self.setMinimumWidth(560)
        self._clock = clock
        header = QLabel(f"<b>{escape(patient_title)}</b>")
        header.setObjectName("dialog_title")
        header.setTextFormat(Qt.TextFormat.RichText)

        self.session_type = QComboBox()
        self.session_type.setObjectName("session_type")
        self.session_type.addItem("— choose —", "")
        for kind in SessionType:
            self.session_type.addItem(kind.label, kind.value)

        self.attendance = QButtonGroup(self)
        attendance_row = QHBoxLayout()
        for number, choice in enumerate(Attendance, start=1):
            button = QRadioButton(f"&{number} {choice.label}")
            button.setObjectName(f"attendance_{choice.value}")
            self.attendance.addButton(button, number)
            attendance_row.addWidget(button)
        attendance_row.addStretch(1)
        self.attendance.idToggled.connect(self._on_attendance_toggled)

        now = clock()
        self.started = DateTimeField()
        self.started.setObjectName("started_at")
        self.started.setDisplayFormat("ddd d MMM  HH:mm")
        self.started.setDateTime(
            QDateTime.fromSecsSinceEpoch(int((now - timedelta(minutes=45)).timestamp()))
        )
        self.ended = TakenAtEdit(clock)
        self.ended.edit.setObjectName("ended_at")
        self.ended.edit.setAccessibleName("Time ended")
        self.led_by = QLineEdit()
        self.led_by.setObjectName("led_by")
        self.led_by.setMaxLength(MAX_LED_BY)
        self.led_by.setPlaceholderText("Who ran it, e.g. key worker, peer mentor, art therapist")
        self.craving_before = _craving_box("craving_before")
        self.craving_after = _craving_box("craving_after")
        cravings = QHBoxLayout()
        cravings.addWidget(QLabel("Before:"))
        cravings.addWidget(self.craving_before)
        cravings.addSpacing(16)
        cravings.addWidget(QLabel("After:"))
        cravings.addWidget(self.craving_after)
        cravings.addStretch(1)
        self.note = QPlainTextEdit()
        self.note.setObjectName("session_note")
        self.note.setPlaceholderText("Optional: how it went, what the patient said")
        self.note.setFixedHeight(70)

        form = QFormLayout()
        form.addRow("Sess&ion:", self.session_type)
        form.addRow("Attendance:", attendance_row)
        form.addRow("S&tarted:", self.started)
        form.addRow("&Ended:", self.ended)
        form.addRow("&Led by:", self.led_by)
        form.addRow("Craving (0–10):", cravings)
        form.addRow("N&ote:", self.note)
        hint = QLabel(
            "Craving ratings are saved as the ward's craving assessment, at the start and the "
            "end of the session, so the craving chart and its alerts include them."
        )
        hint.setWordWrap(True)
        set_style_property(hint, "tone", "muted")

        self.error = QLabel()
        self.error.setObjectName("dialog_error")
        self.error.setWordWrap(True)
        set_style_property(self.error, "tone", "alert")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save session")
        self.buttons.accepted.connect(self._on_save_requested)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.form: SessionForm | None = None
        self.session_type.currentIndexChanged.connect(self.error.hide)
        self.attendance.idToggled.connect(self.error.hide)

    def chosen_attendance(self) -> Attendance | None:
        number = self.attendance.checkedId()
        return list(Attendance)[number - 1] if number > 0 else None

    def _on_attendance_toggled(self, number: int, checked: bool) -> None:
        declined = checked and list(Attendance)[number - 1] is Attendance.DECLINED
        if declined:
            self.craving_after.setValue(NOT_RATED)
        self.craving_after.setEnabled(not declined)

    def _values(self) -> dict[str, object]:
        attended = self.chosen_attendance()
        started = datetime.fromtimestamp(self.started.dateTime().toSecsSinceEpoch(), UTC)
        return {
            "session_type": str(self.session_type.currentData() or ""),
            "attendance": attended.value if attended is not None else "",
            "started_at": started,
            "ended_at": self.ended.taken_at(),
            "led_by": self.led_by.text(),
            "craving_before": _rating(self.craving_before),
            "craving_after": _rating(self.craving_after),
            "note": self.note.toPlainText(),
        }

    def _on_save_requested(self) -> None:
        values = self._values()
        ended = values["ended_at"]
        try:
            entry = check_session(
                session_type=str(values["session_type"]),
                attendance=str(values["attendance"]),
                started_at=values["started_at"],  # type: ignore[arg-type]
                ended_at=ended if isinstance(ended, datetime) else self._clock(),
                led_by=str(values["led_by"]),
                craving_before=values["craving_before"],
                craving_after=values["craving_after"],
                note=str(values["note"]),
            )
        except ValueError as exc:
            self.show_problems(dict(exc.args[0]))
            return
        if (future := self.ended.problem()) is not None:
            self.show_problems({"ended_at": future.replace("Time taken", "ended_at")})
            return
        self.form = SessionForm(
            entry.session_type,
            entry.attendance,
            entry.started_at,
            ended if isinstance(ended, datetime) else None,
            entry.led_by,
            entry.craving_before,
            entry.craving_after,
            entry.note,
        )
        self.accept()

    def show_problems(self, problems: dict[str, str]) -> None:
        """Name each field with a problem in the form's words; nothing is saved."""
        lines = []
        for field, message in problems.items():
            label = _FIELD_LABELS.get(field, field)
            text = message.split(": ", 1)[1] if message.startswith(f"{field}: ") else message
            if field == "session_type" and not self.session_type.currentData():
                text = "choose the kind of session"
            if field == "attendance" and self.chosen_attendance() is None:
                text = "choose attended, declined or left early"
            lines.append(f"{label}: {text}")
        self.error.setText("\n".join(lines))
        self.error.show()

    @classmethod
    def ask(
        cls, parent: QWidget | None, patient_title: str, clock: Callable[[], datetime]
    ) -> SessionForm | None:
        dialog = cls(patient_title, clock, parent)
        return dialog.form if dialog.exec() == QDialog.DialogCode.Accepted else None


def _rating(box: QSpinBox) -> int | None:
    return None if box.value() == NOT_RATED else box.value()
