"""A night shift recorded through the bedside services, for the handoff tests (services, UI,
report): bed B01 has a busy night (panic, late observations, deterioration, two PRNs), bed B02 a
quiet one. Ward time is UTC in November (GMT), so the times read as a nurse would say them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationKind
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.handoff import HandoffService, HandoffView, ShiftBoard
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.store.models import ObservationSetRow

NIGHT = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # GMT: ward time = UTC in November
MEDIUM = {**NORMAL_SET, "respiration_rate": 22, "pulse": 112, "temperature": 38.2}  # NEWS2 5


def at(hour: int, minute: int = 0) -> datetime:
    day = 26 if hour < 12 else 25
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@dataclass
class Ward:
    db: Database
    clock: Clock
    handoff: HandoffService
    nurse: Actor
    other_nurse: Actor
    supervisor: Actor
    busy: int
    quiet: int

    def board(self) -> ShiftBoard:
        return self.handoff.board(self.handoff.this_shift())

    def view(self, admission_id: int) -> HandoffView:
        return next(h for h in self.board().handoffs if h.admission_id == admission_id)


def seed_night(db: Database, clock: Clock) -> Ward:
    """Two patients; bed B01 has a busy night (panic, deterioration, two PRNs), B02 a quiet one."""
    staff = StaffService(db)
    staff.add("rn.okafor", "Adaeze Okafor", Role.NURSE, None)
    staff.add("rn.lind", "Sven Lindqvist", Role.NURSE, None)
    staff.add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, None)
    nurse = staff.actor("rn.okafor", "Station A")
    other = staff.actor("rn.lind", "Station B")
    supervisor = staff.actor("sn.harrow", "Office")
    admissions = AdmissionService(db)
    admissions.ensure_beds(["B01", "B02", "B03"], "Test ward")
    busy = admissions.admit(
        nurse,
        NewPatient("KD000001", "Aled", "Abernethy", date(1994, 5, 1)),
        bed="B01",
        admitted_at=at(14, 20) - timedelta(days=1),
        reason="Ketamine dependence",
        risk_flags=("Suicide risk",),
    )
    quiet = admissions.admit(
        nurse,
        NewPatient("KD000002", "Nia", "Nettleford", date(1990, 2, 3)),
        bed="B02",
        admitted_at=at(9, 0) - timedelta(days=1),
        reason="Ketamine dependence",
    )
    record = RecordingService(db)
    escalations = EscalationService(db)

    def when(hour: int, minute: int = 0) -> None:
        clock.now = at(hour, minute)

    when(17, 0)
    record.record_observation(nurse, busy, NORMAL_SET)  # NEWS2 0 before the shift
    record.record_observation(nurse, quiet, NORMAL_SET)
    when(21, 50)
    record.record_observation(nurse, busy, {**NORMAL_SET, "pulse": 95})  # NEWS2 1: 4-hourly
    when(22, 10)
    record.record_prn(
        nurse,
        busy,
        drug="Zopiclone",
        dose="7.5 mg",
        route="oral",
        reason="Insomnia",
    )
    when(1, 0)
    record.record_observation(other, quiet, NORMAL_SET)
    when(2, 5)
    record.record_assessment(
        nurse,
        busy,
        "panic",
        {"symptoms": ["palpitations", "sweating", "trembling", "chest_pain", "fear_of_dying"]},
    )
    panic = next(e for e in escalations.open() if e.kind is EscalationKind.PANIC)
    when(2, 9)
    escalations.acknowledge(nurse, panic.id, panic.version)
    when(2, 15)
    escalations.record_action(nurse, panic.id, "1:1 time, breathing exercises")
    when(2, 30)
    lorazepam = record.record_prn(
        nurse,
        busy,
        drug="Lorazepam",
        dose="1 mg",
        route="oral",
        reason="Acute anxiety",
    ).entry_id
    when(3, 10)
    escalations.resolve(nurse, panic.id, escalations.get(panic.id).version, "Settled with PRN")
    when(3, 30)
    record.record_prn_effect(nurse, lorazepam, "Calmer, still anxious")
    record.record_observation(other, busy, MEDIUM)  # 1 h 40 min late; raises deterioration
    when(5, 0)
    record.record_observation(other, quiet, NORMAL_SET)
    when(6, 30)
    return Ward(db, clock, HandoffService(db), nurse, other, supervisor, busy, quiet)


@dataclass(frozen=True)
class Night:
    """What ``record_night`` leaves in a database: the staff, the two stays, and the time the
    recording ended (06:30)."""

    nurse: Actor
    other_nurse: Actor
    supervisor: Actor
    busy: int
    quiet: int
    now: datetime


def record_night(url: str) -> Night:
    """``seed_night`` into the database at ``url`` (for ``dbfixtures.seed_database``, which
    records it once per run and copies it for each test)."""
    engine = make_engine(url)
    try:
        clock = Clock(at(17, 0))
        ward = seed_night(Database(engine, clock=clock), clock)
    finally:
        engine.dispose()
    return Night(ward.nurse, ward.other_nurse, ward.supervisor, ward.busy, ward.quiet, clock.now)


def record_drafted_night(url: str) -> Night:
    """``record_night`` with this shift's handoffs drafted by the nurse at the end of it."""
    night = record_night(url)
    engine = make_engine(url)
    try:
        handoff = HandoffService(Database(engine, clock=lambda: night.now))
        handoff.draft_shift(night.nurse, handoff.this_shift())
    finally:
        engine.dispose()
    return night


def night_ward(db: Database, clock: Clock, night: Night) -> Ward:
    """The ward of a recorded ``night`` on ``db`` (whose clock is ``clock``), the clock where
    the recording left it, as ``seed_night`` returns it."""
    clock.now = night.now
    return Ward(
        db,
        clock,
        HandoffService(db),
        night.nurse,
        night.other_nurse,
        night.supervisor,
        night.busy,
        night.quiet,
    )


def correct_the_0330_set(ward: Ward) -> None:
    """Another nurse corrects bed B01's 03:30 set (temperature 37.5, not 38.2): NEWS2 5 → 4."""
    with ward.db.read() as session:
        entry = session.scalars(
            select(ObservationSetRow.id).where(
                ObservationSetRow.admission_id == ward.busy,
                ObservationSetRow.taken_at == at(3, 30),
            )
        ).one()
    RecordingService(ward.db).amend_observation(
        ward.other_nurse,
        entry,
        {**MEDIUM, "temperature": 37.5},
        reason="Temperature misread: 37.5",
    )


def printed_patient(reader: PdfReader, bed: str) -> str:
    """The text of a bed's printed sheets (its page and any continuation pages) as a nurse
    reads it across the page breaks: without each continuation sheet's header, the repeated
    "(continued)" headings and the footers."""
    out: list[str] = []
    for page in reader.pages:
        lines = page.extract_text().splitlines()
        if not lines or not any(line.startswith(f"Bed {bed} ·") for line in lines):
            continue
        if "— continued" in lines[0]:
            lines = lines[3:]  # bed and name, hospital number, handoff status
        out += [
            line
            for line in lines
            if " · printed " not in line and not line.endswith(("(continued)", "(continued):"))
        ]
    return "\n".join(out)
