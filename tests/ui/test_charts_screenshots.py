"""Screenshots of patient charts on the demo ward, day and night, at the smallest ward screen.

A deteriorating patient (the vitals page, crosshair on the worst NEWS2) and a patient with
hallucinations (the withdrawal page, crosshair on the hallucination assessment). Set
WARDCONSOLE_SHOT_DIR to keep them (``WARDCONSOLE_SHOT_DIR=docs`` refreshes the committed ones);
otherwise they go to a temp dir.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from dbfixtures import demo_sqlite
from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QLabel, QToolButton, QWidget
from screenshots import SMALLEST_WARD_SCREEN, fits_smallest_frame, grab_widget, size_problems
from wardfakes import Clock

from wardconsole.domain.records import EscalationKind
from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService, EventKind
from wardconsole.services.db import Database
from wardconsole.services.views import CensusRow, CensusSnapshot
from wardconsole.store.engine import make_engine
from wardconsole.ui.escalations.escalation_model import EscalationColumn
from wardconsole.ui.patient.charts.palette import chart_palette
from wardconsole.ui.patient.charts.patient_charts import Page
from wardconsole.ui.patient.charts.toolbar import Preset
from wardconsole.ui.patient.charts.tracks import TrackPlot, TrackSpec
from wardconsole.ui.patient.open_windows import PatientWindows
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme, theme_state

NOW = datetime(2026, 11, 26, 3, 10, tzinfo=UTC)
"""Ten past three in the morning: the middle of a night shift."""


@pytest.fixture
def shot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Database, CensusSnapshot]]:
    engine = make_engine(demo_sqlite(tmp_path / "demo-copy.sqlite", NOW))
    db = Database(engine, clock=Clock(NOW))
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
                theme_state().set(theme)
                window = windows.open(row, snapshot)
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
            theme_state().set(theme)
            window = windows.open(drinker, snapshot)
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
        window = windows.open(other, snapshot)
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


# -- the toolbar at the smallest window frame (1366 × 728 with its frame) -------------------
# Everything a nurse needs in it — the range, the page, the Items menu on the withdrawal page and
# "As of" — is read whole on every page, in both themes; a long message gives up its detail,
# never what it is about ("Charts not updated:"). The read-out beside the chart is never cut.


def read_whole(window: QWidget, widget: QWidget, text: str) -> bool:
    """``widget`` is shown inside ``window`` and wide enough for ``text`` (nothing elided)."""
    if not widget.isVisible():
        return False
    top_left = widget.mapTo(window, QPoint(0, 0))
    inside = window.rect().contains(QRect(top_left, widget.size()))
    return inside and widget.contentsRect().width() >= widget.fontMetrics().horizontalAdvance(text)


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_range_page_and_as_of_are_read_whole_at_the_smallest_frame(
    qtbot, qapp, demo, theme: Theme, shot_dir: Path
) -> None:
    db, snapshot = demo
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(db).series)
    try:
        apply_theme(qapp, theme)
        theme_state().set(theme)
        window = windows.open(snapshot.rows[0], snapshot)
        window.resize(*fits_smallest_frame())
        charts = window.charts
        assert charts is not None
        qtbot.waitUntil(lambda: charts.series is not None and not charts.loading, timeout=10_000)
        bar = charts.toolbar
        buttons = {b.objectName(): b for b in bar.findChildren(QToolButton)}
        needed = [f"preset_{p.value}" for p in Preset] + [f"page_{p.name.lower()}" for p in Page]
        for page in Page:
            charts.set_page(page)
            qtbot.waitUntil(lambda p=page: charts.page() is p and not charts.loading)
            qtbot.waitUntil(lambda: bar.status.text().startswith("As of "))
            assert size_problems(window) == [], page.name
            assert window.size().toTuple() == fits_smallest_frame(), page.name
            wanted = [buttons[n] for n in needed]
            wanted += [buttons["chart_items"]] if page is Page.WITHDRAWAL else []

            def whole(wanted: list[QToolButton] = wanted) -> list[str]:
                """What is not read whole (the layout settles after the page's buttons)."""
                cut = [b.objectName() for b in wanted if not read_whole(window, b, b.text())]
                status = bar.status.text()
                return cut + ([] if read_whole(window, bar.status, status) else [status])

            with contextlib.suppress(qtbot.TimeoutError):
                qtbot.waitUntil(lambda: whole() == [], timeout=2_000)
            assert whole() == [], page.name

            # The read-out beside the chart: every line whole (wrapped, never cut at the edge).
            def cut_readout() -> list[str]:
                return [
                    label.text()
                    for label in window.readout_panel.findChildren(QLabel)
                    if label.objectName().startswith("readout_")
                    and label.text()
                    and label.heightForWidth(label.width()) > label.height()
                ]

            with contextlib.suppress(qtbot.TimeoutError):
                qtbot.waitUntil(lambda: cut_readout() == [], timeout=2_000)
            assert cut_readout() == [], page.name
            if page is Page.WITHDRAWAL:
                grab_widget(window, shot_dir / f"patient-toolbar-{theme.value}.png")

        # A long error gives up its detail, never the words that say the charts are stale.
        bar.set_status(
            "Charts not updated: could not connect to server: Connection refused. Is the server "
            "running on host 127.0.0.1 and accepting TCP/IP connections on port 5432?",
            "alert",
        )
        qtbot.waitUntil(lambda: bar.status.width() > 0)
        assert size_problems(window) == []
        assert read_whole(window, bar.status, "Charts not updated:")
        assert "Connection refused" in bar.status.toolTip()
        for name in needed:
            assert read_whole(window, buttons[name], buttons[name].text()), name
    finally:
        windows.close_all()
        runner.shutdown()


def _drawn_ticks(plot: TrackPlot) -> list[tuple[QRectF, str]]:
    """The left axis's numbers as pyqtgraph draws them: where (axis coordinates) and what."""
    axis = plot.axis("left")
    image = QImage(axis.boundingRect().size().toSize(), QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [(QRectF(rect), text) for rect, _flags, text in specs[2]]


def _caption_overlaps(plot: TrackPlot) -> list[str]:
    """Tick labels of the left axis that a line of the track's caption is drawn over."""
    axis = plot.axis("left")
    ticks = _drawn_ticks(plot)
    metrics = QFontMetricsF(plot.title.textItem.font())
    origin = axis.mapFromScene(plot.title.textItem.sceneBoundingRect().topLeft())
    margin = plot.title.textItem.document().documentMargin()
    overlaps = []
    for number, line in enumerate(plot.spec.title.split("\n")):
        top = origin.y() + margin + number * metrics.lineSpacing()
        width = metrics.horizontalAdvance(line)
        caption = QRectF(origin.x() + margin, top, width, metrics.height())
        overlaps += [f"{line!r} over {text!r}" for rect, text in ticks if rect.intersects(caption)]
        if caption.bottom() > axis.boundingRect().bottom() + 1:  # runs into the next track
            overlaps.append(f"{line!r} below the track")
    return overlaps


def test_track_captions_never_sit_over_the_axis_numbers(qtbot, qapp, demo) -> None:
    """'Running balance ml' was drawn over '1000': a nurse reads neither. Every page's captions
    and their axis numbers (and no '-0') at the smallest frame."""
    db, snapshot = demo
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(db).series)
    try:
        apply_theme(qapp, Theme.NIGHT)
        theme_state().set(Theme.NIGHT)
        window = windows.open(snapshot.rows[0], snapshot)
        window.resize(*fits_smallest_frame())
        charts = window.charts
        assert charts is not None
        qtbot.waitUntil(lambda: charts.series is not None and not charts.loading, timeout=10_000)
        charts.set_preset(Preset.STAY)
        for page in Page:
            if page is Page.TABLE:
                continue
            charts.set_page(page)
            qtbot.waitUntil(lambda p=page: charts.page() is p and not charts.loading)
            qtbot.wait(50)
            chart_page = {
                Page.VITALS: charts.vitals,
                Page.WITHDRAWAL: charts.withdrawal,
                Page.PHYSICAL: charts.physical,
                Page.MEDICINES: charts.medicines,
            }[page]
            assert chart_page is not None
            for plot in chart_page.plots:
                if not plot.container.isVisible():  # a track this patient does not need
                    continue
                assert _caption_overlaps(plot) == [], (page.name, plot.spec.title)
                numbers = [text for _rect, text in _drawn_ticks(plot)]
                assert not [n for n in numbers if n.startswith("-") and float(n) == 0], (
                    page.name,
                    plot.spec.title,
                    numbers,
                )
    finally:
        windows.close_all()
        runner.shutdown()


def test_an_axis_label_shown_is_typeset_and_a_hidden_one_left_alone(qtbot) -> None:
    """The axes skip typesetting a label nobody sees (a page builds in about half the time);
    one that is shown still reads what it was given."""
    plot = TrackPlot(
        TrackSpec("pulse", "Pulse\n/min", (40, 140)), chart_palette(Theme.DAY), show_dates=True
    )
    axis = plot.axis("left")
    axis.setTickFont(axis.style["tickFont"])  # a style change: nothing to typeset
    assert not axis.label.isVisible() and axis.label.toPlainText() == ""
    axis.setLabel("Beats", units="/min")
    assert axis.label.isVisible() and axis.label.toPlainText().startswith("Beats")
    axis.showLabel(False)
    assert not axis.label.isVisible()


def test_pages_and_ranges_are_chosen_from_the_keyboard(qtbot, qapp, demo) -> None:
    """Keyboard first: Ctrl+1 … Ctrl+5 choose the chart page, Alt+1 … Alt+5 the range."""
    db, snapshot = demo
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(db).series)
    try:
        window = windows.open(snapshot.rows[0], snapshot)
        window.resize(*fits_smallest_frame())
        window.activateWindow()
        qtbot.waitActive(window)
        charts = window.charts
        assert charts is not None
        qtbot.waitUntil(lambda: charts.series is not None and not charts.loading, timeout=10_000)
        for page in (Page.PHYSICAL, Page.MEDICINES, Page.TABLE, Page.WITHDRAWAL, Page.VITALS):
            qtbot.keyClick(
                window, Qt.Key(Qt.Key.Key_1 + int(page)), Qt.KeyboardModifier.ControlModifier
            )
            qtbot.waitUntil(lambda p=page: charts.page() is p)
        stay = list(Preset).index(Preset.STAY)
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + stay), Qt.KeyboardModifier.AltModifier)
        buttons = {b.objectName(): b for b in charts.toolbar.findChildren(QToolButton)}
        qtbot.waitUntil(lambda: buttons[f"preset_{Preset.STAY.value}"].isChecked())
        assert "(Ctrl+3)" in buttons["page_physical"].toolTip()
    finally:
        windows.close_all()
        runner.shutdown()


def test_three_escalations_are_read_at_once_beside_the_chart(qtbot, qapp, demo) -> None:
    """Beside the chart each open escalation takes one line (its reason whole in the tooltip):
    at the smallest frame a patient with several sees three of them, not one wrapped reason."""
    db, snapshot = demo
    row = max(snapshot.rows, key=lambda r: len(r.open_escalations))
    assert row.open_escalations, "the demo ward needs a patient with escalations"
    long_reason = (
        "Hallucinations 6/7 auditory (BPRS-E) — very severe hallucinations (acting on them, or "
        "preoccupied); the patient was found talking to the wall at the night check"
    )
    first = row.open_escalations[0]
    escalations = [
        dataclasses.replace(first, id=first.id + n, explanation=f"{long_reason} ({n})")
        for n in range(4)
    ]
    row = dataclasses.replace(row, open_escalations=tuple(escalations))
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(db).series)
    try:
        theme_state().set(Theme.NIGHT)
        window = windows.open(row, snapshot)
        window.resize(*fits_smallest_frame())
        window.show()
        table = window._escalations
        qtbot.waitUntil(table.isVisible)
        model = table.model()
        viewport = table.viewport().rect()
        whole = [
            r
            for r in range(model.rowCount())
            if viewport.contains(table.visualRect(model.index(r, 0)))
        ]
        assert len(whole) >= 3
        reason = model.index(0, EscalationColumn.DETAILS)
        assert reason.data(Qt.ItemDataRole.ToolTipRole) == row.open_escalations[0].explanation
    finally:
        windows.close_all()
        runner.shutdown()
