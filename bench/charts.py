"""Patient charts on long stays: open, pan/zoom, matplotlib for comparison, memory.

Data: the demo ward builder. A 30-day stay fed by a bedside monitor every minute (43,200
sets, 7 vital tracks: NEWS2, RR, SpO2, BP, pulse, temperature, ACVPU), and a typical 7-day
stay with 4-hourly sets.

* open: a patient window (header, charts, read-out) from construction to the first complete
  paint with its series loaded through the background worker, as the console does it (one
  ``ChartService`` per database, shared by every window, so a re-open finds the sets it has
  already read; and one pool of chart pages, so a window refills the page of the last one
  dropped instead of building eight plots). The window opens on the default range (the last
  72 h; it reads those sets and a margin, and the rest when a wider range is chosen): that is
  ``open_ms``. Opening straight onto the whole stay (all 43,200 sets drawn) is
  ``open_stay_ms`` (a re-open within the minute with nothing changed: the kept chart is
  served, ``SeriesKeep``); ``reopen_stay_after_change_ms``: the same after a withdrawal rating
  was recorded for the patient before each open (every entry read again, and the sets stored
  since); the first open of a patient (nothing kept yet: every set read, every plot
  built) is ``first_open_stay_ms`` (wall) and ``first_open_stay_cpu_ms`` (CPU of the process).
  ``open_after_select_ms``: the same first open of a patient (nothing kept, every plot built),
  but after the census row was selected as the console selects it (``ChartPrefetch.row_selected``,
  what the census selection calls) and the row stayed selected until its chart was read ahead
  (the dwell, ``DWELL_MS``, and the read: ``ready_after_select_ms`` from the selection); the
  window then opens onto the chart kept whole. Return pressed sooner waits for the read in flight.
  As the console does once a patient window has loaded the chart modules, the read ahead being
  back also has a spare chart page built on the UI thread in the next idle moment
  (``prepare_stall_ms``: how long that held the UI thread), so the window takes a built page;
  ``ready_after_select_ms`` waits for both.
  The same two on the default range (72 h): ``first_open_ms``, ``open_after_select_72h_ms``.
* pan: one pan or zoom step (5 % of the range, alternating) and a full synchronous repaint.
* matplotlib: the same 7 tracks of the same range (the whole stay) from the same service,
  drawn once with an Agg Figure of the same size (no pyplot): load + first draw
  (``mpl_open_stay_ms``; ``mpl_open_ms`` is the same figure, kept under its old name) and
  drawing only, each beside the pyqtgraph window's figure.
* memory: a separate process with the 60-patient census window (30 days of 15-minute sets)
  and three 30-day 1-minute patient windows open on the whole stay; peak RSS. And another
  with the chart service alone: 20 census rows of the 60-patient ward read ahead in turn
  (whole stay), then the three 30-day 1-minute stays: what the keep holds, the RSS before and
  after (``prefetch_rss_mb``: after).

    python bench/charts.py [--repeat 15] [--db-dir DIR]

Last line: {"open_ms": ..., "pan_ms": ..., "mpl_open_ms": ..., "open_ms_7d": ..., "rss_mb": ...,
"open_stay_ms": ..., "reopen_stay_after_change_ms": ..., "mpl_open_stay_ms": ...,
"first_open_stay_ms": ...,
"first_open_stay_cpu_ms": ..., "open_after_select_ms": ..., "ready_after_select_ms": ...,
"prefetch_rss_mb": ..., "first_open_ms": ..., "open_after_select_72h_ms": ...,
"ready_after_select_72h_ms": ..., "open_after_select_p95_ms": ..., "prepare_stall_ms": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QCoreApplication, QObject, QSettings
from PySide6.QtWidgets import QApplication

from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService, PatientSeries
from wardconsole.services.db import Database
from wardconsole.services.demo import DemoOptions, build_demo_ward
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine, upgrade
from wardconsole.ui.patient.chart_prefetch import ChartPrefetch
from wardconsole.ui.patient.charts.page_pool import ChartPagePool
from wardconsole.ui.patient.charts.palette import chart_palette
from wardconsole.ui.patient.charts.patient_charts import Preset
from wardconsole.ui.patient.patient_window import PatientWindow
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import theme_state

CENSUS_PATIENTS = 60
WINDOW_SIZE = (1366, 768)


def build(path: Path, options: DemoOptions) -> Database:
    url = f"sqlite:///{path}"
    fresh = not path.exists()
    engine = make_engine(url)
    upgrade(engine)  # one query when the schema is current
    if fresh:
        started = time.perf_counter()
        build_demo_ward(Database(engine), options)
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return Database(engine)


def isolated_settings(directory: Path) -> None:
    QCoreApplication.setOrganizationName("WardConsoleBench")
    QCoreApplication.setApplicationName("wardconsole-bench")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(directory))


def wait_until(app: QApplication, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the chart did not load")
        app.processEvents()
        time.sleep(0.0005)


_SERVICES: dict[int, ChartService] = {}
CPU_MS: list[float] = []
"""CPU time of this process (UI thread and worker) per open: less swayed by other work on a
shared machine than the wall-clock figure."""
PREPARE_MS: list[float] = []
"""UI-thread stall of each spare chart page built while a row was read ahead."""
PAGES = ChartPagePool()
"""The console's pool of chart pages (``PatientWindows.pages``): a dropped window's page is
refilled by the next window."""


def chart_service(db: Database) -> ChartService:
    """The one chart service of a database, as the console keeps one for all its windows."""
    return _SERVICES.setdefault(id(db), ChartService(db))


def open_window(
    app: QApplication,
    db: Database,
    runner: TaskRunner,
    admission_id: int,
    preset: Preset,
    service: ChartService | None = None,
    pages: ChartPagePool | None = None,
) -> tuple[PatientWindow, float]:
    """Open a patient window; return it and the ms to its first complete paint."""
    QSettings().setValue("patient_charts/preset", preset.value)
    snapshot = CensusService(db).snapshot()
    row = next(r for r in snapshot.rows if r.admission_id == admission_id)
    service = service or chart_service(db)
    started, cpu = time.perf_counter(), time.process_time()
    window = PatientWindow(
        row,
        snapshot.taken_at,
        load_series=service.series,
        runner=runner,
        pages=PAGES if pages is None else pages,
    )
    window.resize(*WINDOW_SIZE)
    window.show()
    charts = window.charts
    assert charts is not None
    wait_until(app, lambda: charts.series is not None and not charts.loading)
    window.repaint()
    CPU_MS.append((time.process_time() - cpu) * 1000)
    return window, (time.perf_counter() - started) * 1000


def close_window(app: QApplication, window: PatientWindow) -> None:
    """As the console drops a window: its chart page goes back to the pool."""
    window.stop_loading()
    window.release_charts()
    window.close()
    window.deleteLater()
    app.processEvents()


def measure_open(
    app: QApplication,
    db: Database,
    runner: TaskRunner,
    admission_id: int,
    preset: Preset,
    repeat: int,
    before_each: Callable[[int], object] | None = None,
) -> list[float]:
    """Re-opens of the patient with one chart service; ``before_each(n)`` runs before the
    n-th open (not timed)."""
    window, _ = open_window(app, db, runner, admission_id, preset)  # warm caches
    close_window(app, window)
    times = []
    for n in range(repeat):
        if before_each is not None:
            before_each(n)
        window, ms = open_window(app, db, runner, admission_id, preset)
        times.append(ms)
        close_window(app, window)
    return times


def rating_recorded(db: Database, admission_id: int) -> Callable[[int], object]:
    """Records a withdrawal rating for the patient (at this station, as another station's
    would arrive): a kept series may then not be served, so the next open reads every entry
    again and only the sets stored since."""
    recording = RecordingService(db)
    nurse = StaffService(db).actor("rn.okafor", "Bench station")
    return lambda n: recording.record_symptoms(nurse, admission_id, {"craving": n % 4})


def measure_first_open(
    app: QApplication,
    db: Database,
    runner: TaskRunner,
    admission_id: int,
    preset: Preset,
    repeat: int,
) -> list[float]:
    """Each open with a new chart service and no page to reuse: nothing kept, every set read
    from the database and every plot built."""
    times = []
    for _ in range(repeat):
        window, ms = open_window(
            app, db, runner, admission_id, preset, ChartService(db), ChartPagePool()
        )
        times.append(ms)
        close_window(app, window)
    return times


def measure_open_after_select(
    app: QApplication,
    db: Database,
    runner: TaskRunner,
    admission_id: int,
    preset: Preset,
    repeat: int,
) -> tuple[list[float], list[float]]:
    """As ``measure_first_open`` (a new chart service, no page to reuse), but the census row was
    selected first and stayed selected until its chart was read ahead: (open ms, ms from the
    selection to the read being back)."""
    QSettings().setValue("patient_charts/preset", preset.value)
    opens, ready = [], []
    for _ in range(repeat):
        service = ChartService(db)
        owner = QObject()
        pages = ChartPagePool()
        # As the console: once the read ahead is queued, a spare chart page is built for the
        # window in the next idle moment (``MainWindow._prepare_chart_page``).
        prefetch = ChartPrefetch(
            runner,
            service.read_ahead,
            prepare=lambda pages=pages: pages.ensure_spare(chart_palette(theme_state().theme)),
            parent=owner,
        )
        selected = time.perf_counter()
        prefetch.row_selected(admission_id)
        wait_until(
            app,
            lambda prefetch=prefetch: (
                admission_id in prefetch.prefetched and bool(prefetch.prepare_ms)
            ),
        )
        ready.append((time.perf_counter() - selected) * 1000)
        PREPARE_MS.extend(prefetch.prepare_ms)
        prefetch.opening(admission_id)
        window, ms = open_window(app, db, runner, admission_id, preset, service, pages)
        opens.append(ms)
        close_window(app, window)
        owner.deleteLater()
        app.processEvents()
    return opens, ready


def measure_pan(
    app: QApplication,
    db: Database,
    runner: TaskRunner,
    admission_id: int,
    preset: Preset,
    steps: int,
) -> tuple[list[float], int]:
    window, _ = open_window(app, db, runner, admission_id, preset)
    charts = window.charts
    assert charts is not None and charts.series is not None
    points = charts.series.sets.points
    times = []
    for step in range(steps):
        start, end = charts.view_range()
        width = end - start
        if step % 4 == 3:  # a zoom step: in, then back out
            shift = width * 0.05
            new = (start + shift, end - shift) if step % 8 == 3 else (start - shift, end + shift)
        else:
            shift = width * 0.05 * (1 if (step // 2) % 2 else -1)
            new = (start + shift, end + shift)
        began = time.perf_counter()
        charts.set_view_range(*new)
        window.repaint()
        times.append((time.perf_counter() - began) * 1000)
    wait_until(app, lambda: not charts.loading)
    close_window(app, window)
    return times, points


def matplotlib_figure(series: PatientSeries) -> tuple[object, float]:
    """The 7 tracks drawn once with matplotlib (Agg, no pyplot); (figure, ms)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    started = time.perf_counter()
    width, height = 960, 600
    figure = Figure(figsize=(width / 100, height / 100), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots(7, 1, sharex=True)
    tracks = [
        ("news2_total",),
        ("respiration_rate",),
        ("spo2",),
        ("systolic_bp", "diastolic_bp"),
        ("pulse",),
        ("temperature",),
        ("consciousness",),
    ]
    for ax, keys in zip(axes, tracks, strict=True):
        for key in keys:
            track = series.vitals[key]
            ax.plot(track.x, track.y, linewidth=1)
        ax.axhspan(0, 1, alpha=0.1)
    figure.canvas.draw()
    return figure, (time.perf_counter() - started) * 1000


def matplotlib_open(series_loader: Callable[[int], PatientSeries], admission_id: int) -> float:
    """Load the same series and draw the 7 tracks once with matplotlib (Agg)."""
    started = time.perf_counter()
    matplotlib_figure(series_loader(admission_id))
    return (time.perf_counter() - started) * 1000


def matplotlib_pan(series: PatientSeries, steps: int) -> list[float]:
    """The same 5 % pan steps, each followed by a full matplotlib redraw."""
    figure, _ms = matplotlib_figure(series)
    axis = figure.axes[0]
    start, end = series.admitted_at, series.as_of
    times = []
    for step in range(steps):
        shift = (end - start) * 0.05 * (1 if (step // 2) % 2 else -1)
        start, end = start + shift, end + shift
        began = time.perf_counter()
        axis.set_xlim(start, end)
        figure.canvas.draw()
        times.append((time.perf_counter() - began) * 1000)
    return times


def pyqtgraph_draw(
    app: QApplication,
    db: Database,
    runner: TaskRunner,
    admission_id: int,
    series: PatientSeries,
    repeat: int,
) -> list[float]:
    """Drawing only: a loaded series handed to an open window, then one full repaint."""
    window, _ = open_window(app, db, runner, admission_id, Preset.STAY)
    charts = window.charts
    assert charts is not None
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        charts._on_series_loaded(series)
        window.repaint()
        times.append((time.perf_counter() - began) * 1000)
    close_window(app, window)
    return times


def _no_letter(actor: object, admission_id: int, path: Path) -> Path:
    raise RuntimeError("the chart bench writes no discharge letter")


def _nobody_signs_in(*_args: object) -> Any:
    raise RuntimeError("nobody signs in at the chart bench")


def rss_child(args: argparse.Namespace) -> None:
    """Run in its own process: census window + three whole-stay patient windows; print RSS."""
    from wardconsole.app import _handoff_ui, _interop_actions
    from wardconsole.services.admissions import AdmissionService
    from wardconsole.services.aftercare import AftercareService
    from wardconsole.services.decisions import DecisionService
    from wardconsole.services.discharge import DischargeService
    from wardconsole.services.escalations import EscalationService
    from wardconsole.services.fluids import FluidService
    from wardconsole.services.history import HistoryService
    from wardconsole.services.medicines import MedicinesService
    from wardconsole.services.nutrition import NutritionService
    from wardconsole.services.observation_levels import ObservationLevelService
    from wardconsole.services.recording import RecordingService
    from wardconsole.services.sessions import SessionService
    from wardconsole.services.sign_in import SignInSetup
    from wardconsole.services.sleep import SleepService
    from wardconsole.services.staff import StaffService
    from wardconsole.services.weights import WeightService
    from wardconsole.store.changes import open_change_feed
    from wardconsole.ui.access.session import AccessContext, StaffSession
    from wardconsole.ui.context import UiContext
    from wardconsole.ui.escalations.alerts import SilentAlertSound
    from wardconsole.ui.main_window import MainWindow
    from wardconsole.ui.patient.open_windows import PatientWindows

    app = QApplication.instance() or QApplication([])
    isolated_settings(Path(tempfile.mkdtemp(prefix="wardbench-settings-")))
    census_db = Database(make_engine(f"sqlite:///{args.census_db}"))
    patients_db = Database(make_engine(f"sqlite:///{args.patients_db}"))
    census = CensusService(census_db)
    runner = TaskRunner()
    ward_name = census.ward_name()
    session = StaffSession(StaffService(census_db).system_actor("bench"))
    access = AccessContext(
        sign_in=_nobody_signs_in,
        setup=lambda: SignInSetup(can_sign_in=False, demo_password=None),
        record_lock=lambda _actor, _reason: None,
        record_sign_out=lambda _actor: None,
        idle_lock_after=timedelta(days=1),
        session=session,
        station="bench",
        ward_name=ward_name,
        runner=runner,
    )
    context = UiContext(
        load_census=census.snapshot,
        reload_census=census.snapshot,
        read_chart_ahead=lambda _admission, _span: 0,
        open_change_feed=lambda: open_change_feed(census_db.engine),
        station="bench",
        ward_name=ward_name,
        database_label="SQLite (bench)",
        runner=runner,
        current_actor=session.current_actor,
        open_alert_sound=lambda: SilentAlertSound("a bench has no sound"),
        export_discharge_letter=_no_letter,
        observation=ObservationLevelService(census_db),
        sessions=SessionService(census_db),
        admissions=AdmissionService(census_db),
        discharges=DischargeService(census_db),
        aftercare=AftercareService(census_db),
        fluids=FluidService(census_db),
        medicines=MedicinesService(census_db),
        weights=WeightService(census_db),
        nutrition=NutritionService(census_db),
        sleep=SleepService(census_db),
        decisions=DecisionService(census_db),
        load_patient_series=ChartService(census_db).series,
        recording=RecordingService(census_db),
        history=HistoryService(census_db),
        escalations=EscalationService(census_db),
        access=access,
        interop=_interop_actions(census_db),
        handoff=_handoff_ui(census_db, ward_name, session.current_actor),
    )
    main = MainWindow(context)
    main.resize(*WINDOW_SIZE)
    main.show()
    wait_until(app, lambda: main.snapshot is not None)
    assert main.snapshot is not None and len(main.snapshot.rows) == CENSUS_PATIENTS
    QSettings().setValue("patient_charts/preset", Preset.STAY.value)
    windows = PatientWindows(runner, ChartService(patients_db).series)
    snapshot = CensusService(patients_db).snapshot()
    opened = [windows.open(row, snapshot) for row in snapshot.rows[:3]]
    for window in opened:
        charts = window.charts
        assert charts is not None
        wait_until(app, lambda charts=charts: charts.series is not None and not charts.loading)
        window.resize(*WINDOW_SIZE)
        window.repaint()
        assert charts.series is not None and charts.series.sets.points >= 43000
    app.processEvents()
    print(json.dumps({"rss_mb": round(peak_rss_kb() / 1024, 1), "windows": len(opened)}))
    windows.close_all()
    runner.shutdown(wait=True)
    main.shutdown()


def array_bytes(value: object) -> int:
    """Bytes of the numpy arrays in ``value`` (dataclasses, dicts, tuples of them)."""
    import dataclasses

    import numpy as np

    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, dict):
        return sum(array_bytes(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(array_bytes(v) for v in value)
    if dataclasses.is_dataclass(value):
        return sum(array_bytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 0


def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def prefetch_rss_child(args: argparse.Namespace) -> None:
    """Run in its own process: the chart service of the 60-patient ward reads 20 census rows
    ahead in turn (whole stay), then that of the 30-day 1-minute ward its three stays; what the
    keep holds and the RSS."""
    census_db = Database(make_engine(f"sqlite:///{args.census_db}"))
    patients_db = Database(make_engine(f"sqlite:///{args.patients_db}"))
    rows = CensusService(census_db).snapshot().rows[:20]
    month_rows = CensusService(patients_db).snapshot().rows
    census_charts, month_charts = ChartService(census_db), ChartService(patients_db)
    census_charts.read_ahead(rows[0].admission_id, None)  # numpy and the reading code loaded
    census_charts = ChartService(census_db)
    before = rss_kb()
    for row in rows:
        census_charts.read_ahead(row.admission_id, None)
    after_census = rss_kb()
    for row in month_rows:
        month_charts.read_ahead(row.admission_id, None)
    kept = [
        entry
        for charts, ids in (
            (census_charts, [r.admission_id for r in rows]),
            (month_charts, [r.admission_id for r in month_rows]),
        )
        for entry in (charts.cache.kept(i) for i in ids)
        if entry is not None
    ]
    month_kept = [month_charts.cache.kept(r.admission_id) for r in month_rows]
    month_entry = next(entry for entry in month_kept if entry is not None)
    print(
        json.dumps(
            {
                "rows_read_ahead": len(rows),
                "census_kept": len(census_charts.cache),
                "month_stays_read_ahead": len(month_rows),
                "month_kept": len(month_charts.cache),
                "month_entry_mb": round(
                    (array_bytes(month_entry.matrix) + array_bytes(month_entry.derived)) / 2**20,
                    1,
                ),
                "kept_mb": round(
                    sum(array_bytes(e.matrix) + array_bytes(e.derived) for e in kept) / 2**20, 1
                ),
                "rss_before_mb": round(before / 1024, 1),
                "rss_after_census_mb": round(after_census / 1024, 1),
                "rss_mb": round(rss_kb() / 1024, 1),
                "peak_rss_mb": round(peak_rss_kb() / 1024, 1),
            }
        )
    )


def peak_rss_kb() -> int:
    """This process's peak RSS. VmHWM, not getrusage: Linux carries ``ru_maxrss`` over an
    exec, so a child would report the parent's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(flag: str, census_path: Path, patients_path: Path) -> dict[str, Any]:
    """This script in a process of its own (``flag``: what it measures); its last line."""
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            flag,
            "--census-db",
            str(census_path),
            "--patients-db",
            str(patients_path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def p95(times: list[float]) -> float:
    return sorted(times)[max(0, int(len(times) * 0.95) - 1)]


def summary(name: str, times: list[float]) -> str:
    return (
        f"{name}: median {statistics.median(times):.1f} ms, p95 {p95(times):.1f} ms "
        f"(n={len(times)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--pan-steps", type=int, default=80)
    parser.add_argument("--db-dir", type=Path)
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prefetch-rss-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--census-db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--patients-db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args)
        return
    if args.prefetch_rss_child:
        prefetch_rss_child(args)
        return

    work = args.db_dir or Path(tempfile.mkdtemp(prefix="wardbench-charts-"))
    work.mkdir(parents=True, exist_ok=True)
    month = build(
        work / "charts-30d-1min.sqlite",
        DemoOptions(
            beds=3, occupancy=1.0, seed=5, obs_every=timedelta(minutes=1), fixed_admission_days=30
        ),
    )
    week = build(
        work / "charts-7d-4h.sqlite",
        DemoOptions(
            beds=1, occupancy=1.0, seed=5, obs_every=timedelta(hours=4), fixed_admission_days=7
        ),
    )
    census_path = work / "census-60x30d-15min.sqlite"
    build(
        census_path,
        DemoOptions(
            beds=CENSUS_PATIENTS,
            occupancy=1.0,
            seed=1,
            obs_every=timedelta(minutes=15),
            fixed_admission_days=30,
        ),
    )

    app = QApplication.instance() or QApplication([])
    isolated_settings(work / "settings")
    runner = TaskRunner()
    patient = 1
    sets = chart_service(month).series(patient).sets.points
    print(f"30-day patient: {sets} observation sets × 7 tracks")

    open_default = measure_open(app, month, runner, patient, Preset.THREE_DAYS, args.repeat)
    CPU_MS.clear()
    open_stay = measure_open(app, month, runner, patient, Preset.STAY, args.repeat)
    open_stay_cpu = CPU_MS[1:]
    open_stay_changed = measure_open(
        app, month, runner, patient, Preset.STAY, args.repeat, rating_recorded(month, patient)
    )
    # The first open straight from nothing and the one after the row was read ahead,
    # alternately, so that the load of a shared machine sways both alike.
    first_stay, first_stay_cpu, after_select, ready = [], [], [], []
    for _ in range(args.repeat):
        CPU_MS.clear()
        first_stay += measure_first_open(app, month, runner, patient, Preset.STAY, 1)
        first_stay_cpu += CPU_MS
        opened, waited = measure_open_after_select(app, month, runner, patient, Preset.STAY, 1)
        after_select += opened
        ready += waited
    # The same on the default range (72 h): what a window opens on unless a nurse chose
    # another preset (the read ahead reads the range the next window opens on).
    first_72h, after_select_72h, ready_72h = [], [], []
    for _ in range(args.repeat):
        first_72h += measure_first_open(app, month, runner, patient, Preset.THREE_DAYS, 1)
        opened, waited = measure_open_after_select(
            app, month, runner, patient, Preset.THREE_DAYS, 1
        )
        after_select_72h += opened
        ready_72h += waited
    open_week = measure_open(app, week, runner, 1, Preset.STAY, args.repeat)
    pan_default, _ = measure_pan(app, month, runner, patient, Preset.THREE_DAYS, args.pan_steps)
    pan_stay, points = measure_pan(app, month, runner, patient, Preset.STAY, args.pan_steps)
    service = chart_service(month)
    matplotlib_open(service.series, patient)  # warm the import and font caches
    mpl = [matplotlib_open(service.series, patient) for _ in range(max(5, args.repeat // 2))]
    mpl_first = [
        matplotlib_open(ChartService(month).series, patient)
        for _ in range(max(5, args.repeat // 2))
    ]
    whole = service.series(patient)
    mpl_draw = [matplotlib_figure(whole)[1] for _ in range(max(5, args.repeat // 2))]
    mpl_pan = matplotlib_pan(whole, 10)
    pg_draw = pyqtgraph_draw(app, month, runner, patient, whole, max(5, args.repeat // 2))
    runner.shutdown()

    print(summary("open, 30 days, default range (72 h)", open_default))
    print(summary(f"open, 30 days, whole stay ({points} sets on screen)", open_stay))
    print(summary("  the same, CPU time of the process", open_stay_cpu))
    print(summary("re-open, whole stay, after an entry was recorded", open_stay_changed))
    print(summary("first open, 30 days, whole stay (nothing kept: every set read)", first_stay))
    print(summary("  the same, CPU time of the process", first_stay_cpu))
    print(summary("first open after the row was selected and read ahead, whole stay", after_select))
    print(summary("  from the selection to the read ahead being back (dwell + read)", ready))
    print(summary("  UI thread held by the spare chart page built meanwhile", PREPARE_MS))
    print(summary("first open, 30 days, default range (72 h), nothing kept", first_72h))
    print(summary("first open after the row was read ahead, 72 h", after_select_72h))
    print(summary("  from the selection to the read ahead being back (dwell + read)", ready_72h))
    print(f"load average now: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (2 shared cores)")
    print(summary("open, 7 days of 4-hourly sets, whole stay", open_week))
    print(summary("pan/zoom step, 72 h on screen", pan_default))
    print(summary("pan/zoom step, whole stay on screen", pan_stay))
    print(summary("matplotlib (Agg), same 7 tracks, whole stay, load + draw", mpl))
    ratio = statistics.median(mpl) / statistics.median(open_stay)
    print(f"matplotlib / pyqtgraph window (whole stay, load + first draw): {ratio:.2f}×")
    print(summary("matplotlib, whole stay, first load (every set read) + draw", mpl_first))
    ratio = statistics.median(mpl_first) / statistics.median(first_stay)
    print(f"matplotlib / pyqtgraph window (whole stay, first load + first draw): {ratio:.2f}×")
    print(summary("drawing only, matplotlib, whole stay", mpl_draw))
    print(summary("drawing only, pyqtgraph window (series in, full repaint)", pg_draw))
    print(
        f"matplotlib / pyqtgraph (drawing only): "
        f"{statistics.median(mpl_draw) / statistics.median(pg_draw):.1f}×"
    )
    print(summary("pan step with a full redraw, matplotlib, whole stay", mpl_pan))
    print(
        f"matplotlib / pyqtgraph (pan step, whole stay): "
        f"{statistics.median(mpl_pan) / statistics.median(pan_stay):.0f}×"
    )

    patients_path = work / "charts-30d-1min.sqlite"
    rss = run_child("--rss-child", census_path, patients_path)["rss_mb"]
    print(f"peak RSS, 60-patient census + three 30-day patient windows: {rss} MB")
    kept = run_child("--prefetch-rss-child", census_path, patients_path)
    print(
        f"read ahead: {kept['rows_read_ahead']} census rows (whole stay) leave "
        f"{kept['census_kept']} kept, three 30-day 1-minute stays leave {kept['month_kept']} "
        f"({kept['month_entry_mb']} MB each); {kept['kept_mb']} MB of arrays kept; RSS "
        f"{kept['rss_before_mb']} MB before, {kept['rss_after_census_mb']} MB after the 20 rows, "
        f"{kept['rss_mb']} MB after the stays (peak {kept['peak_rss_mb']} MB)"
    )

    print(
        json.dumps(
            {
                "open_ms": round(statistics.median(open_default), 1),
                "pan_ms": round(statistics.median(pan_stay), 2),
                "mpl_open_ms": round(statistics.median(mpl), 1),
                "open_ms_7d": round(statistics.median(open_week), 1),
                "rss_mb": rss,
                "open_stay_ms": round(statistics.median(open_stay), 1),
                "reopen_stay_after_change_ms": round(statistics.median(open_stay_changed), 1),
                "mpl_open_stay_ms": round(statistics.median(mpl), 1),
                "first_open_stay_ms": round(statistics.median(first_stay), 1),
                "first_open_stay_cpu_ms": round(statistics.median(first_stay_cpu), 1),
                "open_after_select_ms": round(statistics.median(after_select), 1),
                "ready_after_select_ms": round(statistics.median(ready), 1),
                "open_after_select_p95_ms": round(p95(after_select), 1),
                "prepare_stall_ms": round(statistics.median(PREPARE_MS), 1),
                "prefetch_rss_mb": kept["rss_mb"],
                "first_open_ms": round(statistics.median(first_72h), 1),
                "open_after_select_72h_ms": round(statistics.median(after_select_72h), 1),
                "ready_after_select_72h_ms": round(statistics.median(ready_72h), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
