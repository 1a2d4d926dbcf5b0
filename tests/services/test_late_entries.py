"""Late entries are judged when they are recorded (both databases): a high-risk screen from an
intake entered on day 2, or amended later, raises the emergency at once; a set entered after a
newer one never becomes current and asks whether it was acted on."""

from __future__ import annotations

from datetime import date, timedelta

from intakefakes import HIGH_RISK, intake_data
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationInfo, EscalationKind, Severity
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService

SICK = {**NORMAL_SET, "respiration_rate": 26, "pulse": 135, "spo2": 91}


def _open(db: Database, kind: EscalationKind) -> list[EscalationInfo]:
    return [e for e in EscalationService(db).open() if e.kind is kind]


def _admit(db: Database, nurse: Actor, clock: Clock, ago: timedelta, **intake: dict) -> int:
    service = AdmissionService(db)
    service.ensure_beds(["C01"], "Test ward")
    admitted_at = clock.now - ago
    return service.admit(
        nurse,
        NewPatient("KD000099", "Cai", "Cadwaladr", date(1990, 1, 2)),
        bed="C01",
        admitted_at=admitted_at,
        assigned_nurse_id=nurse.staff_id,
        intake=intake_data(admitted_at, **intake),
    )


def test_an_admission_set_30_hours_back_with_a_high_risk_screen_raises_at_once(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    _admit(db, nurse, clock, timedelta(hours=30), mental_health={"cssrs": HIGH_RISK})
    [alarm] = _open(db, EscalationKind.SELF_HARM)
    assert alarm.severity is Severity.EMERGENCY
    assert alarm.explanation == "C-SSRS high risk"


def test_a_high_risk_intake_amendment_on_day_2_raises_at_once(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = _admit(db, nurse, clock, timedelta(hours=30))
    assert _open(db, EscalationKind.SELF_HARM) == []
    service = AdmissionService(db)
    record = service.intake(admission)
    assert record.current is not None
    service.amend_intake(
        nurse,
        admission,
        "mental_health",
        {**record.current.to_json()["mental_health"], "cssrs": HIGH_RISK},
        reason="disclosed a plan to the night nurse",
        expected_version=record.admission.version,
    )
    [alarm] = _open(db, EscalationKind.SELF_HARM)
    assert alarm.severity is Severity.EMERGENCY


def test_a_set_entered_after_a_newer_one_is_not_current_and_asks_if_it_was_acted_on(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.record_observation(nurse, admission, NORMAL_SET, taken_at=clock.now)
    clock.advance(minutes=20)
    result = recording.record_observation(
        nurse, admission, SICK, taken_at=clock.now - timedelta(hours=2), note="From paper chart"
    )
    [row] = CensusService(db).snapshot().rows
    assert row.news2_total == 0  # the newer, complete set stays current
    assert _open(db, EscalationKind.DETERIORATION) == []
    [late] = _open(db, EscalationKind.LATE_ENTRY)
    assert late.severity is Severity.EMERGENCY
    assert late.explanation.startswith("Recorded late — taken at ")
    assert late.explanation.endswith(": was it acted on?")
    assert "NEWS2" in late.explanation
    assert {c.kind for c in result.escalations} == {EscalationKind.LATE_ENTRY}
    EscalationService(db).resolve(nurse, late.id, late.version, "Doctor saw him at the time")
    clock.advance(hours=1)
    EscalationService(db).evaluate_ward(nurse)
    assert _open(db, EscalationKind.LATE_ENTRY) == []
