"""New escalations announce themselves: banner, sound, re-announce, cascade, time-limited mute."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from PySide6.QtCore import Qt
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.services.escalations import EscalationService
from wardconsole.ui.escalations import centre as escalation_centre
from wardconsole.ui.escalations.alerts import SOUND_FILES, SilentAlertSound
from wardconsole.ui.escalations.escalation_model import WardEscalationColumn
from wardconsole.ui.main_window import MainWindow

from .escalation_fakes import SICK, UNWELL, RecordingAlertSound, Station, Ward, fake_clock

REPO = Path(__file__).parents[2]


@pytest.fixture
def clock() -> Clock:
    return fake_clock()


@pytest.fixture
def ward(tmp_path: Path, clock: Clock) -> Iterator[Ward]:
    from wardconsole.store.engine import make_engine

    url = migrated_sqlite(tmp_path / "ward.sqlite")
    engine = make_engine(url)
    engine.dispose()
    ward = Ward(url, clock)
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
            lambda: window.escalations is not None and window.escalations.board is not None
        )
        return window

    yield open_
    for window in windows:
        window.shutdown()


def tick(window: MainWindow) -> None:
    """One pass of the station's alarm clock (normally every few seconds)."""
    assert window.escalations is not None
    window.escalations._on_tick()


def test_a_new_escalation_shows_a_banner_and_sounds(qtbot, ward: Ward, open_window) -> None:
    station = ward.stations[0]
    window = open_window(station)
    banner = window.alert_banner
    assert not banner.isVisible() and station.sound.played == []

    station.record(ward.admissions[0], SICK)
    window.escalations.refresh()  # what the change feed does within a second
    qtbot.waitUntil(banner.isVisible)
    assert banner.severity_label.text() == "▲ EMERGENCY"
    assert banner.headline.text() == "Bed A1 · Maya Thornbury — Deterioration"
    assert "NEWS2" in banner.detail.text()
    assert banner.state_label.text() == "NOT ACKNOWLEDGED · <1 min"
    assert station.sound.played == [Severity.EMERGENCY]


def test_clicking_the_banner_selects_the_escalation(qtbot, ward: Ward, open_window) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[1], UNWELL)
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    panel = window.escalation_panel
    qtbot.waitUntil(lambda: panel.table.model().rowCount() == 2)
    panel.table.selectRow(1)
    assert panel.selected().bed == "A2"
    assert window.alert_banner.more.text() == "+1 more unacknowledged"
    qtbot.mouseClick(window.alert_banner, Qt.MouseButton.LeftButton)
    assert panel.selected().bed == "A1"


def test_the_banner_goes_when_the_alarm_is_owned(qtbot, ward: Ward, open_window) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    qtbot.waitUntil(window.alert_banner.isVisible)
    qtbot.mouseClick(window.escalation_panel.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.alert_banner.isVisible())


def test_unacknowledged_it_nags_at_the_interval_and_cascades(
    qtbot, ward: Ward, clock: Clock, open_window
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    qtbot.waitUntil(lambda: station.sound.played == [Severity.EMERGENCY])
    for _ in range(3):  # ticks within the 2-minute interval stay quiet
        clock.advance(seconds=30)
        tick(window)
    assert station.sound.played == [Severity.EMERGENCY]
    clock.advance(seconds=30)
    tick(window)
    assert station.sound.played == [Severity.EMERGENCY] * 2

    clock.advance(minutes=3)  # 5 min unacknowledged: to the first responder in the chain
    tick(window)
    qtbot.waitUntil(lambda: "Cascaded to Nurse in charge" in window.alert_banner.text())
    esc = EscalationService(station.db).open()[0]
    assert esc.cascade_level == 1
    assert "cascaded to Nurse in charge" in window.escalation_panel.selected_label.text()
    row = window.escalations.model.index(0, WardEscalationColumn.STATUS).data()
    assert row == "Not acknowledged → Nurse in charge"
    trail = EscalationService(station.db).trail(esc.id)
    assert (trail[-1].action, trail[-1].detail, trail[-1].station) == (
        "cascaded",
        "cascaded to Nurse in charge",
        "Station A",
    )

    clock.advance(minutes=5)
    tick(window)
    qtbot.waitUntil(lambda: "Cascaded to On-call doctor" in window.alert_banner.text())
    assert len(station.sound.played) == 4


def test_one_alarm_per_patient_and_kind(qtbot, ward: Ward, clock: Clock, open_window) -> None:
    station = ward.stations[0]
    window = open_window(station)
    for _ in range(3):
        station.record(ward.admissions[0], SICK)
        clock.advance(seconds=20)
        window.escalations.refresh()
        qtbot.waitUntil(lambda: window.escalations.model.rowCount() == 1)
    assert station.sound.played == [Severity.EMERGENCY]


def test_the_ward_tick_raises_overdue_observations_without_anyone_saving(
    qtbot, ward: Ward, clock: Clock, open_window, monkeypatch
) -> None:
    monkeypatch.setattr(escalation_centre, "WARD_TICK_MS", 50)
    station = ward.stations[0]
    window = open_window(station)
    assert window.escalations.model.rowCount() == 0
    clock.advance(hours=13)  # NEWS2 0 sets are due every 12 h
    qtbot.waitUntil(lambda: window.escalations.model.rowCount() == 2, timeout=10_000)
    kinds = {e.kind for e in window.escalations.model.escalations}
    assert kinds == {EscalationKind.OVERDUE_OBS}
    qtbot.waitUntil(window.alert_banner.isVisible)


def test_mute_is_for_a_limited_time_with_a_countdown(
    qtbot, ward: Ward, clock: Clock, open_window
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    panel = window.escalation_panel
    qtbot.waitUntil(lambda: station.sound.played == [Severity.EMERGENCY])
    assert panel.mute_button.text() == "Mute sound 5 min"
    qtbot.mouseClick(panel.mute_button, Qt.MouseButton.LeftButton)
    assert panel.sound_label.text() == "Sound muted — 5:00 left"
    assert window.alert_banner.sound_label.text() == "Sound muted — 5:00 left"
    assert panel.mute_button.text() == "Unmute"

    clock.advance(minutes=2)
    tick(window)  # re-announced while muted: banner flashes, no sound
    assert station.sound.played == [Severity.EMERGENCY]
    qtbot.waitUntil(lambda: panel.sound_label.text() == "Sound muted — 3:00 left")

    clock.advance(minutes=3)  # the mute runs out by itself
    qtbot.waitUntil(lambda: panel.sound_label.text() == "Sound on")
    assert panel.mute_button.text() == "Mute sound 5 min"
    assert not window.alert_banner.sound_label.isVisible()
    clock.advance(minutes=2)
    tick(window)
    assert station.sound.played[-1] == Severity.EMERGENCY and len(station.sound.played) >= 2


def test_without_sound_the_station_says_so_and_keeps_working(
    qtbot, ward: Ward, open_window
) -> None:
    station = ward.stations[0]
    station.sound = RecordingAlertSound(available=False)
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    panel = window.escalation_panel
    qtbot.waitUntil(window.alert_banner.isVisible)
    assert panel.sound_label.text().startswith("Sound unavailable at this station")
    assert panel.sound_label.property("tone") == "alert"
    assert not panel.mute_button.isEnabled()
    assert window.alert_banner.sound_label.text().startswith("Sound unavailable at this station")
    qtbot.mouseClick(panel.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.alert_banner.isVisible())


def test_a_console_without_a_sound_factory_is_silent_and_says_why(qtbot) -> None:
    sound = SilentAlertSound("no audio output device")
    assert not sound.available
    assert sound.status_text == "Sound unavailable at this station: no audio output device"
    sound.play(Severity.EMERGENCY)  # does nothing, raises nothing


def test_this_machine_reports_sound_unavailable_instead_of_failing(tmp_path: Path) -> None:
    """The real QtMultimedia probe, in its own process so its warnings stay there."""
    script = (
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from wardconsole.ui.escalations.alerts import open_alert_sound\n"
        "sound = open_alert_sound()\n"
        "print(sound.available, sound.status_text)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    available, _, text = done.stdout.strip().partition(" ")
    if available == "False":
        assert text.startswith("Sound unavailable at this station: ")
    else:
        assert text == "Sound on"


def test_the_alert_sounds_are_short_wavs_made_by_the_script(tmp_path: Path) -> None:
    sounds = resources.files("wardconsole.resources").joinpath("sounds")
    for name in SOUND_FILES.values():
        with resources.as_file(sounds.joinpath(name)) as path, wave.open(str(path)) as wav:
            seconds = wav.getnframes() / wav.getframerate()
            assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
            assert 0.3 < seconds < 2.0
    subprocess.run(
        [
            sys.executable,
            str(REPO / "resources" / "sounds" / "make_alert_sounds.py"),
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    for name in SOUND_FILES.values():
        made = (tmp_path / name).read_bytes()
        assert made == (REPO / "resources" / "sounds" / name).read_bytes()


def test_a_severity_rise_announces_again(qtbot, ward: Ward, clock: Clock, open_window) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], UNWELL)
    window = open_window(station)
    qtbot.waitUntil(lambda: station.sound.played == [Severity.URGENT])
    qtbot.mouseClick(window.escalation_panel.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.alert_banner.isVisible())
    clock.advance(minutes=30)
    station.record(ward.admissions[0], SICK)
    window.escalations.refresh()
    qtbot.waitUntil(window.alert_banner.isVisible)
    assert station.sound.played == [Severity.URGENT, Severity.EMERGENCY]
    assert window.alert_banner.severity_label.text() == "▲ EMERGENCY"
