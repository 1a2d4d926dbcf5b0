"""The idle auto-lock: a lock screen that hides every patient detail until someone signs in.

``StationLock`` restarts an idle timer on every key press, click, wheel or mouse movement in
the application; when it runs out (local policy, default a few minutes) or a nurse presses
Ctrl+L, the station locks:

* every open window and dialog is covered by an opaque curtain — hidden from view, not closed,
  so a half-typed observation survives the lock and is there again after unlock;
* ``LockScreen``, a full-screen window of its own and the newest modal one (so it takes the
  keyboard even over a dialog that was open), shows the ward, the sign-in form and the open
  escalations as bed and kind only — no names, no values;
* the lock is audited; the same or another nurse unlocks by signing in, and from then on the
  console records as whoever unlocked it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QToolTip,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from wardconsole.domain.records import EscalationInfo, Severity
from wardconsole.services.sign_in import SignedIn, SignInPurpose, SignInSetup
from wardconsole.services.views import CensusSnapshot
from wardconsole.ui import formatting as fmt
from wardconsole.ui.access.session import AccessContext, StaffSession
from wardconsole.ui.access.sign_in_dialog import SIGN_IN_STYLE, SignInForm
from wardconsole.ui.tasks import TaskRunner

ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)

LOCK_STYLE = (
    SIGN_IN_STYLE
    + """
QWidget#LockScreen { background-color: palette(window); }
QLabel#lock_title { font-size: 22pt; font-weight: bold; }
QLabel#lock_ward { font-size: 14pt; }
QLabel#lock_since, QLabel#lock_database, QLabel#lock_queue, QLabel#lock_who,
QLabel#lock_legend { font-size: 11pt; }
QLabel#lock_alerts_title { font-size: 14pt; font-weight: bold; }
QListView#lock_alerts { font-size: 16pt; font-weight: bold; }
QFrame#lock_panel { border: 1px solid palette(mid); border-radius: 6px; padding: 12px; }
"""
)

# One shape vocabulary everywhere (census, banner, panel, lock screen): the severity's shape.
_SEVERITY_MARK = {severity: fmt.severity_text(severity)[0] for severity in Severity}
LEGEND = "   ".join(fmt.severity_text(s).lower() for s in sorted(Severity, reverse=True))
"""'▲ emergency   ◆ urgent   ● advisory'."""


def alert_lines(snapshot: CensusSnapshot | None) -> list[str]:
    """Open escalations as the lock screen shows them: bed and kind only, most urgent first."""
    if snapshot is None:
        return []
    items: list[EscalationInfo] = [e for row in snapshot.rows for e in row.open_escalations]
    items.sort(key=lambda e: (-e.severity, e.raised_at))
    return [f"{_SEVERITY_MARK[e.severity]}  Bed {e.bed} — {e.kind.label}" for e in items]


class Curtain(QWidget):
    """An opaque cover over one window while the station is locked (a child of that window)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("LockCurtain")
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoMousePropagation)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        label = QLabel("Locked — sign in on the lock screen to continue", self)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() in (
            QEvent.Type.Resize,
            QEvent.Type.ChildAdded,
        ):
            window = self.parentWidget()
            if window is not None:
                self.setGeometry(window.rect())
            self.raise_()
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        event.accept()  # nothing typed reaches the covered window


class LockScreen(QWidget):
    """Full-screen: ward, who locked and when, sign-in form, open escalations (bed + kind)."""

    unlocked = Signal(object)
    """Someone signed in on the lock screen (a ``SignedIn``)."""

    def __init__(
        self, access: AccessContext, runner: TaskRunner, previous: Callable[[], object]
    ) -> None:
        super().__init__(
            None,
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint,
        )
        self.setObjectName("LockScreen")
        self.setWindowTitle(f"WardConsole — locked — {access.station}")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(LOCK_STYLE)
        self.title = QLabel("This station is locked")
        self.title.setObjectName("lock_title")
        self.ward = QLabel(f"{access.ward_name} — {access.station}")
        self.ward.setObjectName("lock_ward")
        self.since = QLabel()
        self.since.setObjectName("lock_since")
        self.since.setWordWrap(True)
        self.database = QLabel()
        self.database.setObjectName("lock_database")
        self.database.setWordWrap(True)
        self.database.setProperty("tone", "alert")
        self.database.setVisible(False)
        self.queue = QLabel()
        self.queue.setObjectName("lock_queue")
        self.queue.setVisible(False)
        self.form = SignInForm(
            lambda code, password: access.sign_in(code, password, SignInPurpose.UNLOCK, previous()),  # type: ignore[arg-type]
            runner,
            purpose=SignInPurpose.UNLOCK,
        )
        self.who = QLabel(
            "The same nurse, or any other member of staff, unlocks it by signing "
            "in with their own staff ID; the console then records as them."
        )
        self.who.setObjectName("lock_who")
        self.who.setWordWrap(True)
        self.who.setProperty("tone", "muted")
        self.legend = QLabel(LEGEND)
        self.legend.setObjectName("lock_legend")
        self.alerts_title = QLabel("Open escalations")
        self.alerts_title.setObjectName("lock_alerts_title")
        self.alert_model = QStringListModel(self)
        self.alerts = QListView()
        self.alerts.setObjectName("lock_alerts")
        self.alerts.setModel(self.alert_model)
        self.alerts.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.alerts.setSelectionMode(QListView.SelectionMode.NoSelection)
        self.alerts.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self._lay_out()
        self.form.signed_in.connect(self.unlocked)

    def _lay_out(self) -> None:
        sign_in = QFrame()
        sign_in.setObjectName("lock_panel")
        left = QVBoxLayout(sign_in)
        left.addWidget(self.title)
        left.addWidget(self.ward)
        left.addWidget(self.since)
        left.addSpacing(12)
        left.addWidget(self.form)
        left.addWidget(self.who)
        left.addWidget(self.database)
        left.addWidget(self.queue)
        left.addStretch(1)
        alerts = QFrame()
        alerts.setObjectName("lock_panel")
        right = QVBoxLayout(alerts)
        right.addWidget(self.alerts_title)
        right.addWidget(self.alerts, 1)
        right.addWidget(self.legend)
        row = QHBoxLayout()
        row.addWidget(sign_in, 3)
        row.addWidget(alerts, 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 40, 48, 40)
        outer.addLayout(row)

    def set_alerts(self, lines: list[str]) -> None:
        self.alert_model.setStringList(lines or ["None open"])
        self.alerts_title.setText(
            f"Open escalations ({len(lines)})" if lines else "Open escalations"
        )

    def alert_texts(self) -> list[str]:
        """What the escalation list says (for a glance and for tests)."""
        return self.alert_model.stringList()

    def set_database_state(self, unavailable_reason: str | None) -> None:
        if unavailable_reason:
            self.database.setText(
                "⚠ Database unavailable. Only staff who signed in at this station since it "
                "started can unlock it until the database is back."
            )
        self.database.setVisible(bool(unavailable_reason))

    def set_queue(self, waiting: int) -> None:
        self.queue.setText(
            f"{waiting} saved {'entry' if waiting == 1 else 'entries'} waiting "
            "for the database (kept safely on this station)"
        )
        self.queue.setVisible(waiting > 0)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()  # only signing in opens the station


class StationLock(QObject):
    """Locks the station when idle or asked; unlocks when someone signs in (module docs)."""

    lock_changed = Signal(bool)
    """The station locked (True) or unlocked (False)."""

    def __init__(
        self, access: AccessContext, session: StaffSession, runner: TaskRunner, window: QWidget
    ) -> None:
        super().__init__(window)
        self._access = access
        self._session = session
        self._runner = runner
        self._window = window
        self._curtains: list[weakref.ref[Curtain]] = []
        self._locked_by: object = None
        self._snapshot: CensusSnapshot | None = None
        self._setup: SignInSetup | None = None
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        """The clock for "Locked at 03:12" (a test sets its own)."""
        # The screen asks who locked through a weak reference: no cycle keeps a top-level
        # window alive for the garbage collector to delete later, on whatever thread it runs.
        me = weakref.ref(self)
        self.screen = LockScreen(access, runner, lambda: getattr(me(), "_locked_by", None))
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.idle_timer.setInterval(int(access.idle_lock_after.total_seconds() * 1000))
        self.idle_timer.timeout.connect(self._on_idle)
        self.screen.unlocked.connect(self._on_unlocked)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def locked(self) -> bool:
        return self._session.locked

    def start(self) -> None:
        self.idle_timer.start()

    def shutdown(self) -> None:
        self.idle_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if Shiboken.isValid(self.screen):
            self.screen.hide()
            Shiboken.delete(self.screen)  # now, on the UI thread (it has no Qt parent)

    # -- what the lock screen shows ---------------------------------------------------------

    @Slot(CensusSnapshot)
    def set_snapshot(self, snapshot: CensusSnapshot) -> None:
        self._snapshot = snapshot
        if self.locked:
            self.screen.set_alerts(alert_lines(snapshot))

    def set_database_unavailable(self, reason: str | None) -> None:
        self.screen.set_database_state(reason)

    def set_queue_waiting(self, waiting: int) -> None:
        self.screen.set_queue(waiting)

    def set_setup(self, setup: SignInSetup) -> None:
        self._setup = setup
        self.screen.form.show_setup(setup)

    # -- locking ----------------------------------------------------------------------------

    def lock(self, reason: str = "manual") -> None:
        """Cover every window and show the lock screen; audited."""
        if self.locked:
            return
        actor = self._session.actor
        self._locked_by = actor
        self.idle_timer.stop()
        QToolTip.hideText()
        popup = QApplication.activePopupWidget()
        if popup is not None:
            popup.close()
        for widget in QApplication.topLevelWidgets():
            if widget is self.screen or not widget.isVisible():
                continue
            self._curtains.append(weakref.ref(Curtain(widget)))
        self._session.lock()
        when = fmt.local_time_text(self.now())
        who = f" by {actor.display_name}" if actor is not None else ""
        why = " after no activity" if reason == "idle" else ""
        self.screen.since.setText(f"Locked at {when}{who}{why}. Patient details are hidden.")
        self.screen.set_alerts(alert_lines(self._snapshot))
        self.screen.form.reset(actor.staff_code if actor is not None else "")
        if self._setup is not None:
            self.screen.form.show_setup(self._setup)
        self.screen.showFullScreen()
        self.screen.raise_()
        self.screen.activateWindow()
        self.screen.form.focus_first_empty()
        if actor is not None:
            self._runner.run(
                self,
                lambda: self._access.record_lock(actor, reason),
                on_failure=lambda _error: None,
            )
        self.lock_changed.emit(True)

    def sign_out(self) -> None:
        """Lock and forget who was signed in (the next person signs in from an empty form)."""
        actor = self._session.actor
        if actor is not None:
            self._runner.run(
                self, lambda: self._access.record_sign_out(actor), on_failure=lambda _error: None
            )
        self.lock("sign_out")
        self._session.sign_out()
        self._locked_by = None
        self.screen.form.reset("")
        self.screen.since.setText("Signed out. Sign in to use this station.")

    @Slot(object)
    def _on_unlocked(self, signed: SignedIn) -> None:
        for ref in self._curtains:
            curtain = ref()
            if curtain is not None and Shiboken.isValid(curtain):
                curtain.hide()
                curtain.deleteLater()
        self._curtains.clear()
        self.screen.hide()
        self._session.sign_in(signed.actor)
        self._locked_by = None
        self.idle_timer.start()
        self.lock_changed.emit(False)

    @Slot()
    def _on_idle(self) -> None:
        if self._session.actor is not None:
            self.lock("idle")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS and not self.locked:
            self.idle_timer.start()
        elif (
            event.type() == QEvent.Type.Show
            and self.locked
            and isinstance(watched, QWidget)
            and watched.isWindow()
            and watched is not self.screen
            and not isinstance(watched, Curtain)
            and watched.windowType() not in (Qt.WindowType.ToolTip, Qt.WindowType.Popup)
            and not self._is_covered(watched)
        ):
            # A window that opens while locked (a late error message, say) is covered too,
            # and the lock screen goes back on top so it keeps the keyboard.
            self._curtains.append(weakref.ref(Curtain(watched)))
            QTimer.singleShot(0, self._bring_screen_forward)
        return False

    def _is_covered(self, window: QWidget) -> bool:
        curtains = (ref() for ref in self._curtains)
        return any(
            curtain is not None and Shiboken.isValid(curtain) and curtain.parent() is window
            for curtain in curtains
        )

    def _bring_screen_forward(self) -> None:
        if self.locked:
            self.screen.hide()
            self.screen.showFullScreen()
            self.screen.raise_()
            self.screen.activateWindow()
            self.screen.form.focus_first_empty()
