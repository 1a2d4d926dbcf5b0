"""The Aftercare menu: the ward's follow-ups after discharge.

``AftercareController`` is a child of the main window (a ``ui.controller.Controller``). Who is
asking is read from the context on the UI thread when the action is triggered."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from wardconsole.domain.changes import Change
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.context import Actor, ServiceError
from wardconsole.ui.aftercare.follow_ups_dialog import ExportLetter, FollowUpsDialog
from wardconsole.ui.aftercare.plan_dialog import AftercarePlanDialog
from wardconsole.ui.tasks import TaskRunner


class AftercareController(QObject):
    def __init__(
        self,
        service: AftercareService,
        current_actor: Callable[[], Actor],
        window: QMainWindow,
        runner: TaskRunner,
        export_letter: ExportLetter,
    ) -> None:
        super().__init__(window)
        self._export_letter = export_letter
        self._service = service
        self._actor = current_actor
        self._window = window
        self._runner = runner
        self.follow_ups_action = QAction("&Follow-ups after discharge…", window)
        self.follow_ups_action.setObjectName("aftercare_follow_ups")
        self.follow_ups_action.setStatusTip(
            "Who is due a contact after discharge, who is overdue, and each attempt"
        )
        self.follow_ups_action.triggered.connect(self._on_follow_ups_requested)

    def actions(self) -> list[QAction]:
        return [self.follow_ups_action]

    def add_to(self, menu: QMenu) -> None:
        menu.addActions(self.actions())

    def on_changes(self, changes: list[Change]) -> None:
        """Nothing of this feature stays on screen to reload (its dialogs read when opened)."""

    def shutdown(self) -> None:
        self._runner.cancel_all(self)

    @Slot(int)
    def offer_plan(self, admission_id: int) -> None:
        """Just after a discharge: ask for the aftercare plan while the nurse has it to hand
        (Cancel leaves it for the Follow-ups list)."""
        service = self._service
        self._runner.run(
            self,
            lambda: service.patient_name(admission_id),
            on_success=lambda name: self._ask_plan(admission_id, name),
            on_failure=self._on_failed,
        )

    def _ask_plan(self, admission_id: int, name: str) -> None:
        service = self._service
        plan = AftercarePlanDialog.ask(self._window, name, service.now())
        if plan is None:
            return
        actor = self._actor()
        self._runner.run(
            self,
            lambda: service.record_plan(actor, admission_id, plan),
            on_success=lambda _id: self._window.statusBar().showMessage(
                f"Aftercare plan saved for {name}.", 15_000
            ),
            on_failure=self._on_failed,
        )

    def _on_failed(self, error: BaseException) -> None:
        text = str(error) if isinstance(error, ServiceError) else f"Not saved: {error}"
        self._window.statusBar().showMessage(f"Aftercare plan not saved — {text}", 30_000)

    @Slot()
    def _on_follow_ups_requested(self) -> None:
        FollowUpsDialog.ask(
            self._window, self._service, self._actor, self._runner, self._export_letter
        )
