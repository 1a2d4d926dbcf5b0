"""Follow-ups after discharge: who is due a contact, who is overdue, and each attempt made.

The list holds no contact details. "Contact card" reads the phone number, crisis plan and risk
history of one patient with an open follow-up (the service audits each reading) and shows them
until another row is chosen; "Record attempt" saves what the call came to. Supervisors see the
compliance figure for the last 28 days against the standard's target. Loading and saving run on
the background worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.follow_up import (
    OVERDUE_SEVERITY,
    AftercarePlan,
    AttemptOutcome,
    Compliance,
)
from wardconsole.services.aftercare import AftercareService, ContactCard, FollowUpView
from wardconsole.services.context import Actor, Permission, ServiceError
from wardconsole.ui import formatting as fmt
from wardconsole.ui.aftercare.plan_dialog import AftercarePlanDialog
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.snapshot_model import SnapshotTableModel
from wardconsole.ui.widgets.style_property import set_style_property

ExportLetter = Callable[[Actor, int, Path], Path]
"""(who, admission, where) -> the letter written (blocks: background worker only)."""
FOLLOW_UP_ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("State", "Patient", "Discharged", "Destination", "Due by", "Limit", "Attempts")
COMPLIANCE_DAYS = 28


def due_text(view: FollowUpView) -> str:
    return f"{fmt.local_datetime_text(view.due_at)}"


def attempts_text(view: FollowUpView) -> str:
    if not view.attempts:
        return "none yet"
    last = view.attempts[-1]
    return (
        f"{len(view.attempts)} — last {last.outcome.label.lower()} "
        f"{fmt.local_datetime_text(last.at)}" + (f" by {last.by}" if last.by else "")
    )


class FollowUpsModel(SnapshotTableModel[FollowUpView]):
    """One row per follow-up (snapshots from ``AftercareService.follow_ups``)."""

    headers = COLUMNS

    def view_at(self, row: int) -> FollowUpView | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def cell(self, view: FollowUpView, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells(view)[column]
        if role == FOLLOW_UP_ID_ROLE:
            return view.id
        if role == Qt.ItemDataRole.FontRole and column == 0 and view.state.open:
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _cells(view: FollowUpView) -> tuple[str, ...]:
        return (
            view.state.label,
            f"{view.patient_name} ({view.hospital_number})",
            fmt.local_datetime_text(view.discharged_at),
            view.destination,
            due_text(view),
            f"{view.hours} h ({view.basis.short})",
            attempts_text(view),
        )


@dataclass(frozen=True, slots=True)
class AttemptEntry:
    outcome: AttemptOutcome
    note: str


class AttemptDialog(QDialog):
    """What one call (or visit, or message) came to."""

    def __init__(self, view: FollowUpView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AttemptDialog")
        self.setWindowTitle(f"Follow-up attempt — {view.patient_name}")
        self.setMinimumWidth(480)
        self.outcome = QComboBox()
        self.outcome.setObjectName("attempt_outcome")
        self.outcome.addItem("— choose —", "")
        for outcome in AttemptOutcome:
            self.outcome.addItem(outcome.label, outcome.value)
        self.note = QPlainTextEdit()
        self.note.setObjectName("attempt_note")
        self.note.setPlaceholderText("What was said or tried (required to close as unable)")
        self.note.setFixedHeight(80)
        self.error = QLabel()
        self.error.setObjectName("dialog_error")
        set_style_property(self.error, "tone", "alert")
        self.error.hide()
        form = QFormLayout()
        form.addRow("&Outcome:", self.outcome)
        form.addRow("No&te:", self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save attempt")
        buttons.accepted.connect(self._on_save_requested)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{escape(view.patient_name)}</b> — due {due_text(view)}"))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.entry: AttemptEntry | None = None

    def _on_save_requested(self) -> None:
        value = self.outcome.currentData()
        note = self.note.toPlainText().strip()
        if not value:
            self._problem("Outcome: choose what the attempt came to")
            return
        outcome = AttemptOutcome(value)
        if outcome is AttemptOutcome.UNABLE_TO_CONTACT and not note:
            self._problem("Note: say what was tried before closing as unable to contact")
            return
        self.entry = AttemptEntry(outcome, note)
        self.accept()

    def _problem(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    @classmethod
    def ask(cls, parent: QWidget | None, view: FollowUpView) -> AttemptEntry | None:
        dialog = cls(view, parent)
        return dialog.entry if dialog.exec() == QDialog.DialogCode.Accepted else None


def card_html(card: ContactCard) -> str:
    """The contact card's text (shown on screen only)."""
    rows = [
        ("Phone", card.phone or "not recorded — see the aftercare plan"),
        ("Referred to", card.service or "—"),
        ("Service contact", card.service_contact or "—"),
        ("Crisis plan", card.crisis_plan),
        ("Risk flags", ", ".join(card.risk_flags) or "none"),
        (
            "Risk history",
            "; ".join(f"{e.text} ({fmt.local_datetime_text(e.at)})" for e in card.risk_history)
            or "no C-SSRS screens recorded",
        ),
    ]
    if card.opioid_co_user:
        rows.append(("Opioids", "reduced tolerance after detox: overdose risk; naloxone"))
    body = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<b>{escape(card.patient_name)}</b><table cellspacing='4'>{body}</table>"


class FollowUpsDialog(QDialog):
    """The ward's follow-ups after discharge (see module docstring)."""

    def __init__(
        self,
        service: AftercareService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        export_letter: ExportLetter | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("FollowUpsDialog")
        self._export_letter = export_letter
        self.setWindowTitle("Follow-ups after discharge")
        self.resize(1280, 640)
        self._service = service
        self._actor = current_actor
        """Asked on the UI thread at every button press: a dialog left open under the lock
        screen acts as whoever unlocked the station."""
        self._runner = runner
        self.rows: list[FollowUpView] | None = None
        actor = current_actor()
        self.model = FollowUpsModel(self)
        self.table = QTableView()
        self.table.setObjectName("follow_ups_table")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("follow_ups_summary")
        self.summary.setWordWrap(True)
        self.compliance = QLabel()
        self.compliance.setObjectName("follow_ups_compliance")
        self.compliance.setWordWrap(True)
        self.compliance.setVisible(actor.can(Permission.VIEW_HISTORY))
        self.card = QLabel("Choose a patient and press Contact card to see how to reach them.")
        self.card.setObjectName("contact_card")
        self.card.setWordWrap(True)
        self.card.setTextFormat(Qt.TextFormat.RichText)
        self.card.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.card_button = QPushButton("&Contact card")
        self.attempt_button = QPushButton("Record &attempt…")
        self.plan_button = QPushButton("Aftercare &plan…")
        self.letter_button = QPushButton("Discharge &letter…")
        self.letter_button.setEnabled(export_letter is not None and actor.can(Permission.EXPORT))
        self.letter_button.setToolTip("Export the letter for the next service and the GP (PDF)")
        self.refresh_button = QPushButton("&Refresh")
        for button in (self.card_button, self.attempt_button):
            button.setEnabled(actor.can(Permission.RECORD))
        self.plan_button.setEnabled(actor.can(Permission.ADMIT))
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.card_button)
        buttons_row.addWidget(self.attempt_button)
        buttons_row.addWidget(self.plan_button)
        buttons_row.addWidget(self.letter_button)
        buttons_row.addStretch(1)
        buttons_row.addWidget(self.refresh_button)
        policy = service.policy
        note = QLabel(
            f"Limits: {policy.standard_hours} h (NHS England standard contract), "
            f"{policy.suicide_risk_hours} h when suicide risk was identified (NICE NG53), "
            f"{policy.self_discharge_hours} h after self-discharge (local choice), counted in "
            "elapsed hours from the discharge. "
            + (
                "The follow-up policy is not yet signed off by clinical governance."
                if not policy.signed_off
                else f"Policy signed off: {policy.governance_signoff}."
            )
        )
        note.setWordWrap(True)
        set_style_property(note, "tone", "muted")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.compliance)
        layout.addLayout(buttons_row)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.card, 1)
        layout.addWidget(note)
        layout.addWidget(close)
        self.card_button.clicked.connect(self._on_card_requested)
        self.attempt_button.clicked.connect(self._on_attempt_requested)
        self.plan_button.clicked.connect(self._on_plan_requested)
        self.letter_button.clicked.connect(self._on_letter_requested)
        self.refresh_button.clicked.connect(self.load)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.load()

    def contact_card_text(self) -> str:
        """What the card area shows now (plain text)."""
        return self.card.text()

    def selected(self) -> FollowUpView | None:
        return self.model.view_at(self.table.currentIndex().row())

    def load(self) -> None:
        service, actor = self._service, self._actor()
        supervisor = actor.can(Permission.VIEW_HISTORY)

        def read() -> tuple[list[FollowUpView], Compliance | None]:
            now = service.now()
            rows = service.follow_ups(actor, closed_since=now - timedelta(days=7))
            figures = (
                service.compliance(actor, since=now - timedelta(days=COMPLIANCE_DAYS), until=now)
                if supervisor
                else None
            )
            return rows, figures

        self._runner.run(
            self, read, on_success=self._on_loaded, on_failure=self._on_failed, key="load"
        )

    def _on_loaded(self, result: tuple[list[FollowUpView], Compliance | None]) -> None:
        rows, figures = result
        self.rows = rows
        self.model.set_rows(rows)
        overdue = sum(1 for r in rows if r.state.value == "overdue")
        due = sum(1 for r in rows if r.state.value == "due")
        self.summary.setText(
            f"{due} due, "
            + (f"{OVERDUE_SEVERITY.shape} {overdue} OVERDUE" if overdue else "none overdue")
            + f"; {len(rows) - due - overdue} closed in the last 7 days."
        )
        set_style_property(self.summary, "tone", "alert" if overdue else "ok")
        if figures is not None:
            percent = figures.percent
            self.compliance.setText(
                f"Last {COMPLIANCE_DAYS} days: {figures.on_time} of {figures.counted} followed "
                f"up within the limit"
                + (
                    f" — {percent:.0f} % against the {figures.target_percent} % standard"
                    if percent is not None
                    else ""
                )
                + f" ({figures.late} late, {figures.unable} unable to contact, "
                f"{figures.overdue} overdue)."
            )
            set_style_property(
                self.compliance, "tone", "alert" if figures.meets_target is False else "ok"
            )

    def _on_failed(self, error: BaseException) -> None:
        message = str(error) if isinstance(error, ServiceError) else f"Not done: {error}"
        self.summary.setText(message)
        set_style_property(self.summary, "tone", "alert")

    def _on_row_changed(self) -> None:
        self.card.setText("Press Contact card to see how to reach this patient.")

    def _on_card_requested(self) -> None:
        view = self.selected()
        if view is None or not view.state.open:
            self.card.setText("Choose a patient whose follow-up is still open.")
            return
        service, actor = self._service, self._actor()
        self._runner.run(
            self,
            lambda: service.contact_card(actor, view.id),
            on_success=lambda card: self.card.setText(card_html(card)),
            on_failure=self._on_failed,
        )

    def _on_attempt_requested(self) -> None:
        view = self.selected()
        if view is None or not view.state.open:
            self.card.setText("Choose a patient whose follow-up is still open.")
            return
        entry = AttemptDialog.ask(self, view)
        if entry is None:
            return
        service, actor = self._service, self._actor()
        self._runner.run(
            self,
            lambda: service.record_attempt(actor, view.id, entry.outcome.value, note=entry.note),
            on_success=lambda _state: self.load(),
            on_failure=self._on_failed,
        )

    def _on_letter_requested(self) -> None:
        view, export = self.selected(), self._export_letter
        if view is None or export is None:
            self.card.setText("Choose a patient first.")
            return
        suggested = f"discharge-letter-{view.hospital_number}.pdf"
        path = LetterPathDialog.ask(self, view.patient_name, suggested)
        if path is None:
            return
        actor = self._actor()
        self._runner.run(
            self,
            lambda: export(actor, view.admission_id, path),
            on_success=lambda written: self.card.setText(
                f"Discharge letter for {escape(view.patient_name)} saved to "
                f"{escape(str(written))} (readable by you only)."
            ),
            on_failure=self._on_failed,
        )

    def _on_plan_requested(self) -> None:
        view = self.selected()
        if view is None:
            self.card.setText("Choose a patient first.")
            return
        service = self._service
        self._runner.run(
            self,
            lambda: service.plan(view.admission_id),
            on_success=lambda plan: self._ask_plan(view, plan),
            on_failure=self._on_failed,
        )

    def _ask_plan(self, view: FollowUpView, plan: AftercarePlan | None) -> None:
        service = self._service
        entered = AftercarePlanDialog.ask(self, view.patient_name, service.now(), plan)
        if entered is None:
            return
        actor = self._actor()
        self._runner.run(
            self,
            lambda: service.record_plan(actor, view.admission_id, entered),
            on_success=lambda _id: self.load(),
            on_failure=self._on_failed,
        )

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        service: AftercareService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        export_letter: ExportLetter | None = None,
    ) -> None:
        cls(service, current_actor, runner, parent, export_letter=export_letter).exec()


class LetterPathDialog:
    """Where to save a discharge letter (the platform's save dialog)."""

    @classmethod
    def ask(cls, parent: QWidget | None, patient_name: str, suggested: str) -> Path | None:
        name, _filter = QFileDialog.getSaveFileName(
            parent,
            f"Discharge letter — {patient_name}",
            str(Path.home() / suggested),
            "PDF (*.pdf)",
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")
