"""The whole console as the composition root builds it, on a fresh demo ward, signed in as a
demo nurse: for tests that drive the main window end to end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
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


@contextmanager
def demo_console(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
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
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=15_000)
    try:
        yield window
    finally:
        window.close()
        engine.dispose()
