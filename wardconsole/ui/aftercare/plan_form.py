"""The aftercare plan's fields, as one form: the service referred to, the first appointment, how
to reach the service and the patient, the crisis plan, relapse prevention, peer support and,
for an opioid co-user, naloxone supplied or advised. Used by the discharge dialog (completed
while discharging) and by the plan dialog (changed after discharge).

Mnemonics are chosen so that neither host reuses them: Alt+T, A, C, P, I, L, U, X (Alt+S stays
Save, Alt+R Redraft and Alt+D Discharge in the discharge dialog)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from wardconsole.domain.follow_up import OPIOID_TOLERANCE_WARNING, AftercarePlan
from wardconsole.ui.widgets.datetime_field import DateTimeField
from wardconsole.ui.widgets.style_property import set_style_property

FIELD_LABELS = {
    "service": "Referred to",
    "patient_phone": "Patient's phone",
    "crisis_plan_detail": "Crisis plan",
    "naloxone": "Naloxone",
}
"""How a plan field is named to the nurse (in a message naming what is missing)."""


def _text_box(name: str, placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setPlaceholderText(placeholder)
    box.setFixedHeight(52)
    box.setTabChangesFocus(True)  # Tab moves on, as in every other field
    return box


class AftercarePlanForm(QWidget):
    """The plan's fields (see the module docstring); ``current()`` reads them."""

    changed = Signal()
    """A field the checks look at changed (the host hides its old message)."""

    def __init__(
        self, now: datetime, plan: AftercarePlan | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        given = plan or AftercarePlan()
        self.service = QLineEdit(given.service)
        self.service.setObjectName("plan_service")
        self.has_appointment = QCheckBox("First appointment booked")
        self.has_appointment.setObjectName("plan_has_appointment")
        self.appointment = DateTimeField()
        self.appointment.setObjectName("plan_first_appointment")
        self.appointment.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        first = given.first_appointment or now + timedelta(days=2)
        self.appointment.setDateTime(QDateTime.fromSecsSinceEpoch(int(first.timestamp())))
        self.has_appointment.setChecked(given.first_appointment is not None)
        self.service_contact = QLineEdit(given.service_contact)
        self.service_contact.setObjectName("plan_service_contact")
        self.patient_phone = QLineEdit(given.patient_phone)
        self.patient_phone.setObjectName("plan_patient_phone")
        self.patient_phone.setPlaceholderText("For the follow-up call only; never printed")
        self.crisis_given = QCheckBox("Crisis plan given to the patient")
        self.crisis_given.setObjectName("plan_crisis_given")
        self.crisis_given.setChecked(given.crisis_plan_given)
        self.crisis_detail = _text_box("plan_crisis_detail", "What to do and whom to call")
        self.crisis_detail.setPlainText(given.crisis_plan_detail)
        self.relapse = _text_box("plan_relapse", "Relapse-prevention group or work")
        self.relapse.setPlainText(given.relapse_prevention)
        self.peer = QLineEdit(given.peer_support)
        self.peer.setObjectName("plan_peer_support")
        self.peer.setPlaceholderText("e.g. SMART Recovery, NA, a peer mentor")
        self.naloxone = QLineEdit(given.naloxone)
        self.naloxone.setObjectName("plan_naloxone")
        self.naloxone.setPlaceholderText("Opioid co-users: kit supplied / advice given")
        self.warning = QLabel(f"For opioid co-users: {OPIOID_TOLERANCE_WARNING}")
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setWordWrap(True)
        set_style_property(self.warning, "tone", "muted")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Referred &to:", self.service)
        form.addRow("", self.has_appointment)
        form.addRow("First &appointment:", self.appointment)
        form.addRow("Service &contact:", self.service_contact)
        form.addRow("Patient's &phone:", self.patient_phone)
        form.addRow("", self.crisis_given)
        form.addRow("Cr&isis plan:", self.crisis_detail)
        form.addRow("Re&lapse prevention:", self.relapse)
        form.addRow("Peer s&upport:", self.peer)
        form.addRow("Nalo&xone:", self.naloxone)
        form.addRow(self.warning)
        for line in (self.service, self.patient_phone, self.naloxone):
            line.textChanged.connect(self.changed)
        self.crisis_detail.textChanged.connect(self.changed)
        self.crisis_given.toggled.connect(self.changed)

    def set_opioid_co_user(self, opioid: bool) -> None:
        """An opioid co-user's plan needs naloxone: the field and the warning say so."""
        self.naloxone.setPlaceholderText(
            "Required: naloxone kit supplied / advice given"
            if opioid
            else "Opioid co-users: kit supplied / advice given"
        )
        self.warning.setText(
            f"Opioid co-user: {OPIOID_TOLERANCE_WARNING}"
            if opioid
            else f"For opioid co-users: {OPIOID_TOLERANCE_WARNING}"
        )
        set_style_property(self.warning, "tone", "alert" if opioid else "muted")

    def field(self, name: str) -> QWidget:
        """The widget of a plan field (to put the cursor where something is missing)."""
        return {
            "service": self.service,
            "patient_phone": self.patient_phone,
            "crisis_plan_detail": self.crisis_detail,
            "naloxone": self.naloxone,
        }.get(name, self.service)

    def current(self) -> AftercarePlan:
        first = (
            datetime.fromtimestamp(self.appointment.dateTime().toSecsSinceEpoch(), UTC)
            if self.has_appointment.isChecked()
            else None
        )
        return AftercarePlan(
            service=self.service.text().strip(),
            first_appointment=first,
            service_contact=self.service_contact.text().strip(),
            patient_phone=self.patient_phone.text().strip(),
            crisis_plan_given=self.crisis_given.isChecked(),
            crisis_plan_detail=self.crisis_detail.toPlainText().strip(),
            relapse_prevention=self.relapse.toPlainText().strip(),
            peer_support=self.peer.text().strip(),
            naloxone=self.naloxone.text().strip(),
        )


def gap_lines(gaps: dict[str, str]) -> list[str]:
    """'Referred to: name the service …', one line per missing item."""
    return [f"{FIELD_LABELS.get(field, field)}: {words}" for field, words in gaps.items()]
