"""The console's main window: the ward census. It lays out the panels and wires them together.

Data flow: the census is read on the background worker (``TaskRunner``) on start, when another
station writes something (``ChangeWatcher``, debounced), every 30 s (so "ago" and "due" stay
true) and on F5; each new snapshot is forwarded through ``census_changed`` to everything that
shows it. Nothing here touches the database on the UI thread.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QPoint, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

import wardconsole
from wardconsole.domain.changes import Change
from wardconsole.services.views import CensusRow, CensusSnapshot
from wardconsole.ui import formatting as fmt
from wardconsole.ui.access.controller import AccessController
from wardconsole.ui.admissions.controller import AdmissionController
from wardconsole.ui.aftercare.controller import AftercareController
from wardconsole.ui.bedside.controller import BedsideController
from wardconsole.ui.census.census_model import CensusProxyModel, CensusTableModel
from wardconsole.ui.census.census_view import CensusView
from wardconsole.ui.census.filter_box import FilterBox
from wardconsole.ui.census.summary_strip import SummaryStrip
from wardconsole.ui.checks.controller import ObservationController
from wardconsole.ui.context import UiContext
from wardconsole.ui.controller import Controller
from wardconsole.ui.escalations.acknowledge_key import AlarmAcknowledger
from wardconsole.ui.escalations.alert_banner import AlertBanner
from wardconsole.ui.escalations.centre import EscalationController
from wardconsole.ui.escalations.concern import ConcernController
from wardconsole.ui.escalations.panel import EscalationPanel
from wardconsole.ui.handoff.controller import HandoffController
from wardconsole.ui.interop.controller import InteropController
from wardconsole.ui.mnemonics import give_mnemonics
from wardconsole.ui.patient.chart_prefetch import ChartPrefetch
from wardconsole.ui.patient.open_windows import PatientWindows
from wardconsole.ui.sessions.controller import SessionsController
from wardconsole.ui.tasks import ChangeWatcher
from wardconsole.ui.theme import Theme, apply_theme, load_theme, save_theme, theme_state
from wardconsole.ui.widgets.elided_label import ElidedLabel
from wardconsole.ui.widgets.message_panel import MessagePanel
from wardconsole.ui.widgets.style_property import set_style_property

log = logging.getLogger(__name__)

REFRESH_INTERVAL_MS = 30_000
CHANGE_DEBOUNCE_MS = 100
ESCALATION_DOCK_HEIGHT = 265
"""Room for about six escalations under a census of about seven rows at 1366×768."""

_GEOMETRY_KEY = "main_window/geometry"
_STATE_KEY = "main_window/state"
_HEADER_KEY = "census/header_state"
_HEADER_COLUMNS_KEY = "census/header_columns"


def about_text() -> str:
    return (
        f"<h3>WardConsole {wardconsole.__version__}</h3>"
        "<p>Staff console for the inpatient ketamine-detox ward: census, observations, "
        "escalations and handoff.</p>"
    )


FIRST_START_SIZE = (1366, 768)
WINDOW_DECORATION = (8, 34)
"""Room a window manager's frame takes (borders, title bar), kept free on the screen."""


def first_start_size(window: QWidget) -> tuple[int, int]:
    """1366 × 768, or less so that the framed window fits the screen's free area (a 1366 × 768
    screen with a taskbar leaves 1366 × 728): the status bar is never below the screen edge."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        return FIRST_START_SIZE
    free = screen.availableGeometry()
    return (
        min(FIRST_START_SIZE[0], free.width() - WINDOW_DECORATION[0]),
        min(FIRST_START_SIZE[1], free.height() - WINDOW_DECORATION[1]),
    )


class MainWindow(QMainWindow):
    """The ward census window (see module docstring)."""

    census_changed = Signal(CensusSnapshot)
    """A new census snapshot is on screen."""

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._snapshot: CensusSnapshot | None = None
        self._started = False
        self._shut_down = False
        self._theme = load_theme()
        theme_state().set(self._theme)  # what is painted below starts in the right colours
        self.setWindowTitle(f"WardConsole — {context.ward_name} — {context.station}")

        # Workers and timers (Qt children of the window).
        self._runner = context.runner
        self._watcher = ChangeWatcher(context.open_change_feed, self)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self._change_debounce = QTimer(self)
        self._change_debounce.setSingleShot(True)
        self._change_debounce.setInterval(CHANGE_DEBOUNCE_MS)

        # Models.
        self.census_model = CensusTableModel(self)
        self.census_proxy = CensusProxyModel(self)
        self.census_proxy.setSourceModel(self.census_model)
        self._patient_windows = PatientWindows(self._runner, context.load_patient_series)
        self.chart_prefetch = ChartPrefetch(
            self._runner,
            context.read_chart_ahead,
            may_run=lambda: not self._change_debounce.isActive(),
            needs_read=lambda admission: self._patient_windows.get(admission) is None,
            prepare=self._prepare_chart_page,
            parent=self,
        )
        """Reads ahead the chart of the census row the nurse has stopped on."""
        self.bedside = BedsideController(context, self._runner, self, self._selected_census_row)
        self.admission = AdmissionController(
            context.admissions,
            context.discharges,
            context.current_actor,
            self._runner,
            self,
            self._selected_census_row,
            baseline_available=lambda: self.bedside.available,
        )
        self._admitted_id: int | None = None
        self._baseline_wanted = False
        self.controllers: list[Controller] = []
        """Every feature's controller: each hears other stations' changes and the shutdown."""
        # Escalations: panel, banner, alarms.
        self.concern = ConcernController(
            context.escalations,
            context.current_actor,
            self._runner,
            self,
            self._selected_census_row,
        )
        self.alert_banner = AlertBanner()
        self.escalations = EscalationController(
            context.escalations,
            context.current_actor,
            context.station,
            self._runner,
            context.open_alert_sound(),
            self,
            sign_in=context.access.sign_in,
        )
        self.escalation_panel = EscalationPanel(self.escalations)
        self.alarm_acknowledger = AlarmAcknowledger(
            self, self.escalations, self.alert_banner, self.escalation_panel.selected
        )

        # Panels.
        self.summary_strip = SummaryStrip(context.ward_name)
        self.filter_box = FilterBox()
        self._match_label = QLabel()
        self._match_label.setObjectName("match_count")
        self.census_view = CensusView()
        self.census_view.setModel(self.census_proxy)
        self.message_panel = MessagePanel()
        self._stack = QStackedWidget()
        self._stack.addWidget(self.message_panel)
        self._stack.addWidget(self.census_view)
        # Sign-in, auto-lock, staff management, audit trail and the station's queue.
        self.access = AccessController(context.access, self._runner, self)
        self._lay_out()
        self._create_actions()
        self._create_status_bar()
        self._connect_signals()

        apply_theme(_app(), self._theme)
        self.census_view.apply_default_column_widths()
        self._restore_ui_state()
        if not self._has_saved_geometry():
            self.resize(*first_start_size(self))
        self.census_view.setFocus()

    # -- layout -----------------------------------------------------------------------------------

    def _lay_out(self) -> None:
        filter_row = QHBoxLayout()
        filter_row.setContentsMargins(12, 0, 12, 0)
        filter_row.addWidget(self.filter_box, 2)
        filter_row.addWidget(self._match_label, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.alert_banner)
        layout.addWidget(self.alarm_acknowledger.feedback)
        layout.addWidget(self.summary_strip)
        layout.addLayout(filter_row)
        layout.addWidget(self._stack, 1)
        self.setCentralWidget(central)
        # Movable but not closable: open escalations stay in sight.
        self.escalation_dock = QDockWidget("Escalations", self)
        self.escalation_dock.setObjectName("EscalationDock")
        self.escalation_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.escalation_dock.setWidget(self.escalation_panel)
        self.escalation_dock.setWindowTitle(self.escalation_panel.title)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.escalation_dock)
        self.resizeDocks([self.escalation_dock], [ESCALATION_DOCK_HEIGHT], Qt.Orientation.Vertical)

    def _create_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.interop_menu = InteropController(
            self._context.interop,
            self._context.current_actor,
            self._runner,
            self.census_view,
            self.census_model,
            self,
        )
        self.interop_menu.add_to(file_menu)
        self.controllers += [self.interop_menu, self.admission, self.bedside, self.concern]
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        file_menu.addAction(self.quit_action)

        view_menu = menu.addMenu("&View")
        self.find_action = QAction("&Find patient…", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.sort_urgent_action = QAction("Sort &most urgent first", self)
        self.sort_urgent_action.setShortcut(QKeySequence("Ctrl+U"))
        self.night_action = QAction("&Night theme", self)
        self.night_action.setCheckable(True)
        self.night_action.setChecked(self._theme is Theme.NIGHT)
        self.night_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.night_action.setStatusTip("Dark colours for a dim ward")
        for action in (self.find_action, self.refresh_action, self.sort_urgent_action):
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.night_action)

        patient_menu = menu.addMenu("&Patient")
        patient_menu.addActions(self.admission.actions()[:3])
        patient_menu.addSeparator()
        patient_menu.addActions(self.bedside.actions())
        patient_menu.addAction(self.concern.concern_action)
        patient_menu.addSeparator()
        patient_menu.addActions([self.admission.amend_action, self.admission.find_action])

        self.handoff_menu = HandoffController(
            self._context.handoff,
            self._context.current_actor,
            self,
            self._runner,
        )
        self.handoff_menu.add_to(menu.addMenu("Hand&off"))
        self.controllers.append(self.handoff_menu)

        self.observation_menu = ObservationController(
            self._context.observation,
            self._context.current_actor,
            self.census_view.selected_admission_id,
            self,
            self._runner,
        )
        self.observation_menu.add_to(menu.addMenu("O&bservation"))
        self.controllers.append(self.observation_menu)

        self.sessions_menu = SessionsController(
            self._context.sessions,
            self._context.current_actor,
            self._selected_census_row,
            self,
            self._runner,
        )
        self.sessions_menu.add_to(menu.addMenu("Se&ssions"))
        self.controllers.append(self.sessions_menu)

        self.aftercare_menu = AftercareController(
            self._context.aftercare,
            self._context.current_actor,
            self,
            self._runner,
            self._context.export_discharge_letter,
        )
        self.aftercare_menu.add_to(menu.addMenu("Aft&ercare"))
        self.controllers.append(self.aftercare_menu)

        self.access.add_to(menu.addMenu("&Staff"))
        self.controllers += [self.escalations, self.access]

        help_menu = menu.addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts…", self)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        self.about_action = QAction("&About WardConsole", self)
        help_menu.addAction(self.about_action)
        # Items named from data ("Record urine dipstick…") get a letter free in both menus.
        give_mnemonics(patient_menu, self.census_menu())

    def _create_status_bar(self) -> None:
        status = self.statusBar()
        self._station_label = QLabel(f"Station: {self._context.station}")
        # The database's name gives way (elided, whole in its tooltip) before a warning does.
        database = f"Database: {self._context.database_label}"
        self._database_label = ElidedLabel(database, elide=Qt.TextElideMode.ElideMiddle)
        self._database_label.setToolTip(database)
        self._refreshed_label = QLabel("Not refreshed yet")
        self.ward_checks_label = QLabel("")
        self.ward_checks_label.setObjectName("ward_checks")
        self.ward_checks_label.setToolTip(
            "Overdue observations and missed safety checks are raised only while a console "
            "runs the ward checks (every minute). Local policy: warn after "
            f"{_minutes(self._context)} min (needs governance sign-off)."
        )
        status.addWidget(self.ward_checks_label, 1)
        for label in (self._station_label, self._database_label, self._refreshed_label):
            label.setObjectName("StatusField")
            status.addPermanentWidget(label)
        self.access.add_status_fields()

    def _connect_signals(self) -> None:
        # Sources of refreshes.
        self._refresh_timer.timeout.connect(self._on_refresh_requested)
        self._change_debounce.timeout.connect(self._load_census)
        self.refresh_action.triggered.connect(self._on_refresh_requested)
        self._watcher.changes_arrived.connect(self._on_changes_arrived)
        self._watcher.changes_arrived.connect(self._patient_windows.apply_changes)
        self._watcher.connection_lost.connect(self._on_connection_lost)
        self._watcher.connection_restored.connect(self._on_refresh_requested)
        # A new snapshot goes to everything that shows it.
        self.census_changed.connect(self.census_model.set_snapshot)
        self.census_changed.connect(self.summary_strip.set_snapshot)
        self.census_changed.connect(self._patient_windows.update)
        self.census_changed.connect(self._on_census_changed)
        # Theme.
        self.night_action.toggled.connect(self._on_night_theme_toggled)
        # Finding and opening patients.
        self.find_action.triggered.connect(self.filter_box.focus_filter)
        self.filter_box.filter_changed.connect(self.census_proxy.set_filter_text)
        self.filter_box.filter_changed.connect(self._on_filter_changed)
        self.filter_box.returnPressed.connect(self._on_filter_accepted)
        self.sort_urgent_action.triggered.connect(self._on_sort_urgent_requested)
        self.census_view.patient_requested.connect(self._on_patient_requested)
        selection = self.census_view.selectionModel()
        selection.selectionChanged.connect(self._on_census_selection_changed)
        selection.currentChanged.connect(self._on_census_selection_changed)
        # Escalations: live from other stations, alarms on the banner.
        # Observation levels and safety checks.
        self.observation_menu.checks_changed.connect(self._on_refresh_requested)
        # Therapy and support sessions.
        self.sessions_menu.sessions_changed.connect(self._on_entries_saved)
        self._watcher.connection_restored.connect(self.escalations.refresh)
        self.refresh_action.triggered.connect(self.escalations.refresh)
        self.escalations.banner_changed.connect(self.alert_banner.set_state)
        self.escalations.ward_checks_changed.connect(self._on_ward_checks_changed)
        self.escalations.announced.connect(self.alert_banner.flash)
        self.alert_banner.escalation_requested.connect(self._on_escalation_requested)
        self.escalation_panel.title_changed.connect(self.escalation_dock.setWindowTitle)
        # Recording at the bedside for the selected patient.
        self.census_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.census_view.customContextMenuRequested.connect(self._on_census_menu_requested)
        self.bedside.entries_saved.connect(self._on_entries_saved)
        self.concern.concern_raised.connect(self._on_entries_saved)
        self.concern.message_requested.connect(self._on_status_message_requested)
        self.bedside.message_requested.connect(self._on_status_message_requested)
        # Admission, bed moves, discharge.
        self.admission.admitted.connect(self._on_admitted)
        self.admission.moved.connect(self._on_entries_saved)
        self.admission.amended.connect(self._on_entries_saved)
        self.admission.discharged.connect(self._on_discharged)
        self.admission.discharged.connect(self.aftercare_menu.offer_plan)
        self.admission.message_requested.connect(self._on_status_message_requested)
        # Who is signed in: the lock screen shows open escalations (bed and kind only), knows
        # when the database is down, and the window's actions follow the signed-in role.
        self.census_changed.connect(self.access.set_snapshot)
        self._watcher.connection_lost.connect(self.access.on_connection_lost)
        self._watcher.connection_restored.connect(self.access.on_connection_restored)
        self.access.apply_permissions(self.access.session.actor)
        # Everything that names the user or depends on her role follows the session.
        self.access.session.actor_changed.connect(self.handoff_menu.on_actor_changed)
        self.access.session.actor_changed.connect(self.escalations.on_actor_changed)
        # Menus.
        self.quit_action.triggered.connect(self.close)
        self.about_action.triggered.connect(self._on_about_requested)

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def snapshot(self) -> CensusSnapshot | None:
        """The census on screen (None before the first successful read)."""
        return self._snapshot

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def patient_windows(self) -> PatientWindows:
        return self._patient_windows

    def start(self) -> None:
        """Load the census and start watching for changes (done on first show if not before)."""
        if self._started or self._shut_down:
            return
        self._started = True
        self._watcher.start()
        self._refresh_timer.start()
        self.refresh()
        self.escalations.start()
        self.access.start()

    def refresh(self) -> None:
        """Re-read the whole census in the background; a newer request replaces a waiting
        one."""
        self._load_census(whole=True)

    def _load_census(self, *, whole: bool = False) -> None:
        """Read the census in the background: again only what the change feed reported since
        the last read can change (``whole``: everything)."""
        if self._shut_down:
            return
        self._runner.run(
            self,
            self._context.reload_census if whole else self._context.load_census,
            on_success=self._on_census_loaded,
            on_failure=self._on_census_failed,
            key="census",
        )

    def set_theme(self, theme: Theme) -> None:
        if theme is self._theme:
            return
        self._theme = theme
        apply_theme(_app(), theme)
        save_theme(theme)
        self.night_action.setChecked(theme is Theme.NIGHT)

    def shutdown(self) -> None:
        """Stop timers, the change watcher and the worker; close patient windows. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        self._refresh_timer.stop()
        self._change_debounce.stop()
        self._watcher.stop()
        # Do not wait for a database call in flight: its result is dropped, and the worker
        # thread is joined at interpreter exit, so a slow server never freezes the closing window.
        self.chart_prefetch.stop()
        self._runner.cancel_all(self)
        self._patient_windows.close_all()
        for controller in self.controllers:
            controller.shutdown()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_ui_state()
        self.shutdown()
        super().closeEvent(event)

    # -- UI state in QSettings --------------------------------------------------------------------

    def _has_saved_geometry(self) -> bool:
        return QSettings().contains(_GEOMETRY_KEY)

    def _restore_ui_state(self) -> None:
        settings = QSettings()
        geometry = settings.value(_GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value(_STATE_KEY)
        if state is not None:
            self.restoreState(state)
        header = self.census_view.horizontalHeader()
        header_state = settings.value(_HEADER_KEY)
        columns = settings.value(_HEADER_COLUMNS_KEY)
        restored = (
            header_state is not None
            and str(columns) == str(self.census_model.columnCount())
            and header.restoreState(header_state)
        )
        if restored:
            self.census_view.take_column_widths_as_preferred()
        if not restored:
            header.setSortIndicator(
                CensusProxyModel.DEFAULT_SORT_COLUMN, CensusProxyModel.DEFAULT_SORT_ORDER
            )
        self.census_view.setSortingEnabled(True)
        self.census_proxy.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _save_ui_state(self) -> None:
        settings = QSettings()
        settings.setValue(_GEOMETRY_KEY, self.saveGeometry())
        settings.setValue(_STATE_KEY, self.saveState())
        settings.setValue(_HEADER_KEY, self.census_view.horizontalHeader().saveState())
        settings.setValue(_HEADER_COLUMNS_KEY, self.census_model.columnCount())
        save_theme(self._theme, settings)

    # -- slots ------------------------------------------------------------------------------------

    @Slot()
    def _on_refresh_requested(self) -> None:
        self.refresh()

    @Slot(list)
    def _on_changes_arrived(self, changes: list[Change]) -> None:
        log.debug("%d change(s) from other stations", len(changes))
        self._change_debounce.start()
        for controller in self.controllers:
            controller.on_changes(changes)

    def _on_census_loaded(self, snapshot: CensusSnapshot) -> None:
        if self._shut_down:
            return
        self._snapshot = snapshot
        self.census_changed.emit(snapshot)

    def _on_census_failed(self, error: BaseException) -> None:
        log.warning("Reading the census failed: %s", type(error).__name__)
        self._on_connection_lost(str(error) or type(error).__name__)

    @Slot(str)
    def _on_connection_lost(self, reason: str) -> None:
        self.summary_strip.set_database_unavailable(reason)
        self._refreshed_label.setText("Database unavailable")
        if self._snapshot is None:
            self.message_panel.show_unavailable(reason)
            self._stack.setCurrentWidget(self.message_panel)

    @Slot(CensusSnapshot)
    def _on_census_changed(self, snapshot: CensusSnapshot) -> None:
        self._refreshed_label.setText(
            f"Refreshed {fmt.local_time_text(snapshot.taken_at, seconds=True)}"
        )
        if snapshot.rows:
            first_shown = self._stack.currentWidget() is not self.census_view
            self._stack.setCurrentWidget(self.census_view)
            if not self.census_view.selectionModel().hasSelection():
                self.census_view.selectRow(0)
            if first_shown and self._keyboard_idle():
                # While "Loading…" showed, the keyboard went to the filter box: give it back to
                # the census, so arrows and Return work on the patients at once.
                self.census_view.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.message_panel.show_empty_ward()
            self._stack.setCurrentWidget(self.message_panel)
        self._on_filter_changed(self.filter_box.text().strip())
        self._show_admitted(snapshot)

    def _keyboard_idle(self) -> bool:
        """Nothing in this window is being typed in: no focus here, or an empty filter box."""
        focused = QApplication.focusWidget()
        if focused is None or not self.isAncestorOf(focused):
            return True
        return focused is self.filter_box and not self.filter_box.text()

    @Slot(str)
    def _on_filter_changed(self, text: str) -> None:
        shown, total = self.census_proxy.rowCount(), self.census_model.rowCount()
        if not text:
            self._match_label.setText("")
        elif shown:
            self._match_label.setText(f"Showing {shown} of {total} patients")
        else:
            self._match_label.setText(f"No patient matches “{text}”")

    @Slot()
    def _on_filter_accepted(self) -> None:
        if self.census_proxy.rowCount():
            self.census_view.selectRow(0)
            self.census_view.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_sort_urgent_requested(self) -> None:
        self.census_view.horizontalHeader().setSortIndicator(
            CensusProxyModel.DEFAULT_SORT_COLUMN, CensusProxyModel.DEFAULT_SORT_ORDER
        )

    def _on_census_selection_changed(self, *_args: object) -> None:
        self.chart_prefetch.row_selected(self.census_view.selected_admission_id())

    @Slot(int)
    def _on_patient_requested(self, admission_id: int) -> None:
        row_number = self.census_model.row_of_admission(admission_id)
        if row_number < 0 or self._snapshot is None:
            return
        self.chart_prefetch.opening(admission_id)
        window = self._patient_windows.open(
            self.census_model.census_row(row_number), self._snapshot
        )
        self.bedside.attach(window)
        self.concern.attach(window)

    def _prepare_chart_page(self) -> None:
        """A census row's chart is being read ahead: have a chart page built for its window now,
        while the console is idle, unless one is kept. Never before the census is on screen (it
        loads pyqtgraph), nor while a census read, a save or any other task is asked of the
        worker, nor while a dialog is open: the build holds the UI thread for tens of ms (nor
        before the chart modules are loaded: ``ChartPagePool.ensure_spare``)."""
        if self._shut_down or self._snapshot is None or not self.isVisible():
            return
        if self._change_debounce.isActive() or self._runner.busy_besides(self.chart_prefetch):
            return
        if QApplication.activeModalWidget() is not None:
            return
        from wardconsole.ui.patient.charts.palette import chart_palette

        if self._patient_windows.pages.ensure_spare(chart_palette(theme_state().theme)):
            log.debug("A chart page was built ahead of the open")

    def _selected_census_row(self) -> CensusRow | None:
        admission_id = self.census_view.selected_admission_id()
        row_number = (
            self.census_model.row_of_admission(admission_id) if admission_id is not None else -1
        )
        return self.census_model.census_row(row_number) if row_number >= 0 else None

    def census_menu(self) -> QMenu:
        """The census row's context menu: open the patient, or record for them."""
        menu = QMenu()
        open_action = menu.addAction("&Open patient window")
        open_action.triggered.connect(self._on_open_selected_requested)
        menu.addSeparator()
        menu.addActions(self.bedside.actions())
        menu.addAction(self.concern.concern_action)
        menu.addActions(self.observation_menu.patient_actions())
        menu.addAction(self.sessions_menu.record_action)
        menu.addSeparator()
        menu.addActions([self.admission.move_action, self.admission.discharge_action])
        return menu

    @Slot(QPoint)
    def _on_census_menu_requested(self, position: QPoint) -> None:
        index = self.census_view.indexAt(position)
        if not index.isValid():
            return
        self.census_view.selectRow(index.row())
        menu = self.census_menu()  # this local reference is the menu's only owner
        menu.exec(self.census_view.viewport().mapToGlobal(position))

    @Slot()
    def _on_open_selected_requested(self) -> None:
        admission_id = self.census_view.selected_admission_id()
        if admission_id is not None:
            self._on_patient_requested(admission_id)

    @Slot(int)
    @Slot(str, str)
    def _on_ward_checks_changed(self, text: str, tone: str) -> None:
        self.ward_checks_label.setText(text)
        set_style_property(self.ward_checks_label, "tone", tone)

    def _on_entries_saved(self, admission_id: int) -> None:
        log.debug("Entries saved for admission %d", admission_id)
        self.refresh()
        self.escalations.refresh()

    @Slot(int, bool)
    def _on_admitted(self, admission_id: int, record_baseline: bool) -> None:
        """Select the new patient once the census has them, then (if asked) open Record
        observations for their baseline set and withdrawal chart."""
        self._admitted_id = admission_id
        self._baseline_wanted = record_baseline
        self._on_entries_saved(admission_id)

    def _show_admitted(self, snapshot: CensusSnapshot) -> None:
        admission_id = self._admitted_id
        if admission_id is None or all(r.admission_id != admission_id for r in snapshot.rows):
            return
        self._admitted_id = None
        self.census_view.select_admission(admission_id)
        if self._baseline_wanted:
            QTimer.singleShot(0, self.bedside.record_action.trigger)

    @Slot(str)
    def _on_status_message_requested(self, text: str) -> None:
        self.statusBar().showMessage(text, 5000)

    @Slot(int)
    def _on_discharged(self, admission_id: int) -> None:
        """The discharged patient leaves the census; a filter typed to find them (their name,
        bed or number) would now leave an empty census without saying why, so it is cleared."""
        if self.filter_box.text():
            self.filter_box.clear()
        self._on_entries_saved(admission_id)

    def show_shortcuts(self) -> None:
        """Help → Keyboard shortcuts: this window's keys, the round window's and a patient
        chart's (read from a chart toolbar that is never shown, so the list cannot drift)."""
        from wardconsole.ui.patient.charts.toolbar import ChartToolbar
        from wardconsole.ui.shortcuts_help import ShortcutsDialog

        windows: list[QWidget] = [self]
        if self.observation_menu.rounds is not None:
            windows.append(self.observation_menu.rounds)
        dialog = ShortcutsDialog([*windows, ChartToolbar()], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.shortcuts_dialog = dialog

    def show_escalation(self, escalation_id: int) -> None:
        """Select an escalation in the panel (from the banner or another window's alarm)."""
        self._on_escalation_requested(escalation_id)

    @Slot(int)
    def _on_escalation_requested(self, escalation_id: int) -> None:
        self.escalation_dock.show()
        self.escalation_panel.select_escalation(escalation_id)

    @Slot(bool)
    def _on_night_theme_toggled(self, checked: bool) -> None:
        self.set_theme(Theme.NIGHT if checked else Theme.DAY)

    @Slot()
    def _on_about_requested(self) -> None:
        QMessageBox.about(self, "About WardConsole", about_text())


def _app() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("MainWindow needs a QApplication")
    return app


def _minutes(context: UiContext) -> int:
    """The policy's stale-checks minutes, for the tooltip."""
    return int(context.escalations.policy.ward_checks_stale.total_seconds() // 60)
