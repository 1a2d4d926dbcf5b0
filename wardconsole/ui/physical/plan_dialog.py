"""Fluid chart plan: put a patient on a fluid chart (why, the 24-hour target, when to review
it), change it, or stop it. A change is a new version that amends the one in force, with why."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.fluid_policy import NOT_A_STANDARD
from wardconsole.domain.fluids import PLAN_REASONS
from wardconsole.services.context import InvalidInput, ServiceError
from wardconsole.services.fluids import FluidOverview
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.tasks import TaskHandle
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.datetime_field import DateTimeField
from wardconsole.ui.widgets.style_property import set_style_property


class FluidPlanDialog(QDialog):
    """Set, change or stop one patient's fluid chart."""

    def __init__(
        self, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        assert bedside.fluids is not None, "the fluid chart is not set up at this station"
        self.setObjectName("FluidPlanDialog")
        self.setWindowTitle(f"Fluid chart plan — {title}")
        mark_form(self, FormKind.ENTRY)
        self._bedside = bedside
        self._fluids = bedside.fluids
        self._admission_id = admission_id
        self._policy = bedside.fluids.policy
        self._handle: TaskHandle | None = None
        self.overview: FluidOverview | None = None
        self.saved = False
        self._saver = EntrySaver(bedside.runner, self)
        self._build(title)
        self._connect_signals()
        fluids = bedside.fluids
        self._handle = bedside.runner.run(
            self,
            lambda: fluids.overview(admission_id),
            on_success=self._on_loaded,
            on_failure=lambda error: self.status.show_message(f"✖ Not read: {error}", "alert"),
            key=f"fluid-plan-{admission_id}",
        )
        self.resize(640, 380)

    @classmethod
    def ask(
        cls, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> bool:
        dialog = cls(bedside, admission_id, title, parent)
        dialog.exec()
        saved = dialog.saved
        dialog.setParent(None)  # the local reference is its only owner from here
        return saved

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    def _build(self, title: str) -> None:
        patient = QLabel(title)
        patient.setObjectName("entry_patient")
        self.current = QLabel("Reading the plan in force…")
        self.current.setObjectName("plan_current")
        self.current.setWordWrap(True)
        self.reason = QComboBox()
        self.reason.setObjectName("plan_reason")
        for key, label in PLAN_REASONS.items():
            self.reason.addItem(label, key)
        self.reason_text = QLineEdit()
        self.reason_text.setObjectName("plan_reason_text")
        self.reason_text.setPlaceholderText("more detail (required for 'Other')")
        self.target = QSpinBox()
        self.target.setObjectName("plan_target")
        self.target.setRange(self._policy.min_target_ml, self._policy.max_target_ml)
        self.target.setSingleStep(100)
        self.target.setSuffix(" ml per 24 h")
        self.target.setValue(self._policy.default_target_ml)
        self.target.setToolTip(
            f"Ward default {self._policy.default_target_ml} ml: {NOT_A_STANDARD}"
        )
        self.review_at = DateTimeField()
        self.review_at.setObjectName("plan_review_at")
        self.review_at.setDisplayFormat("ddd d MMM  HH:mm")
        now = self._bedside.clock()
        self.review_at.setDateTime(
            QDateTime.fromSecsSinceEpoch(int((now + self._policy.default_review).timestamp()))
        )
        self.change_reason = QLineEdit()
        self.change_reason.setObjectName("plan_change_reason")
        self.change_reason.setPlaceholderText("why the chart is changed or stopped")
        form = QFormLayout()
        form.addRow("R&eason:", self.reason)
        form.addRow("&Detail:", self.reason_text)
        form.addRow("&Target:", self.target)
        form.addRow("Re&view by:", self.review_at)
        form.addRow("&Why changed:", self.change_reason)
        note = QLabel(
            "Targets and the review thresholds (15:00 and 06:00 by default) are the ward's local "
            f"policy — {NOT_A_STANDARD}."
        )
        note.setWordWrap(True)
        set_style_property(note, "tone", "muted")
        self.status = SaveStatusPanel(self._saver)
        self.save_button = QPushButton("&Save plan")
        self.save_button.setObjectName("plan_save")
        self.save_button.setDefault(True)
        self.stop_button = QPushButton("Sto&p fluid chart")
        self.stop_button.setObjectName("plan_stop")
        self.stop_button.setAutoDefault(False)
        self.stop_button.setEnabled(False)
        close = QPushButton("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(close)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(patient)
        layout.addWidget(self.current)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.save_button.clicked.connect(self.save)
        self.stop_button.clicked.connect(self.stop)
        self._saver.saved.connect(self._on_saved)
        self._saver.refused.connect(self._on_refused)
        self.status.retry_requested.connect(self._saver.retry_now)

    def _on_loaded(self, overview: FluidOverview) -> None:
        self.overview = overview
        plan = overview.plan
        if plan is None:
            self.current.setText("Not on a fluid chart.")
            self.change_reason.setEnabled(False)
            return
        self.current.setText(
            f"In force: {plan.reason_label} · target {plan.target_ml} ml per 24 h · review by "
            f"{plan.review_at.astimezone():%a %d %b %H:%M}"
        )
        index = self.reason.findData(plan.reason)
        if index >= 0:
            self.reason.setCurrentIndex(index)
        self.reason_text.setText(plan.reason_text)
        self.target.setValue(plan.target_ml)
        self.stop_button.setEnabled(True)

    def save(self) -> None:
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        if self._saver.state is SaveState.SAVED:
            self.accept()
            return
        self._saver.reset()
        recording, actor, admission_id = (
            self._bedside.recording,
            self._bedside.acting(),
            self._admission_id,
        )
        review_at = datetime.fromtimestamp(self.review_at.dateTime().toSecsSinceEpoch(), UTC)
        reason, detail = self.reason.currentData(), self.reason_text.text().strip()
        target, why = self.target.value(), self.change_reason.text().strip()
        self._saver.start(
            lambda: recording.set_fluid_plan(
                actor,
                admission_id,
                reason=reason,
                reason_text=detail,
                target_ml=target,
                review_at=review_at,
                change_reason=why,
            )
        )

    def stop(self) -> None:
        why = self.change_reason.text().strip()
        if not why:
            self.status.show_message(
                "✖ Not stopped — Why changed: say why the chart stops", "alert"
            )
            self.change_reason.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self._saver.reset()
        recording, actor, admission_id = (
            self._bedside.recording,
            self._bedside.acting(),
            self._admission_id,
        )
        self._saver.start(lambda: recording.stop_fluid_plan(actor, admission_id, reason=why))

    @Slot(object)
    def _on_saved(self, _result: object) -> None:
        self.saved = True
        self.status.show_message("✔ Fluid chart plan SAVED", "ok")
        self.save_button.setText("&Close")
        self.stop_button.setEnabled(False)

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        if isinstance(error, InvalidInput):
            message = next(iter(error.problems.values()))
        else:
            message = str(error)
        self.status.show_message(f"✖ Not saved — {message}", "alert")

    def done(self, code: int) -> None:
        self._saver.shutdown()
        if self._handle is not None:
            self._handle.cancel()
        super().done(code)
