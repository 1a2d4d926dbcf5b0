"""A screenshot of the console at night on the demo ward, with an alarm on the banner.

Set WARDCONSOLE_SHOT_DIR to keep it (the committed one is docs/escalations-night.png).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from dbfixtures import migrated_sqlite
from PySide6.QtGui import QImage
from screenshots import grab_census
from ui_context import ui_context
from ui_runner import shared_runner
from wardfakes import Clock

from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.services.census import CensusService
from wardconsole.services.db import Database
from wardconsole.services.demo import build_demo_ward
from wardconsole.services.escalations import EscalationService
from wardconsole.services.staff import StaffService
from wardconsole.store.changes import open_change_feed
from wardconsole.store.engine import make_engine
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.theme import Theme

from .escalation_fakes import RecordingAlertSound

NIGHT = datetime(2026, 11, 26, 2, 40, tzinfo=UTC)


def test_escalations_at_night_on_the_demo_ward(qtbot, tmp_path: Path) -> None:
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    clock = Clock(NIGHT)
    engine = make_engine(migrated_sqlite(tmp_path / "demo.sqlite"))
    db = Database(engine, clock=clock)
    build_demo_ward(db)
    staff = StaffService(db)
    okafor = staff.actor("rn.okafor", "Nurses' station 1")
    pereira = staff.actor("rn.pereira", "Nurses' station 2")
    escalations = EscalationService(db)
    board = escalations.board().escalations
    panic = next(e for e in board if e.kind is EscalationKind.PANIC)
    clock.advance(minutes=3)
    escalations.acknowledge(pereira, panic.id, panic.version)
    clock.advance(minutes=2)
    escalations.record_action(pereira, panic.id, "Reassurance and de-escalation — settling")
    clock.advance(minutes=2)

    sound = RecordingAlertSound()
    census = CensusService(db)
    window = MainWindow(
        ui_context(
            load_census=census.snapshot,
            open_change_feed=lambda: open_change_feed(engine),
            station="Nurses' station 1",
            ward_name=census.ward_name(),
            database_label="SQLite (demo ward)",
            runner=shared_runner(),
            escalations=escalations,
            signed_in=okafor,
            open_alert_sound=lambda: sound,
        )
    )
    qtbot.addWidget(window)
    try:
        window.set_theme(Theme.NIGHT)
        window.show()
        qtbot.waitUntil(
            lambda: window.snapshot is not None and window.escalations.board is not None
        )
        # 7 min unacknowledged: the emergency has cascaded to the nurse in charge.
        qtbot.waitUntil(lambda: "Cascaded to Nurse in charge" in window.alert_banner.text())
        window.escalation_panel.select_escalation(window.alert_banner.alarm.escalation.id)
        qtbot.waitUntil(lambda: window.escalation_panel.trail.model().rowCount() >= 2)
        window.escalations.mute.mute()
        path = grab_census(window, shot_dir / "escalations-night.png")
    finally:
        window.shutdown()
        engine.dispose()

    assert sound.played[0] is Severity.EMERGENCY
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1366, 768)
    # The banner is the emergency colour, right under the menu bar.
    banner = window.alert_banner.geometry()
    top_left = window.centralWidget().mapTo(window, banner.topLeft())
    colour = image.pixelColor(top_left.x() + 40, top_left.y() + 12)
    assert colour.red() > 150 and colour.green() < 60
