"""Where a nurse sees the food chart a medium-risk MUST screen started: the census's Fluids
cell says which chart day it is (and flags a finished day with no meal recorded, advisory ●,
with every day in the tooltip); the meals window shows the chart and its days and stops it
early only with a reason; the demo census at 1366 × 768 shows it."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

from screenshots import fits_smallest_frame, grab_census

from wardconsole.domain.food_chart import FoodChart, chart_days
from wardconsole.domain.meals import MealEntry, MealInput, Portion
from wardconsole.services.food_chart import FoodChartView
from wardconsole.services.nutrition import NutritionService
from wardconsole.store.models import FoodChartRow
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.census.census_model import CensusColumn, render_row
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.physical.meal_dialog import MealDialog
from wardconsole.ui.theme import Theme, risk_palette

from . import bedside_support
from .bedside_support import BedsideWard, type_into
from .factories import NOW, census_row
from .test_small_screen import console

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner
console = console  # the demo console at the smallest screen (test_small_screen)

MEDIUM = {"weight_kg": "58.5", "height_m": "1.75"}  # BMI 19.1: score 1


def _view(now_after_start: timedelta, meals_on_days: tuple[int, ...]) -> FoodChartView:
    start = NOW - now_after_start
    chart = FoodChart(1, 1, start, start + timedelta(days=3), screen_id=7)
    meals = [
        MealEntry(n, 1, start + timedelta(days=day - 1, hours=4), "lunch", "Soup", Portion.HALF)
        for n, day in enumerate(meals_on_days)
    ]
    at = NOW
    return FoodChartView(chart, tuple(chart_days(chart, meals, at)), at, UTC)


def _fluids_cell(view: FoodChartView):  # type: ignore[no-untyped-def]
    row = replace(census_row(), food_chart=view)
    return render_row(row, NOW, risk_palette(Theme.DAY)).cells[CensusColumn.FLUIDS]


def test_the_census_says_the_chart_day_and_flags_a_day_without_a_meal() -> None:
    running = _fluids_cell(_view(timedelta(hours=30), (1, 1, 2)))
    assert running.text == "Food day 2/3"
    assert not running.bold
    assert running.tooltip.splitlines()[0].startswith("Food chart day 2 of 3 (until ")
    assert "Day 1 of 3: 2 meals recorded, ½ eaten on average" in running.tooltip
    gap = _fluids_cell(_view(timedelta(hours=50), (1,)))
    assert gap.text == "● Food: no meal day 2" and gap.short == "● food" and gap.bold
    assert "● Day 2 of 3: no meal recorded" in gap.tooltip
    ended = _fluids_cell(_view(timedelta(days=3, hours=2), (1, 2, 3)))
    assert ended.text == "Food chart done"
    assert ended.tooltip.startswith("Food chart ended ")
    assert "Day 3 of 3: 1 meal recorded, ½ eaten on average" in ended.tooltip


def test_the_meals_window_shows_the_chart_and_stops_it_only_with_a_reason(
    qtbot, make_bedside, bedside_ward: BedsideWard, tmp_path: Path
) -> None:
    ward = bedside_ward
    ward.recording.record_assessment(ward.nurse, ward.admission_id, "must", MEDIUM)
    ward.clock.advance(hours=25)
    meal = MealInput("breakfast", "Toast", Portion.THREE_QUARTERS)
    ward.recording.record_meal(ward.nurse, ward.admission_id, meal)
    bedside = replace(make_bedside(), nutrition=NutritionService(ward.db))
    dialog = MealDialog(bedside, ward.admission_id, "Maya Thornbury — Bed A1")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.overview is not None)
    assert dialog.food_chart.isVisible()
    lines = dialog.food_chart_label.text().splitlines()
    assert lines[0].startswith("Food chart day 2 of 3 (until ")
    assert lines[0].endswith(": 1 meal recorded, ¾ eaten on average")
    assert lines[1:] == ["● Day 1 of 3: no meal recorded"]
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    from screenshots import grab_widget

    grab_widget(dialog, shots / "meals-food-chart.png")
    dialog.stop_button.click()
    assert "Reason: say why the food chart stops" in dialog.status.text()
    assert ward.count(FoodChartRow) == 1
    type_into(qtbot, dialog.stop_reason, "Eating well; dietitian reviewed")
    ward.clock.advance(minutes=30)
    dialog.stop_button.click()
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    qtbot.waitUntil(lambda: not dialog.stop_button.isVisible())
    assert (
        dialog.food_chart_label.text().startswith("Food chart stopped ")
        and "Eating well; dietitian reviewed" in dialog.food_chart_label.text()
    )
    assert ward.count(FoodChartRow) == 2
    dialog.reject()


def test_the_demo_census_at_1366_shows_the_running_food_chart(
    qtbot, console: MainWindow, tmp_path: Path
) -> None:
    width, height = fits_smallest_frame()
    console.resize(width, height)
    qtbot.waitUntil(lambda: console.size().toTuple() == (width, height))
    snapshot = console.snapshot
    assert snapshot is not None
    (row,) = [r for r in snapshot.rows if r.food_chart is not None]
    model = console.census_view.model()
    column = CensusColumn.FLUIDS
    texts = [model.index(r, column).data() for r in range(model.rowCount())]
    tips = [model.index(r, column).data(3) for r in range(model.rowCount())]
    assert any("food" in (t or "").casefold() for t in texts), texts
    assert any((t or "").count("Food chart day ") == 1 for t in tips)
    (on_chart,) = [r for r, t in enumerate(tips) if "Food chart day " in (t or "")]
    console.census_view.scrollTo(model.index(on_chart, column))
    console.census_view.selectRow(on_chart)
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    grab_census(console, shots / "census-1366-food-chart.png", (width, height))
    assert row.food_chart is not None and row.food_chart.running


def test_the_physical_care_page_shades_the_food_chart_and_lists_its_days(
    qtbot, qapp, sqlite_url: str, tmp_path: Path
) -> None:
    from datetime import datetime

    from screenshots import SMALLEST_WARD_SCREEN, grab_widget
    from wardfakes import Clock

    from wardconsole.services.census import CensusService
    from wardconsole.services.charts import ChartService
    from wardconsole.services.db import Database
    from wardconsole.services.demo import build_demo_ward
    from wardconsole.store.engine import make_engine
    from wardconsole.ui.patient.charts.toolbar import Page
    from wardconsole.ui.patient.open_windows import PatientWindows
    from wardconsole.ui.tasks import TaskRunner

    engine = make_engine(sqlite_url)
    db = Database(engine, clock=Clock(datetime(2026, 11, 26, 15, 40, tzinfo=UTC)))
    build_demo_ward(db)
    snapshot = CensusService(db).snapshot()
    (row,) = [r for r in snapshot.rows if r.food_chart is not None]
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(db).series)
    try:
        window = windows.open(row, snapshot)
        window.resize(*SMALLEST_WARD_SCREEN)
        charts = window.charts
        assert charts is not None
        qtbot.waitUntil(lambda: charts.series is not None and not charts.loading, timeout=10_000)
        charts.set_page(Page.PHYSICAL)
        page = charts.physical
        assert page is not None
        notice = page.food_notice.textItem.toPlainText()
        assert notice.startswith("Food chart day ") and "(until " in notice
        assert len(page.food_chart_bands.opts["x0"]) == 1
        shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
        grab_widget(window, shots / "patient-physical-food-chart.png")
    finally:
        windows.close_all()
        runner.shutdown()
        engine.dispose()


def test_the_census_flags_weighing_due_and_folds_it_away_at_1366(
    qtbot, console: MainWindow, tmp_path: Path
) -> None:
    model = console.census_model
    column = CensusColumn.WEIGHT
    texts = [str(model.index(r, column).data()) for r in range(model.rowCount())]
    assert "● Weighing due" in texts and "" in texts  # the demo has one overdue, others not
    row = texts.index("● Weighing due")
    tip = str(model.index(row, column).data(3))
    assert tip.startswith("● Weighing due — last weighed ") and "days ago" in tip
    view, header = console.census_view, console.census_view.horizontalHeader()
    console.resize(2400, 900)
    qtbot.waitUntil(lambda: console.width() == 2400)
    assert not header.isSectionHidden(column)
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    grab_census(console, shots / "census-weighing-due-wide.png", (2400, 900))
    console.resize(*fits_smallest_frame())
    qtbot.waitUntil(lambda: console.width() == fits_smallest_frame()[0])
    assert header.isSectionHidden(column)
    assert view.horizontalScrollBar().maximum() == 0
