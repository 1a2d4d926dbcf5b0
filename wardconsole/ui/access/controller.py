"""The main window's staff controls: who is signed in, lock, sign out, staff, audit, the queue.

``AccessController`` (a ``ui.controller.Controller``) puts a Staff menu and two status-bar fields
on the window, owns the ``StationLock``, and keeps the window's actions in step with the
signed-in role: an action the role may not take is disabled (the services refuse it anyway; the
screen just says so first). It also watches the station's queue: while entries wait, it tries to
write them every few seconds and as soon as the database is back, and the status bar shows how
many wait.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QMessageBox, QPushButton

from wardconsole.domain.changes import Change
from wardconsole.services.context import Actor, Permission
from wardconsole.services.outbox import QueuedEntry, QueueKind, QueueState
from wardconsole.services.safe_saves import ReplayReport
from wardconsole.services.sign_in import SignInSetup
from wardconsole.services.views import CensusSnapshot
from wardconsole.ui.access.audit_dialog import AuditDialog
from wardconsole.ui.access.lock_screen import StationLock
from wardconsole.ui.access.queue_dialog import QueueDialog
from wardconsole.ui.access.session import AccessContext, StaffSession
from wardconsole.ui.access.staff_dialog import StaffDialog
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.style_property import set_style_property

NO_QUEUE_TEXT = "⚠ No station queue: nothing can be kept here while the database is down"

log = logging.getLogger(__name__)

QUEUE_POLL_MS = 10_000

ACTION_PERMISSIONS: Mapping[str, Permission] = {
    "bedside.record_action": Permission.RECORD,
    "bedside.prn_action": Permission.RECORD,
    "admission.admit_action": Permission.ADMIT,
    "admission.move_action": Permission.ADMIT,
    "admission.discharge_action": Permission.ADMIT,
    "admission.amend_action": Permission.ADMIT,
    "handoff_menu.editor_action": Permission.WRITE_HANDOFF,
    "handoff_menu.board_action": Permission.VIEW,
    "handoff_menu.print_action": Permission.WRITE_HANDOFF,
    "observation_menu.rounds_action": Permission.RECORD,
    "observation_menu.check_action": Permission.RECORD,
    "observation_menu.level_action": Permission.RECORD,
    "sessions_menu.record_action": Permission.RECORD,
    "interop_menu.import_action": Permission.RECORD,
    "interop_menu.import_into_action": Permission.RECORD,
    "interop_menu.export_action": Permission.EXPORT,
}
"""Window actions (attribute paths on the main window) and the permission each needs. Finding
a discharged patient is not here: it stays on and tells a nurse that only supervisors read
those records (``ui.admissions.controller.SUPERVISORS_ONLY``)."""

ROLE_WORDS = {
    "nurse": "Nurse",
    "supervisor": "Supervisor",
    "readonly": "Read-only",
    "system": "Automatic",
}
_HELD_BY_ROLE = "wardconsole_disabled_by_role"


class AccessController(QObject):
    """See module docstring. A Qt child of the main window."""

    queue_changed = Signal(int)
    """How many entries wait in the station's queue (after each check)."""

    def __init__(self, access: AccessContext, runner: TaskRunner, window: QMainWindow) -> None:
        super().__init__(window)
        self._access = access
        session: StaffSession = access.session
        self._session = session
        self._runner = runner
        self._window = window
        self._waiting = 0
        self.lock = StationLock(access, session, runner, window)

        self.lock_action = self._action("lock_screen", "&Lock screen", "Ctrl+L")
        self.sign_out_action = self._action("sign_out", "Sign &out", None)
        self.staff_action = self._action("manage_staff", "&Staff accounts…", None)
        self.audit_action = self._action("audit_trail", "&Audit trail…", None)
        self.queue_action = self._action("station_queue", "Saved on this &station…", None)
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.staff_action.setEnabled(access.staff is not None)
        self.audit_action.setEnabled(access.audit is not None)
        self.queue_action.setEnabled(access.saves is not None)

        self.signed_in_label = QLabel()
        self.signed_in_label.setObjectName("signed_in")
        self.queue_button = QPushButton()
        self.queue_button.setObjectName("queue_button")
        self.queue_button.setFlat(True)
        self.queue_button.setVisible(False)
        set_style_property(self.queue_button, "tone", "alert")
        if access.saves is None and access.saves_problem:
            self.queue_button.setText(NO_QUEUE_TEXT)
            self.queue_button.setToolTip(access.saves_problem)
            self.queue_button.setVisible(True)
            self.queue_action.setToolTip(access.saves_problem)
        self._queue_timer = QTimer(self)
        self._queue_timer.setInterval(QUEUE_POLL_MS)

        self.lock_action.triggered.connect(self._on_lock_requested)
        self.sign_out_action.triggered.connect(self._on_sign_out_requested)
        self.staff_action.triggered.connect(self._on_staff_requested)
        self.audit_action.triggered.connect(self._on_audit_requested)
        self.queue_action.triggered.connect(self._on_queue_requested)
        self.queue_button.clicked.connect(self._on_queue_requested)
        self._queue_timer.timeout.connect(self.check_queue)
        session.actor_changed.connect(self._on_actor_changed)
        self._on_actor_changed(session.actor)

    @property
    def session(self) -> StaffSession:
        return self._session

    def _action(self, name: str, text: str, shortcut: str | None) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        return action

    # -- placing on the window --------------------------------------------------------------

    def actions(self) -> list[QAction]:
        return [
            self.lock_action,
            self.sign_out_action,
            self.queue_action,
            self.staff_action,
            self.audit_action,
        ]

    def add_to(self, menu: QMenu) -> None:
        menu.addAction(self.lock_action)
        menu.addAction(self.sign_out_action)
        menu.addSeparator()
        menu.addAction(self.queue_action)
        menu.addSeparator()
        menu.addAction(self.staff_action)
        menu.addAction(self.audit_action)

    def add_status_fields(self) -> None:
        status = self._window.statusBar()
        status.addPermanentWidget(self.queue_button)
        status.addPermanentWidget(self.signed_in_label)

    def start(self) -> None:
        self.lock.start()
        self._queue_timer.start()
        self.check_queue()
        self._runner.run(
            self,
            self._access.setup,
            on_success=self._on_setup_loaded,
            on_failure=lambda _error: None,
        )

    def on_changes(self, changes: list[Change]) -> None:
        """Nothing to reload: the queue is read on its own timer and when the database is back."""

    def shutdown(self) -> None:
        self._queue_timer.stop()
        self.lock.shutdown()

    # -- what the window tells us -----------------------------------------------------------

    @Slot(CensusSnapshot)
    def set_snapshot(self, snapshot: CensusSnapshot) -> None:
        self.lock.set_snapshot(snapshot)

    @Slot(str)
    def on_connection_lost(self, reason: str) -> None:
        self.lock.set_database_unavailable(reason or "unavailable")

    @Slot()
    def on_connection_restored(self) -> None:
        self.lock.set_database_unavailable(None)
        self.check_queue()

    # -- permissions ------------------------------------------------------------------------

    @Slot(object)
    def _on_actor_changed(self, actor: Actor | None) -> None:
        if actor is None:
            self.signed_in_label.setText("Nobody signed in")
        else:
            role = ROLE_WORDS.get(actor.role.value, actor.role.value)
            self.signed_in_label.setText(f"Signed in: {actor.display_name} · {role}")
        self.apply_permissions(actor)

    def apply_permissions(self, actor: Actor | None) -> None:
        """Disable what ``actor`` may not do; give back what an earlier role took away."""
        self.staff_action.setVisible(actor is not None and actor.can(Permission.MANAGE_STAFF))
        self.audit_action.setVisible(actor is not None and actor.can(Permission.VIEW_AUDIT))
        for path, permission in ACTION_PERMISSIONS.items():
            action = self._find_action(path)
            if action is None:
                continue
            allowed = actor is not None and actor.can(permission)
            held = bool(action.property(_HELD_BY_ROLE))
            if not allowed and action.isEnabled():
                action.setEnabled(False)
                action.setProperty(_HELD_BY_ROLE, True)
                action.setStatusTip("Your role may not do this")
            elif allowed and held:
                action.setEnabled(True)
                action.setProperty(_HELD_BY_ROLE, False)
                action.setStatusTip("")

    def _find_action(self, path: str) -> QAction | None:
        target: object = self._window
        for name in path.split("."):
            target = getattr(target, name, None)
            if target is None:
                return None
        return target if isinstance(target, QAction) else None

    # -- the station's queue ----------------------------------------------------------------

    @Slot()
    def check_queue(self) -> None:
        saves = self._access.saves
        if saves is None:
            return
        self._runner.run(
            self,
            saves.outbox.visible,
            on_success=self._on_queue_read,
            on_failure=lambda _error: None,
            key="queue",
        )

    def _on_queue_read(self, entries: list[QueuedEntry]) -> None:
        made = [e for e in entries if e.kind is not QueueKind.AUDIT]
        waiting = sum(1 for e in made if e.state is QueueState.WAITING)
        refused = sum(1 for e in made if e.state is QueueState.REFUSED)
        self._waiting = waiting
        parts = []
        if waiting:
            parts.append(f"⏳ {waiting} saved here, waiting for the database")
        if refused:
            parts.append(f"✖ {refused} refused — look")
        self.queue_button.setText(" · ".join(parts))
        self.queue_button.setVisible(bool(parts))
        self.lock.set_queue_waiting(waiting)
        self.queue_changed.emit(waiting)
        if any(e.state is QueueState.WAITING for e in entries) and self._access.saves:
            saves = self._access.saves
            self._runner.run(
                self,
                saves.replay,
                on_success=self._on_replayed,
                on_failure=lambda error: log.warning("Replay failed: %s", type(error).__name__),
                key="replay",
            )

    def _on_replayed(self, report: ReplayReport) -> None:
        if report.sent or report.refused:
            log.info("Station queue: %d written, %d refused", report.sent, report.refused)
            self.check_queue()
            if hasattr(self._window, "refresh"):
                self._window.refresh()

    # -- menu slots -------------------------------------------------------------------------

    @Slot()
    def _on_lock_requested(self) -> None:
        self.lock.lock("manual")

    @Slot()
    def _on_sign_out_requested(self) -> None:
        self.lock.sign_out()

    @Slot()
    def _on_staff_requested(self) -> None:
        if self._access.staff is not None and self._session.can(Permission.MANAGE_STAFF):
            StaffDialog.ask(
                self._access.staff, self._session.current_actor, self._window, runner=self._runner
            )

    @Slot()
    def _on_audit_requested(self) -> None:
        if self._access.audit is not None and self._session.can(Permission.VIEW_AUDIT):
            AuditDialog.ask(
                self._access.audit, self._session.current_actor, self._window, runner=self._runner
            )

    @Slot()
    def _on_queue_requested(self) -> None:
        if self._access.saves is None and self._access.saves_problem:
            QMessageBox.warning(self._window, "No station queue", self._access.saves_problem)
        if self._access.saves is not None:
            QueueDialog.ask(self._access.saves, self._window, runner=self._runner)
            self.check_queue()

    def _on_setup_loaded(self, setup: SignInSetup) -> None:
        self.lock.set_setup(setup)
