"""Sleep on the Physical care chart page: the demo's poor sleeper (little sleep on nights 1–3)
shows a bar per night — solid for the nurse's entry, light for the estimate from the checks —
below the little-sleep line; the crosshair reads the night's hours with how they were known, and
the table has a row per night. Screenshots day and night at 1366 × 768 (WARDCONSOLE_SHOT_DIR
keeps them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dbfixtures import demo_sqlite
from PySide6.QtCore import Qt
from screenshots import SMALLEST_WARD_SCREEN, grab_widget
from wardfakes import Clock

from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService
from wardconsole.services.db import Database
from wardconsole.store.engine import make_engine
from wardconsole.ui.patient.charts.table_models import physical_entries
from wardconsole.ui.patient.charts.toolbar import Page, Preset
from wardconsole.ui.patient.open_windows import PatientWindows
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme, theme_state

NOW = datetime(2026, 11, 26, 15, 40, tzinfo=UTC)


@pytest.fixture
def ward(tmp_path: Path) -> Iterator[Database]:
    engine = make_engine(demo_sqlite(tmp_path / "demo-copy.sqlite", NOW))
    db = Database(engine, clock=Clock(NOW))
    yield db
    engine.dispose()


def test_the_physical_care_page_shows_sleep_per_night_and_how_it_was_known(
    qtbot, qapp, ward: Database, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    snapshot = CensusService(ward).snapshot()
    row = next(r for r in snapshot.rows if r.sleep is not None)  # a poor sleeper, nights 1–3
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(ward).series)
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
            charts.set_preset(Preset.STAY)
            page = charts.physical
            series = charts.series
            assert page is not None and series is not None and page.sleep.vb.isVisible()
            nights = [n for n in series.sleep.nights if n.hours is not None]
            drawn = list(page.sleep_entered.opts["y1"]) + list(page.sleep_estimated.opts["y1"])
            assert sorted(drawn) == sorted(n.hours for n in nights)
            assert page.little_sleep.value() == 4  # the policy's hours, dashed
            last = series.sleep.nights[-1]
            assert last.hours is not None and last.hours < 4
            readout = charts.set_cursor_time(last.night.start.timestamp() + 3 * 3600)
            assert readout is not None
            text = readout.texts()["sleep"]
            assert ("checks are samples" in text) and ("asleep" in text)
            rows = [e for e in physical_entries(series) if e.what == "Sleep"]
            assert len(rows) == len(series.sleep.nights)
            assert rows[-1].detail.startswith("Night of ")
            grab_widget(window, shots / f"patient-sleep{suffix}.png")
    finally:
        windows.close_all()
        runner.shutdown()
        apply_theme(qapp, Theme.DAY)


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_the_census_flags_the_poor_sleeper_in_words_at_1366_px(
    qtbot, qapp, ward: Database, theme: Theme, tmp_path: Path
) -> None:
    from wardconsole.ui.census.census_model import (
        CensusColumn,
        CensusProxyModel,
        CensusTableModel,
    )
    from wardconsole.ui.census.census_view import CensusView

    apply_theme(qapp, theme)
    snapshot = CensusService(ward).snapshot()
    flagged = [r for r in snapshot.rows if r.sleep is not None]
    assert flagged and len(flagged) < len(snapshot.rows)
    theme_state().set(theme)
    model = CensusTableModel()
    model.set_snapshot(snapshot)
    proxy = CensusProxyModel()
    proxy.setSourceModel(model)
    view = CensusView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.apply_default_column_widths()
    view.resize(SMALLEST_WARD_SCREEN[0] - 24, 520)
    view.show()
    row = next(
        r for r in range(proxy.rowCount()) if proxy.admission_id(r) == flagged[0].admission_id
    )
    cell = proxy.index(row, CensusColumn.SLEEP)
    assert cell.data().startswith("● ") and cell.data().endswith(" h")  # advisory: no escalation
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert "Little sleep" in tip and "not a published standard" in tip
    view.scrollTo(cell)
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    grab_widget(view, shots / f"census-sleep-{theme.value}.png")
    apply_theme(qapp, Theme.DAY)
