"""Composition root: database, services and the main window — nothing else.

Before Qt is touched, the display is checked so that a machine without the libraries Qt's
X11 plugin needs gets one clear line instead of Qt's abort.
"""

from __future__ import annotations

import ctypes.util
import logging
import os
import sqlite3
import sys
import threading
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from wardconsole import __version__
from wardconsole.config import Settings, data_dir, describe_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import QObject
    from sqlalchemy import Engine

    from wardconsole.domain.shifts import ShiftWindow
    from wardconsole.services.context import Actor
    from wardconsole.services.db import Database
    from wardconsole.services.escalations import EscalationService
    from wardconsole.services.importing import Progress
    from wardconsole.services.sign_in import SignInSetup
    from wardconsole.ui.access.session import AccessContext, StaffSession
    from wardconsole.ui.context import UiContext
    from wardconsole.ui.handoff.context import HandoffUi
    from wardconsole.ui.interop.actions import InteropActions
    from wardconsole.ui.tasks import TaskRunner
    from wardconsole.ui.warm_up import WarmUp

log = logging.getLogger(__name__)

EXIT_START_PROBLEM = 3
"""The command line's database exit status: the console could not open its ward."""

XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
}


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """One line saying why no window can open here, or None when it should work."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform in ("offscreen", "minimal", "vnc"):
        return None
    if platform.startswith("wayland") or (not platform and env.get("WAYLAND_DISPLAY")):
        return None
    if not env.get("DISPLAY"):
        return (
            "no display: start WardConsole from a desktop session "
            "(or set QT_QPA_PLATFORM=offscreen for a headless run)"
        )
    missing = [
        package for lib, package in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None
    ]
    if missing:
        return (
            "a window needs system libraries that are missing: "
            f"sudo apt-get install -y {' '.join(missing)}"
        )
    return None


def _claim_demo_file(database: Path) -> Any:
    """Lock the demo file and delete it for a rebuild: refused while another console has it
    open, and for a file that holds a ward other than a demo ward."""
    from wardconsole.private_files import private_dir
    from wardconsole.services.db import Database
    from wardconsole.services.demo import is_demo_ward
    from wardconsole.store.engine import DatabaseError, make_engine, stored_revision
    from wardconsole.ui.demo_lock import DemoWardInUse, hold_demo_lock

    if not database.parent.exists():  # an existing folder keeps its mode (it may be /tmp)
        private_dir(database.parent)
    try:
        lock = hold_demo_lock(database)
    except DemoWardInUse as exc:
        raise DatabaseError(str(exc)) from None
    if database.is_file() and database.stat().st_size:
        engine = make_engine(f"sqlite:///{database}")
        try:
            real_ward = stored_revision(engine) is not None and not is_demo_ward(Database(engine))
        finally:
            engine.dispose()
        if real_ward:
            lock.unlock()
            raise DatabaseError(
                f"{database} holds a ward that is not a demo ward; --demo replaces its file, so "
                "nothing was changed. Give --demo a new file name"
            )
    for suffix in ("", "-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    return lock


def _prepare_demo(settings: Settings) -> Any:
    """A fresh demo ward for ``--demo``; returns the demo file's lock (a ``QLockFile``, None
    on a server database), to be held while the console runs."""
    from wardconsole.services.db import Database
    from wardconsole.services.demo import build_demo_ward, sign_in_text
    from wardconsole.store.engine import open_ward, parse_url

    parsed = parse_url(settings.db_url)
    lock = None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        lock = _claim_demo_file(Path(str(parsed.database)))
    engine = open_ward(parsed, create=True)
    try:
        print("Building the demo ward…", file=sys.stderr)
        build_demo_ward(Database(engine))
    except BaseException:
        if lock is not None:
            lock.unlock()
        raise
    finally:
        engine.dispose()
    print(sign_in_text(), file=sys.stderr)
    return lock


def _access(
    db: Database, settings: Settings, ward_name: str, session: StaffSession, runner: TaskRunner
) -> AccessContext:
    """Sign-in and lock (local access policy), staff management, the audit trail, and the
    station's queue that keeps saves while the database is unavailable."""
    from wardconsole.domain.access import load_access_policy
    from wardconsole.logging_setup import TOLD
    from wardconsole.services.audit import AuditService
    from wardconsole.services.auth import AuthService
    from wardconsole.services.outbox import Outbox, outbox_path
    from wardconsole.services.safe_saves import SafeSaves
    from wardconsole.services.staff import StaffService
    from wardconsole.ui.access.session import AccessContext

    policy = load_access_policy()
    identity = describe_url(settings.db_url)
    saves: SafeSaves | None = None
    saves_problem = None
    try:
        saves = SafeSaves(db, Outbox(outbox_path(data_dir(), identity), identity))
    except (OSError, sqlite3.Error) as exc:
        saves_problem = station_queue_problem(exc)
        log.error("No station queue: %s", saves_problem, extra={TOLD: True})
        print(f"wardconsole: {saves_problem}", file=sys.stderr)
    auth = AuthService(db, policy, saves)
    station = settings.station
    return AccessContext(
        sign_in=lambda code, password, purpose, previous: auth.sign_in(
            code, password, station, purpose=purpose, previous=previous
        ),
        setup=auth.setup,
        record_lock=auth.record_lock,
        record_sign_out=auth.record_sign_out,
        idle_lock_after=policy.idle_lock_after,
        session=session,
        station=station,
        ward_name=ward_name,
        runner=runner,
        staff=StaffService(db, policy),
        audit=AuditService(db),
        saves=saves,
        saves_problem=saves_problem,
    )


def station_queue_problem(error: OSError | sqlite3.Error) -> str:
    """One line for a station whose queue (saves kept while the database is down) cannot be
    kept: the console runs, but says it cannot keep entries through an outage."""
    from wardconsole.config import data_path, folder_problem

    folder = data_path() / "outbox"
    if isinstance(error, OSError):
        detail = folder_problem("data", Path(error.filename or folder), error)
    else:
        detail = f"cannot open the station queue in {folder} ({type(error).__name__})"
    return (
        f"{detail}. Entries cannot be kept at this station while the ward database is unavailable"
    )


def _close_without_waiting(runner: TaskRunner, access: AccessContext) -> None:
    """Stop the worker without waiting for a database call still running; a save in flight
    is parked in the station's queue (with its save key, so replaying it writes nothing if it
    had committed)."""
    busy = runner.busy
    runner.shutdown(wait=False)
    if busy and access.saves is not None:
        access.saves.park_in_flight()


def _leave_now(code: int) -> NoReturn:
    """End the process as soon as the console has closed: what must outlive it is written here
    (settings, logs, output); the rest is the interpreter's teardown of Qt, pyqtgraph and
    thousands of objects, which took most of a second on these PCs while the nurse watched a
    closing window. The worker thread may still be inside a database call: its save was parked
    in the station queue (``_close_without_waiting``) and the database rolls its transaction
    back, as it would after a power cut."""
    import logging

    from PySide6.QtCore import QSettings

    QSettings().sync()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


def _finish(code: int, *, in_process: bool, demo_lock: Any) -> int:
    """Release the demo ward (``_leave_now`` skips every destructor), then end the process,
    or return when the console ran inside another program (tests)."""
    if demo_lock is not None:
        demo_lock.unlock()
    return code if in_process else _leave_now(code)


@dataclass(frozen=True, slots=True)
class _Station:
    """The ward's database handle and the services signing in and the census start with."""

    db: Database
    access: AccessContext
    escalations: EscalationService


class _StationLoader:
    """Builds the ``_Station`` once: on the worker while the sign-in screen waits for the nurse
    (importing the ORM mapping and the services takes a few hundred milliseconds on a ward PC,
    and the screen needs none of it to show itself and take typing), or on first use. Either
    thread may ask; the other waits for the one build."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        ward_name: str,
        session: StaffSession,
        runner: TaskRunner,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._ward_name = ward_name
        self.session = session
        self.runner = runner
        self._lock = threading.Lock()
        self.built: _Station | None = None
        self.failure: BaseException | None = None
        """Why the build in the background failed, when it was not an outage: the console
        cannot start (``run_gui`` reports it). After an outage, signing in tries again."""

    def get(self) -> _Station:
        with self._lock:
            if self.built is None:
                self.built = self._build()
            return self.built

    def _build(self) -> _Station:
        from wardconsole.services.db import Database
        from wardconsole.store.models import configure_mapping

        db = Database(self._engine, ward_timezone=self._settings.ward_timezone)
        access = _access(db, self._settings, self._ward_name, self.session, self.runner)
        station = _Station(db, access, _escalations(db, self._settings.station))
        configure_mapping()  # not in the first census read after sign-in
        return station


def _sign_in_access(
    engine: Engine, settings: Settings, ward_name: str, station: _StationLoader
) -> AccessContext:
    """What the sign-in screen needs: it reads whether anyone can sign in without the ORM
    mapping (``services.sign_in``); signing in asks the station's services, built meanwhile."""
    from wardconsole.domain.access import load_access_policy
    from wardconsole.services.sign_in import read_sign_in_setup
    from wardconsole.ui.access.session import AccessContext

    def setup() -> SignInSetup:
        with engine.connect() as connection:
            return read_sign_in_setup(connection)

    return AccessContext(
        sign_in=lambda code, password, purpose, previous: station.get().access.sign_in(
            code, password, purpose, previous
        ),
        setup=setup,
        record_lock=lambda actor, reason: station.get().access.record_lock(actor, reason),
        record_sign_out=lambda actor: station.get().access.record_sign_out(actor),
        idle_lock_after=load_access_policy().idle_lock_after,
        session=station.session,
        station=settings.station,
        ward_name=ward_name,
        runner=station.runner,
    )


def _load_while_signing_in(app: QObject, station: _StationLoader, warm_up: WarmUp) -> None:
    """Once the sign-in screen has asked for its own read (the worker is serial), build the
    station's services on the worker, then load the census window's modules. A failure that is
    not an outage ends the sign-in screen, and ``run_gui`` reports it as before; an outage
    stays on the screen, which says so when the nurse signs in (that tries again)."""
    from PySide6.QtCore import QTimer

    from wardconsole.services.unavailable import is_unavailable, one_line

    def failed(exc: BaseException) -> None:
        log.error("The station's services could not load ahead of sign-in: %s", one_line(exc))
        if is_unavailable(exc):
            warm_up.start()
            return
        station.failure = exc
        _close_sign_in_screen()

    QTimer.singleShot(
        0,
        app,
        lambda: station.runner.run(
            app, station.get, on_success=lambda _built: warm_up.start(), on_failure=failed
        ),
    )


def _close_sign_in_screen() -> None:
    from PySide6.QtWidgets import QApplication

    from wardconsole.ui.access.sign_in_dialog import SignInDialog

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, SignInDialog):
            widget.reject()


def _first_sign_in(access: AccessContext) -> Actor | None:
    """The sign-in screen before anything else; None when the user quit."""
    from wardconsole.ui.access.sign_in_dialog import SignInDialog

    signed = SignInDialog.ask(access)
    return signed.actor if signed is not None else None


def _escalations(db: Database, station: str) -> EscalationService:
    """Escalation panel, banner and alarms: nurses act as whoever is signed in (read when they
    act, the same seam as the bedside dialogs); time-driven rules are written as the system
    account. The first station on a database records its policy as the ward's."""
    from wardconsole.services.escalations import EscalationService
    from wardconsole.services.governance import GovernanceService
    from wardconsole.services.staff import StaffService

    GovernanceService(db).ensure_ward_policy(StaffService(db).system_actor(station))
    return EscalationService(db)


def _interop_actions(db: Database) -> InteropActions:
    """File → Import FHIR / Export patient; the services check permissions and audit both.
    The FHIR and export modules load on first use, not at start."""
    from wardconsole.ui.interop.actions import InteropActions

    def import_fhir(actor: Actor, path: Path, progress: Progress, patient: str | None) -> Any:
        from wardconsole.interop.fhir_import import import_fhir_file

        return import_fhir_file(db, actor, path, patient=patient, progress=progress)

    def export_patient(actor: Actor, hospital_number: str, path: Path, export_format: str) -> Any:
        from wardconsole.interop.exporting import export_to_file

        return export_to_file(
            db, actor, path, hospital_number=hospital_number, export_format=export_format
        )

    return InteropActions(import_fhir=import_fhir, export_patient=export_patient)


def _handoff_ui(db: Database, ward_name: str, current_actor: Callable[[], Actor]) -> HandoffUi:
    """Handoff editor, board and printing; the services check permissions and audit. The PDF
    writer (matplotlib) loads on the first print, not at start."""
    from wardconsole.services.handoff import HandoffService
    from wardconsole.ui.handoff.context import HandoffUi

    def write_report(shift: ShiftWindow, path: Path, progress: Any) -> Any:
        from wardconsole.reports.handoff_pdf import build_handoff_pdf

        return build_handoff_pdf(
            db, shift, path, ward_name=ward_name, actor=current_actor(), progress=progress
        )

    return HandoffUi(
        service=HandoffService(db),
        write_report=write_report,
        ward_name=ward_name,
    )


class _ChartLoader:
    """The console's one chart service (it keeps the sets read, for every patient window and
    for the census row read ahead), created with the first use so numpy loads then, not with
    the census. Called on the background worker only."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._service: Any = None

    def _charts(self) -> Any:
        if self._service is None:
            from wardconsole.services.charts import ChartService

            self._service = ChartService(self._db)
        return self._service

    def series(self, *args: Any, **kwargs: Any) -> Any:
        return self._charts().series(*args, **kwargs)

    def read_ahead(self, admission_id: int, span: timedelta | None) -> int:
        return int(self._charts().read_ahead(admission_id, span))


def console_context(
    engine: Engine,
    db: Database,
    settings: Settings,
    session: StaffSession,
    access: AccessContext,
    escalations: EscalationService,
) -> UiContext:
    """Everything the main window needs, bound to one database and one staff session."""
    from wardconsole.services.admissions import AdmissionService
    from wardconsole.services.aftercare import AftercareService
    from wardconsole.services.census import CensusService
    from wardconsole.services.decisions import DecisionService
    from wardconsole.services.discharge import DischargeService
    from wardconsole.services.fluids import FluidService
    from wardconsole.services.history import HistoryService
    from wardconsole.services.medicines import MedicinesService
    from wardconsole.services.nutrition import NutritionService
    from wardconsole.services.observation_levels import ObservationLevelService
    from wardconsole.services.recording import RecordingService
    from wardconsole.services.sessions import SessionService
    from wardconsole.services.sleep import SleepService
    from wardconsole.services.weights import WeightService
    from wardconsole.store.changes import open_change_feed
    from wardconsole.ui.context import UiContext
    from wardconsole.ui.escalations.alerts import open_alert_sound

    census = CensusService(db)
    ward_name = census.ward_name()
    charts = _ChartLoader(db)
    return UiContext(
        load_census=partial(census.snapshot, scoped=True),
        reload_census=census.snapshot,
        open_change_feed=lambda: census.watch(open_change_feed(engine)),
        station=settings.station,
        ward_name=ward_name,
        database_label=describe_url(settings.db_url),
        runner=access.runner,
        load_patient_series=charts.series,
        read_chart_ahead=charts.read_ahead,
        recording=RecordingService(db),
        history=HistoryService(db),
        fluids=FluidService(db),
        medicines=MedicinesService(db),
        weights=WeightService(db),
        nutrition=NutritionService(db),
        sleep=SleepService(db),
        decisions=DecisionService(db),
        current_actor=session.current_actor,
        handoff=_handoff_ui(db, ward_name, session.current_actor),
        observation=ObservationLevelService(db),
        admissions=AdmissionService(db),
        discharges=DischargeService(db),
        sessions=SessionService(db),
        aftercare=AftercareService(db),
        export_discharge_letter=_letter_export(db, ward_name),
        interop=_interop_actions(db),
        escalations=escalations,
        open_alert_sound=open_alert_sound,
        access=access,
    )


def _report_start_problem(line: str, *, window: bool) -> int:
    """Say why the console cannot start: the log, the terminal and (GUI) a window."""
    from wardconsole.logging_setup import TOLD

    log.error("The console cannot start: %s", line, extra={TOLD: True})
    print(f"wardconsole: {line}", file=sys.stderr)
    if window:
        from wardconsole.ui.start_problem import StartProblem

        StartProblem.tell(line)
    return EXIT_START_PROBLEM


def _letter_export(db: Database, ward_name: str) -> Callable[[Actor, int, Path], Path]:
    """The discharge letter as an export (permission, audit row, owner-only file). Its PDF
    machinery (matplotlib) loads on the first letter, not at start."""

    def export(actor: Actor, admission_id: int, path: Path) -> Path:
        from wardconsole.reports.discharge_letter import build_discharge_letter

        return build_discharge_letter(db, admission_id, path, actor=actor, ward_name=ward_name)

    return export


def _open(
    settings: Settings,
    *,
    demo: bool,
    self_test: bool,
    explain: Callable[[BaseException], str | None] | None,
) -> tuple[Engine, Any] | int:
    """The ward's engine, its schema current (one query when it is), and the demo ward's lock
    (None unless ``demo``); or the exit status after saying why the ward cannot be opened."""
    from wardconsole.store.engine import open_ward

    demo_lock = None
    try:
        if demo:
            demo_lock = _prepare_demo(settings)
        return open_ward(settings.db_url), demo_lock
    except Exception as exc:
        line = explain(exc) if explain is not None else None
        if line is None:
            raise
        if demo_lock is not None:
            demo_lock.unlock()
        return _report_start_problem(line, window=not self_test)


def run_gui(
    settings: Settings,
    *,
    demo: bool = False,
    self_test: bool = False,
    explain: Callable[[BaseException], str | None] | None = None,
) -> int:
    """The console. A problem ``explain`` can put in one line (a missing, read-only or
    unreachable database, the demo ward in use) is shown in a window too, not only on the
    terminal, which nobody reads when the console was started from a desktop icon."""
    problem = display_problem()
    if problem:
        print(f"wardconsole: {problem}", file=sys.stderr)
        return 3
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

    from wardconsole.services.sign_in import read_ward_name

    opened = _open(settings, demo=demo, self_test=self_test, explain=explain)
    if isinstance(opened, int):
        return opened
    engine, demo_lock = opened
    with engine.connect() as connection:
        ward_name = read_ward_name(connection)
    from wardconsole.ui.access.session import StaffSession

    session = StaffSession()

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from wardconsole.logging_setup import current_log_file, install_excepthook
    from wardconsole.ui.crash_notice import CrashNotice
    from wardconsole.ui.theme import apply_theme, load_theme

    QCoreApplication.setOrganizationName("WardConsole")
    QCoreApplication.setApplicationName("WardConsole")
    QCoreApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    from wardconsole.ui.gc_guard import UiThreadGarbageCollector

    collector = UiThreadGarbageCollector(app)
    collector.start()
    from wardconsole.ui.tasks import TaskRunner

    runner = TaskRunner(app)  # the console's one background worker, handed down to every window
    station = _StationLoader(engine, settings, ward_name, session, runner)
    access = _sign_in_access(engine, settings, ward_name, station)
    crash_notice = CrashNotice(app)
    install_excepthook(current_log_file(), crash_notice.tell)
    apply_theme(app, load_theme())
    from wardconsole.ui.warm_up import WarmUp

    warm_up = WarmUp(app)  # the census window's modules load while the nurse types
    _load_while_signing_in(app, station, warm_up)
    test = None
    if self_test:
        from wardconsole.ui.self_test import SelfTest

        test = SelfTest(app, access, warm_up)
    actor = _first_sign_in(access)
    if actor is None:
        _close_without_waiting(runner, station.built.access if station.built else access)
        engine.dispose()
        if station.failure is not None:
            if demo_lock is not None:
                demo_lock.unlock()
            raise station.failure
        code = 1 if test is not None and test.failed else 0
        return _finish(code, in_process=existing is not None, demo_lock=demo_lock)
    built = station.get()
    access = built.access
    if test is not None:
        test.accepted()
    session.sign_in(actor)
    from wardconsole.ui.main_window import MainWindow  # after sign-in: not on the first screen

    context = console_context(engine, built.db, settings, session, access, built.escalations)
    window = MainWindow(context)
    window.show()
    if test is not None:
        test.watch(window)
    code = app.exec()
    _close_without_waiting(runner, access)
    engine.dispose()
    if test is not None and test.failed:
        print(f"wardconsole: self-test failed: {'; '.join(test.failed)}", file=sys.stderr)
        code = 1
    return _finish(int(code), in_process=existing is not None, demo_lock=demo_lock)
