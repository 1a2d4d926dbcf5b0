"""The patient charts as a nurse uses them: open, pick a range, point, read, see what is new.

The patient lives in a real SQLite database (services write it, the charts read it through the
background worker), on a fixed clock: admitted 80 h before 03:00 UTC, observed 4-hourly, with a
missed night, a partial set at 02:00, a corrected pulse, withdrawal ratings, RASS and a PRN.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from dbfixtures import seeded_sqlite
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLabel, QToolButton
from ui_context import ui_context
from ui_runner import shared_runner
from wardfakes import NORMAL_SET, Clock

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService, PatientSeries
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.changes import open_change_feed
from wardconsole.store.changes_api import Change
from wardconsole.store.engine import make_engine
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.patient.charts import export
from wardconsole.ui.patient.charts.page_pool import ChartPagePool
from wardconsole.ui.patient.charts.patient_charts import Page, PatientCharts, Preset
from wardconsole.ui.patient.charts.table_models import ObservationColumn
from wardconsole.ui.patient.open_windows import PatientWindows
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, theme_state

from .factories import census_row, snapshot

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
ADMITTED = NOW - timedelta(hours=80)
GAP = (NOW - timedelta(hours=40), NOW - timedelta(hours=26))
"""No sets between these times: a missed night."""
HOUR = 3600.0


@dataclass
class Ward:
    db: Database
    clock: Clock
    nurse: Actor
    admission: int
    set_times: list[datetime]

    def record(self, values: dict, **kwargs: object) -> int:
        return (
            RecordingService(self.db)
            .record_observation(self.nurse, self.admission, values, **kwargs)
            .entry_id
        )


def _record_the_stay(url: str) -> tuple[Actor, int, list[datetime]]:
    """Three days of observations (with a missed night), symptoms, a RASS and a PRN dose."""
    engine = make_engine(url)
    db = Database(engine, clock=Clock(NOW))
    staff = StaffService(db)
    staff.add("rn.chart", "Robin Chart", Role.NURSE, None)
    nurse = staff.actor("rn.chart", "Station B")
    admissions = AdmissionService(db)
    admissions.ensure_beds(["B01"], "Test ward")
    admission = admissions.admit(
        nurse,
        NewPatient("KD000042", "Nia", "Castellan", datetime(1990, 3, 4).date()),
        bed="B01",
        admitted_at=ADMITTED,
        reason="Ketamine dependence",
        assigned_nurse_id=nurse.staff_id,
    )
    recording = RecordingService(db)
    times = []
    taken = ADMITTED + timedelta(hours=1)
    n = 0
    while taken < NOW - timedelta(hours=1):
        if not GAP[0] < taken < GAP[1]:
            recording.record_observation(
                nurse,
                admission,
                {**NORMAL_SET, "pulse": 70 + n % 10, "respiration_rate": 14 + n % 3},
                taken_at=taken,
            )
            times.append(taken)
            n += 1
        taken += timedelta(hours=4)
    asleep = {k: v for k, v in NORMAL_SET.items() if k not in ("systolic_bp", "diastolic_bp")}
    recording.record_observation(
        nurse,
        admission,
        asleep,
        taken_at=NOW - timedelta(minutes=60),
        missing_reasons={"systolic_bp": "asleep", "diastolic_bp": "asleep"},
    )
    for hours in range(76, 0, -8):
        recording.record_symptoms(
            nurse,
            admission,
            {"anxiety": 3, "hallucinations_auditory": hours % 5},
            taken_at=NOW - timedelta(hours=hours),
        )
    recording.record_assessment(
        nurse, admission, "rass", {"score": 1}, taken_at=NOW - timedelta(hours=5)
    )
    recording.record_prn(
        nurse,
        admission,
        drug="Lorazepam",
        dose="1 mg",
        route="oral",
        reason="Acute anxiety",
        given_at=NOW - timedelta(hours=3),
    )
    engine.dispose()
    return nurse, admission, [*times, NOW - timedelta(minutes=60)]


@pytest.fixture
def ward(tmp_path: Path) -> Iterator[Ward]:
    url, (nurse, admission, times) = seeded_sqlite(tmp_path / "chart.sqlite", _record_the_stay)
    engine = make_engine(url)
    clock = Clock(NOW)
    yield Ward(Database(engine, clock=clock), clock, nurse, admission, times)
    engine.dispose()


@pytest.fixture
def runner(qapp) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.shutdown()


@pytest.fixture
def make_charts(qtbot, runner: TaskRunner) -> Callable[..., PatientCharts]:
    def make(
        ward: Ward,
        *,
        loader: Callable[..., PatientSeries] | None = None,
        theme: Theme = Theme.DAY,
        wait: bool = True,
    ) -> PatientCharts:
        theme_state().set(theme)
        charts = PatientCharts(ward.admission, loader or ChartService(ward.db).series, runner)
        qtbot.addWidget(charts)
        charts.resize(1000, 640)
        charts.show()
        if wait:
            wait_loaded(qtbot, charts)
        return charts

    return make


def wait_loaded(qtbot, charts: PatientCharts) -> None:
    qtbot.waitUntil(lambda: charts.series is not None and not charts.loading, timeout=10_000)


def curve_points(charts: PatientCharts, plot: str, curve: str) -> int:
    """Values the curve was given (what is drawn of them depends on the range on screen)."""
    track = getattr(charts.vitals, plot).track(curve)
    return 0 if track is None else track.points


def click(qtbot, charts: PatientCharts, name: str) -> None:
    button = charts.findChild(QToolButton, name)
    assert button is not None, name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_chart_opens_on_the_last_72_hours_with_every_set(
    qtbot, make_charts, ward: Ward
) -> None:
    charts = make_charts(ward)
    start, end = charts.view_range()
    assert charts.preset is Preset.THREE_DAYS
    assert end == pytest.approx(NOW.timestamp() + 72 * HOUR * 0.02, abs=60)
    assert start == pytest.approx(NOW.timestamp() - 72 * HOUR * 1.01, abs=60)
    loaded = [t for t in ward.set_times if t >= NOW - timedelta(hours=90)]
    complete = len(loaded) - 1  # the 02:00 set is partial
    assert curve_points(charts, "rr", "rr") == len(loaded)
    assert curve_points(charts, "pulse", "pulse") == len(loaded)
    assert curve_points(charts, "bp", "systolic") == complete
    assert curve_points(charts, "news2", "news2") == complete
    assert curve_points(charts, "temperature", "temperature") == len(loaded)
    assert curve_points(charts, "acvpu", "acvpu") == len(loaded)


def test_presets_change_the_visible_range(qtbot, make_charts, ward: Ward) -> None:
    charts = make_charts(ward)
    click(qtbot, charts, "preset_24h")
    start, end = charts.view_range()
    assert end - start == pytest.approx(24 * HOUR * 1.03, rel=0.01)
    click(qtbot, charts, "preset_shift")
    start, _end = charts.view_range()
    shift_start = datetime.combine(
        (NOW.astimezone() - timedelta(hours=12)).date(), datetime.min.time()
    ).astimezone()
    assert charts.series.shift_name in ("Day", "Night")
    assert start >= shift_start.timestamp() - 12 * HOUR
    click(qtbot, charts, "preset_stay")
    wait_loaded(qtbot, charts)
    start, end = charts.view_range()
    assert start < ADMITTED.timestamp() < start + HOUR
    assert charts.series.covers(ADMITTED.timestamp(), NOW.timestamp())  # loaded on demand
    assert curve_points(charts, "pulse", "pulse") == len(ward.set_times)


def test_the_crosshair_reads_every_track_at_that_moment(qtbot, make_charts, ward: Ward) -> None:
    charts = make_charts(ward)
    readouts = []
    charts.readout_changed.connect(readouts.append)
    taken = ward.set_times[-3]
    index = len(ward.set_times) - 3
    readout = charts.set_cursor_time(taken.timestamp() + 10 * 60)
    texts = readout.texts()
    local = taken.astimezone().strftime("%H:%M")
    assert texts["pulse"] == f"{70 + index % 10} /min"
    assert texts["respiration_rate"].startswith(f"{14 + index % 3} /min")
    assert texts["news2_total"] == f"0 ○ LOW · {local}"
    assert texts["blood_pressure"] == "122/76 mmHg"
    assert texts["oxygen"] == "air · SpO₂ scale 1"
    assert readouts[-1] is readout

    latest = charts.set_cursor_time(NOW.timestamp()).texts()
    assert latest["blood_pressure"] == "— not taken (asleep)"
    assert latest["news2_total"].startswith("— incomplete set")
    assert latest["rass"].startswith("+1")


def test_pointing_with_the_mouse_moves_the_crosshair(qtbot, make_charts, ward: Ward) -> None:
    charts = make_charts(ward)
    rr = charts.vitals.rr
    target = ward.set_times[-2].timestamp()
    scene_point = rr.vb.mapViewToScene(QPointF(target, 16))
    view = charts.vitals.widget
    qtbot.mouseMove(view.viewport(), view.mapFromScene(scene_point))
    qtbot.waitUntil(lambda: rr.crosshair.isVisible())
    assert rr.crosshair.value() == pytest.approx(target, abs=HOUR / 4)
    readout = charts.readout()
    assert readout is not None and readout.at == pytest.approx(target, abs=HOUR / 4)


def test_a_missed_night_stays_a_gap(qtbot, make_charts, ward: Ward) -> None:
    charts = make_charts(ward)
    click(qtbot, charts, "preset_stay")
    wait_loaded(qtbot, charts)
    track = charts.vitals.rr.track("rr")
    x, y = track.x, track.y
    breaks = np.flatnonzero(np.isnan(y))
    assert len(breaks) == 1
    before, after = x[breaks[0] - 1], x[breaks[0] + 1]
    assert before < GAP[0].timestamp() and after > GAP[1].timestamp()
    middle = (GAP[0].timestamp() + GAP[1].timestamp()) / 2
    assert charts.set_cursor_time(middle).texts()["news2_total"] == "— gap in observations"
    # And on screen: no line crosses the middle of the gap in the RR plot.
    charts.set_cursor_time(None)
    image = charts.vitals.widget.grab().toImage()
    rr = charts.vitals.rr
    column = charts.vitals.widget.mapFromScene(rr.vb.mapViewToScene(QPointF(middle, 15))).x()
    top = charts.vitals.widget.mapFromScene(rr.vb.sceneBoundingRect().topLeft()).y()
    bottom = charts.vitals.widget.mapFromScene(rr.vb.sceneBoundingRect().bottomLeft()).y()
    line = charts._palette.line
    drawn = [image.pixelColor(column, row) for row in range(top + 2, bottom - 2)]
    assert all(_distance(colour, line) > 60 for colour in drawn)


def _distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def test_a_corrected_value_is_shown_as_corrected(qtbot, make_charts, ward: Ward) -> None:
    recording = RecordingService(ward.db)
    wrong = ward.record({**NORMAL_SET, "pulse": 150}, taken_at=NOW - timedelta(minutes=30))
    recording.amend_observation(
        ward.nurse, wrong, {**NORMAL_SET, "pulse": 95}, reason="Counted twice"
    )
    charts = make_charts(ward)
    y = charts.vitals.pulse.track("pulse").y
    assert 150 not in y and 95 in y
    marks = charts.vitals.pulse.corrections
    assert len(marks.data) == 1 and marks.data["y"][0] == 150
    assert charts.vitals.pulse._correction_tip(0, 150, 0) == (
        "Corrected: was 150 /min, now 95 /min"
    )
    titles = [event.title for event in charts.vitals.events.events]
    assert "Observation set corrected" in titles


def test_a_new_observation_saved_elsewhere_appears(qtbot, runner: TaskRunner, ward: Ward) -> None:
    windows = PatientWindows(runner, ChartService(ward.db).series)
    row = census_row(ward.admission, name="Nia Castellan", now=NOW)
    window = windows.open(row, snapshot([row], taken_at=NOW))
    qtbot.addWidget(window)
    charts = window.charts
    assert charts is not None
    wait_loaded(qtbot, charts)
    before = curve_points(charts, "pulse", "pulse")
    ward.clock.advance(minutes=20)
    ward.record({**NORMAL_SET, "pulse": 118})  # at another station, say
    windows.apply_changes(
        [
            Change(seq=1, topic="observation", admission_id=ward.admission),
            Change(seq=2, topic="observation", admission_id=ward.admission + 1),
        ]
    )
    qtbot.waitUntil(lambda: curve_points(charts, "pulse", "pulse") == before + 1)
    assert charts.vitals.pulse.track("pulse").y[-1] == 118
    assert charts.following  # the view moved on with the present
    assert charts.view_range()[1] > ward.clock.now.timestamp()
    charts.set_cursor_time(None)  # the pointer left the chart: read the latest
    assert window.readout_panel.texts()["pulse"].startswith("118 /min")
    windows.close_all()


def test_loading_runs_off_the_ui_thread_and_a_newer_range_cancels_a_pending_one(
    qtbot, make_charts, ward: Ward
) -> None:
    service = ChartService(ward.db)
    gate = threading.Event()
    calls: list[tuple[threading.Thread, dict]] = []

    def slow(admission_id: int, **kwargs: object) -> PatientSeries:
        calls.append((threading.current_thread(), kwargs))
        if len(calls) == 1:
            gate.wait(5)
        return service.series(admission_id, **kwargs)

    charts = make_charts(ward, loader=slow, wait=False)
    qtbot.waitUntil(lambda: len(calls) == 1)  # the first read (72 h and a margin) is running
    assert calls[0][1]["last"] == timedelta(hours=90)
    click(qtbot, charts, "preset_24h")  # ...which covers 24 h: nothing new to ask
    assert len(calls) == 1 and charts.loading
    click(qtbot, charts, "preset_stay")  # needs the whole stay: replaces the pending read
    gate.set()
    wait_loaded(qtbot, charts)
    assert all(thread is not threading.main_thread() for thread, _ in calls)
    assert [kwargs["last"] for _thread, kwargs in calls] == [timedelta(hours=90), None]
    assert charts.series.loaded_from == ADMITTED.timestamp()  # the 90-h result was dropped
    assert charts.view_range()[0] < ADMITTED.timestamp()
    charts.reload()  # a burst of changes: the second request replaces the first...
    charts.reload()  # ...if it has not started yet
    wait_loaded(qtbot, charts)
    assert 3 <= len(calls) <= 4


def test_the_table_follows_the_selected_range(
    qtbot, qtmodeltester, make_charts, ward: Ward
) -> None:
    charts = make_charts(ward)
    click(qtbot, charts, "page_table")
    model = charts.observation_model
    start, end = charts.view_range()
    shown = [t for t in ward.set_times if start <= t.timestamp() <= end]
    assert model.rowCount() == len(shown)
    newest = model.index(0, ObservationColumn.STATUS).data()
    assert newest == "Partial set"
    assert model.index(0, ObservationColumn.BP).data() == "—/—"
    click(qtbot, charts, "preset_24h")
    shown = [t for t in ward.set_times if t >= NOW - timedelta(hours=24.5)]
    assert model.rowCount() == len(shown)
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(charts.timeline_model, force_py=True)
    whats = {
        charts.timeline_model.index(r, 1).data() for r in range(charts.timeline_model.rowCount())
    }
    assert {"Withdrawal chart", "PRN Lorazepam 1 mg oral"} <= whats


def test_withdrawal_items_are_selectable_and_red_flag_groups_come_first(
    qtbot, make_charts, ward: Ward
) -> None:
    charts = make_charts(ward)
    click(qtbot, charts, "page_withdrawal")
    page = charts.withdrawal
    assert page is not None and page.widget.isVisible()
    grouped = {item.key for item in charts.series.chart_items if item.group}
    assert set(page.selected_items) == grouped
    assert page.items.curves["hallucinations_auditory"].isVisible()
    assert not page.items.curves["craving"].isVisible()
    charts.toolbar.item_action("craving").trigger()
    assert page.items.curves["craving"].isVisible()
    assert "craving" in charts.readout().texts()
    assert page.total.track("total").points == 10
    assert "unvalid" in page.total.title.textItem.toPlainText()  # said on the chart itself


def test_events_say_what_happened_on_hover(qtbot, make_charts, ward: Ward) -> None:
    charts = make_charts(ward)
    lane = charts.vitals.events
    prn = next(i for i, e in enumerate(lane.events) if e.title.startswith("PRN"))
    tip = lane._tip(0, 0, prn)
    local = (NOW - timedelta(hours=3)).astimezone()
    assert tip.splitlines()[0] == "PRN Lorazepam 1 mg oral"
    assert f"{local:%H:%M}" in tip.splitlines()[1]
    assert "Robin Chart · Station B" in tip


def test_export_and_print_carry_who_and_when(
    qtbot, make_charts, ward: Ward, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    charts = make_charts(ward)
    charts.set_caption("Nia Castellan · KD000042 · Bed B01")
    target = tmp_path / "chart.png"
    monkeypatch.setattr(export.ExportDialog, "ask", classmethod(lambda cls, p, s: target))
    click(qtbot, charts, "export_png")
    image = QImage(str(target))
    assert image.width() == charts.vitals.widget.width()
    assert image.height() == charts.vitals.widget.height() + export.CAPTION_HEIGHT
    assert "Saved chart.png" in charts.toolbar.status.text()
    assert "Nia Castellan · KD000042" in charts._caption_text()

    pdf = tmp_path / "chart.pdf"

    def printer(cls: type, parent: object) -> QPrinter:
        p = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        p.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        p.setOutputFileName(str(pdf))
        return p

    monkeypatch.setattr(export.PrintDialog, "ask", classmethod(printer))
    click(qtbot, charts, "print_chart")
    assert pdf.stat().st_size > 5_000


def test_night_theme_darkens_the_chart(qtbot, make_charts, ward: Ward) -> None:
    charts = make_charts(ward)
    theme_state().set(Theme.NIGHT)
    image = charts.vitals.widget.grab().toImage()
    corner = image.pixelColor(image.width() - 3, 3)
    assert corner.lightness() < 50


def test_many_frames_paint_without_crashing(qtbot, make_charts, ward: Ward) -> None:
    """PySide6 6.12.0 on Python 3.11 aborts after a few hundred thousand paint calls
    (PLATFORM.md): pan and repaint long enough to notice such a regression."""
    charts = make_charts(ward)
    click(qtbot, charts, "preset_stay")
    wait_loaded(qtbot, charts)
    start, end = charts.view_range()
    step = (end - start) * 0.02
    for frame in range(400):
        shift = step if (frame // 50) % 2 == 0 else -step
        charts.set_view_range(start + shift * (frame % 50), end + shift * (frame % 50))
        charts.vitals.widget.repaint()
    assert charts.series is not None


def test_the_patient_window_shows_the_charts_beside_its_readout(
    qtbot, runner: TaskRunner, ward: Ward
) -> None:
    windows = PatientWindows(runner, ChartService(ward.db).series)
    row = census_row(ward.admission, name="Nia Castellan", now=NOW)
    theme_state().set(Theme.NIGHT)
    window = windows.open(row, snapshot([row], taken_at=NOW))
    qtbot.addWidget(window)
    wait_loaded(qtbot, window.charts)
    window.charts.set_cursor_time(ward.set_times[-2].timestamp())
    texts = window.readout_panel.texts()
    assert texts["oxygen"] == "air · SpO₂ scale 1"
    assert window.readout_panel.heading().startswith("At ")
    assert window.charts.page() is Page.VITALS
    assert window.header.texts()["patient_name"] == "Nia Castellan"
    windows.close_all()


def test_the_withdrawal_page_opens_on_the_range_of_the_vitals(
    qtbot, make_charts, ward: Ward
) -> None:
    charts = make_charts(ward)
    click(qtbot, charts, "preset_24h")
    shown = charts.view_range()
    click(qtbot, charts, "page_withdrawal")
    assert charts.view_range() == pytest.approx(shown)
    assert charts.withdrawal.master.viewRange()[0] == pytest.approx(list(shown))
    click(qtbot, charts, "preset_7d")
    assert charts.withdrawal.master.viewRange()[0] == pytest.approx(list(charts.view_range()))


def test_the_console_forwards_a_write_from_another_station_to_the_open_chart(
    qtbot, ward: Ward
) -> None:
    census = CensusService(ward.db)
    context = ui_context(
        load_census=census.snapshot,
        open_change_feed=lambda: open_change_feed(ward.db.engine),
        station="Nurses' station 1",
        ward_name="Test ward",
        database_label="SQLite (test)",
        runner=shared_runner(),
        load_patient_series=ChartService(ward.db).series,
    )
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.snapshot is not None)
    try:
        window.census_view.patient_requested.emit(ward.admission)
        patient = window.patient_windows.get(ward.admission)
        assert patient is not None and patient.charts is not None
        wait_loaded(qtbot, patient.charts)
        before = curve_points(patient.charts, "pulse", "pulse")
        ward.clock.advance(minutes=15)
        ward.record({**NORMAL_SET, "pulse": 121})  # saved at Station B, not through this window
        qtbot.waitUntil(
            lambda: curve_points(patient.charts, "pulse", "pulse") == before + 1, timeout=10_000
        )
        assert patient.charts.vitals.pulse.track("pulse").y[-1] == 121
    finally:
        window.shutdown()


def test_a_database_failure_is_said_and_the_next_change_tries_again(
    qtbot, make_charts, ward: Ward
) -> None:
    service = ChartService(ward.db)
    down = [True]

    def flaky(admission_id: int, **kwargs: object) -> PatientSeries:
        if down[0]:
            raise ConnectionError("could not connect to server")
        return service.series(admission_id, **kwargs)

    charts = make_charts(ward, loader=flaky, wait=False)
    waiting = charts.findChild(QLabel, "charts_waiting")
    qtbot.waitUntil(lambda: "could not be read" in waiting.text())
    assert waiting.isVisible()
    assert charts.toolbar.status.text() == "Charts not updated: could not connect to server"
    down[0] = False
    charts.reload()
    wait_loaded(qtbot, charts)
    assert charts.vitals.widget.isVisible() and not waiting.isVisible()


def test_the_next_patient_reuses_a_dropped_window_s_page_and_shows_only_their_own(
    qtbot, runner: TaskRunner, ward: Ward
) -> None:
    """Building eight plots costs more than refilling them, so a dropped window's page goes
    to the next window opened: emptied first, and never showing the last patient's values."""
    admissions = AdmissionService(ward.db)
    admissions.ensure_beds(["B02"], "Test ward")
    other = admissions.admit(
        ward.nurse,
        NewPatient("KD000043", "Owen", "Marsh", datetime(1985, 6, 1).date()),
        bed="B02",
        admitted_at=NOW - timedelta(hours=6),
        reason="Ketamine dependence",
        assigned_nurse_id=ward.nurse.staff_id,
    )
    for hours, pulse in ((4, 121), (2, 123)):
        RecordingService(ward.db).record_observation(
            ward.nurse, other, {**NORMAL_SET, "pulse": pulse}, taken_at=NOW - timedelta(hours=hours)
        )
    windows = PatientWindows(runner, ChartService(ward.db).series)
    windows.KEEP_HIDDEN = 0  # a closed window is dropped as soon as another patient is opened
    first_row = census_row(ward.admission, name="Nia Castellan", now=NOW)
    first = windows.open(first_row, snapshot([first_row], taken_at=NOW))
    assert first.charts is not None
    wait_loaded(qtbot, first.charts)
    page = first.charts.vitals
    first.charts.set_cursor_time(NOW.timestamp() - HOUR)
    first.close()

    second_row = census_row(other, name="Owen Marsh", now=NOW)
    second = windows.open(second_row, snapshot([first_row, second_row], taken_at=NOW))
    qtbot.addWidget(second)
    charts = second.charts
    assert charts is not None and charts.vitals is page and windows.get(ward.admission) is None
    wait_loaded(qtbot, charts)
    assert charts.vitals.pulse.track("pulse").y.tolist() == [121, 123]
    assert not any(plot.crosshair.isVisible() for plot in charts.vitals.plots)
    assert all(event.at >= (NOW - timedelta(hours=6)).timestamp() for event in page.events.events)


def test_a_released_page_keeps_nothing_of_its_patient(
    qtbot, runner: TaskRunner, ward: Ward
) -> None:
    pool = ChartPagePool()
    charts = PatientCharts(ward.admission, ChartService(ward.db).series, runner, pages=pool)
    qtbot.addWidget(charts)
    charts.show()
    wait_loaded(qtbot, charts)
    page = charts.vitals
    assert page.pulse.track("pulse") is not None
    charts.release_pages()
    assert len(pool) == 1 and page.widget.parent() is None
    assert all(plot.track(name) is None for plot in page.plots for name in plot.curves)
    assert page.events.events == ()
    charts.set_view_range(ADMITTED.timestamp(), NOW.timestamp())  # the old window: no effect


def test_capillary_glucose_is_charted_and_a_meter_lo_named_in_the_table(
    qtbot, make_charts, ward: Ward, tmp_path: Path
) -> None:
    recording = RecordingService(ward.db)
    for minutes, glucose in ((50, "6.1"), (30, "LO")):
        recording.record_observation(
            ward.nurse,
            ward.admission,
            {**NORMAL_SET, "glucose": glucose},
            taken_at=NOW - timedelta(minutes=minutes),
        )
    charts = make_charts(ward, theme=Theme.NIGHT)
    assert curve_points(charts, "glucose", "glucose") == 2
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    assert charts.grab().save(str(shot_dir / "glucose-chart-night.png"))
    click(qtbot, charts, "page_table")
    model = charts.observation_model
    assert model.headerData(ObservationColumn.GLUCOSE, Qt.Orientation.Horizontal) == "CBG mmol/L"
    shown = [model.index(r, ObservationColumn.GLUCOSE).data() for r in range(3)]
    assert shown == ["LO", "6.1", "—"]  # newest first; the older sets have none
