"""The console through a PostgreSQL outage (a throwaway server of the test's own): it says the
database is unavailable, keeps showing the census it has, keeps new saves in the station's
queue for the nurse to see, can still be unlocked by the nurse who signed in, and writes the
queue once the server is back."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import throwaway_pg
from campaigns import NORMAL, prepare_ward
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select
from ui_context import ui_context
from ui_runner import shared_runner

from wardconsole.domain.access import load_access_policy
from wardconsole.services.audit import AuditService
from wardconsole.services.auth import AuthService
from wardconsole.services.census import CensusService
from wardconsole.services.db import Database
from wardconsole.services.outbox import Outbox
from wardconsole.services.recording import RoundEntry
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.services.sign_in import SignInPurpose
from wardconsole.services.staff import StaffService
from wardconsole.store.changes import open_change_feed
from wardconsole.store.engine import make_engine, upgrade
from wardconsole.store.models import ObservationSetRow
from wardconsole.ui.access.session import AccessContext, StaffSession
from wardconsole.ui.main_window import MainWindow

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.qt_log_ignore(r"^This plugin does not support (propagateSizeHints|raise)\(\)$"),
]
PASSWORD = "outage-night-1"


@pytest.fixture
def isolated_settings(qapp: QApplication, tmp_path: Path) -> Iterator[None]:
    QCoreApplication.setOrganizationName("WardConsoleTests")
    QCoreApplication.setApplicationName("wardconsole-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )
    yield
    qapp.setStyleSheet("")


@pytest.fixture
def server() -> Iterator[throwaway_pg.ThrowawayPostgres]:
    problem = throwaway_pg.available()
    if problem:
        pytest.skip(f"no throwaway PostgreSQL: {problem}")
    pg = throwaway_pg.ThrowawayPostgres()
    pg.start()
    try:
        yield pg
    finally:
        pg.destroy()


def test_the_console_rides_out_a_database_outage(
    qtbot, isolated_settings: None, server: throwaway_pg.ThrowawayPostgres, tmp_path: Path
) -> None:
    engine = make_engine(server.url)
    upgrade(engine)
    db = Database(engine)
    admission, nurse = prepare_ward(db, "rn.outage")
    StaffService(db).reset_password(None, nurse.staff_id, PASSWORD)
    policy = replace(load_access_policy(), idle_lock_after=timedelta(minutes=30))
    saves = SafeSaves(db, Outbox(tmp_path / "queue.sqlite", server.url))
    auth = AuthService(db, policy, saves)
    session = StaffSession()
    access = AccessContext(
        sign_in=lambda code, pw, purpose, previous: auth.sign_in(
            code, pw, "Station A", purpose=purpose, previous=previous
        ),
        setup=auth.setup,
        record_lock=auth.record_lock,
        record_sign_out=auth.record_sign_out,
        idle_lock_after=policy.idle_lock_after,
        session=session,
        station="Station A",
        ward_name="Safety ward",
        runner=shared_runner(),
        staff=StaffService(db, policy),
        audit=AuditService(db),
        saves=saves,
    )
    session.sign_in(access.sign_in("rn.outage", PASSWORD, SignInPurpose.START, None).actor)
    census = CensusService(db)
    window = MainWindow(
        ui_context(
            load_census=census.snapshot,
            open_change_feed=lambda: open_change_feed(engine),
            station="Station A",
            ward_name="Safety ward",
            database_label="throwaway PostgreSQL",
            runner=shared_runner(),
            current_actor=session.current_actor,
            access=access,
        )
    )
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(
            lambda: window.snapshot is not None and window.census_model.rowCount(), timeout=20_000
        )

        server.stop()
        went_down = time.monotonic()
        qtbot.waitUntil(lambda: window.summary_strip.database_unavailable, timeout=20_000)
        assert window.census_model.rowCount() == 1  # still showing what it has
        assert "navailable" in window.summary_strip.texts()["connection_banner"]

        for pulse in (101, 102):
            saved = saves.save_round(
                session.current_actor(),
                admission,
                RoundEntry(vitals={**NORMAL, "pulse": pulse}),
                save_key=uuid.uuid4().hex,
                bed="B01",
            )
            assert isinstance(saved, QueuedSave)
        window.access.check_queue()
        qtbot.waitUntil(lambda: window.access.queue_button.isVisible(), timeout=10_000)
        assert "2 saved here, waiting for the database" in window.access.queue_button.text()

        # Locked during the outage: the nurse who signed in here can still unlock.
        window.access.lock.lock("manual")
        screen = window.access.lock.screen
        assert screen.database.isVisible() and "2 saved" in screen.queue.text()
        qtbot.keyClicks(screen.form.password, PASSWORD)
        qtbot.keyClick(screen.form.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not window.access.lock.locked, timeout=10_000)

        server.start()
        qtbot.waitUntil(lambda: not window.access.queue_button.isVisible(), timeout=40_000)
        print(
            f"\nSAFETY console outage: {time.monotonic() - went_down:.1f} s down, "
            "2 queued entries written once back"
        )
        qtbot.waitUntil(lambda: not window.summary_strip.database_unavailable, timeout=20_000)
        with db.read() as read:
            pulses = read.scalars(
                select(ObservationSetRow.pulse).order_by(ObservationSetRow.id)
            ).all()
            assert read.scalar(select(func.count()).select_from(ObservationSetRow)) == 2
        assert pulses == [101, 102]
    finally:
        window.shutdown()
        # A census read still running on the worker would hand its connection back to a pool
        # disposed under it, left open until collected: let it finish first.
        qtbot.waitUntil(lambda: shared_runner().settled, timeout=20_000)
        engine.dispose()
