"""The chart of the census row a nurse has stopped on is read ahead of her pressing Return.

The ward of ``test_charts`` (a real SQLite database, a fixed clock) with a second patient; the
console is the real main window over the real census and chart services. Its prefetch reads on
the console's one task runner, gives way to every other task, and never shows anything: the
chart a nurse then opens is the one she would have seen without it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbfixtures import seeded_sqlite
from PySide6.QtCore import QObject
from ui_context import ui_context
from ui_runner import shared_runner
from wardfakes import NORMAL_SET, Clock

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import CensusService
from wardconsole.services.chart_reads import FIRST_LOAD_SPANS
from wardconsole.services.charts import ChartService
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.store.changes import open_change_feed
from wardconsole.store.engine import make_engine
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.patient.chart_prefetch import DWELL_MS
from wardconsole.ui.patient.charts.page_pool import PAGES_MODULE
from wardconsole.ui.patient.charts.palette import chart_palette
from wardconsole.ui.theme import theme_state

from .test_charts import NOW, Ward, _record_the_stay, wait_loaded

DEFAULT_SPAN = timedelta(hours=72) * FIRST_LOAD_SPANS
"""What a window opening on the default preset (72 h) reads first."""


def _record_two_patients(url: str) -> tuple[Any, int, list[datetime], int]:
    nurse, admission, times = _record_the_stay(url)
    engine = make_engine(url)
    db = Database(engine, clock=Clock(NOW))
    admissions = AdmissionService(db)
    admissions.ensure_beds(["B02"], "Test ward")
    other = admissions.admit(
        nurse,
        NewPatient("KD000043", "Owen", "Marsh", datetime(1985, 6, 1).date()),
        bed="B02",
        admitted_at=NOW - timedelta(hours=6),
        reason="Ketamine dependence",
        assigned_nurse_id=nurse.staff_id,
    )
    RecordingService(db).record_observation(
        nurse, other, {**NORMAL_SET, "pulse": 121}, taken_at=NOW - timedelta(hours=2)
    )
    engine.dispose()
    return nurse, admission, times, other


class Console:
    """The main window over the ward, its chart service, and what its worker was asked."""

    def __init__(self, qtbot: Any, ward: Ward) -> None:
        self.ward = ward
        self.charts = ChartService(ward.db)
        self.census = CensusService(ward.db)
        self.asked: list[tuple[str, int | None]] = []
        """('census', None) and ('warm', admission), in the order the worker ran them."""
        self.warm_gate: threading.Event | None = None
        """When set to an event, a prefetch waits for it on the worker (one in flight)."""
        context = ui_context(
            load_census=self._load_census,
            open_change_feed=lambda: open_change_feed(ward.db.engine),
            station="Nurses' station 1",
            ward_name="Test ward",
            database_label="SQLite (test)",
            runner=shared_runner(),
            load_patient_series=self.charts.series,
            read_chart_ahead=self._read_ahead,
        )
        self.window = MainWindow(context)
        qtbot.addWidget(self.window)
        self.window.show()
        qtbot.waitUntil(lambda: self.window.snapshot is not None)

    def _load_census(self) -> Any:
        self.asked.append(("census", None))
        return self.census.snapshot()

    def _read_ahead(self, admission_id: int, span: timedelta | None) -> int:
        self.asked.append(("warm", admission_id))
        if self.warm_gate is not None:
            self.warm_gate.wait(10)
        return self.charts.read_ahead(admission_id, span)

    def warmed(self) -> list[int]:
        return [admission for what, admission in self.asked if what == "warm"]

    def select_row(self, admission_id: int) -> None:
        assert self.window.census_view.select_admission(admission_id)


@pytest.fixture
def ward(tmp_path: Path) -> Iterator[Ward]:
    url, (nurse, admission, times, other) = seeded_sqlite(
        tmp_path / "chart.sqlite", _record_two_patients
    )
    engine = make_engine(url)
    clock = Clock(NOW)
    ward = Ward(Database(engine, clock=clock), clock, nurse, admission, times)
    ward.other = other  # type: ignore[attr-defined]
    yield ward
    engine.dispose()


@pytest.fixture
def console(qtbot, ward: Ward) -> Iterator[Console]:
    console = Console(qtbot, ward)
    yield console
    if console.warm_gate is not None:
        console.warm_gate.set()
    console.window.shutdown()
    qtbot.waitUntil(lambda: shared_runner().settled, timeout=10_000)


def _other(ward: Ward) -> int:
    return ward.other  # type: ignore[attr-defined,no-any-return]


def test_a_row_kept_selected_for_the_dwell_is_read_ahead_and_opened_onto_kept_sets(
    qtbot, console: Console, ward: Ward
) -> None:
    console.select_row(ward.admission)
    qtbot.waitUntil(lambda: ward.admission in console.window.chart_prefetch.prefetched)
    kept = console.charts.cache.kept(ward.admission)
    assert kept is not None and kept.prefetched
    # What a window opening on the default preset reads first: the last 72 h and a margin.
    assert kept.start == NOW - DEFAULT_SPAN and kept.end is None
    assert kept.derived  # the lines drawn from those sets too
    reads = console.charts.cache.full_reads

    console.window.census_view.patient_requested.emit(ward.admission)
    patient = console.window.patient_windows.get(ward.admission)
    assert patient is not None and patient.charts is not None
    wait_loaded(qtbot, patient.charts)
    assert console.charts.cache.full_reads == reads  # no set read again
    assert not console.charts.cache.kept(ward.admission).prefetched  # type: ignore[union-attr]
    loaded = [t for t in ward.set_times if t >= NOW - DEFAULT_SPAN]
    assert patient.charts.vitals.pulse.track("pulse").points == len(loaded)

    # Closed, the window is kept hidden and shown again as it is: nothing to read ahead.
    patient.close()
    console.asked.clear()
    console.select_row(_other(ward))
    console.select_row(ward.admission)
    qtbot.wait(3 * DWELL_MS)
    assert console.warmed() == []


def test_moving_on_before_the_dwell_reads_nothing(qtbot, console: Console, ward: Ward) -> None:
    qtbot.waitUntil(lambda: not console.window.chart_prefetch.pending, timeout=5_000)
    console.asked.clear()
    console.select_row(ward.admission)
    console.select_row(_other(ward))  # arrowed on at once
    qtbot.waitUntil(lambda: console.warmed() == [_other(ward)])
    qtbot.wait(2 * DWELL_MS)
    assert console.warmed() == [_other(ward)]  # the row passed over was never read


def test_a_queued_census_refresh_runs_before_the_prefetch(
    qtbot, console: Console, ward: Ward
) -> None:
    qtbot.waitUntil(lambda: not console.window.chart_prefetch.pending, timeout=5_000)
    runner = shared_runner()
    qtbot.waitUntil(lambda: not runner.busy, timeout=5_000)
    console.asked.clear()
    release = threading.Event()
    holder = QObject()
    runner.run(holder, lambda: release.wait(10))  # the worker is busy (a save, say)
    console.window.refresh()  # a census read waits behind it
    console.select_row(_other(ward))
    qtbot.wait(3 * DWELL_MS)
    assert console.warmed() == []  # gave way: the worker has other work
    release.set()
    qtbot.waitUntil(lambda: console.warmed() == [_other(ward)])
    assert console.asked == [("census", None), ("warm", _other(ward))]


def test_a_correction_at_another_station_after_the_prefetch_is_drawn_on_open(
    qtbot, console: Console, ward: Ward
) -> None:
    wrong = ward.record({**NORMAL_SET, "pulse": 150}, taken_at=NOW - timedelta(minutes=30))
    console.select_row(ward.admission)
    qtbot.waitUntil(lambda: ward.admission in console.window.chart_prefetch.prefetched)
    assert console.charts.cache.kept(ward.admission) is not None
    RecordingService(ward.db).amend_observation(  # at Station B, not through this console
        ward.nurse, wrong, {**NORMAL_SET, "pulse": 95}, reason="Counted twice"
    )

    console.window.census_view.patient_requested.emit(ward.admission)
    patient = console.window.patient_windows.get(ward.admission)
    assert patient is not None and patient.charts is not None
    wait_loaded(qtbot, patient.charts)
    y = patient.charts.vitals.pulse.track("pulse").y
    assert 150 not in y and 95 in y
    marks = patient.charts.vitals.pulse.corrections
    assert len(marks.data) == 1 and marks.data["y"][0] == 150


def test_closing_the_console_cancels_the_prefetch(qtbot, console: Console, ward: Ward) -> None:
    qtbot.waitUntil(lambda: not console.window.chart_prefetch.pending, timeout=5_000)
    prefetch = console.window.chart_prefetch
    console.warm_gate = threading.Event()
    console.asked.clear()
    console.select_row(_other(ward))
    qtbot.waitUntil(lambda: console.warmed() == [_other(ward)])  # in flight, held
    handle = prefetch._handle
    assert handle is not None and handle.started and not handle.finished

    console.window.close()
    assert handle.cancelled
    console.warm_gate.set()
    qtbot.waitUntil(lambda: shared_runner().settled, timeout=10_000)
    assert not handle.finished and _other(ward) not in prefetch.prefetched  # dropped


def test_a_dwell_cut_short_by_closing_the_console_reads_nothing(
    qtbot, console: Console, ward: Ward
) -> None:
    qtbot.waitUntil(lambda: not console.window.chart_prefetch.pending, timeout=5_000)
    console.asked.clear()
    console.select_row(_other(ward))
    console.window.close()
    qtbot.wait(2 * DWELL_MS)
    assert console.warmed() == []


def test_a_chart_page_is_built_after_the_read_ahead_and_taken_by_the_window_opened(
    qtbot, console: Console, ward: Ward
) -> None:
    pages = console.window.patient_windows.pages
    assert len(pages) == 0
    console.select_row(ward.admission)
    qtbot.waitUntil(lambda: ward.admission in console.window.chart_prefetch.prefetched)
    qtbot.waitUntil(lambda: len(pages) == 1)  # built in the next idle moment
    spare = pages._free[0]

    console.window.census_view.patient_requested.emit(ward.admission)
    patient = console.window.patient_windows.get(ward.admission)
    assert patient is not None and patient.charts is not None
    assert patient.charts.vitals is spare and len(pages) == 0
    wait_loaded(qtbot, patient.charts)
    loaded = [t for t in ward.set_times if t >= NOW - DEFAULT_SPAN]
    assert patient.charts.vitals.pulse.track("pulse").points == len(loaded)

    # One spare only: reading ahead another row builds a page again, then none more.
    console.select_row(_other(ward))
    qtbot.waitUntil(lambda: _other(ward) in console.window.chart_prefetch.prefetched)
    qtbot.waitUntil(lambda: len(pages) == 1)
    console.select_row(ward.admission)  # shown as it is: nothing read ahead
    console.select_row(_other(ward))
    qtbot.wait(2 * DWELL_MS)
    assert len(pages) == 1


def test_no_chart_page_is_built_while_the_worker_or_a_census_read_is_wanted(
    qtbot, console: Console, ward: Ward
) -> None:
    qtbot.waitUntil(lambda: not console.window.chart_prefetch.pending, timeout=5_000)
    runner = shared_runner()
    qtbot.waitUntil(lambda: not runner.busy, timeout=5_000)
    pages = console.window.patient_windows.pages
    while len(pages):  # the spare built after the row first selected was read ahead
        pages.take(chart_palette(theme_state().theme))
    release = threading.Event()
    holder = QObject()
    runner.run(holder, lambda: release.wait(10))  # a save, say
    console.window._prepare_chart_page()
    assert len(pages) == 0
    release.set()
    qtbot.waitUntil(lambda: not runner.busy, timeout=5_000)
    console.window._change_debounce.start()  # changes arrived: a census read is due
    console.window._prepare_chart_page()
    assert len(pages) == 0
    console.window._change_debounce.stop()
    console.window._prepare_chart_page()
    assert len(pages) == 1


def test_an_open_before_the_read_ahead_is_back_builds_no_spare_page(
    qtbot, console: Console, ward: Ward
) -> None:
    qtbot.waitUntil(lambda: not console.window.chart_prefetch.pending, timeout=5_000)
    prefetch = console.window.chart_prefetch
    pages = console.window.patient_windows.pages
    while len(pages):  # the spare built after the row first selected was read ahead
        pages.take(chart_palette(theme_state().theme))
    prepared = len(prefetch.prepare_ms)
    console.warm_gate = threading.Event()
    console.asked.clear()
    console.select_row(_other(ward))
    qtbot.waitUntil(lambda: console.warmed() == [_other(ward)])  # in flight, held
    console.window.census_view.patient_requested.emit(_other(ward))  # the window builds a page
    console.warm_gate.set()
    qtbot.waitUntil(lambda: _other(ward) in prefetch.prefetched)
    patient = console.window.patient_windows.get(_other(ward))
    assert patient is not None and patient.charts is not None
    wait_loaded(qtbot, patient.charts)
    qtbot.wait(50)
    assert len(pages) == 0 and len(prefetch.prepare_ms) == prepared


def test_no_chart_page_is_built_before_a_patient_window_loaded_the_chart_modules(
    qtbot, console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    qtbot.waitUntil(lambda: not console.window.chart_prefetch.pending, timeout=5_000)
    qtbot.waitUntil(lambda: not shared_runner().busy, timeout=5_000)
    pages = console.window.patient_windows.pages
    while len(pages):  # the spare built after the row first selected was read ahead
        pages.take(chart_palette(theme_state().theme))
    monkeypatch.delitem(sys.modules, PAGES_MODULE)  # as at start-up: pyqtgraph not loaded
    console.window._prepare_chart_page()
    assert len(pages) == 0 and PAGES_MODULE not in sys.modules
