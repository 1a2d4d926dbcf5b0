"""Discharging a patient to ongoing treatment, with a summary drafted from the stay.

The draft (length of stay, intake, course of symptoms with numbers, escalations, PRN use, status
at discharge) is read in the background and is the nurse's to edit; choosing a destination
rewrites only its "Destination:" line, so edits elsewhere are kept. "Redraft" replaces the text
with a fresh draft (Ctrl+Z brings the edits back). Escalations still open are named: discharging
closes them with an outcome that says so. Destinations that need a reason (self-discharge
against advice, transfer to hospital) cannot be confirmed without it.

The aftercare plan is completed here, in the middle column (``aftercare.plan_form``), and saved
with the discharge. For a destination that owes a follow-up call, a plan that lacks what the
call needs (the service, the patient's phone, the crisis plan's words, naloxone for an opioid
co-user) is asked about, each gap named, or refused, as the follow-up policy says; the
summary's follow-up line follows the plan as it is typed. Tab runs destination → details →
time → the plan's fields → the summary → Discharge.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont, QTextCursor
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.discharge import (
    FOLLOW_UP_PLACEHOLDER,
    Destination,
    destination_line,
    unfinished,
)
from wardconsole.domain.follow_up import plan_gaps, plan_lines
from wardconsole.services.context import Actor, InvalidInput, ServiceError
from wardconsole.services.discharge import DischargeDraft, DischargeService, PlanIncomplete
from wardconsole.ui import formatting as fmt
from wardconsole.ui.access.session import acting_as
from wardconsole.ui.aftercare.plan_form import AftercarePlanForm, gap_lines
from wardconsole.ui.bedside.entry_time import TakenAtEdit
from wardconsole.ui.tasks import TaskHandle, TaskRunner
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.confirm import confirm_despite
from wardconsole.ui.widgets.style_property import set_style_property

_DESTINATION_LINE = re.compile(r"^Destination:.*$", re.MULTILINE)
_DISCHARGED_LINE = re.compile(r"^Discharged:.*$", re.MULTILINE)
_PLAN_PREFIX = "Aftercare plan: "
_FOLLOW_UP_LINE = re.compile(
    rf"^({re.escape(FOLLOW_UP_PLACEHOLDER)}|{re.escape(_PLAN_PREFIX)}.*)$", re.MULTILINE
)


@dataclass(frozen=True, slots=True)
class Discharged:
    admission_id: int
    patient_name: str
    destination: Destination


class DischargeDialog(QDialog):
    """Discharge one admitted patient (see the module docstring)."""

    def __init__(
        self,
        service: DischargeService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        admission_id: int,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DischargeDialog")
        self.setWindowTitle("Discharge — WardConsole")
        mark_form(self, FormKind.ADMISSION)
        self._service = service
        self._actor = current_actor
        """Who is acting: asked on the UI thread when the nurse acts."""
        self._runner = runner
        self._admission_id = admission_id
        self._draft: DischargeDraft | None = None
        self._handles: list[TaskHandle] = []
        self._saving = False
        self.result_value: Discharged | None = None
        self._build()
        self._connect_signals()
        self._load_draft(replace=True)
        self.resize(1340, 690)  # fits a 1366 × 768 screen with a taskbar and a frame

    @classmethod
    def ask(
        cls,
        service: DischargeService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        admission_id: int,
        *,
        parent: QWidget | None = None,
    ) -> Discharged | None:
        """Show the dialog modally; the discharge made, or None when nothing was saved."""
        dialog = cls(service, current_actor, runner, admission_id, parent=parent)
        dialog.exec()
        result = dialog.result_value
        dialog.setParent(None)  # the local reference is its only owner from here
        return result

    @property
    def draft(self) -> DischargeDraft | None:
        return self._draft

    def destination(self) -> Destination | None:
        button = self._destinations.checkedButton()
        return Destination(button.objectName().removeprefix("dest_")) if button else None

    # -- layout ------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel("Discharge")
        self.title.setObjectName("dialog_title")
        who = QLabel(f"Discharging as {acting_as(self._actor)}")
        set_style_property(who, "tone", "muted")
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(who)

        box = QGroupBox("Destination")
        box.setObjectName("destination")
        self._destinations = QButtonGroup(self)
        column = QVBoxLayout(box)
        for destination in Destination:
            button = QRadioButton(destination.label)
            button.setObjectName(f"dest_{destination.value}")
            self._destinations.addButton(button)
            column.addWidget(button)
        self.detail_label = QLabel("Details:")
        self.detail_label.setWordWrap(True)
        self.detail = QLineEdit()
        self.detail.setObjectName("destination_detail")
        column.addSpacing(8)
        column.addWidget(self.detail_label)
        column.addWidget(self.detail)
        self.discharged_at = TakenAtEdit(self._station_now)
        when = QLabel("Discharge time:")
        self.open_escalations = QLabel()
        self.open_escalations.setObjectName("open_escalations")
        self.open_escalations.setWordWrap(True)
        left = QVBoxLayout()
        left.addWidget(box)
        left.addWidget(when)
        left.addWidget(self.discharged_at)
        left.addSpacing(8)
        left.addWidget(self.open_escalations)
        left.addStretch(1)

        plan_box = QGroupBox("Aftercare plan")
        plan_box.setObjectName("aftercare_plan")
        plan_box.setMaximumWidth(440)
        self.plan_form = AftercarePlanForm(self._station_now())
        self.plan_note = QLabel("Choose a destination: the plan it needs is shown here.")
        self.plan_note.setObjectName("plan_note")
        self.plan_note.setWordWrap(True)
        set_style_property(self.plan_note, "tone", "muted")
        plan_column = QVBoxLayout(plan_box)
        plan_column.addWidget(self.plan_note)
        plan_column.addWidget(self.plan_form)
        plan_column.addStretch(1)

        summary_title = QLabel(
            "Discharge summary — drafted from the record; edit before confirming"
        )
        summary_title.setObjectName("summary_title")
        summary_title.setWordWrap(True)
        self.summary = QPlainTextEdit()
        self.summary.setObjectName("summary")
        self.summary.setPlaceholderText("Reading the stay…")
        self.summary.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.summary.setTabChangesFocus(True)
        font = QFont(self.summary.font())
        font.setPointSizeF(max(10.5, font.pointSizeF()))
        self.summary.setFont(font)
        self.redraft_button = QPushButton("&Redraft from the record")
        self.redraft_button.setObjectName("redraft_button")
        self.redraft_button.setAutoDefault(False)
        self.redraft_button.setToolTip("Replace the text with a fresh draft (Ctrl+Z undoes)")
        right = QVBoxLayout()
        title_row = QHBoxLayout()
        title_row.addWidget(summary_title, 1)
        title_row.addWidget(self.redraft_button)
        right.addLayout(title_row)
        right.addWidget(self.summary, 1)

        body = QHBoxLayout()
        body.addLayout(left, 0)
        body.addWidget(plan_box, 0)
        body.addLayout(right, 1)

        self.status = QLabel()
        self.status.setObjectName("save_status")
        self.status.setWordWrap(True)
        self.discharge_button = QPushButton("&Discharge patient")
        self.discharge_button.setObjectName("discharge_button")
        self.discharge_button.setEnabled(False)
        cancel = QPushButton("Cancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.discharge_button)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        self._on_destination_changed()

    def _connect_signals(self) -> None:
        self._destinations.buttonToggled.connect(self._on_destination_changed)
        self.detail.textChanged.connect(self._on_destination_changed)
        self.plan_form.changed.connect(self._on_plan_changed)
        self.plan_form.has_appointment.toggled.connect(self._on_plan_changed)
        self.redraft_button.clicked.connect(self._on_redraft_requested)
        self.discharged_at.taken_at_changed.connect(self._on_discharge_time_changed)
        self.discharge_button.clicked.connect(self.discharge)

    # -- the draft ---------------------------------------------------------------------------------

    def _load_draft(self, *, replace: bool) -> None:
        service, admission_id = self._service, self._admission_id
        destination, detail = self.destination(), self.detail.text()
        at = self.discharged_at.taken_at()
        self._track(
            self._runner.run(
                self,
                lambda: service.draft(admission_id, destination, detail, discharged_at=at),
                on_success=lambda draft: self._on_draft(draft, replace),
                on_failure=self._on_draft_failed,
            )
        )

    def _on_draft(self, draft: DischargeDraft, replace: bool) -> None:
        self._draft = draft
        self.plan_form.set_opioid_co_user(draft.opioid_co_user)
        where = f"bed {draft.bed}" if draft.bed else "no bed"
        self.title.setText(f"Discharge {draft.patient_name} ({where})")
        if replace:
            cursor = self.summary.textCursor()
            cursor.movePosition(QTextCursor.MoveOperation.Start)
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(draft.text)  # one undoable step
            self.summary.moveCursor(QTextCursor.MoveOperation.Start)
        else:  # the discharge time changed: only its line (and the length of stay) follows
            fresh = _DISCHARGED_LINE.search(draft.text)
            if fresh is not None:
                self._replace_line(_DISCHARGED_LINE, fresh.group(0))
        self._on_plan_changed()
        if draft.open_escalations:
            kinds = ", ".join(draft.open_escalations)
            count = len(draft.open_escalations)
            self.open_escalations.setText(
                f"⚠ {count} open escalation{'s' if count != 1 else ''} ({kinds}) will be "
                "closed as “Closed at discharge”. Hand them over to the receiving team."
            )
            set_style_property(self.open_escalations, "tone", "alert")
        else:
            self.open_escalations.setText("No open escalations.")
            set_style_property(self.open_escalations, "tone", "muted")
        self._on_destination_changed()

    def _on_draft_failed(self, error: BaseException) -> None:
        self._say(f"Could not read the stay: {error}", "alert")

    @Slot()
    def _on_redraft_requested(self) -> None:
        self._load_draft(replace=True)

    @Slot()
    def _on_destination_changed(self) -> None:
        destination = self.destination()
        if destination is None:
            self.detail_label.setText("Details:")
            self.detail.setPlaceholderText("choose a destination first")
        else:
            required = " (required)" if destination.detail_required else " (optional)"
            self.detail_label.setText(destination.detail_prompt + required + ":")
            self.detail.setPlaceholderText(destination.detail_prompt.lower())
        self._replace_line(_DESTINATION_LINE, destination_line(destination, self.detail.text()))
        self.discharge_button.setEnabled(
            self._draft is not None and destination is not None and not self._saving
        )
        self._show_plan_need()

    def _follow_up_owed(self) -> bool:
        destination = self.destination()
        return (
            self._draft is not None
            and destination is not None
            and destination in self._draft.follow_up_destinations
        )

    def plan_gaps(self) -> dict[str, str]:
        """What the plan lacks for this destination's follow-up call (nothing when none is owed)."""
        if not self._follow_up_owed() or self._draft is None:
            return {}
        return plan_gaps(self.plan_form.current(), opioid_co_user=self._draft.opioid_co_user)

    def _show_plan_need(self) -> None:
        destination = self.destination()
        if destination is None or self._draft is None:
            return
        if not self._follow_up_owed():
            self.plan_note.setText(
                f"No follow-up call is owed after {destination.label.lower()}; record what "
                "is known."
            )
            set_style_property(self.plan_note, "tone", "muted")
            return
        gaps = self.plan_gaps()
        if gaps:
            missing = ", ".join(line.split(":")[0] for line in gap_lines(gaps))
            self.plan_note.setText(f"The follow-up call needs: {missing.lower()}.")
            set_style_property(self.plan_note, "tone", "alert")
        else:
            self.plan_note.setText("Complete for the follow-up call.")
            set_style_property(self.plan_note, "tone", "ok")

    @Slot()
    def _on_plan_changed(self) -> None:
        """The summary's follow-up line follows the plan (back to the placeholder when the
        plan names no service); the note says what the follow-up still needs."""
        plan = self.plan_form.current()
        if plan.service:
            line = _PLAN_PREFIX + "; ".join(plan_lines(plan, fmt.local_datetime_text))
        else:
            line = FOLLOW_UP_PLACEHOLDER
        self._replace_line(_FOLLOW_UP_LINE, line)
        self._show_plan_need()

    @Slot()
    def _on_discharge_time_changed(self) -> None:
        self._load_draft(replace=False)

    def _replace_line(self, pattern: re.Pattern[str], line: str) -> None:
        """Rewrite one drafted line in place, keeping the nurse's edits everywhere else."""
        match = pattern.search(self.summary.toPlainText())
        if match is None or match.group(0) == line:
            return
        cursor = QTextCursor(self.summary.document())
        cursor.setPosition(match.start())
        cursor.setPosition(match.end(), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(line)

    # -- discharging -------------------------------------------------------------------------------

    def discharge(self) -> None:
        destination = self.destination()
        if self._saving or self._draft is None or destination is None:
            return
        detail = self.detail.text().strip()
        if destination.detail_required and not detail:
            self._say(
                f"Not discharged: {destination.detail_prompt.lower()} is required for "
                f"{destination.label.lower()}.",
                "alert",
            )
            set_style_property(self.detail, "invalid", "true")
            self.detail.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        set_style_property(self.detail, "invalid", "false")
        summary = self.summary.toPlainText()
        gaps = self.plan_gaps()
        if gaps and self._draft.incomplete_plan == "refuse":
            self._refuse_plan(gaps)
            return
        problems = unfinished(summary) + [f"Aftercare plan — {line}" for line in gap_lines(gaps)]
        if problems and not confirm_despite(
            self, "Discharge with the summary or plan unfinished?", problems, "Discharge anyway"
        ):
            if unfinished(summary):
                self._select_placeholder()
            else:
                self._refuse_plan(gaps)
            return
        plan = self.plan_form.current()
        service, actor, admission_id = self._service, self._actor(), self._admission_id
        at, version = self.discharged_at.taken_at(), self._draft.version
        name = self._draft.patient_name
        self._set_saving(True)
        self._track(
            self._runner.run(
                self,
                lambda: service.discharge(
                    actor,
                    admission_id,
                    destination=destination,
                    summary=summary,
                    detail=detail,
                    discharged_at=at,
                    expected_version=version,
                    plan=plan,
                    accept_incomplete_plan=bool(gaps),
                ),
                on_success=lambda _none: self._on_discharged(
                    Discharged(admission_id, name, destination)
                ),
                on_failure=self._on_discharge_failed,
            )
        )

    def _select_placeholder(self) -> None:
        """Put the cursor on the unfinished line, selected, so typing replaces it."""
        found = self.summary.document().find(FOLLOW_UP_PLACEHOLDER)
        if not found.isNull():
            self.summary.setTextCursor(found)
        self.summary.setFocus(Qt.FocusReason.OtherFocusReason)
        self._say("Not discharged: complete the follow-up plan in the summary.", "alert")

    def _refuse_plan(self, gaps: dict[str, str]) -> None:
        """Not discharged: say what the plan lacks and put the cursor on the first of it."""
        self._say("Not discharged: the aftercare plan needs " + "; ".join(gap_lines(gaps)), "alert")
        field = self.plan_form.field(next(iter(gaps)))
        field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_discharged(self, discharged: Discharged) -> None:
        self._saving = False
        self.result_value = discharged
        self.accept()

    def _on_discharge_failed(self, error: BaseException) -> None:
        self._set_saving(False)
        if isinstance(error, PlanIncomplete):
            self._refuse_plan(error.gaps)
        elif isinstance(error, InvalidInput):
            self._say("Not discharged: " + "; ".join(error.problems.values()), "alert")
        elif isinstance(error, ServiceError):
            self._say(f"Not discharged: {error}. Your summary is kept.", "alert")
        else:
            self._say(
                f"The database did not answer ({error}). Your summary is kept; check the "
                "census before trying again.",
                "alert",
            )

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        for widget in (self.summary, self.detail, self.redraft_button, self.plan_form):
            widget.setEnabled(not saving)
        self.discharge_button.setEnabled(not saving and self.destination() is not None)
        if saving:
            self._say("Discharging…", "muted")

    def _say(self, text: str, tone: str) -> None:
        self.status.setText(text)
        set_style_property(self.status, "tone", tone)

    def _track(self, handle: TaskHandle) -> None:
        self._handles = [h for h in self._handles if not h.finished and not h.cancelled]
        self._handles.append(handle)

    @staticmethod
    def _station_now() -> datetime:
        """The station clock, for showing "now" in the time field (the save uses the server's)."""
        return datetime.now().astimezone()

    def done(self, result: int) -> None:
        for handle in self._handles:
            handle.cancel()
        super().done(result)
