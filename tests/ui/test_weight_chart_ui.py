"""Weight on the Physical care chart page: the demo patient losing weight shows a point per
weighing and a marker per MUST screen, the corner says when weighing is next due, and the
crosshair reads the weight with its BMI, change and MUST category. Screenshots day and night at
1366 × 768 (WARDCONSOLE_SHOT_DIR keeps them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dbfixtures import demo_sqlite
from screenshots import SMALLEST_WARD_SCREEN, grab_widget
from wardfakes import Clock

from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService
from wardconsole.services.db import Database
from wardconsole.services.weights import WeightService
from wardconsole.store.engine import make_engine
from wardconsole.ui.patient.charts.physical_page import screen_symbol
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


def test_the_physical_care_page_shows_weight_with_must_and_what_is_due(
    qtbot, qapp, ward: Database, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    snapshot = CensusService(ward).snapshot()
    overviews = WeightService(ward).overviews([r.admission_id for r in snapshot.rows])
    row = next(r for r in snapshot.rows if (overviews[r.admission_id].course.change_kg or 0) < -2)
    overview = overviews[row.admission_id]
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
            assert page is not None and page.weight.vb.isVisible()
            weighed = overview.course.weighings
            assert list(page.weight_points.data["y"]) == [float(e.weight_kg) for e in weighed]
            assert len(page.screens.data) == len(overview.screens)
            # High risk is lettered H: not colour alone, and not the ▲ that means an emergency.
            assert page.screens.data[-1]["symbol"] is screen_symbol("high")
            assert screen_symbol("high") is not screen_symbol("medium")
            assert page.weight_notice.textItem.toPlainText().startswith("Next weighing")
            readout = charts.set_cursor_time(weighed[-1].taken_at.timestamp() + 60)
            assert readout is not None
            text = readout.texts()["weight"]
            assert text.startswith(f"{weighed[-1].weight_kg} kg, BMI") and "since" in text
            assert text.endswith("high risk") and text.count("MUST") == 1
            grab_widget(window, shots / f"patient-weight{suffix}.png")
    finally:
        windows.close_all()
        runner.shutdown()
        apply_theme(qapp, Theme.DAY)
