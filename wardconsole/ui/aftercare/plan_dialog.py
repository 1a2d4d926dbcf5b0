"""The aftercare plan of a discharged patient: the service referred to, the first appointment,
how to reach the service and the patient, the crisis plan, relapse prevention and peer support;
for an opioid co-user, naloxone supplied or advised (the service refuses the plan without it).
A later save replaces the plan; both stay on record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.follow_up import OPIOID_TOLERANCE_WARNING, AftercarePlan, plan_problems
from wardconsole.ui.widgets.datetime_field import DateTimeField
from wardconsole.ui.widgets.style_property import set_style_property

_LABELS = {
    "service": "Referred to",
    "crisis_plan_detail": "Crisis plan",
    "naloxone": "Naloxone",
}


def _text_box(name: str, placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setPlaceholderText(placeholder)
    box.setFixedHeight(56)
    return box


class AftercarePlanDialog(QDialog):
    def __init__(
        self,
        patient_name: str,
        now: datetime,
        plan: AftercarePlan | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AftercarePlanDialog")
        self.setWindowTitle(f"Aftercare plan — {patient_name}")
        self.setMinimumWidth(620)
        given = plan or AftercarePlan()
        self.service = QLineEdit(given.service)
        self.service.setObjectName("plan_service")
        self.has_appointment = QCheckBox("First appointment booked")
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
        warning = QLabel(f"For opioid co-users: {escape(OPIOID_TOLERANCE_WARNING)}")
        warning.setWordWrap(True)
        set_style_property(warning, "tone", "muted")
        form = QFormLayout()
        form.addRow("Referred &to:", self.service)
        form.addRow("", self.has_appointment)
        form.addRow("First &appointment:", self.appointment)
        form.addRow("Service &contact:", self.service_contact)
        form.addRow("Patient's &phone:", self.patient_phone)
        form.addRow("", self.crisis_given)
        form.addRow("Cr&isis plan:", self.crisis_detail)
        form.addRow("Re&lapse prevention:", self.relapse)
        form.addRow("Pee&r support:", self.peer)
        form.addRow("Nalo&xone:", self.naloxone)
        self.error = QLabel()
        self.error.setObjectName("dialog_error")
        self.error.setWordWrap(True)
        set_style_property(self.error, "tone", "alert")
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save plan")
        buttons.accepted.connect(self._on_save_requested)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(warning)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.plan: AftercarePlan | None = None
        for box in (self.service, self.naloxone):
            box.textChanged.connect(self.error.hide)
        self.crisis_detail.textChanged.connect(self.error.hide)
        self.crisis_given.toggled.connect(self.error.hide)

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

    def _on_save_requested(self) -> None:
        plan = self.current()
        problems = plan_problems(plan)
        if problems:
            self.error.setText(
                "\n".join(
                    f"{_LABELS.get(field, field)}: {message.split(': ', 1)[-1]}"
                    for field, message in problems.items()
                )
            )
            self.error.show()
            return
        self.plan = plan
        self.accept()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        patient_name: str,
        now: datetime,
        plan: AftercarePlan | None = None,
    ) -> AftercarePlan | None:
        dialog = cls(patient_name, now, plan, parent)
        return dialog.plan if dialog.exec() == QDialog.DialogCode.Accepted else None
