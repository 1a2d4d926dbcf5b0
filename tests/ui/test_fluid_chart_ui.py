"""The food and fluid chart as a nurse uses it: Ctrl+D on the census opens the quick fluid
window for the selected patient, one key saves a 200 ml drink and the census shows it; the
Physical care chart page draws a bar pair per period with the running balance and reads it out
under the crosshair. Screenshots day and night at 1366 × 768 (WARDCONSOLE_SHOT_DIR keeps them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dbfixtures import demo_sqlite
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from screenshots import SMALLEST_WARD_SCREEN, grab_census, grab_widget
from wardfakes import Clock

from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService
from wardconsole.services.db import Database
from wardconsole.services.fluids import FluidService
from wardconsole.store.engine import make_engine
from wardconsole.ui.census.census_model import CensusColumn
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.patient.charts.toolbar import Page
from wardconsole.ui.patient.open_windows import PatientWindows
from wardconsole.ui.physical.fluid_dialog import FluidDialog
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme, theme_state

from .console_support import demo_console

AFTERNOON = datetime(2026, 11, 26, 15, 40, tzinfo=UTC)
"""Twenty to four: the 15:00 fluid review has passed, so a poor drinker shows behind."""


@pytest.fixture
def shot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


@pytest.fixture
def console(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    with demo_console(qtbot, tmp_path, monkeypatch) as window:
        yield window


def _fluid_text(window: MainWindow, admission_id: int) -> str:
    model = window.census_model
    row = model.row_of_admission(admission_id)
    return str(model.index(row, CensusColumn.FLUIDS).data())


def test_ctrl_d_then_one_key_records_a_drink_and_the_census_shows_it(
    qtbot, console: MainWindow, shot_dir: Path
) -> None:
    snapshot = console.snapshot
    assert snapshot is not None
    patient = next(r for r in snapshot.rows if r.fluid is not None and r.fluid.on_chart)
    before = patient.fluid.totals.intake_ml  # type: ignore[union-attr]
    console.census_view.select_admission(patient.admission_id)
    console.census_view.setFocus()
    seen: list[str] = []

    def at_the_bedside() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, FluidDialog)
        qtbot.waitUntil(lambda: dialog.overview is not None, timeout=10_000)
        grab_widget(dialog, shot_dir / "fluid-quick-entry.png")
        qtbot.keyClick(dialog, Qt.Key.Key_2)  # the second preset: 200 ml
        qtbot.waitUntil(lambda: dialog.saved_count == 1, timeout=10_000)
        qtbot.waitUntil(
            lambda: (
                dialog.overview is not None and dialog.overview.totals.intake_ml == before + 200
            ),
            timeout=10_000,
        )
        seen.append(dialog.status.text())
        seen.append(dialog.period_label.text())
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, at_the_bedside)
    qtbot.keyClick(console.census_view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert seen and "✔ SAVED" in seen[0] and "200 ml in" in seen[0]
    assert f"{before + 200} ml in" in seen[1]
    qtbot.waitUntil(
        lambda: (
            _fluid_text(console, patient.admission_id).startswith(f"{before + 200}/")
            or f"low {before + 200}/" in _fluid_text(console, patient.admission_id)
        ),
        timeout=10_000,
    )


def test_the_census_column_fits_1366_and_says_behind_in_words(
    qtbot, qapp, console: MainWindow, shot_dir: Path
) -> None:
    for theme in (Theme.DAY, Theme.NIGHT):
        console.set_theme(theme)
        apply_theme(qapp, theme)
        grab_census(console, shot_dir / f"census-fluids-{theme.value}.png")
    apply_theme(qapp, Theme.DAY)
    header = console.census_view.horizontalHeader()
    viewport = console.census_view.viewport().width()
    left = header.sectionViewportPosition(CensusColumn.FLUIDS)
    assert left >= 0 and left + header.sectionSize(CensusColumn.FLUIDS) <= viewport
    texts = [
        str(console.census_model.index(row, CensusColumn.FLUIDS).data())
        for row in range(console.census_model.rowCount())
    ]
    assert any("/" in t for t in texts)  # on a chart: intake / target
    assert not any(t.strip() == "0" or t.startswith("0/") for t in texts)  # never a bare 0


@pytest.fixture
def afternoon(tmp_path: Path) -> Iterator[Database]:
    engine = make_engine(demo_sqlite(tmp_path / "demo-copy.sqlite", AFTERNOON))
    db = Database(engine, clock=Clock(AFTERNOON))
    yield db
    engine.dispose()


def test_the_physical_care_page_draws_each_period_and_reads_it_out(
    qtbot, qapp, afternoon: Database, shot_dir: Path
) -> None:
    db = afternoon
    snapshot = CensusService(db).snapshot()
    behind = [r for r in snapshot.rows if r.fluid is not None and r.fluid.behind]
    assert behind, "the demo ward has nobody behind at the 15:00 review"
    row = max(behind, key=lambda r: r.detox_day)
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
            periods = FluidService(db).periods(row.admission_id, row.admitted_at, AFTERNOON)
            assert [b.totals for b in series.fluids.bars] == [p.totals for p in periods]
            drawn = page.intake_bars.opts["y1"]
            assert list(drawn) == [p.totals.intake_ml for p in periods]
            today = series.fluids.bars[-1]
            readout = charts.set_cursor_time(today.start + 3600)
            assert readout is not None
            text = readout.texts()["fluids"]
            assert f"in {today.totals.intake_ml} ml" in text and "balance" in text
            grab_widget(window, shot_dir / f"patient-physical-care{suffix}.png")
    finally:
        windows.close_all()
        runner.shutdown()
        apply_theme(qapp, Theme.DAY)
