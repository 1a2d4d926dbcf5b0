"""Per-patient decisions: SpO2 Scale 2, a modified response, an observation frequency (clinician
accounts), and the rapid-tranquillisation check interval or its end.

The services decide who may do what (a nurse may make RT checks more frequent; only a clinician
records Scale 2, a modified response or frequency, relaxes RT checks or ends RT) and say so in
plain words; this dialog only collects the answer and saves it on the background worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.decisions import SCALE2_REASON, SCALE2_TARGET
from wardconsole.services.context import Actor, InvalidInput, ServiceError
from wardconsole.services.decisions import OBS_FREQUENCIES, DecisionService
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.datetime_field import DateTimeField
from wardconsole.ui.widgets.style_property import set_style_property

CHOICES: tuple[tuple[str, str], ...] = (
    ("scale2", f"SpO2 Scale 2 (target {SCALE2_TARGET}) — clinician"),
    ("scale1", "Back to SpO2 Scale 1 — clinician"),
    ("response", "Documented modified response — clinician"),
    ("response_off", "Withdraw the modified response — clinician"),
    ("frequency", "Observation frequency (only ever more often than Chart 4) — clinician"),
    ("frequency_off", "Withdraw the observation frequency — clinician"),
    ("rt_close", "Rapid tranquillisation: checks every 15 min (with a reason)"),
    ("rt_hourly", "Rapid tranquillisation: checks hourly again — clinician"),
    ("rt_end", "End rapid tranquillisation: no further concerns — clinician"),
)


class DecisionsDialog(QDialog):
    """One decision at a time, with its reason and (where it applies) a review date."""

    def __init__(
        self,
        decisions: DecisionService,
        runner: TaskRunner,
        actor: Callable[[], Actor],
        admission_id: int,
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Clinical decisions — {title}")
        self.setMinimumWidth(560)
        self._decisions = decisions
        self._runner = runner
        self._actor = actor
        self._admission_id = admission_id
        self.choice = QComboBox()
        self.choice.setObjectName("decision_choice")
        for key, text in CHOICES:
            self.choice.addItem(text, key)
        self.hypercapnic = QCheckBox(f"{SCALE2_REASON} (documented, e.g. on blood gases)")
        self.hypercapnic.setObjectName("decision_hypercapnic")
        self.response = QLineEdit()
        self.response.setObjectName("decision_response")
        self.response.setPlaceholderText("e.g. call the on-call GP before 999")
        self.minutes = QComboBox()
        self.minutes.setObjectName("decision_minutes")
        for minutes in OBS_FREQUENCIES:
            self.minutes.addItem(f"every {minutes} min", minutes)
        self.reason = QLineEdit()
        self.reason.setObjectName("decision_reason")
        self.reason.setPlaceholderText("why (required)")
        default_review = decisions.now() + timedelta(days=2)
        self.review = DateTimeField(QDateTime.fromSecsSinceEpoch(int(default_review.timestamp())))
        self.review.setObjectName("decision_review")
        self.review.setCalendarPopup(True)
        self.review.setDisplayFormat("ddd d MMM yyyy HH:mm")
        self.error = QLabel()
        self.error.setObjectName("decision_error")
        self.error.setWordWrap(True)
        self.error.hide()
        set_style_property(self.error, "tone", "alert")
        note = QLabel(
            "A decision is shown with the score wherever it appears and never stops an "
            "escalation; its review date falling due raises an advisory."
        )
        note.setWordWrap(True)
        set_style_property(note, "tone", "muted")
        form = QFormLayout()
        form.addRow("&Decision:", self.choice)
        form.addRow("", self.hypercapnic)
        form.addRow("Modified &response:", self.response)
        form.addRow("&Frequency:", self.minutes)
        form.addRow("R&eason:", self.reason)
        form.addRow("Re&view by:", self.review)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.choice.currentIndexChanged.connect(self._on_choice_changed)
        self._on_choice_changed()

    def _on_choice_changed(self) -> None:
        self.error.hide()
        key = self.choice.currentData()
        self.hypercapnic.setVisible(key == "scale2")
        self.response.setEnabled(key == "response")
        self.minutes.setEnabled(key == "frequency")
        self.review.setEnabled(key in ("scale2", "response", "frequency"))
        self.reason.setEnabled(key not in ("scale2", "scale1"))

    def review_at(self) -> datetime:
        local = self.review.dateTime().toSecsSinceEpoch()
        return datetime.fromtimestamp(local, tz=UTC)

    def work(self) -> Callable[[], Any]:
        """The save to run on the worker, for the decision chosen now."""
        key = self.choice.currentData()
        service, admission, actor = self._decisions, self._admission_id, self._actor()
        reason, review = self.reason.text().strip(), self.review_at()
        minutes = int(self.minutes.currentData())
        response = self.response.text().strip()
        hypercapnic = self.hypercapnic.isChecked()
        close = self._decisions_close_minutes()
        return {
            "scale2": lambda: service.set_spo2_scale(
                actor,
                admission,
                scale=2,
                review_at=review,
                confirmed_hypercapnic_failure=hypercapnic,
            ),
            "scale1": lambda: service.set_spo2_scale(actor, admission, scale=1, review_at=None),
            "response": lambda: service.set_modified_response(
                actor, admission, response=response, reason=reason, review_at=review
            ),
            "response_off": lambda: service.set_modified_response(
                actor, admission, response="", reason=reason, review_at=None
            ),
            "frequency": lambda: service.set_obs_frequency(
                actor, admission, minutes=minutes, reason=reason, review_at=review
            ),
            "frequency_off": lambda: service.set_obs_frequency(
                actor, admission, minutes=0, reason=reason, review_at=None
            ),
            "rt_close": lambda: service.set_rt_interval(
                actor, admission, minutes=close[0], reason=reason
            ),
            "rt_hourly": lambda: service.set_rt_interval(
                actor, admission, minutes=close[1], reason=reason
            ),
            "rt_end": lambda: service.end_rt(actor, admission, reason=reason),
        }[key]

    def _decisions_close_minutes(self) -> tuple[int, int]:
        rule = self._decisions.rt_rule
        return rule.number("close_interval_minutes"), rule.number("interval_minutes")

    def _on_save(self) -> None:
        self.buttons.setEnabled(False)
        self._runner.run(self, self.work(), on_success=self._on_saved, on_failure=self._on_failed)

    def _on_saved(self, _result: object) -> None:
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(error, InvalidInput):
            text = "; ".join(error.problems.values())
        elif isinstance(error, ServiceError):
            text = str(error)
        else:
            text = "The database did not answer; nothing was saved. Try again."
        self.error.setText(f"Not saved: {text}")
        self.error.show()

    @classmethod
    def ask(
        cls,
        decisions: DecisionService,
        runner: TaskRunner,
        actor: Callable[[], Actor],
        admission_id: int,
        title: str,
        parent: QWidget | None = None,
    ) -> bool:
        dialog = cls(decisions, runner, actor, admission_id, title, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        return dialog.exec() == QDialog.DialogCode.Accepted
