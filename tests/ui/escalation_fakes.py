"""A small real ward for escalation UI tests: SQLite or PostgreSQL, a settable clock, nurses,
patients, and an alert sound the tests can listen to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from ui_context import ui_context
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationInfo, EscalationKind, Severity
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService
from wardconsole.services.sign_in import SignedIn, SignInPurpose, SignInRefused
from wardconsole.services.staff import StaffService
from wardconsole.store.changes import open_change_feed
from wardconsole.store.engine import make_engine
from wardconsole.ui.access.session import AccessContext, StaffSession
from wardconsole.ui.context import UiContext
from wardconsole.ui.escalations.alerts import AlertSound
from wardconsole.ui.tasks import TaskRunner

START = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
SICK = {
    **NORMAL_SET,
    "respiration_rate": 26,
    "pulse": 132,
    "systolic_bp": 95,
    "diastolic_bp": 60,
    "temperature": 39.2,
}
"""NEWS2 ≥ 7: a deterioration emergency."""
UNWELL = {**NORMAL_SET, "respiration_rate": 22, "pulse": 112, "temperature": 38.2}
"""NEWS2 5: a deterioration urgent."""


class RecordingAlertSound(AlertSound):
    """Remembers every alarm it was asked to play."""

    def __init__(self, available: bool = True) -> None:
        super().__init__()
        self.played: list[Severity] = []
        self._available = available

    @property
    def available(self) -> bool:
        return self._available

    @property
    def status_text(self) -> str:
        return "Sound on" if self._available else "Sound unavailable at this station: test"

    def play(self, severity: Severity) -> None:
        self.played.append(severity)


COLLEAGUE_PASSWORD = "colleague-password"


@dataclass
class Station:
    """One nursing station on the shared database: its own engine and signed-in nurse."""

    name: str
    engine: Engine
    db: Database
    nurse: Actor
    sound: RecordingAlertSound = field(default_factory=RecordingAlertSound)
    runner: TaskRunner | None = None
    """This station's one background worker (each station is its own console process)."""

    @property
    def service(self) -> EscalationService:
        return EscalationService(self.db)

    def sign_in(
        self, code: str, password: str, purpose: SignInPurpose, first: Actor | None
    ) -> SignedIn:
        """A colleague confirming at this station: the fake checks the password against
        ``COLLEAGUE_PASSWORD`` (the real sign-in is tested in tests/services)."""
        assert purpose is SignInPurpose.CONFIRM and first == self.nurse
        if password != COLLEAGUE_PASSWORD:
            raise SignInRefused("Staff ID or password not recognised.")
        return SignedIn(StaffService(self.db).actor(code, self.name))

    def access(self, runner: TaskRunner) -> AccessContext:
        """The station's sign-in (only a colleague's confirmation is used here); the screen
        never locks by itself during a test."""

        def unused(*_args: object) -> Any:
            raise AssertionError("not used by the escalation tests")

        return AccessContext(
            sign_in=self.sign_in,
            setup=unused,
            record_lock=unused,
            record_sign_out=unused,
            idle_lock_after=timedelta(days=1),
            session=StaffSession(self.nurse),
            station=self.name,
            ward_name="Test ward",
            runner=runner,
        )

    def context(self) -> UiContext:
        census = CensusService(self.db)
        if self.runner is None:
            self.runner = TaskRunner()
        return ui_context(
            load_census=census.snapshot,
            open_change_feed=lambda: open_change_feed(self.engine),
            station=self.name,
            ward_name="Test ward",
            database_label=self.engine.dialect.name,
            runner=self.runner,
            escalations=self.service,
            current_actor=lambda: self.nurse,
            access=self.access(self.runner),
            open_alert_sound=lambda: self.sound,
            load_patient_series=ChartService(self.db).series,
        )

    def record(self, admission_id: int, values: dict[str, object]) -> None:
        RecordingService(self.db).record_observation(self.nurse, admission_id, values)

    def open(self) -> list[EscalationInfo]:
        return EscalationService(self.db).open()

    def close(self) -> None:
        if self.runner is not None:
            self.runner.shutdown()
        self.engine.dispose()


class Ward:
    """Beds, two nurses and patients on one database; stations open their own connections."""

    def __init__(self, url: str, clock: Callable[[], datetime]) -> None:
        self.url = url
        self.clock = clock
        self.stations: list[Station] = []
        first = self.station("Station A", "rn.ash", "Ash Nurse")
        AdmissionService(first.db).ensure_beds(["A1", "A2", "A3", "A4"], "Test ward")
        self.admissions: list[int] = []

    def station(self, name: str, code: str, display_name: str) -> Station:
        engine = make_engine(self.url)
        db = Database(engine, clock=self.clock)
        staff = StaffService(db)
        if not any(s.nurse.staff_code == code for s in self.stations):
            staff.add(code, display_name, Role.NURSE, None)
        station = Station(name, engine, db, staff.actor(code, name))
        self.stations.append(station)
        return station

    def admit(self, bed: str, given: str, family: str, *, hours_ago: float = 30) -> int:
        station = self.stations[0]
        admission = AdmissionService(station.db).admit(
            station.nurse,
            NewPatient(f"KD{len(self.admissions) + 1:06d}", given, family, date(1990, 1, 1)),
            bed=bed,
            admitted_at=self.clock() - timedelta(hours=hours_ago),
            reason="Ketamine dependence",
            assigned_nurse_id=station.nurse.staff_id,
        )
        self.admissions.append(admission)
        return admission

    def close(self) -> None:
        for station in self.stations:
            station.close()


def deterioration(station: Station) -> EscalationInfo:
    [found] = [e for e in station.open() if e.kind is EscalationKind.DETERIORATION]
    return found


def fake_clock() -> Clock:
    return Clock(START)
