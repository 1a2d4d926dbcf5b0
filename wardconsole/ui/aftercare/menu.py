"""The Aftercare menu: the ward's follow-ups after discharge (a child of the main window).

Who is asking is read from the context on the UI thread when the action is triggered."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from wardconsole.services.aftercare import AftercareService
from wardconsole.services.context import Actor
from wardconsole.ui.aftercare.follow_ups_dialog import ExportLetter, FollowUpsDialog
from wardconsole.ui.tasks import TaskRunner


class AftercareMenu(QObject):
    def __init__(
        self,
        service: AftercareService | None,
        current_actor: Callable[[], Actor] | None,
        window: QMainWindow,
        runner: TaskRunner,
        export_letter: ExportLetter | None = None,
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
        self.follow_ups_action.setEnabled(service is not None and current_actor is not None)
        self.follow_ups_action.triggered.connect(self._on_follow_ups_requested)

    def add_to(self, menu: QMenu) -> None:
        menu.addAction(self.follow_ups_action)

    def shutdown(self) -> None:
        self._runner.cancel_all(self)

    @Slot()
    def _on_follow_ups_requested(self) -> None:
        if self._service is not None and self._actor is not None:
            FollowUpsDialog.ask(
                self._window, self._service, self._actor, self._runner, self._export_letter
            )
