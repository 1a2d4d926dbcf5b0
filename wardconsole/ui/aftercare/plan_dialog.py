"""The aftercare plan of a discharged patient, changed after the discharge (it is first completed
in the discharge dialog): the fields are ``plan_form.AftercarePlanForm``. For an opioid co-user
the service refuses the plan without naloxone. A later save replaces the plan; both stay on
record."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.follow_up import AftercarePlan, plan_problems
from wardconsole.ui.aftercare.plan_form import AftercarePlanForm, gap_lines
from wardconsole.ui.widgets.style_property import set_style_property


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
        self.form = AftercarePlanForm(now, plan)
        form = self.form
        # The fields by name, as the tests and the follow-ups list know them.
        self.service, self.has_appointment = form.service, form.has_appointment
        self.appointment, self.service_contact = form.appointment, form.service_contact
        self.patient_phone, self.crisis_given = form.patient_phone, form.crisis_given
        self.crisis_detail, self.relapse = form.crisis_detail, form.relapse
        self.peer, self.naloxone = form.peer, form.naloxone
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
        layout.addWidget(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.plan: AftercarePlan | None = None
        form.changed.connect(self.error.hide)

    def current(self) -> AftercarePlan:
        return self.form.current()

    def _on_save_requested(self) -> None:
        plan = self.current()
        problems = plan_problems(plan)
        if problems:
            words = {field: message.split(": ", 1)[-1] for field, message in problems.items()}
            self.error.setText("\n".join(gap_lines(words)))
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
