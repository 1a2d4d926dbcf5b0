"""Meals and bowels as a nurse uses them: Ctrl+E on the census opens the meals and bowels window
for the selected patient, one key saves the portion eaten; the Physical care chart page draws
the meals eaten and the bowel movements on the same time axis, reads them out under the
crosshair, and its Table has the fluid periods and entries, meals and bowels. Screenshots day
and night at 1366 × 768 (WARDCONSOLE_SHOT_DIR keeps them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dbfixtures import demo_sqlite
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from screenshots import SMALLEST_WARD_SCREEN, grab_widget
from wardfakes import Clock

from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService
from wardconsole.services.db import Database
from wardconsole.services.nutrition import NutritionService
from wardconsole.store.engine import make_engine
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.patient.charts.table_models import physical_entries
from wardconsole.ui.patient.charts.toolbar import Page
from wardconsole.ui.patient.open_windows import PatientWindows
from wardconsole.ui.physical.meal_dialog import MealDialog
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme, theme_state

from .console_support import demo_console

AFTERNOON = datetime(2026, 11, 26, 15, 40, tzinfo=UTC)


@pytest.fixture
def shot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


@pytest.fixture
def console(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    with demo_console(qtbot, tmp_path, monkeypatch) as window:
        yield window


@pytest.fixture
def afternoon(tmp_path: Path) -> Iterator[Database]:
    engine = make_engine(demo_sqlite(tmp_path / "demo-copy.sqlite", AFTERNOON))
    db = Database(engine, clock=Clock(AFTERNOON))
    yield db
    engine.dispose()


def test_ctrl_e_then_one_key_records_the_portion_eaten(
    qtbot, qapp, console: MainWindow, shot_dir: Path
) -> None:
    snapshot = console.snapshot
    assert snapshot is not None
    patient = snapshot.rows[0]
    console.census_view.select_admission(patient.admission_id)
    console.census_view.setFocus()
    seen: list[str] = []

    def at_the_bedside() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, MealDialog)
        qtbot.waitUntil(lambda: dialog.overview is not None, timeout=10_000)
        dialog.resize(dialog.width(), min(dialog.height(), SMALLEST_WARD_SCREEN[1] - 60))
        for theme, suffix in ((Theme.DAY, ""), (Theme.NIGHT, "-night")):
            apply_theme(qapp, theme)
            grab_widget(dialog, shot_dir / f"meals-quick-entry{suffix}.png")
        apply_theme(qapp, Theme.DAY)
        before = len(dialog.overview.meals) if dialog.overview else 0
        dialog.occasion.setCurrentIndex(dialog.occasion.findData("snack"))
        qtbot.keyClick(dialog, Qt.Key.Key_4)  # ¾
        qtbot.waitUntil(lambda: dialog.saved_count == 1, timeout=10_000)
        qtbot.waitUntil(
            lambda: dialog.overview is not None and len(dialog.overview.meals) == before + 1,
            timeout=10_000,
        )
        seen.append(dialog.status.text())
        seen.append(dialog.meals_label.text())
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, at_the_bedside)
    qtbot.keyClick(console.census_view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert seen and "✔ SAVED" in seen[0]
    assert "Snack ¾" in seen[1]


def test_the_physical_care_page_draws_meals_and_bowels_and_its_table_has_the_fluids(
    qtbot, qapp, afternoon: Database, shot_dir: Path
) -> None:
    db = afternoon
    snapshot = CensusService(db).snapshot()
    nutrition = NutritionService(db)
    flagged = [r for r in snapshot.rows if nutrition.overview(r.admission_id).bowels.flagged]
    assert flagged, "the demo ward has nobody whose bowels are flagged"
    row = flagged[0]
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(db).series)
    try:
        for theme, suffix in ((Theme.DAY, ""), (Theme.NIGHT, "-night")):
            apply_theme(qapp, theme)
            theme_state().set(theme)
            window = windows.open(row, snapshot)
            window.resize(*SMALLEST_WARD_SCREEN)
            charts = window.charts
            assert charts is not None
            qtbot.waitUntil(lambda c=charts: c.series is not None and not c.loading, timeout=10_000)
            charts.set_page(Page.PHYSICAL)
            page = charts.physical
            assert page is not None and page.widget.isVisible()
            series = charts.series
            assert series is not None
            course = series.nutrition
            assert course.meals and course.bowels
            assert len(page.meal_points.data) == len(course.meals)
            drawn = page.bowel_points.getData()[1].tolist()
            assert drawn == [b.bristol_type or 0 for b in course.bowels]
            assert "● 3+ days (ward flag" in page.bowel_notice.textItem.toPlainText()
            meal = course.meals[-1]
            readout = charts.set_cursor_time(meal.taken_at.timestamp() + 60)
            assert readout is not None
            assert readout.texts()["meals"] != "—" and "Bristol" in readout.texts()["bowels"]
            grab_widget(window, shot_dir / f"patient-physical-meals{suffix}.png")
            charts.set_page(Page.TABLE)
            tables = charts.tables
            tables.setCurrentIndex(2)
            model = tables.physical_model
            whats = {str(model.index(r, 1).data()) for r in range(model.rowCount())}
            assert {"Fluid period", "Fluid in", "Meal"} <= whats  # the range shown
            assert "Bowels" in {e.what for e in physical_entries(series)}  # the stay
            grab_widget(window, shot_dir / f"patient-physical-table{suffix}.png")
    finally:
        windows.close_all()
        runner.shutdown()
        apply_theme(qapp, Theme.DAY)
