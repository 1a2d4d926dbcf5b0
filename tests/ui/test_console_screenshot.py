"""The whole console as the composition root builds it, on the demo ward: it opens, shows the
census with its escalations, and its screenshots (day and night) are what README.md shows.

Refresh the committed pictures with ``WARDCONSOLE_SHOT_DIR=docs python -m pytest
tests/ui/test_console_screenshot.py``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from screenshots import grab_census
from ui_runner import shared_runner

from wardconsole.app import _access, _escalations, console_context
from wardconsole.config import Settings
from wardconsole.services.db import Database
from wardconsole.services.demo import DemoOptions, build_demo_ward
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.ui.access.session import StaffSession
from wardconsole.ui.escalations.alerts import SilentAlertSound
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.theme import Theme


def test_the_console_on_the_demo_ward(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    # This machine has no audio device; the real sound's Qt warnings are tested elsewhere.
    context = replace(context, open_alert_sound=lambda: SilentAlertSound("no audio output device"))
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: window.snapshot is not None and len(window.snapshot.rows) == 17, timeout=15_000
    )
    worst = max(r.top_escalation.severity for r in window.snapshot.rows if r.top_escalation)
    first_bed = window.census_proxy.index(0, 0).data()
    first = next(r for r in window.snapshot.rows if r.bed == first_bed)
    assert first.top_escalation is not None and first.top_escalation.severity == worst

    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    for theme, name in ((Theme.DAY, "census.png"), (Theme.NIGHT, "census-night.png")):
        window.set_theme(theme)
        qtbot.wait(200)  # let the restyled table and banner lay out before the picture
        assert grab_census(window, shots / name).stat().st_size > 10_000
    window.close()
    engine.dispose()
