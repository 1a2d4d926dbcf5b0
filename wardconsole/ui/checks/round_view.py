"""The safety-check round: due checks in the order a nurse walks the ward, one key to record.

``RoundsView`` is the table and its buttons (no database). ``RoundsWindow`` puts it to work
with the ward's ``ObservationLevelService`` and whoever is signed in at this station (read on
the UI thread when a check or level is saved): it loads the round on the background worker,
keeps the countdowns moving every second from the ward clock, and records a check or a level
change through the dialogs. Enter (or double-click) records a check for the selected patient;
Ctrl+Shift+L sets the level. Large rows and the night theme suit a dim ward.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.records import ATTENTION_SIGN
from wardconsole.services.context import Actor, ServiceError
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.observation_views import (
    CheckResult,
    LevelChange,
    LevelView,
    PatientChecks,
    RoundsSnapshot,
)
from wardconsole.ui import formatting as fmt
from wardconsole.ui.census.census_view import CensusDelegate
from wardconsole.ui.checks.check_dialog import CheckDialog, CheckEntry
from wardconsole.ui.checks.level_dialog import LevelDialog, LevelEntry
from wardconsole.ui.checks.round_model import (
    ADMISSION_ID_ROLE,
    RoundsColumn,
    RoundsProxyModel,
    RoundsTableModel,
    absent_since,
    overdue_shape,
)
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.style_property import set_style_property

CLOCK_TICK_MS = 1_000
REFRESH_INTERVAL_MS = 30_000

_WIDTHS = {
    RoundsColumn.BED: 64,
    RoundsColumn.PATIENT: 200,
    RoundsColumn.LEVEL: 285,
    RoundsColumn.CHECK: 300,
    RoundsColumn.LAST: 175,
}
HINT = (
    "Select a patient and press Enter to record a check: 1 asleep (breathing observed), "
    "2 calm, 3 distressed, 4 agitated, 5 not found."
)


class RoundsTable(QTableView):
    """Row-selecting table; Enter asks to record a check for the selected patient."""

    check_requested = Signal(int)
    """Record a check for this admission (Enter or double-click)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RoundsTable")
        self.setAccessibleName("Safety-check round")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setHighlightSections(False)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.setFont(font)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 18)
        self.setItemDelegate(CensusDelegate(self))  # a selected overdue row stays red
        self.doubleClicked.connect(self._on_double_clicked)

    def selected_admission_id(self) -> int | None:
        index = self.currentIndex()
        if not index.isValid() or not self.selectionModel().isRowSelected(index.row()):
            return None
        return index.data(ADMISSION_ID_ROLE)

    def select_admission(self, admission_id: int) -> bool:
        model = self.model()
        for row in range(model.rowCount() if model else 0):
            if model.index(row, 0).data(ADMISSION_ID_ROLE) == admission_id:
                self.selectRow(row)
                return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            admission_id = self.selected_admission_id()
            if admission_id is not None:
                self.check_requested.emit(admission_id)
                event.accept()
                return
        super().keyPressEvent(event)

    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        admission_id = index.data(ADMISSION_ID_ROLE)
        if admission_id is not None:
            self.check_requested.emit(admission_id)


class RoundsView(QWidget):
    """The round's table, a one-line summary, a message line and the action buttons."""

    check_requested = Signal(int)
    """Record a check for this admission."""
    level_requested = Signal(int)
    """Set the observation level of this admission."""
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RoundsView")
        self.model = RoundsTableModel(self)
        self.proxy = RoundsProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = RoundsTable()
        self.table.setModel(self.proxy)
        for column, width in _WIDTHS.items():
            self.table.setColumnWidth(column, width)
        self.title = QLabel("Safety-check round")
        self.title.setObjectName("rounds_title")
        title_font = QFont(self.title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.35)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("rounds_summary")
        self.message = QLabel()
        self.message.setObjectName("rounds_message")
        self.message.setWordWrap(True)
        self.show_message(HINT, "muted")
        self.record_button = QPushButton("Record check (Enter)")
        self.record_button.setObjectName("record_check")
        self.level_button = QPushButton("Set level… (Ctrl+Shift+L)")
        self.level_button.setObjectName("set_level")
        self.refresh_button = QPushButton("Refresh (F5)")
        self.level_action = QAction("Set observation level…", self)
        # The same keys as the census (Ctrl+L is the station lock, everywhere).
        self.level_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.level_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.level_action)
        self.addAction(self.refresh_action)

        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addStretch(1)
        heading.addWidget(self.summary)
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.level_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.table.check_requested.connect(self.check_requested)
        self.record_button.clicked.connect(self._on_record_clicked)
        self.level_button.clicked.connect(self._on_level_clicked)
        self.level_action.triggered.connect(self._on_level_clicked)
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.refresh_action.triggered.connect(self.refresh_requested)

    def patient(self, admission_id: int) -> PatientChecks | None:
        for row in range(self.model.rowCount()):
            found = self.model.patient(row)
            if found.admission_id == admission_id:
                return found
        return None

    def set_snapshot(self, snapshot: RoundsSnapshot, *, next_due: bool = False) -> None:
        """Show ``snapshot``, keeping the selected patient; with ``next_due`` (a check was just
        recorded) select the patient who is due next instead, so Enter goes on round."""
        selected = None if next_due else self.table.selected_admission_id()
        self.model.set_snapshot(snapshot)
        if selected is None or not self.table.select_admission(selected):
            self.table.selectRow(0)  # rows are in walking order: the next one due is first
            self.table.scrollToTop()
        self._update_summary()

    def set_now(self, now: datetime) -> None:
        self.model.set_now(now)
        self._update_summary()

    def show_message(self, text: str, tone: str = "ok") -> None:
        self.message.setText(text)
        set_style_property(self.message, "tone", tone)

    def _update_summary(self) -> None:
        now = self.model.now
        if now is None:
            return
        every = [self.model.patient(i) for i in range(self.model.rowCount())]
        # A patient not found is absent until found: named first, never counted as calm.
        absent = sum(absent_since(r) is not None for r in every)
        rows = [r for r in every if absent_since(r) is None]
        overdue = sum(r.overdue_at(now) is not None for r in rows)
        due = sum(r.due_now(now) for r in rows) - overdue
        raised = sum(r.raised for r in every)
        parts = [fmt.local_time_text(now)]
        if absent:
            gone = max(r.absent_severity for r in every if absent_since(r) is not None)
            parts.append(f"{gone.shape} {absent} ABSENT — not found at a check")
        # The shape of the loudest escalation the late checks raise (⚠ when none raises one).
        late = [r for r in rows if r.overdue_at(now) is not None]
        sign = overdue_shape(max(late, key=lambda r: r.overdue_severity or 0)) if late else ""
        parts.append(f"{sign} {overdue} overdue" if overdue else "no check overdue")
        parts.append(f"{ATTENTION_SIGN} {due} to check now" if due else "none due now")
        parts.append(f"{raised} on raised observation")
        self.summary.setText("  ·  ".join(parts))
        set_style_property(self.summary, "tone", "alert" if overdue or absent else "")

    @Slot()
    def _on_record_clicked(self) -> None:
        admission_id = self.table.selected_admission_id()
        if admission_id is not None:
            self.check_requested.emit(admission_id)

    @Slot()
    def _on_level_clicked(self) -> None:
        admission_id = self.table.selected_admission_id()
        if admission_id is not None:
            self.level_requested.emit(admission_id)


class RoundsWindow(QWidget):
    """The rounds view over the ward's ``ObservationLevelService`` (see module docstring)."""

    checks_changed = Signal()
    """A check or a level was saved here (the census may want to refresh)."""

    alarm_requested = Signal(int)
    """The nurse clicked the alarm strip: show this escalation (its id) in the console."""

    def __init__(
        self,
        service: ObservationLevelService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RoundsWindow")
        self.setWindowTitle("Safety-check round")
        self._service = service
        self._actor = current_actor
        """Who is checking: asked on the UI thread when the nurse saves."""
        self._runner = runner
        self._closed = False
        self._checked_since_refresh = False
        """A check was saved: the next snapshot selects the patient due next."""
        self.view = RoundsView()
        # The round window may cover the console's alarm banner: it repeats the alarm itself.
        self.alarm_strip = QPushButton()
        self.alarm_strip.setObjectName("rounds_alarm")
        self.alarm_strip.setCursor(Qt.CursorShape.PointingHandCursor)
        self.alarm_strip.setStyleSheet(
            "QPushButton#rounds_alarm { background: #B71C1C; color: #FFFFFF; font-size: 14pt;"
            " font-weight: bold; border: 3px solid #FFD54F; padding: 6px; text-align: left; }"
        )
        self.alarm_strip.hide()
        self._alarm_id: int | None = None
        self.alarm_strip.clicked.connect(self._on_alarm_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.alarm_strip)
        layout.addWidget(self.view)
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_TICK_MS)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self._clock.timeout.connect(self._on_clock_tick)
        self._refresh_timer.timeout.connect(self.refresh)
        self.view.refresh_requested.connect(self.refresh)
        self.view.check_requested.connect(self._on_check_requested)
        self.view.level_requested.connect(self._on_level_requested)
        self.resize(1180, 640)

    def show_alarm(self, escalation_id: int | None, text: str) -> None:
        """Show the console's ringing alarm (``text``) at the top, or hide the strip (None)."""
        self._alarm_id = escalation_id
        self.alarm_strip.setText(text)
        self.alarm_strip.setVisible(escalation_id is not None)

    @Slot()
    def _on_alarm_clicked(self) -> None:
        if self._alarm_id is not None:
            self.alarm_requested.emit(self._alarm_id)

    def start(self) -> None:
        self._clock.start()
        self._refresh_timer.start()
        self.refresh()

    def stop(self) -> None:
        self._closed = True
        self._clock.stop()
        self._refresh_timer.stop()

    @Slot()
    def refresh(self) -> None:
        if self._closed:
            return
        self._runner.run(
            self,
            self._service.rounds,
            on_success=self._on_rounds_loaded,
            on_failure=self._on_failed,
            key="rounds",
        )

    # -- slots -----------------------------------------------------------------------------

    def _on_rounds_loaded(self, snapshot: RoundsSnapshot) -> None:
        if not self._closed:
            self.view.set_snapshot(snapshot, next_due=self._checked_since_refresh)
            self._checked_since_refresh = False

    def _on_failed(self, error: BaseException) -> None:
        if self._closed:
            return
        if isinstance(error, ServiceError):
            self.view.show_message(str(error), "alert")
        else:
            self.view.show_message(f"Database unavailable: {error}. Nothing was saved.", "alert")

    @Slot()
    def _on_clock_tick(self) -> None:
        self.view.set_now(self._service.now())

    @Slot(int)
    def _on_check_requested(self, admission_id: int) -> None:
        patient = self.view.patient(admission_id)
        if patient is None:
            return
        entry = CheckDialog.ask(self, patient, self._service.policy.locations)
        if entry is None:
            return
        self._save_check(patient, entry, save_key=uuid.uuid4().hex)

    def _save_check(self, patient: PatientChecks, entry: CheckEntry, *, save_key: str) -> None:
        self.view.show_message(f"Saving the check for {patient.bed}…", "muted")
        service, actor = self._service, self._actor()
        self._runner.run(
            self,
            entry.saver(service, actor, patient.admission_id, save_key),
            on_success=lambda result: self._on_check_saved(patient, result),
            on_failure=self._on_failed,
        )

    def _on_check_saved(self, patient: PatientChecks, result: CheckResult) -> None:
        if self._closed:
            return
        text = (
            f"{patient.bed} {patient.patient_name}: {result.presentation.label} at "
            f"{fmt.local_time_text(result.taken_at)}. Next check by "
            f"{fmt.local_time_text(result.next_deadline)}."
        )
        if not result.presentation.found:
            text = (
                f"{patient.bed} {patient.patient_name} NOT FOUND at "
                f"{fmt.local_time_text(result.taken_at)}: absent-patient emergency raised."
            )
        self.view.show_message(text, "ok" if result.presentation.found else "alert")
        self.checks_changed.emit()
        self._checked_since_refresh = True
        self.refresh()

    @Slot(int)
    def _on_level_requested(self, admission_id: int) -> None:
        patient = self.view.patient(admission_id)
        if patient is None:
            return
        service = self._service
        self._runner.run(
            self,
            lambda: service.level_history(admission_id),
            on_success=lambda history: self._ask_level(patient, history),
            on_failure=self._on_failed,
        )

    def _ask_level(self, patient: PatientChecks, history: list[LevelView]) -> None:
        if self._closed:
            return
        entry = LevelDialog.ask(self, patient, self._service.policy, history)
        if entry is not None:
            self._save_level(patient, entry)

    def _save_level(self, patient: PatientChecks, entry: LevelEntry) -> None:
        service, actor = self._service, self._actor()

        def save() -> LevelChange:
            return service.set_level(
                actor,
                patient.admission_id,
                entry.level,
                reason=entry.reason,
                review_at=service.now() + entry.review_in,
                agreed_with=entry.agreed_with,
                expected_current=patient.level_id,
            )

        self._runner.run(
            self,
            save,
            on_success=lambda change: self._on_level_saved(patient, change),
            on_failure=self._on_failed,
        )

    def _on_level_saved(self, patient: PatientChecks, change: LevelChange) -> None:
        if self._closed:
            return
        label = self._service.policy.label(change.level)
        self.view.show_message(
            f"{patient.bed} {patient.patient_name}: level set to {label}. "
            f"Next check by {fmt.local_time_text(change.next_deadline)}."
        )
        self.checks_changed.emit()
        self.refresh()
