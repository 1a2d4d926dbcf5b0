"""The Sessions menu: record a therapy or support session for the patient selected on the
census, and the ward's sessions today (who has had no 1:1 key-worker contact).

``SessionsController`` is a child of the main window (a ``ui.controller.Controller``). Who
records is read from the context on the UI thread when the action is triggered; the save runs on
the console's background worker and ``sessions_changed`` tells the window which admission to
refresh.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from wardconsole.domain.changes import Change
from wardconsole.services.context import Actor, ServiceError
from wardconsole.services.sessions import SessionResult, SessionService
from wardconsole.services.views import CensusRow
from wardconsole.ui.sessions.day_list import SessionDayDialog
from wardconsole.ui.sessions.session_dialog import SessionDialog, SessionForm
from wardconsole.ui.tasks import TaskRunner


class SessionsController(QObject):
    """Session actions of one main window (see module docstring)."""

    sessions_changed = Signal(int)
    """A session was saved for this admission from this station."""

    def __init__(
        self,
        service: SessionService,
        current_actor: Callable[[], Actor],
        selected_row: Callable[[], CensusRow | None],
        window: QMainWindow,
        runner: TaskRunner,
    ) -> None:
        super().__init__(window)
        self._service = service
        self._actor = current_actor
        self._selected = selected_row
        self._window = window
        self._runner = runner
        self.record_action = QAction("Record &session…", window)
        self.record_action.setObjectName("sessions_record")
        self.record_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.record_action.setStatusTip(
            "A 1:1, group, CBT, peer support, mindfulness, movement, art or family session"
        )
        self.day_action = QAction("Sessions &today…", window)
        self.day_action.setObjectName("sessions_today")
        self.day_action.setStatusTip("Who has had no 1:1 key-worker contact today")
        self.record_action.triggered.connect(self._on_record_requested)
        self.day_action.triggered.connect(self._on_day_requested)

    def actions(self) -> list[QAction]:
        return [self.record_action, self.day_action]

    def add_to(self, menu: QMenu) -> None:
        menu.addAction(self.record_action)
        menu.addSeparator()
        menu.addAction(self.day_action)

    def on_changes(self, changes: list[Change]) -> None:
        """Nothing of this feature stays on screen to reload (its dialogs read when opened)."""

    def shutdown(self) -> None:
        self._runner.cancel_all(self)

    @Slot()
    def _on_record_requested(self) -> None:
        row = self._selected()
        if row is None:
            self._window.statusBar().showMessage("Select a patient on the census first", 10_000)
            return
        service, actor = self._service, self._actor()
        form = SessionDialog.ask(self._window, f"{row.patient_name} — Bed {row.bed}", service.now)
        if form is None:
            return
        key = uuid.uuid4().hex
        admission_id = row.admission_id
        self._runner.run(
            self,
            lambda: service.record_session(
                actor,
                admission_id,
                session_type=form.session_type.value,
                attendance=form.attendance.value,
                started_at=form.started_at,
                ended_at=form.ended_at,
                led_by=form.led_by,
                craving_before=form.craving_before,
                craving_after=form.craving_after,
                note=form.note,
                save_key=key,
            ),
            on_success=lambda result: self._on_saved(row, form, result),
            on_failure=self._on_failed,
        )

    def _on_saved(self, row: CensusRow, form: SessionForm, result: SessionResult) -> None:
        raised = f" {len(result.escalations)} alert(s) updated." if result.escalations else ""
        self._window.statusBar().showMessage(
            f"Session saved: {row.bed} {row.patient_name}, {form.session_type.label} — "
            f"{form.attendance.label.lower()}.{raised}",
            15_000,
        )
        self.sessions_changed.emit(result.admission_id)

    @Slot()
    def _on_day_requested(self) -> None:
        SessionDayDialog.ask(self._window, self._service, self._actor(), self._runner)

    def _on_failed(self, error: BaseException) -> None:
        text = str(error) if isinstance(error, ServiceError) else f"Not saved: {error}"
        self._window.statusBar().showMessage(f"Session not saved — {text}", 30_000)
