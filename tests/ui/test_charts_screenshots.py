"""Screenshots of patient charts on the demo ward, day and night, at the smallest ward screen.

A deteriorating patient (the vitals page, crosshair on the worst NEWS2) and a patient with
hallucinations (the withdrawal page, crosshair on the hallucination assessment). Set
WARDCONSOLE_SHOT_DIR to keep them (``WARDCONSOLE_SHOT_DIR=docs`` refreshes the committed ones);
otherwise they go to a temp dir.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage
from screenshots import SMALLEST_WARD_SCREEN, grab_widget
from wardfakes import Clock

from wardconsole.domain.records import EscalationKind
from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService, EventKind
from wardconsole.services.db import Database
from wardconsole.services.demo import build_demo_ward
from wardconsole.services.views import CensusRow, CensusSnapshot
from wardconsole.store.engine import make_engine
from wardconsole.ui.patient.charts.patient_charts import Page
from wardconsole.ui.patient.open_windows import PatientWindows
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme

NOW = datetime(2026, 11, 26, 3, 10, tzinfo=UTC)
"""Ten past three in the morning: the middle of a night shift."""


@pytest.fixture
def shot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


@pytest.fixture
def demo(sqlite_url: str) -> Iterator[tuple[Database, CensusSnapshot]]:
    engine = make_engine(sqlite_url)
    db = Database(engine, clock=Clock(NOW))
    build_demo_ward(db)
    yield db, CensusService(db).snapshot()
    engine.dispose()


def with_open(snapshot: CensusSnapshot, kind: EscalationKind) -> CensusRow:
    rows = [r for r in snapshot.rows if any(e.kind is kind for e in r.open_escalations)]
    assert rows, f"the demo ward has no open {kind.value} escalation"
    return max(rows, key=lambda r: max(e.severity for e in r.open_escalations))


def test_patient_chart_screenshots(qtbot, qapp, demo, shot_dir: Path) -> None:
    db, snapshot = demo
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(db).series)
    saved: list[Path] = []
    try:
        for name, kind, page in (
            ("patient-deteriorating", EscalationKind.DETERIORATION, Page.VITALS),
            ("patient-hallucination", EscalationKind.HALLUCINATION, Page.WITHDRAWAL),
        ):
            row = with_open(snapshot, kind)
            for theme, suffix in ((Theme.DAY, ""), (Theme.NIGHT, "-night")):
                apply_theme(qapp, theme)
                window = windows.open(row, snapshot, theme)
                window.set_theme(theme)
                window.resize(*SMALLEST_WARD_SCREEN)
                charts = window.charts
                assert charts is not None
                qtbot.waitUntil(
                    lambda c=charts: c.series is not None and not c.loading, timeout=10_000
                )
                charts.set_page(page)
                series = charts.series
                if page is Page.VITALS:
                    news2 = series.vitals["news2_total"]
                    at = float(news2.x[int(np.nanargmax(news2.y))])
                else:
                    at = next(e.at for e in series.events if e.kind is EventKind.HALLUCINATION)
                charts.set_cursor_time(at)
                saved.append(grab_widget(window, shot_dir / f"{name}{suffix}.png"))
    finally:
        windows.close_all()
        runner.shutdown()
    for path in saved:
        image = QImage(str(path))
        assert (image.width(), image.height()) == SMALLEST_WARD_SCREEN
    night = QImage(str(saved[1]))
    assert night.pixelColor(night.width() // 2, night.height() - 20).lightness() < 60


def test_a_recent_drinkers_ciwa_ar_trend_is_charted(qtbot, qapp, demo, shot_dir: Path) -> None:
    """The demo's recent drinker: the CIWA-Ar track with the ward's threshold lines appears on
    the withdrawal page; a patient never rated on CIWA-Ar or COWS has neither track."""
    db, snapshot = demo
    drinker = next(r for r in snapshot.rows if "Alcohol withdrawal risk" in r.risk_flags)
    other = next(r for r in snapshot.rows if r.admission_id != drinker.admission_id)
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(db).series)
    saved: list[Path] = []
    try:
        for theme, suffix in ((Theme.DAY, ""), (Theme.NIGHT, "-night")):
            apply_theme(qapp, theme)
            window = windows.open(drinker, snapshot, theme)
            window.set_theme(theme)
            window.resize(*SMALLEST_WARD_SCREEN)
            charts = window.charts
            assert charts is not None
            qtbot.waitUntil(lambda c=charts: c.series is not None and not c.loading, timeout=10_000)
            charts.set_page(Page.WITHDRAWAL)
            page = charts.withdrawal_page()
            track = charts.series.assessment_tracks["ciwa_ar"]
            assert track.points >= 6 and page.ciwa_ar.container.isVisible()
            assert not page.cows.container.isVisible()
            assert {ref.value for ref in charts.series.references if ref.track == "ciwa_ar"} == {
                8,
                15,
            }
            at = float(track.x[int(np.nanargmax(track.y))])
            charts.set_cursor_time(at)
            saved.append(grab_widget(window, shot_dir / f"patient-ciwa-ar{suffix}.png"))
        window = windows.open(other, snapshot, Theme.DAY)
        charts = window.charts
        assert charts is not None
        qtbot.waitUntil(lambda c=charts: c.series is not None and not c.loading, timeout=10_000)
        assert "ciwa_ar" not in charts.series.assessment_tracks
        charts.set_page(Page.WITHDRAWAL)
        assert not charts.withdrawal_page().ciwa_ar.container.isVisible()
    finally:
        windows.close_all()
        runner.shutdown()
        apply_theme(qapp, Theme.DAY)
    for path in saved:
        image = QImage(str(path))
        assert (image.width(), image.height()) == SMALLEST_WARD_SCREEN
