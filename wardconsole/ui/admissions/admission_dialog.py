"""Admitting a patient: identity, bed, nurse and care setting, then the intake assessment.

The first tab is who and where: the hospital number is looked up as it is typed (new patient,
a readmission of someone discharged — which links the stays — or already on the ward, which is
refused), the date of birth is typed and shown back as an age, and only free beds are offered.
The other tabs are the intake (``IntakeForm``). The risk flags the intake raises are shown under
the tabs as they appear. Checking happens in the domain before anything is sent; the save is
one ``AdmissionService.admit`` call on the background worker (as whoever is signed in when
the nurse saves), and a refusal keeps everything typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain import intake as i
from wardconsole.domain.discharge import CARE_SETTINGS
from wardconsole.services.admissions import (
    AdmissionChoices,
    AdmissionService,
    NewPatient,
    NumberCheck,
)
from wardconsole.services.context import Actor, InvalidInput, ServiceError
from wardconsole.ui.access.session import acting_as
from wardconsole.ui.admissions.intake_form import IntakeForm, nurse_message
from wardconsole.ui.bedside.entry_time import TakenAtEdit
from wardconsole.ui.tasks import TaskHandle, TaskRunner
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.style_property import set_style_property

DATE_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y")
NUMBER_CHECK_DELAY_MS = 350
SEXES = (("unknown", "Not recorded"), ("female", "Female"), ("male", "Male"), ("other", "Other"))

IDENTITY_LABELS = {
    "hospital_number": "Hospital number",
    "name": "Name",
    "date_of_birth": "Date of birth",
    "admitted_at": "Admission time",
    "bed": "Bed",
    "care_setting": "Care setting",
}


@dataclass(frozen=True, slots=True)
class Admitted:
    """What the dialog saved."""

    admission_id: int
    patient_name: str
    bed: str | None
    record_baseline: bool
    """The nurse asked to record baseline observations now."""


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


class AdmissionDialog(QDialog):
    """Admit one patient with the intake (see the module docstring)."""

    def __init__(
        self,
        service: AdmissionService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        *,
        baseline_available: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AdmissionDialog")
        self.setWindowTitle("Admit patient — WardConsole")
        mark_form(self, FormKind.ADMISSION)
        self._service = service
        self._actor = current_actor
        """Who is acting: asked on the UI thread when the nurse acts."""
        self._runner = runner
        self._handles: list[TaskHandle] = []
        self._check: NumberCheck | None = None
        self._problems: dict[str, str] = {}
        self._saving = False
        self.result_value: Admitted | None = None
        self._number_timer = QTimer(self)
        self._number_timer.setSingleShot(True)
        self._number_timer.setInterval(NUMBER_CHECK_DELAY_MS)

        self.intake = IntakeForm()
        self.intake.insertTab(0, self._identity_page(), "Patient && bed")
        self.intake.setCurrentIndex(0)
        self.flag_preview = QLabel()
        self.flag_preview.setObjectName("flag_preview")
        self.flag_preview.setWordWrap(True)
        self.baseline = QCheckBox(
            "Record baseline observations and withdrawal chart as soon as the patient is admitted"
        )
        self.baseline.setObjectName("record_baseline")
        self.baseline.setChecked(baseline_available)
        self.baseline.setVisible(baseline_available)
        self.status = QLabel()
        self.status.setObjectName("save_status")
        self.status.setWordWrap(True)
        self.admit_button = QPushButton("&Admit patient")
        self.admit_button.setObjectName("admit_button")
        self.admit_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self._lay_out()
        self._connect_signals()
        self._on_intake_changed()
        self._load_choices()
        self.resize(1060, 680)  # fits a 1366 × 768 screen with a taskbar
        # The first thing typed is the hospital number (or a barcode scan), not the tab bar.
        self.hospital_number.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- public -------------------------------------------------------------------------------

    @classmethod
    def ask(
        cls,
        service: AdmissionService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        *,
        baseline_available: bool = False,
        parent: QWidget | None = None,
    ) -> Admitted | None:
        """Show the dialog modally; what was admitted, or None when nothing was saved."""
        dialog = cls(
            service,
            current_actor,
            runner,
            baseline_available=baseline_available,
            parent=parent,
        )
        dialog.exec()
        result = dialog.result_value
        dialog.setParent(None)  # the local reference is its only owner from here
        return result

    @property
    def number_check(self) -> NumberCheck | None:
        return self._check

    def admit(self) -> None:
        """Check everything here, then save in the background."""
        if self._saving:
            return
        patient, problems = self._identity()
        data = self.intake.values()
        try:
            i.parse_intake(
                data,
                admitted_at=self._admitted_at_or_now(),
                date_of_birth=patient.date_of_birth if patient else None,
            )
        except i.IntakeProblems as exc:
            problems.update(exc.problems)
        if self._check is not None and self._check.status == "admitted":
            problems["hospital_number"] = f"hospital_number: {self._check.message}"
        if problems:
            self._show_problems(problems)
            return
        assert patient is not None
        self._show_problems({})
        self._set_saving(True)
        bed = self.bed.currentData()
        readmission = self.readmission.isChecked()
        work = self._admit_work(patient, data, bed, readmission)
        self._track(
            self._runner.run(self, work, on_success=self._on_saved, on_failure=self._on_save_failed)
        )

    # -- layout -------------------------------------------------------------------------------

    def _identity_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.hospital_number = QLineEdit()
        self.hospital_number.setObjectName("hospital_number")
        self.hospital_number.setMaxLength(32)
        self.number_status = QLabel("Type the hospital number")
        self.number_status.setObjectName("number_status")
        self.number_status.setWordWrap(True)
        set_style_property(self.number_status, "tone", "muted")
        self.readmission = QCheckBox("Readmission of this patient (links to the earlier stay)")
        self.readmission.setObjectName("readmission")
        self.readmission.setVisible(False)
        self.given_name = QLineEdit()
        self.given_name.setObjectName("given_name")
        self.family_name = QLineEdit()
        self.family_name.setObjectName("family_name")
        names = QHBoxLayout()
        names.addWidget(self.given_name)
        names.addWidget(self.family_name)
        self.date_of_birth = QLineEdit()
        self.date_of_birth.setObjectName("date_of_birth")
        self.date_of_birth.setPlaceholderText("DD/MM/YYYY")
        self.age = QLabel()
        self.age.setObjectName("age")
        dob = QHBoxLayout()
        dob.addWidget(self.date_of_birth)
        dob.addWidget(self.age, 1)
        self.sex = QComboBox()
        self.sex.setObjectName("sex")
        for key, label in SEXES:
            self.sex.addItem(label, key)
        self.admitted_at = TakenAtEdit(self._now)
        self.admitted_at.setObjectName("admitted_at")
        self.inpatient = QRadioButton(CARE_SETTINGS["inpatient"])
        self.inpatient.setObjectName("care_inpatient")
        self.outpatient = QRadioButton(CARE_SETTINGS["supervised_outpatient"])
        self.outpatient.setObjectName("care_outpatient")
        self.inpatient.setChecked(True)
        care_group = QButtonGroup(page)
        care_group.addButton(self.inpatient)
        care_group.addButton(self.outpatient)
        care = QHBoxLayout()
        care.addWidget(self.inpatient)
        care.addWidget(self.outpatient)
        care.addStretch(1)
        self.bed = QComboBox()
        self.bed.setObjectName("bed")
        self.bed.addItem("loading free beds…", None)
        self.nurse = QComboBox()
        self.nurse.setObjectName("assigned_nurse")
        self.nurse.addItem("— unassigned —", None)
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("e.g. planned ketamine detox")
        form.addRow("Hospital number:", self.hospital_number)
        form.addRow("", self.number_status)
        form.addRow("", self.readmission)
        form.addRow("Given / family name:", names)
        form.addRow("Date of birth:", dob)
        form.addRow("Sex:", self.sex)
        form.addRow("Admission time:", self.admitted_at)
        form.addRow("Care setting:", care)
        form.addRow("Bed:", self.bed)
        form.addRow("Assigned nurse:", self.nurse)
        form.addRow("Reason for admission:", self.reason)
        self._identity_fields = {
            "hospital_number": self.hospital_number,
            "name": self.given_name,
            "date_of_birth": self.date_of_birth,
            "admitted_at": self.admitted_at.edit,
            "bed": self.bed,
        }
        self._identity_page_widget = page
        return page

    def _lay_out(self) -> None:
        title = QLabel("Admit a patient")
        title.setObjectName("dialog_title")
        who = QLabel(f"Admitting as {acting_as(self._actor)}")
        who.setObjectName("acting_as")
        set_style_property(who, "tone", "muted")
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(who)
        flags_title = QLabel("Risk flags from this intake:")
        flags_row = QHBoxLayout()
        flags_row.addWidget(flags_title)
        flags_row.addWidget(self.flag_preview, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.admit_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.intake, 1)
        layout.addLayout(flags_row)
        layout.addWidget(self.baseline)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.admit_button.clicked.connect(self.admit)
        self.cancel_button.clicked.connect(self.reject)
        self.intake.changed.connect(self._on_intake_changed)
        self.intake.currentChanged.connect(self._describe_problems)
        self.hospital_number.textEdited.connect(self._on_number_edited)
        self._number_timer.timeout.connect(self._on_number_timer)
        self.readmission.toggled.connect(self._on_readmission_toggled)
        self.date_of_birth.textChanged.connect(self._on_dob_changed)
        self.outpatient.toggled.connect(self._on_care_setting_changed)
        self.admitted_at.taken_at_changed.connect(self._on_admitted_at_changed)
        save = QShortcut(QKeySequence("Ctrl+Return"), self)
        save.activated.connect(self.admit)

    # -- background reads ---------------------------------------------------------------------

    def _track(self, handle: TaskHandle) -> None:
        self._handles = [h for h in self._handles if not h.finished and not h.cancelled]
        self._handles.append(handle)

    def _load_choices(self) -> None:
        self._track(
            self._runner.run(
                self,
                self._service.choices,
                on_success=self._on_choices,
                on_failure=self._on_choices_failed,
            )
        )

    def _on_choices(self, choices: AdmissionChoices) -> None:
        self.bed.clear()
        if not choices.free_beds:
            self.bed.addItem("no free bed", None)
        else:
            self.bed.addItem("— choose a bed —", None)
            for label in choices.free_beds:
                self.bed.addItem(label, label)
        self._on_care_setting_changed()
        for nurse in choices.nurses:
            self.nurse.addItem(nurse.name, nurse.staff_id)

    def _on_choices_failed(self, error: BaseException) -> None:
        self.bed.clear()
        self.bed.addItem("free beds unavailable", None)
        self._say(f"Could not read the free beds: {error}", "alert")

    @Slot()
    def _on_number_edited(self) -> None:
        self._check = None
        self.readmission.setChecked(False)
        self.readmission.setVisible(False)
        self._number_timer.start()

    @Slot()
    def _on_number_timer(self) -> None:
        number = self.hospital_number.text().strip()
        if not number:
            self.number_status.setText("Type the hospital number")
            return
        self.number_status.setText("Checking…")
        service = self._service
        self._track(
            self._runner.run(
                self,
                lambda: service.check_hospital_number(number),
                on_success=lambda check: self._on_number_checked(number, check),
                on_failure=lambda error: self.number_status.setText(f"Not checked: {error}"),
                key="hospital-number",
            )
        )

    def _on_number_checked(self, number: str, check: NumberCheck) -> None:
        if number != self.hospital_number.text().strip():
            return  # the nurse has typed on; a newer check is coming
        self._check = check
        self.number_status.setText(check.message)
        tone = {"new": "ok", "readmission": "soon", "admitted": "alert"}[check.status]
        set_style_property(self.number_status, "tone", tone)
        self.readmission.setVisible(check.status == "readmission")

    @Slot(bool)
    def _on_readmission_toggled(self, checked: bool) -> None:
        match = self._check.match if self._check is not None else None
        if checked and match is not None:
            self.given_name.setText(match.given_name)
            self.family_name.setText(match.family_name)
            self.date_of_birth.setText(f"{match.date_of_birth:%d/%m/%Y}")
        for edit in (self.given_name, self.family_name, self.date_of_birth):
            edit.setReadOnly(checked)

    # -- live feedback --------------------------------------------------------------------------

    @Slot()
    def _on_intake_changed(self) -> None:
        flags = i.preview_risk_flags(self.intake.values(), admitted_at=self._admitted_at_or_now())
        if not flags:
            self.flag_preview.setText("none so far")
            set_style_property(self.flag_preview, "tone", "muted")
            return
        self.flag_preview.setText("   ".join(f"⚑ {flag.label}" for flag in flags))
        self.flag_preview.setToolTip("\n".join(f"{f.label}: {f.reason}" for f in flags))
        urgent = any(f.kind in (i.SUICIDE_HIGH, i.SUICIDE_MODERATE) for f in flags)
        set_style_property(self.flag_preview, "tone", "alert" if urgent else "soon")

    @Slot(str)
    def _on_dob_changed(self, text: str) -> None:
        born = parse_date(text)
        if not text.strip():
            self.age.setText("")
        elif born is None:
            self.age.setText("type as DD/MM/YYYY")
        else:
            today = self._admitted_at_or_now().date()
            years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            self.age.setText(f"age {years}" if born < today else "after the admission date")

    @Slot()
    def _on_care_setting_changed(self) -> None:
        outpatient = self.outpatient.isChecked()
        index = self.bed.findData(None)
        if index >= 0:
            self.bed.setItemText(
                index,
                "no bed (outpatient)"
                if outpatient
                else "— choose a bed —"
                if self.bed.count() > 1
                else "no free bed",
            )

    @Slot()
    def _on_admitted_at_changed(self) -> None:
        self.intake.set_admitted_at(self.admitted_at.taken_at())
        self._on_dob_changed(self.date_of_birth.text())

    # -- saving ---------------------------------------------------------------------------------

    def _identity(self) -> tuple[NewPatient | None, dict[str, str]]:
        problems: dict[str, str] = {}
        if not self.hospital_number.text().strip():
            problems["hospital_number"] = "hospital_number: required"
        if not self.given_name.text().strip() or not self.family_name.text().strip():
            problems["name"] = "name: given and family name are required"
        born = parse_date(self.date_of_birth.text())
        if born is None:
            problems["date_of_birth"] = "date_of_birth: type it as DD/MM/YYYY"
        if self.inpatient.isChecked() and self.bed.currentData() is None:
            problems["bed"] = "bed: choose a free bed for an inpatient"
        problem = self.admitted_at.problem()
        if problem:
            problems["admitted_at"] = "admitted_at: is in the future; check the time"
        if problems:
            return None, problems
        assert born is not None
        return NewPatient(
            self.hospital_number.text().strip(),
            self.given_name.text().strip(),
            self.family_name.text().strip(),
            born,
            self.sex.currentData(),
        ), problems

    def _admit_work(
        self, patient: NewPatient, data: dict, bed: str | None, readmission: bool
    ) -> Callable[[], Admitted]:
        service, actor = self._service, self._actor()
        admitted_at = self.admitted_at.taken_at()
        care = "supervised_outpatient" if self.outpatient.isChecked() else "inpatient"
        nurse_id = self.nurse.currentData()
        reason = self.reason.text()
        bed = None if self.outpatient.isChecked() and bed is None else bed
        baseline = self.baseline.isChecked()

        def work() -> Admitted:  # runs on the worker: no widget is touched here
            admission_id = service.admit(
                actor,
                patient,
                bed=bed,
                admitted_at=admitted_at,
                reason=reason,
                assigned_nurse_id=nurse_id,
                care_setting=care,
                intake=data,
                readmission=readmission,
            )
            return Admitted(
                admission_id, f"{patient.given_name} {patient.family_name}", bed, baseline
            )

        return work

    def _on_saved(self, admitted: Admitted) -> None:
        self._saving = False
        self.result_value = admitted
        self._say(
            f"Admitted {admitted.patient_name}"
            + (f" to bed {admitted.bed}" if admitted.bed else ""),
            "ok",
        )
        self.accept()

    def _on_save_failed(self, error: BaseException) -> None:
        self._set_saving(False)
        if isinstance(error, InvalidInput):
            self._show_problems(error.problems)
        elif isinstance(error, ServiceError):
            self._say(f"Not admitted: {error}. Nothing was saved; your entries are kept.", "alert")
        else:
            self._say(
                f"The database did not answer ({type(error).__name__}: {error}). "
                "Your entries are kept; check the census before trying again.",
                "alert",
            )

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.admit_button.setEnabled(not saving)
        self.intake.setEnabled(not saving)
        if saving:
            self._say("Saving…", "muted")

    def _show_problems(self, problems: dict[str, str]) -> None:
        first = self.intake.show_problems(problems)
        identity_first: QWidget | None = None
        for key, widget in self._identity_fields.items():
            message = problems.get(key)
            set_style_property(widget, "invalid", "true" if message else "false")
            widget.setToolTip(_identity_message(key, message) if message else "")
            if message and identity_first is None:
                identity_first = widget
        if identity_first is not None:  # who and where come first
            first = identity_first
            self.intake.setCurrentWidget(self._identity_page_widget)
        identity_count = sum(1 for key in problems if key in self._identity_fields)
        self.intake.setTabText(
            0, f"Patient && bed  ⚠ {identity_count}" if identity_count else "Patient && bed"
        )
        self._problems = dict(problems)
        self._describe_problems()
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _describe_problems(self) -> None:
        """Say what is wrong on the tab in front, and how much is wrong elsewhere."""
        problems = self._problems
        if not problems:
            self._say("", "muted")
            return
        if self.intake.currentWidget() is self._identity_page_widget:
            here = [
                _identity_message(k, m) for k, m in problems.items() if k in self._identity_fields
            ]
        else:
            here = self.intake.problems_on_current_tab(problems)
        others = [
            nurse_message(k, m)
            for k, m in problems.items()
            if k not in self._identity_fields and k not in self.intake.field_keys()
        ]
        count = len(problems)
        text = (
            f"Not admitted: {count} answer{'s' if count != 1 else ''} need"
            f"{'s' if count == 1 else ''} attention (tabs marked ⚠)."
        )
        if here or others:
            text += " " + "; ".join(here + others)
        self._say(text, "alert")

    def _say(self, text: str, tone: str) -> None:
        self.status.setText(text)
        set_style_property(self.status, "tone", tone)

    def _admitted_at_or_now(self) -> datetime:
        return self.admitted_at.taken_at() or self._now()

    @staticmethod
    def _now() -> datetime:
        return datetime.now().astimezone()

    def done(self, result: int) -> None:
        for handle in self._handles:
            handle.cancel()
        self._number_timer.stop()
        super().done(result)


def _identity_message(key: str, message: str) -> str:
    label = IDENTITY_LABELS[key]
    return f"{label}:{message[len(key) + 1 :]}" if message.startswith(f"{key}:") else message
