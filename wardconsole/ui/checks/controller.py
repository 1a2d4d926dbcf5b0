"""The Observation menu: the safety-check round, a check or a level from the census, compliance.

``ObservationController`` is a child of the main window (a ``ui.controller.Controller``). It owns
the rounds window (top-level, held by a plain Python reference, created on first use), runs its
reads and saves on the console's one background worker (who is acting is read on the UI thread
when the nurse saves), forwards other stations' writes to the round, and tells
the window when a check or a level was saved here (``checks_changed``) so the census can refresh.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from wardconsole.domain.changes import Change
from wardconsole.services.context import Actor, ServiceError
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.observation_views import (
    CheckResult,
    LevelChange,
    LevelView,
    PatientChecks,
)
from wardconsole.ui import formatting as fmt
from wardconsole.ui.checks.check_dialog import CheckDialog
from wardconsole.ui.checks.compliance_dialog import ComplianceDialog
from wardconsole.ui.checks.level_dialog import LevelDialog
from wardconsole.ui.checks.round_view import RoundsWindow
from wardconsole.ui.tasks import TaskRunner


class ObservationController(QObject):
    """Observation actions and the rounds window of one main window (see module docstring)."""

    checks_changed = Signal()
    """A check or a level was saved from this station."""

    def __init__(
        self,
        service: ObservationLevelService,
        current_actor: Callable[[], Actor],
        selected_admission: Callable[[], int | None],
        window: QMainWindow,
        runner: TaskRunner,
    ) -> None:
        super().__init__(window)
        self._service = service
        self._actor = current_actor
        self._selected = selected_admission
        self._window = window
        self._runner = runner
        self._rounds: RoundsWindow | None = None
        self.rounds_action = QAction("Safety-check &round…", window)
        self.rounds_action.setShortcut(QKeySequence("F6"))
        self.rounds_action.setStatusTip("Due safety checks in the order to walk the ward")
        self.check_action = QAction("Record safety &check…", window)
        self.check_action.setShortcut(QKeySequence("Ctrl+K"))
        self.level_action = QAction("Set observation &level…", window)
        self.level_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.compliance_action = QAction("Observation &compliance…", window)
        self.compliance_action.setStatusTip(
            "Checks due, on time, late and missed per shift (supervisors)"
        )
        self.rounds_action.triggered.connect(self.open_rounds)
        self.check_action.triggered.connect(self._on_check_requested)
        self.level_action.triggered.connect(self._on_level_requested)
        self.compliance_action.triggered.connect(self._on_compliance_requested)

    def actions(self) -> list[QAction]:
        return [self.rounds_action, self.check_action, self.level_action, self.compliance_action]

    def patient_actions(self) -> list[QAction]:
        """The two that act on the selected census row (for its context menu)."""
        return [self.check_action, self.level_action]

    def add_to(self, menu: QMenu) -> None:
        menu.addAction(self.rounds_action)
        menu.addSeparator()
        menu.addActions(self.patient_actions())
        menu.addSeparator()
        menu.addAction(self.compliance_action)

    @property
    def rounds(self) -> RoundsWindow | None:
        return self._rounds

    @Slot()
    def open_rounds(self) -> None:
        if self._rounds is None:
            self._rounds = RoundsWindow(self._service, self._actor, self._runner)
            self._rounds.checks_changed.connect(self.checks_changed)
            self._follow_alarms(self._rounds)
            self._rounds.start()
        self._rounds.show()
        self._rounds.raise_()
        self._rounds.activateWindow()

    def _follow_alarms(self, rounds: RoundsWindow) -> None:
        """The round window never hides an emergency: it repeats the banner's alarm, and a
        click on it brings the console forward with the escalation selected."""
        centre = getattr(self._window, "escalations", None)
        if centre is None:
            return

        def show(state: object) -> None:
            alarms = getattr(state, "alarms", ())
            if not alarms:
                rounds.show_alarm(None, "")
                return
            e = alarms[0].escalation
            more = f"  (+{len(alarms) - 1} more)" if len(alarms) > 1 else ""
            rounds.show_alarm(
                e.id,
                f"{fmt.severity_text(e.severity)} · Bed {e.bed} · {e.patient_name} — "
                f"{e.kind.label} · NOT ACKNOWLEDGED{more}   Show in the console ▸",
            )

        centre.banner_changed.connect(show)
        show(centre.banner_state())
        rounds.alarm_requested.connect(self._on_alarm_requested)

    @Slot(int)
    def _on_alarm_requested(self, escalation_id: int) -> None:
        self._window.raise_()
        self._window.activateWindow()
        show = getattr(self._window, "show_escalation", None)
        if show is not None:
            show(escalation_id)

    def on_changes(self, changes: list[Change]) -> None:
        """Another station wrote something: the round may have changed."""
        self._refresh_round()

    def _refresh_round(self) -> None:
        if self._rounds is not None and self._rounds.isVisible():
            self._rounds.refresh()

    def shutdown(self) -> None:
        if self._rounds is not None:
            self._rounds.stop()
            self._rounds.close()
            self._rounds = None
        self._runner.cancel_all(self)

    # -- from the census -------------------------------------------------------------------

    @Slot()
    def _on_check_requested(self) -> None:
        admission_id = self._selected()
        if admission_id is None:
            return
        service = self._service
        self._runner.run(
            self,
            lambda: service.patient_checks(admission_id),
            on_success=self._ask_check,
            on_failure=self._on_failed,
        )

    def _ask_check(self, patient: PatientChecks) -> None:
        service = self._service
        entry = CheckDialog.ask(self._window, patient, service.policy.locations)
        if entry is None:
            return
        key = uuid.uuid4().hex
        actor = self._actor()
        self._runner.run(
            self,
            entry.saver(service, actor, patient.admission_id, key),
            on_success=lambda result: self._on_check_saved(patient, result),
            on_failure=self._on_failed,
        )

    def _on_check_saved(self, patient: PatientChecks, result: CheckResult) -> None:
        if result.presentation.found:
            text = (
                f"Check saved: {patient.bed} {patient.patient_name}, "
                f"{result.presentation.label}. Next check by "
                f"{fmt.local_time_text(result.next_deadline)}."
            )
        else:
            text = (
                f"{patient.bed} {patient.patient_name} NOT FOUND: absent-patient emergency raised."
            )
        self._window.statusBar().showMessage(text, 15_000)
        self.checks_changed.emit()
        self._refresh_round()

    @Slot()
    def _on_level_requested(self) -> None:
        admission_id = self._selected()
        if admission_id is None:
            return
        service = self._service
        self._runner.run(
            self,
            lambda: (service.patient_checks(admission_id), service.level_history(admission_id)),
            on_success=lambda found: self._ask_level(*found),
            on_failure=self._on_failed,
        )

    def _ask_level(self, patient: PatientChecks, history: list[LevelView]) -> None:
        service = self._service
        entry = LevelDialog.ask(self._window, patient, service.policy, history)
        if entry is None:
            return
        actor = self._actor()
        self._runner.run(
            self,
            lambda: service.set_level(
                actor,
                patient.admission_id,
                entry.level,
                reason=entry.reason,
                review_at=service.now() + entry.review_in,
                agreed_with=entry.agreed_with,
                expected_current=patient.level_id,
            ),
            on_success=lambda change: self._on_level_saved(patient, change),
            on_failure=self._on_failed,
        )

    def _on_level_saved(self, patient: PatientChecks, change: LevelChange) -> None:
        self._window.statusBar().showMessage(
            f"{patient.bed} {patient.patient_name}: level set to "
            f"{self._service.policy.label(change.level)}.",
            15_000,
        )
        self.checks_changed.emit()
        self._refresh_round()

    @Slot()
    def _on_compliance_requested(self) -> None:
        ComplianceDialog.ask(self._window, self._service, self._actor, self._runner)

    def _on_failed(self, error: BaseException) -> None:
        text = str(error) if isinstance(error, ServiceError) else f"Not saved: {error}"
        self._window.statusBar().showMessage(text, 30_000)
