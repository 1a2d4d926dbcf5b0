"""MUST screen (BAPEN Malnutrition Universal Screening Tool): weight and height as typed, the
weight 3–6 months ago, planned loss and the acute disease effect → the score with each step,
the risk category and BAPEN's management advice, live as the nurse types. When height or weight
cannot be measured the nurse gives the category from BAPEN's subjective criteria and it is
stored "estimated — category, no score". Saved as an assessment (history, audit, export)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.assessments import score_assessment
from wardconsole.domain.must import MustRisk
from wardconsole.domain.weights import (
    MustScreen,
    food_chart_preview,
    must_prompts,
    risk_of_flags,
)
from wardconsole.services.context import InvalidInput, ServiceError
from wardconsole.services.recording import SaveResult
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.physical.quick_entry import patient_header, save_footer
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.style_property import set_style_property


class MustDialog(QDialog):
    """Screen one patient with MUST."""

    def __init__(
        self, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("MustDialog")
        self.setWindowTitle(f"MUST screen — {title}")
        mark_form(self, FormKind.ENTRY)
        self._bedside = bedside
        self._admission_id = admission_id
        self.result_value: SaveResult | None = None
        self._saver = EntrySaver(bedside.runner, self)
        self.weight_kg = QLineEdit()
        self.weight_kg.setObjectName("must_weight")
        self.weight_kg.setPlaceholderText("kg, e.g. 58.4")
        self.height_m = QLineEdit()
        self.height_m.setObjectName("must_height")
        self.height_m.setPlaceholderText("metres, e.g. 1.72")
        self.weight_before = QLineEdit()
        self.weight_before.setObjectName("must_before")
        self.weight_before.setPlaceholderText("kg 3–6 months ago (documented or self-reported)")
        self.planned = QCheckBox("The weight loss was planned")
        self.acute = QCheckBox(
            "Acutely ill and no nutritional intake (or likely none) for > 5 days"
        )
        self.unmeasurable = QCheckBox("Height or weight cannot be measured: estimate the category")
        self.unmeasurable.setObjectName("must_unmeasurable")
        self.category = QComboBox()
        self.category.setObjectName("must_category")
        for risk in MustRisk:
            self.category.addItem(f"{risk.value.capitalize()} risk", risk.value)
        self.category.setEnabled(False)
        form = QFormLayout()
        form.addRow("&Weight:", self.weight_kg)
        form.addRow("&Height:", self.height_m)
        form.addRow("Weight &before:", self.weight_before)
        form.addRow("", self.planned)
        form.addRow("", self.acute)
        form.addRow("", self.unmeasurable)
        form.addRow("&Category:", self.category)
        self.source = QLabel()
        self.source.setObjectName("must_source")
        set_style_property(self.source, "tone", "muted")
        self.outcome = QLabel("Enter weight and height")
        self.outcome.setObjectName("must_result")
        self.outcome.setWordWrap(True)
        self.advice = QLabel()
        self.advice.setWordWrap(True)
        self.status = SaveStatusPanel(self._saver)
        self.save_button = QPushButton("&Save screen")
        self.save_button.setDefault(True)
        buttons = save_footer(self, self.status, self.save_button)
        header = patient_header(title, bedside)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(form)
        layout.addWidget(self.source)
        layout.addWidget(self.outcome)
        layout.addWidget(self.advice)
        layout.addStretch(1)
        layout.addLayout(buttons)
        for edit in (self.weight_kg, self.height_m, self.weight_before):
            edit.textEdited.connect(self._on_changed)
        for box in (self.planned, self.acute, self.unmeasurable):
            box.toggled.connect(self._on_changed)
        self.category.currentIndexChanged.connect(self._on_changed)
        self.save_button.clicked.connect(self.save)
        self._saver.saved.connect(self._on_saved)
        self._saver.refused.connect(self._on_refused)
        self.status.retry_requested.connect(self._saver.retry_now)
        self.resize(640, 420)
        weights = bedside.weights
        if weights is not None:
            bedside.runner.run(
                self,
                lambda: weights.must_prefill(admission_id),
                on_success=self._on_prefill,
                on_failure=lambda _error: None,  # the nurse types the values instead
                key=f"must-prefill-{admission_id}",
            )

    @classmethod
    def ask(
        cls, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> SaveResult | None:
        dialog = cls(bedside, admission_id, title, parent)
        dialog.exec()
        result = dialog.result_value
        dialog.setParent(None)  # the local reference is its only owner from here
        return result

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    def answers(self) -> dict[str, Any]:
        if self.unmeasurable.isChecked():
            return {"estimated": self.category.currentData()}
        answers: dict[str, Any] = {
            "weight_kg": self.weight_kg.text().strip(),
            "height_m": self.height_m.text().strip(),
            "loss_planned": self.planned.isChecked(),
            "acute_no_intake": self.acute.isChecked(),
        }
        if self.weight_before.text().strip():
            answers["weight_before_kg"] = self.weight_before.text().strip()
        return answers

    @Slot(object)
    def _on_prefill(self, answers: dict[str, object]) -> None:
        """Start from the latest weighing and the weight before admission recorded at intake
        (only into fields the nurse has not typed in yet)."""
        filled = []
        for edit, key in (
            (self.weight_kg, "weight_kg"),
            (self.height_m, "height_m"),
            (self.weight_before, "weight_before_kg"),
        ):
            if key in answers and not edit.text():
                edit.setText(str(answers[key]))
                filled.append(key)
        if "weight_before_kg" in filled:
            self.planned.setChecked(bool(answers.get("loss_planned")))
        if filled:
            self.source.setText("Filled in from the latest weighing; check before saving")
        self._on_changed()

    @Slot()
    def _on_changed(self) -> None:
        estimating = self.unmeasurable.isChecked()
        self.category.setEnabled(estimating)
        for widget in (self.weight_kg, self.height_m, self.weight_before, self.planned):
            widget.setEnabled(not estimating)
        if self._saver.state is SaveState.REFUSED:
            self._saver.reset()
        try:
            score = score_assessment("must", self.answers())
        except ValueError as exc:
            self.outcome.setText(f"Not scored yet — {exc}")
            self.advice.clear()
            return
        self.outcome.setText(score.label)
        risk = risk_of_flags(score.flags)
        advice = f"BAPEN management (hospital): {risk.advice}"
        weights = self._bedside.weights
        if weights is not None:
            screen = MustScreen(datetime.now(UTC), risk, score.label, self.acute.isChecked())
            prompts = must_prompts(screen, screen.taken_at, weights.policy)
            if chart := food_chart_preview(risk, screen.taken_at, weights.policy):
                prompts = (chart, *prompts)
            advice += "".join(f"\n• {prompt}" for prompt in prompts)
        self.advice.setText(advice)

    def save(self) -> None:
        if self._saver.state is SaveState.SAVED:
            self.accept()
            return
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        self._saver.reset()
        recording, actor, admission_id = (
            self._bedside.recording,
            self._bedside.acting(),
            self._admission_id,
        )
        answers = self.answers()
        self._saver.start(lambda: recording.record_assessment(actor, admission_id, "must", answers))

    @Slot(object)
    def _on_saved(self, result: SaveResult) -> None:
        self.result_value = result
        self.status.show_message(f"✔ MUST screen SAVED — {self.outcome.text()}", "ok")
        self.save_button.setText("&Close")

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        if isinstance(error, InvalidInput):
            message = next(iter(error.problems.values()))
        else:
            message = str(error)
        self.status.show_message(f"✖ Not saved — {message}", "alert")
