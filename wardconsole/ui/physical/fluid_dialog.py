"""Quick fluid entry: a drink in one key press, an output in two.

Opened from the census with Ctrl+D for the selected patient. The preset buttons (the policy's
150 / 200 / 250 ml, keys 1 2 3) save the drink chosen above them at once; another amount, a
prescribed IV or subcutaneous fluid, and outputs (urine in ml, or "passed urine, not measured",
vomit, other) have their own buttons. The window stays open showing this period so far — intake,
output and the balance, or why the balance is unknown — and the entries it holds, so a nurse
can record a drink and the urine passed in one visit. Every save is a separate entry with its
own save key, written through ``SafeSaves`` (kept on this station during a database outage).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.fluid_policy import NOT_A_STANDARD
from wardconsole.domain.fluids import INTAKE_ROUTES, OUTPUT_KINDS, Direction, FluidInput
from wardconsole.services.context import ServiceError
from wardconsole.services.fluids import FluidOverview
from wardconsole.services.recording import SaveResult
from wardconsole.services.safe_saves import QueuedSave
from wardconsole.ui import formatting as fmt
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.bedside.entry_time import TakenAtEdit
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.physical.fluid_model import FluidColumn, FluidEntriesModel
from wardconsole.ui.physical.quick_entry import QuickEntryDialog
from wardconsole.ui.widgets.style_property import set_style_property

DRINKS = ("Water", "Tea", "Coffee", "Squash", "Milk", "Juice", "Soup", "Nutritional drink")
"""Offered in the drink list; anything else can be typed."""
FIELD_LABELS = {
    "volume_ml": "Amount",
    "route": "Route",
    "output": "Output",
    "description": "Drink",
    "note": "Note",
    "taken_at": "Time",
}


class FluidDialog(QuickEntryDialog):
    """Record drinks and outputs for one patient (see module docstring)."""

    def __init__(
        self, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            bedside,
            admission_id,
            title,
            parent,
            name="FluidDialog",
            window_title=f"Fluids — {title}",
        )
        assert bedside.fluids is not None, "the fluid chart is not set up at this station"
        self._fluids = bedside.fluids
        self._policy = bedside.fluids.policy
        self._pending: FluidInput | None = None
        self.overview: FluidOverview | None = None
        self._build(title)
        self._connect_signals()
        self.reload()
        self.resize(760, 640)
        self.preset_buttons[min(1, len(self.preset_buttons) - 1)].setFocus(
            Qt.FocusReason.OtherFocusReason
        )

    # -- layout ---------------------------------------------------------------------------------

    def _build(self, title: str) -> None:
        header = self.header(title)
        self.period_label = QLabel("Reading this period…")
        self.period_label.setObjectName("fluid_period")
        self.period_label.setWordWrap(True)
        self.plan_label = QLabel()
        self.plan_label.setObjectName("fluid_plan")
        self.plan_label.setWordWrap(True)

        self.drink = QComboBox()
        self.drink.setObjectName("fluid_drink")
        self.drink.setEditable(True)
        self.drink.addItems(DRINKS)
        self.route = QComboBox()
        self.route.setObjectName("fluid_route")
        for key, label in INTAKE_ROUTES.items():
            self.route.addItem(label, key)
        self.preset_buttons: list[QPushButton] = []
        presets = QHBoxLayout()
        for number, ml in enumerate(self._policy.presets_ml, 1):
            button = QPushButton(f"{ml} ml  ({number})")
            button.setObjectName(f"fluid_preset_{ml}")
            button.setAutoDefault(False)
            button.setToolTip(f"Save {ml} ml of the drink above now (key {number})")
            button.setMinimumHeight(40)
            presets.addWidget(button)
            self.preset_buttons.append(button)
        self.amount = QSpinBox()
        self.amount.setObjectName("fluid_amount")
        self.amount.setRange(0, self._policy.intake_max_ml)
        self.amount.setSuffix(" ml")
        self.add_button = QPushButton("&Add drink")
        self.add_button.setObjectName("fluid_add")
        self.add_button.setAutoDefault(False)
        other = QHBoxLayout()
        other.addWidget(self.amount, 1)
        other.addWidget(self.add_button)
        intake = QGroupBox("Drink or fluid in")
        intake_form = QFormLayout(intake)
        intake_form.addRow("&Drink:", self.drink)
        intake_form.addRow("&Route:", self.route)
        intake_form.addRow("Quick:", presets)
        amount_label = QLabel("Other a&mount:")
        amount_label.setBuddy(self.amount)
        intake_form.addRow(amount_label, other)

        self.output_kind = QComboBox()
        self.output_kind.setObjectName("fluid_output_kind")
        for key, label in OUTPUT_KINDS.items():
            self.output_kind.addItem(label, key)
        self.output_amount = QSpinBox()
        self.output_amount.setObjectName("fluid_output_amount")
        self.output_amount.setRange(0, self._policy.output_max_ml)
        self.output_amount.setSuffix(" ml")
        self.output_button = QPushButton("&Save output")
        self.output_button.setObjectName("fluid_output_save")
        self.output_button.setAutoDefault(False)
        self.unmeasured_button = QPushButton("&Passed, not measured")
        self.unmeasured_button.setObjectName("fluid_output_unmeasured")
        self.unmeasured_button.setAutoDefault(False)
        self.unmeasured_button.setToolTip(
            "Passed but not measured: recorded, and the period's balance shows as unknown"
        )
        output_row = QHBoxLayout()
        output_row.addWidget(self.output_kind)
        output_row.addWidget(self.output_amount, 1)
        output_row.addWidget(self.output_button)
        output_row.addWidget(self.unmeasured_button)
        output = QGroupBox("Output")
        QVBoxLayout(output).addLayout(output_row)

        self.taken_at = TakenAtEdit(self._bedside.clock)
        self.note = QLineEdit()
        self.note.setObjectName("fluid_note")
        self.note.setPlaceholderText("e.g. declined more; says drinking hurts the bladder")
        self.confirmed = QCheckBox("Re-measured: this large amount is right")
        self.confirmed.setObjectName("fluid_confirmed")
        self.confirmed.setVisible(False)
        common = QFormLayout()
        common.addRow("&Time:", self.taken_at)
        common.addRow("No&te:", self.note)
        common.addRow("", self.confirmed)

        self.table = QTableView()
        self.table.setObjectName("FluidEntriesView")
        self.model = FluidEntriesModel(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(
            FluidColumn.WHAT, QHeaderView.ResizeMode.Stretch
        )
        self.table.horizontalHeader().setSectionResizeMode(
            FluidColumn.VOLUME, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.setAccessibleName("This period's fluid entries")

        buttons = self.footer()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(header)
        layout.addWidget(self.period_label)
        layout.addWidget(self.plan_label)
        layout.addWidget(intake)
        layout.addWidget(output)
        layout.addLayout(common)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        for button, ml in zip(self.preset_buttons, self._policy.presets_ml, strict=True):
            button.clicked.connect(lambda _checked=False, ml=ml: self.save_drink(ml))
        for number, ml in enumerate(self._policy.presets_ml, 1):
            shortcut = QShortcut(QKeySequence(str(number)), self)
            shortcut.activated.connect(lambda ml=ml: self.save_drink(ml))
        self.add_button.clicked.connect(lambda: self.save_drink(self.amount.value()))
        self.output_button.clicked.connect(lambda: self.save_output(measured=True))
        self.unmeasured_button.clicked.connect(lambda: self.save_output(measured=False))

    # -- reading --------------------------------------------------------------------------------

    def reload(self) -> None:
        fluids, admission_id = self._fluids, self._admission_id
        self._load_handle = self._bedside.runner.run(
            self,
            lambda: fluids.overview(admission_id),
            on_success=self._on_loaded,
            on_failure=self._on_load_failed,
            key=f"fluids-{admission_id}",
        )

    def _on_loaded(self, overview: FluidOverview) -> None:
        self.overview = overview
        totals = overview.totals
        period = overview.period
        start = fmt.local_time_text(period.start)
        change = f" — {period.clock_change}" if period.clock_change else ""
        self.period_label.setText(
            f"<b>This period</b> (from {start}{change}): in <b>{overview.intake_text}</b> · "
            f"out {totals.output_text} · <b>{totals.balance_text}</b>"
        )
        self.model.set_entries(overview.entries)
        plan = overview.plan
        if plan is None:
            self.plan_label.setText("Not on a fluid chart (Fluid chart plan… sets one).")
            set_style_property(self.plan_label, "tone", "muted")
            return
        text = f"On a fluid chart: {plan.reason_label} · target {plan.target_ml} ml per 24 h"
        tone = "muted"
        review = overview.review
        if review is not None:
            text += (
                f" · {review.clock} review: {review.intake_ml} of {review.expected_ml} ml expected"
            )
            if review.behind:
                text = f"{review.severity.shape} {text} — BEHIND"
                tone = "alert"
        self.plan_label.setText(text)
        self.plan_label.setToolTip(f"Targets and review thresholds: {NOT_A_STANDARD}")
        set_style_property(self.plan_label, "tone", tone)

    def _on_load_failed(self, error: BaseException) -> None:
        self.period_label.setText(f"This period could not be read ({error}).")
        set_style_property(self.period_label, "tone", "alert")

    # -- saving ---------------------------------------------------------------------------------

    def save_drink(self, ml: int) -> None:
        if ml <= 0:
            self.show_problem("Amount: enter how much was drunk or given, in ml")
            self.amount.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self._save(
            FluidInput(
                Direction.INTAKE,
                self.route.currentData(),
                ml,
                self.drink.currentText().strip(),
                self.note.text().strip(),
                self.confirmed.isChecked(),
            )
        )

    def save_output(self, *, measured: bool) -> None:
        ml = self.output_amount.value()
        if measured and ml <= 0:
            self.show_problem("Output: enter the amount in ml, or press 'Passed, not measured'")
            self.output_amount.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self._save(
            FluidInput(
                Direction.OUTPUT,
                self.output_kind.currentData(),
                ml if measured else None,
                "",
                self.note.text().strip(),
                self.confirmed.isChecked(),
            )
        )

    def _save(self, entry: FluidInput) -> None:
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        problem = self.taken_at.problem()
        if problem:
            self.show_problem(problem)
            return
        self._saver.reset()
        self._pending = entry
        actor, admission_id = self._bedside.acting(), self._admission_id
        taken_at: datetime | None = self.taken_at.taken_at()
        save_key = uuid.uuid4().hex
        saves, recording = self._bedside.saves, self._bedside.recording
        if saves is not None:  # kept on this station if the database is unavailable
            self._saver.start(
                lambda: saves.save_fluid(
                    actor, admission_id, entry, save_key=save_key, taken_at=taken_at
                )
            )
        else:
            self._saver.start(
                lambda: recording.record_fluid(
                    actor, admission_id, entry, save_key=save_key, taken_at=taken_at
                )
            )

    @Slot(object)
    def _on_saved(self, result: SaveResult | QueuedSave) -> None:
        entry = self._pending
        self.show_saved(result, _describe(entry) if entry is not None else "entry")
        if not isinstance(result, QueuedSave) and result.escalations:
            raised = ", ".join(
                f"{c.kind.label} ({c.severity.label.lower()})" for c in result.escalations
            )
            self.status.show_message(f"{self.status.text()} · Escalation: {raised}", "ok")
        self._pending = None
        self.note.clear()
        self.amount.setValue(0)
        self.output_amount.setValue(0)
        self.confirmed.setChecked(False)
        self.confirmed.setVisible(False)
        self.reload()

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        if "re-measure" in self.show_refusal(error, FIELD_LABELS):
            self.confirmed.setVisible(True)

    def save_buttons(self) -> tuple[QPushButton, ...]:
        return (*self.preset_buttons, self.add_button, self.output_button, self.unmeasured_button)


def _describe(entry: FluidInput) -> str:
    if entry.direction is Direction.INTAKE:
        return f"{entry.description or 'drink'} {entry.volume_ml} ml in"
    what = OUTPUT_KINDS.get(entry.what, entry.what).lower()
    if entry.volume_ml is None:
        return f"{what} passed, not measured"
    return f"{what} {entry.volume_ml} ml out"
