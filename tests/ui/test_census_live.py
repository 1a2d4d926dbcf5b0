"""The census over a real database: another station's write appears without user action."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from ui_context import ui_context
from ui_runner import shared_runner
from wardfakes import NORMAL_SET

from wardconsole.domain.records import EscalationKind
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.changes import open_change_feed
from wardconsole.store.engine import make_engine
from wardconsole.ui.main_window import MainWindow


class Station:
    """One nursing station: its own engine (connection pool) on the shared database."""

    def __init__(self, url: str, name: str) -> None:
        self.engine = make_engine(url)
        self.db = Database(self.engine)
        self.name = name

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def stations(db_url: str) -> Iterator[tuple[Station, Station]]:
    a, b = Station(db_url, "Station A"), Station(db_url, "Station B")
    yield a, b
    a.close()
    b.close()


def _nurse(station: Station) -> Actor:
    staff = StaffService(station.db)
    staff.add("rn.live", "Lee Live", Role.NURSE, None)
    return staff.actor("rn.live", station.name)


def _window(qtbot, station: Station) -> MainWindow:
    census = CensusService(station.db)
    window = MainWindow(
        ui_context(
            load_census=census.snapshot,
            open_change_feed=lambda: open_change_feed(station.engine),
            station=station.name,
            ward_name="Test ward",
            database_label=str(station.engine.url.get_backend_name()),
            runner=shared_runner(),
        )
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=10_000)
    return window


def test_an_admission_and_an_escalation_from_another_station_appear(
    qtbot, stations: tuple[Station, Station]
) -> None:
    a, b = stations
    nurse = _nurse(a)
    AdmissionService(a.db).ensure_beds(["B01", "B02"], "Test ward")
    window = _window(qtbot, b)
    assert window.snapshot is not None and window.snapshot.rows == ()

    now = datetime.now(UTC)
    admission = AdmissionService(a.db).admit(
        nurse,
        NewPatient("KD424242", "Nia", "Nettleford", date(1991, 2, 3)),
        bed="B02",
        admitted_at=now - timedelta(hours=20),
    )
    qtbot.waitUntil(lambda: len(window.snapshot.rows) == 1, timeout=5_000)
    assert window.snapshot.rows[0].patient_name == "Nia Nettleford"

    sick = {
        **NORMAL_SET,
        "respiration_rate": 26,
        "pulse": 132,
        "systolic_bp": 95,
        "diastolic_bp": 60,
        "temperature": 39.2,
    }
    RecordingService(a.db).record_observation(nurse, admission, sick)

    def shows_emergency() -> bool:
        row = window.snapshot.rows[0]
        top = row.top_escalation
        return (
            row.news2_risk == "high"
            and top is not None
            and top.kind is EscalationKind.DETERIORATION
        )

    qtbot.waitUntil(shows_emergency, timeout=5_000)
    window.close()
