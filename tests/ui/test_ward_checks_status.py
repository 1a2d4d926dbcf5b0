"""Every station says when the time-driven ward checks last ran, and warns when nobody has run
them for longer than the policy allows or when its own clock is off the server's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from wardfakes import Clock

from wardconsole.services.escalations import WardChecks
from wardconsole.store.engine import make_engine
from wardconsole.ui.escalations.centre import ward_checks_line
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.theme import Theme

from .escalation_fakes import START, Ward


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def window(qtbot, tmp_path: Path, clock: Clock) -> Iterator[MainWindow]:
    url = migrated_sqlite(tmp_path / "ward.sqlite")
    engine = make_engine(url)
    engine.dispose()
    ward = Ward(url, clock)
    ward.admit("A1", "Maya", "Thornbury")
    window = MainWindow(ward.stations[0].context())
    qtbot.addWidget(window)
    window.set_theme(Theme.NIGHT)
    window.show()
    qtbot.waitUntil(lambda: window.snapshot is not None)
    yield window
    window.shutdown()
    ward.close()


def test_the_status_bar_says_when_the_ward_checks_last_ran(
    qtbot, window: MainWindow, clock: Clock
) -> None:
    label = window.ward_checks_label
    qtbot.waitUntil(lambda: label.text().startswith("Ward checks last ran at"))
    assert label.property("tone") == ""
    assert "not being raised" not in label.text()


def test_it_warns_when_nobody_has_run_them_for_too_long(
    qtbot, window: MainWindow, clock: Clock, tmp_path: Path
) -> None:
    label = window.ward_checks_label
    qtbot.waitUntil(lambda: label.text().startswith("Ward checks last ran at"))
    clock.advance(minutes=12)  # no console ran them meanwhile (this one's timer waits a minute)
    assert window.escalations is not None
    window.escalations.load_ward_checks()
    qtbot.waitUntil(lambda: "not being raised" in label.text())
    assert "12 min ago" in label.text()
    assert label.property("tone") == "alert"
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    assert window.grab().save(str(shot_dir / "ward-checks-stale-night.png"))


def _status(**changes: object) -> WardChecks:
    base = WardChecks(
        now=START,
        last_ran_at=START - timedelta(minutes=1),
        station="Station A",
        stale_after=timedelta(minutes=5),
        clock_skew=timedelta(seconds=2),
        max_clock_skew=timedelta(seconds=60),
    )
    return WardChecks(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})  # type: ignore[arg-type]


def test_never_run_is_a_warning() -> None:
    text, tone = ward_checks_line(_status(last_ran_at=None, station=None))
    assert text.startswith("Ward checks have never run")
    assert tone == "alert"


def test_a_station_clock_off_the_server_says_so() -> None:
    text, tone = ward_checks_line(_status(clock_skew=timedelta(seconds=95)))
    assert "this computer's clock is 95 s fast; times come from the server" in text
    assert tone == "alert"
    slow, _ = ward_checks_line(_status(clock_skew=-timedelta(minutes=7)))
    assert "7 min slow" in slow
    fine, tone = ward_checks_line(_status())
    assert "clock" not in fine and tone == ""
