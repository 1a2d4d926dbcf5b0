"""The whole console fits the hospital-standard 1366 × 768 screen with a taskbar.

Built as the composition root builds it, on the demo ward (an emergency in the banner, a dozen
open escalations): the window's minimum size leaves room for a window frame inside 1366 × 728,
and at that size everything a nurse must act on is inside the window — the banner's state and
"Show ▸", the census risk columns whole, the selected escalation's detail and trail, the status
bar. Columns give way in the census's defined order; the risk columns never do.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QLabel, QWidget
from screenshots import fits_smallest_frame, grab_census, size_problems
from ui_runner import shared_runner

from wardconsole.app import _access, _escalations, console_context
from wardconsole.config import Settings
from wardconsole.domain.safety_checks import Presentation
from wardconsole.services.db import Database
from wardconsole.services.demo import DemoOptions, build_demo_ward
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.ui.access.session import StaffSession
from wardconsole.ui.census.census_model import CensusColumn
from wardconsole.ui.census.census_view import GIVE_WAY_ORDER
from wardconsole.ui.checks.round_model import RoundsColumn
from wardconsole.ui.escalations.alerts import SilentAlertSound
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.shortcuts_help import shortcut_table
from wardconsole.ui.theme import Theme

RISK_COLUMNS = (
    CensusColumn.BED,
    CensusColumn.NEWS2,
    CensusColumn.ESCALATION,
    CensusColumn.CHECKS,
    CensusColumn.NEXT_DUE,
)


@pytest.fixture
def console(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    settings = Settings(db_url=migrated_sqlite(tmp_path / "demo.sqlite"), station="Station A")
    engine = make_engine(settings.db_url)
    db = Database(engine)
    build_demo_ward(db, DemoOptions())
    session = StaffSession()
    session.sign_in(StaffService(db).actor("rn.okafor", settings.station))
    access = _access(db, settings, "Ketamine Detox Unit (demo)", session, shared_runner())
    escalations = _escalations(db, settings.station)
    context = console_context(engine, db, settings, session, access, escalations)
    context = replace(context, open_alert_sound=lambda: SilentAlertSound("no audio output device"))
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: window.snapshot is not None and window.alert_banner.isVisible(), timeout=15_000
    )
    yield window
    window.close()
    engine.dispose()


def shots(tmp_path: Path) -> Path:
    """Where screenshots go: WARDCONSOLE_SHOT_DIR to keep them, else the test's temp dir."""
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


def _inside(window: QWidget, widget: QWidget) -> bool:
    """``widget`` is shown and drawn wholly inside ``window``'s client area."""
    if not widget.isVisible():
        return False
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(QRect(top_left, widget.size()))


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_the_census_with_an_alarm_fits_1366_by_768(
    qtbot, console: MainWindow, theme: Theme, tmp_path: Path
) -> None:
    console.set_theme(theme)
    width, height = fits_smallest_frame()
    console.resize(width, height)
    qtbot.waitUntil(lambda: console.size().toTuple() == (width, height))
    assert size_problems(console) == []

    banner = console.alert_banner
    for part in (banner.severity_label, banner.headline, banner.state_label, banner.show_button):
        assert _inside(console, part), part.objectName()
    assert banner.state_label.text().startswith("NOT ACKNOWLEDGED")

    view = console.census_view
    header = view.horizontalHeader()
    viewport = view.viewport().width()
    for column in RISK_COLUMNS:  # whole, never shrunk below what they were measured for
        left = header.sectionViewportPosition(column)
        assert left >= 0 and left + header.sectionSize(column) <= viewport, column.name
        assert header.sectionSize(column) >= view.give_way_floor(column), column.name
    nurse_left = header.sectionViewportPosition(CensusColumn.NURSE)
    assert nurse_left + header.sectionSize(CensusColumn.NURSE) <= viewport
    assert view.horizontalScrollBar().maximum() == 0

    panel = console.escalation_panel
    assert panel is not None and panel.selected() is not None
    assert _inside(console, panel.selected_scroll)
    # The selected escalation's words are read whole: no line hidden below the view.
    label = panel.selected_label
    shown = panel.selected_scroll.viewport().height()
    assert label.heightForWidth(panel.selected_scroll.viewport().width()) <= shown, label.text()
    assert _inside(console, panel.trail)
    assert _inside(console, panel.acknowledge_button)
    assert _inside(console, console.statusBar())
    # The ward-checks warning is read whole; the database's name is what gives way.
    checks = console.ward_checks_label
    assert checks.text() and checks.width() >= checks.fontMetrics().horizontalAdvance(
        checks.text()
    ), checks.text()
    # Free beds: the count is read whole even when the list of beds gives way ('Free: B12,'
    # read as one free bed).
    free = console.findChild(QLabel, "free_beds")
    assert free is not None and re.match(r"^\d+ free: ", free.text()), free
    count = free.text().split(":")[0] + ": …"
    assert _inside(console, free)
    assert free.contentsRect().width() >= free.fontMetrics().horizontalAdvance(count), count
    grab_census(console, shots(tmp_path) / f"census-1366-{theme.value}.png", (width, height))


def test_columns_give_way_in_the_defined_order(qtbot, console: MainWindow) -> None:
    """Narrowing the window shrinks the nurse column first and the risk columns never."""
    view = console.census_view
    header = view.horizontalHeader()
    console.resize(2500, 900)  # every column at its preferred width
    qtbot.waitUntil(lambda: console.width() == 2500)
    wide = {c: header.sectionSize(c) for c in CensusColumn}
    console.resize(*fits_smallest_frame())
    qtbot.waitUntil(lambda: console.width() == fits_smallest_frame()[0])
    narrow = {c: header.sectionSize(c) for c in CensusColumn}
    for column in RISK_COLUMNS:
        assert narrow[column] == wide[column], column.name
    assert narrow[GIVE_WAY_ORDER[0]] < wide[GIVE_WAY_ORDER[0]]
    shrunk = [c for c in GIVE_WAY_ORDER if narrow[c] < wide[c]]
    # Each column gives way only once every one before it is at its floor.
    for earlier, later in itertools.pairwise(GIVE_WAY_ORDER):
        if later in shrunk:
            assert narrow[earlier] == view.give_way_floor(earlier), earlier.name
    console.resize(console.minimumSizeHint().width(), 700)
    qtbot.waitUntil(lambda: console.width() == console.minimumSizeHint().width())
    for column in RISK_COLUMNS:
        assert header.sectionSize(column) == wide[column], column.name
        left = header.sectionViewportPosition(column)
        assert left + header.sectionSize(column) <= view.viewport().width(), column.name


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_the_round_window_never_hides_an_emergency(
    qtbot, console: MainWindow, theme: Theme, tmp_path: Path
) -> None:
    """A patient not found on the round is absent there and on the census, and the round window
    (which may cover the console's banner) repeats the alarm; a click on it selects it."""
    checks, current_actor = console._context.observation, console._context.current_actor
    assert checks is not None and current_actor is not None
    patient = next(r for r in checks.rounds().rows if r.raised)
    checks.record_check(
        current_actor(), patient.admission_id, Presentation.NOT_FOUND, "Bedroom, lounge"
    )
    console.refresh()
    console.escalations.refresh()
    console.set_theme(theme)
    console.observation_menu.open_rounds()
    rounds = console.observation_menu.rounds
    assert rounds is not None
    qtbot.addWidget(rounds)
    qtbot.waitUntil(lambda: rounds.view.model.rowCount() > 0)
    proxy = rounds.view.proxy
    qtbot.waitUntil(lambda: proxy.index(0, RoundsColumn.BED).data() == patient.bed)
    assert proxy.index(0, RoundsColumn.CHECK).data().startswith("▲ ABSENT ")
    # The round's summary line says so too (it said "no check overdue" and nothing else).
    summary = rounds.view.summary
    qtbot.waitUntil(lambda: "▲ 1 ABSENT — not found at a check" in summary.text())
    assert summary.property("tone") == "alert"
    qtbot.waitUntil(rounds.alarm_strip.isVisible)
    assert "EMERGENCY" in rounds.alarm_strip.text()
    assert "NOT ACKNOWLEDGED" in rounds.alarm_strip.text()
    grab_census(rounds, shots(tmp_path) / f"rounds-absent-{theme.value}.png", fits_smallest_frame())
    ringing = console.alert_banner.alarm
    assert ringing is not None
    qtbot.mouseClick(rounds.alarm_strip, Qt.MouseButton.LeftButton)
    panel = console.escalation_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.selected() is not None)
    assert panel.selected().id == ringing.escalation.id
    rounds.close()
    rounds.stop()


def test_one_shortcut_per_action_in_every_window_and_help_lists_them(
    qtbot, console: MainWindow
) -> None:
    """A key bound twice where both could fire does nothing at all (Qt calls it ambiguous):
    Ctrl+L was the lock and, in the round window, "Set level…"."""
    console.observation_menu.open_rounds()
    rounds = console.observation_menu.rounds
    assert rounds is not None
    qtbot.addWidget(rounds)
    app_wide = [
        row
        for row in shortcut_table(console)
        if row[2].shortcutContext() == Qt.ShortcutContext.ApplicationShortcut
    ]
    for window, rows in (
        (console, shortcut_table(console)),
        (rounds, shortcut_table(rounds) + app_wide),
    ):
        bound: dict[str, set[int]] = {}
        names: dict[str, set[str]] = {}
        for keys, text, action in rows:
            bound.setdefault(keys, set()).add(id(action))
            names.setdefault(keys, set()).add(text)
        twice = {keys: sorted(names[keys]) for keys, ids in bound.items() if len(ids) > 1}
        assert twice == {}, window.objectName()
    keys = {row[0] for row in shortcut_table(console)}
    assert {"Ctrl+L", "Alt+A", "Ctrl+R", "F6"} <= keys
    assert "Ctrl+Shift+L" in {row[0] for row in shortcut_table(rounds)}

    console.shortcuts_action.trigger()
    dialog = console.shortcuts_dialog
    qtbot.waitUntil(dialog.isVisible)
    listed = {
        (dialog.model.index(r, 0).data(), dialog.model.index(r, 1).data())
        for r in range(dialog.model.rowCount())
    }
    assert ("Alt+A", "Acknowledge the alarm on the banner") in listed
    assert ("Ctrl+L", "Lock screen") in listed
    assert ("Ctrl+3", "Chart page: Physical care") in listed
    dialog.close()
    rounds.close()
    rounds.stop()


def test_the_shortcuts_table_is_a_well_behaved_model(qtmodeltester) -> None:
    from wardconsole.ui.shortcuts_help import ShortcutsModel

    qtmodeltester.check(ShortcutsModel([("Ctrl+L", "Lock screen"), ("F6", "Safety checks")]))
