"""Correcting an admission's intake: the same tabs, filled with the intake as it stands, and a
reason. Saving writes an amendment for each section that changed (one transaction); the intake
as first saved and every earlier amendment stay in the record. The risk flags are re-derived,
and amended C-SSRS / PHQ-9 / GAD-7 answers amend the admission's assessments."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain import intake as i
from wardconsole.services.admissions import AdmissionService, IntakeRecord
from wardconsole.services.context import Actor, InvalidInput, ServiceError
from wardconsole.ui import formatting as fmt
from wardconsole.ui.access.session import reader
from wardconsole.ui.admissions.intake_form import IntakeForm, nurse_message
from wardconsole.ui.tasks import TaskHandle, TaskRunner
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.style_property import set_style_property


class IntakeAmendDialog(QDialog):
    """Amend one admission's intake with a reason (see the module docstring)."""

    def __init__(
        self,
        service: AdmissionService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        admission_id: int,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("IntakeAmendDialog")
        self.setWindowTitle("Amend intake — WardConsole")
        mark_form(self, FormKind.ADMISSION)
        self._service = service
        self._actor = current_actor
        """Who is acting: asked on the UI thread when the nurse acts."""
        self._runner = runner
        self._admission_id = admission_id
        self._record: IntakeRecord | None = None
        self._as_loaded: dict = {}
        """The form's values as filled from the record: only sections the nurse changed are
        sent (the form shows times to the minute, so an untouched section must not count)."""
        self._handles: list[TaskHandle] = []
        self.result_value: tuple[str, ...] | None = None

        self.title = QLabel("Amend intake")
        self.title.setObjectName("dialog_title")
        self.history = QLabel("Reading the intake…")
        self.history.setObjectName("amendment_history")
        self.history.setWordWrap(True)
        set_style_property(self.history, "tone", "muted")
        self.intake = IntakeForm()
        self.intake.setEnabled(False)
        self.flag_preview = QLabel()
        self.flag_preview.setObjectName("flag_preview")
        self.flag_preview.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("amend_reason")
        self.reason.setPlaceholderText("why the intake is being corrected (required)")
        self.status = QLabel()
        self.status.setObjectName("save_status")
        self.status.setWordWrap(True)
        self.save_button = QPushButton("&Save amendment")
        self.save_button.setObjectName("save_amendment")
        self.save_button.setEnabled(False)
        cancel = QPushButton("Cancel")
        cancel.setAutoDefault(False)

        flags = QHBoxLayout()
        flags.addWidget(QLabel("Risk flags after the change:"))
        flags.addWidget(self.flag_preview, 1)
        reason = QHBoxLayout()
        reason.addWidget(QLabel("Reason:"))
        reason.addWidget(self.reason, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.history)
        layout.addWidget(self.intake, 1)
        layout.addLayout(flags)
        layout.addLayout(reason)
        layout.addLayout(buttons)

        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        self.intake.changed.connect(self._on_intake_changed)
        self._load()
        self.resize(1060, 700)

    @classmethod
    def ask(
        cls,
        service: AdmissionService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        admission_id: int,
        *,
        parent: QWidget | None = None,
    ) -> tuple[str, ...] | None:
        """Show the dialog modally; the risk flags after the amendment, or None if unsaved."""
        dialog = cls(service, current_actor, runner, admission_id, parent=parent)
        dialog.exec()
        result = dialog.result_value
        dialog.setParent(None)  # the local reference is its only owner from here
        return result

    @property
    def loaded(self) -> bool:
        return self._record is not None

    # -- reading -----------------------------------------------------------------------------------

    def _load(self) -> None:
        service, admission_id, who = self._service, self._admission_id, reader(self._actor)
        self._track(
            self._runner.run(
                self,
                lambda: service.intake(admission_id, reader=who),
                on_success=self._on_loaded,
                on_failure=lambda e: self._say(f"Could not read: {e}", "alert"),
            )
        )

    def _on_loaded(self, record: IntakeRecord) -> None:
        self._record = record
        detail = record.admission
        where = f"bed {detail.bed}" if detail.bed else "no bed"
        self.title.setText(f"Amend intake — {detail.name} ({where})")
        lines = [
            f"Intake saved {fmt.local_datetime_text(detail.admitted_at)}; it is kept as "
            "first saved, and each change is recorded with your reason."
        ]
        for amendment in record.amendments:
            lines.append(
                f"{i.SECTION_TITLES.get(amendment.section, amendment.section)} amended "
                f"{fmt.local_datetime_text(amendment.recorded_at)} by "
                f"{amendment.recorded_by}: {amendment.reason}"
            )
        self.history.setText("\n".join(lines))
        if record.current is None or detail.discharged_at is not None:
            why = (
                "no structured intake was recorded for this stay"
                if record.current is None
                else "the patient has been discharged; the record is read-only"
            )
            self._say(f"Cannot amend: {why}.", "alert")
            return
        self.intake.set_admitted_at(detail.admitted_at)
        self.intake.set_values(record.current.to_json())
        self._as_loaded = self.intake.values()
        self.intake.setEnabled(True)
        self.save_button.setEnabled(True)
        self._on_intake_changed()

    @Slot()
    def _on_intake_changed(self) -> None:
        if self._record is None:
            return
        flags = i.preview_risk_flags(
            self.intake.values(), admitted_at=self._record.admission.admitted_at
        )
        self.flag_preview.setText("   ".join(f"⚑ {f.label}" for f in flags) or "none")

    # -- saving ------------------------------------------------------------------------------------

    def save(self) -> None:
        record = self._record
        if record is None or record.current is None:
            return
        data = self.intake.values()
        problems: dict[str, str] = {}
        try:
            i.parse_intake(
                data,
                admitted_at=record.admission.admitted_at,
                date_of_birth=record.admission.date_of_birth,
            )
        except i.IntakeProblems as exc:
            problems.update(exc.problems)
        if not self.reason.text().strip():
            problems["reason"] = "reason: say why the intake is being corrected"
        if problems:
            self._refuse(problems)
            return
        self.intake.show_problems({})
        service, actor, admission_id = self._service, self._actor(), self._admission_id
        sections = {
            name: data[name] for name in i.SECTIONS if data[name] != self._as_loaded.get(name)
        }
        if not sections:
            self._say("Nothing has been changed yet.", "alert")
            return
        reason, version = self.reason.text(), record.admission.version
        self.save_button.setEnabled(False)
        self._say("Saving…", "muted")
        self._track(
            self._runner.run(
                self,
                lambda: service.amend_intake_sections(
                    actor, admission_id, sections, reason=reason, expected_version=version
                ),
                on_success=self._on_saved,
                on_failure=self._on_failed,
            )
        )

    def _on_saved(self, flags: tuple[str, ...]) -> None:
        self.result_value = flags
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, InvalidInput):
            self._refuse(error.problems)
        elif isinstance(error, ServiceError):
            self._say(f"Not saved: {error}. Your changes are kept.", "alert")
        else:
            self._say(
                f"The database did not answer ({error}). Your changes are kept; try again.", "alert"
            )

    def _refuse(self, problems: dict[str, str]) -> None:
        first = self.intake.show_problems(problems)
        set_style_property(self.reason, "invalid", "true" if "reason" in problems else "false")
        messages = [
            nurse_message(k, m).replace("reason:", "Reason:", 1) for k, m in problems.items()
        ]
        self._say("Not saved — " + "; ".join(messages), "alert")
        focus = self.reason if "reason" in problems and first is None else first
        if focus is not None:
            focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def _say(self, text: str, tone: str) -> None:
        self.status.setText(text)
        set_style_property(self.status, "tone", tone)

    def _track(self, handle: TaskHandle) -> None:
        self._handles = [h for h in self._handles if not h.finished and not h.cancelled]
        self._handles.append(handle)

    def done(self, result: int) -> None:
        for handle in self._handles:
            handle.cancel()
        super().done(result)
