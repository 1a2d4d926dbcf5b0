"""Escalations live across stations, on SQLite (polling) and the real PostgreSQL server
(LISTEN/NOTIFY): a write on station A shows on station B's panel with nobody touching B, and
two stations acknowledging at once produce exactly one winner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from wardfakes import NORMAL_SET

from wardconsole.domain.records import EscalationKind, EscalationState
from wardconsole.services.context import Actor
from wardconsole.services.db import utc_now
from wardconsole.ui.escalations.escalation_model import WardEscalationColumn
from wardconsole.ui.main_window import MainWindow

from .escalation_fakes import SICK, Station, Ward, deterioration

RECORD_ON_ANOTHER_STATION = """
import json, sys
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine

url, admission, values = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
engine = make_engine(url)
db = Database(engine)
nurse = StaffService(db).actor("rn.ash", "Station A (other process)")
RecordingService(db).record_observation(nurse, admission, values)
engine.dispose()
"""


@pytest.fixture
def ward(db_url: str) -> Iterator[Ward]:
    ward = Ward(db_url, utc_now)
    for bed, given, family in (("A1", "Maya", "Thornbury"), ("A2", "Dominic", "Ashgrove")):
        ward.stations[0].record(ward.admit(bed, given, family), NORMAL_SET)
    yield ward
    ward.close()


@pytest.fixture
def open_window(qtbot) -> Iterator[Callable[[Station], MainWindow]]:
    windows: list[MainWindow] = []

    def open_(station: Station) -> MainWindow:
        window = MainWindow(station.context())
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        qtbot.waitUntil(
            lambda: window.escalations is not None and window.escalations.board is not None,
            timeout=10_000,
        )
        return window

    yield open_
    for window in windows:
        window.shutdown()


def shown(window: MainWindow) -> list[tuple[str, str, str]]:
    model = window.escalations.model
    return [
        (
            model.index(r, WardEscalationColumn.BED).data(),
            model.index(r, WardEscalationColumn.CONCERN).data(),
            model.index(r, WardEscalationColumn.STATUS).data(),
        )
        for r in range(model.rowCount())
    ]


def test_an_observation_saved_in_another_process_appears_on_this_stations_panel(
    qtbot, ward: Ward, open_window
) -> None:
    b = ward.station("Station B", "rn.sam", "Sam Other")
    window = open_window(b)
    assert shown(window) == []
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            RECORD_ON_ANOTHER_STATION,
            ward.url,
            str(ward.admissions[0]),
            json.dumps(SICK),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Nobody touches station B: the change feed brings it, the banner announces it.
    qtbot.waitUntil(
        lambda: shown(window) == [("A1", "Deterioration", "Not acknowledged")], timeout=5_000
    )
    qtbot.waitUntil(window.alert_banner.isVisible)
    assert b.sound.played


def test_acknowledging_on_one_station_updates_the_other(qtbot, ward: Ward, open_window) -> None:
    a = ward.stations[0]
    b = ward.station("Station B", "rn.sam", "Sam Other")
    a.record(ward.admissions[0], SICK)
    window_a, window_b = open_window(a), open_window(b)
    qtbot.waitUntil(lambda: len(shown(window_b)) == 1)
    qtbot.waitUntil(lambda: window_a.escalation_panel.selected() is not None)
    qtbot.mouseClick(window_a.escalation_panel.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: shown(window_b)[0][2].startswith("Acknowledged by Ash Nurse"), timeout=5_000
    )
    qtbot.waitUntil(lambda: not window_b.alert_banner.isVisible())


def test_two_stations_acknowledging_at_once_produce_one_winner(
    qtbot, ward: Ward, open_window
) -> None:
    a = ward.stations[0]
    b = ward.station("Station B", "rn.sam", "Sam Other")
    a.record(ward.admissions[0], SICK)
    windows = {"Ash Nurse": open_window(a), "Sam Other": open_window(b)}
    for window in windows.values():
        qtbot.waitUntil(lambda w=window: w.escalation_panel.selected() is not None)
    # Both transactions start together on their own workers and connections.
    barrier = threading.Barrier(2, timeout=10)
    for window in windows.values():
        service = window.escalations.service
        original = service.acknowledge

        def together(actor: Actor, escalation_id: int, version: int, original=original) -> None:
            barrier.wait()
            original(actor, escalation_id, version)

        service.acknowledge = together  # type: ignore[method-assign]
    for window in windows.values():
        qtbot.mouseClick(window.escalation_panel.acknowledge_button, Qt.MouseButton.LeftButton)

    notices = {}
    for name, window in windows.items():
        qtbot.waitUntil(
            lambda w=window: w.escalation_panel.notice.isVisible() and not w.escalations.busy,
            timeout=10_000,
        )
        notices[name] = window.escalation_panel.notice.text()
    winners = [n for n, text in notices.items() if text.startswith("Acknowledged: you are on it")]
    assert len(winners) == 1, notices
    [loser] = [n for n in notices if n not in winners]
    assert notices[loser].startswith(f"{winners[0]} already acknowledged this escalation")
    esc = deterioration(a)
    assert esc.state is EscalationState.ACKNOWLEDGED and esc.acknowledged_by == winners[0]
    for window in windows.values():
        qtbot.waitUntil(
            lambda w=window: shown(w)[0][2].startswith(f"Acknowledged by {winners[0]}"),
            timeout=5_000,
        )
    assert esc.kind is EscalationKind.DETERIORATION
