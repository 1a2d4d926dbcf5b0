"""An overdue follow-up escalates (HAZ-129), on SQLite and PostgreSQL: the ward tick raises one
advisory naming the patient and the due time once the follow-up is past its limit of elapsed
hours (across a clock change too), the patient no longer being on the census; a failed attempt
updates it, the attempt that makes contact resolves it, and there is never a second one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.records import EscalationKind, EscalationState, Severity
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.escalations import EscalationService
from wardconsole.store.models import AuditRow, EscalationEventRow, Staff
from wardconsole.store.repository import EscalationInfo

LONDON = ZoneInfo("Europe/London")
OVERDUE = EscalationKind.FOLLOW_UP_OVERDUE


def _discharged(db: Database, nurse: Actor, clock: Clock) -> int:
    admissions = AdmissionService(db)
    admissions.ensure_beds(["B01", "B02"], "Test ward")
    admission = admissions.admit(
        nurse,
        NewPatient("KD000001", "Nia", "Okonjo", date(1991, 2, 3)),
        bed="B01",
        admitted_at=clock.now - timedelta(days=6),
        reason="Ketamine dependence",
    )
    service = DischargeService(db)
    service.discharge(
        nurse,
        admission,
        destination="outpatient_programme",
        summary=service.draft(admission).text,
    )
    return admission


def _tick(db: Database, nurse: Actor) -> None:
    EscalationService(db).evaluate_ward(nurse)


def _overdue(db: Database) -> list[EscalationInfo]:
    return [e for e in EscalationService(db).open() if e.kind is OVERDUE]


def test_the_follow_up_escalates_72_hours_after_discharge_across_the_clock_change(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    # Sat 24 Oct 2026 12:00 BST; the clocks go back on Sun 25 Oct: due Tue 27 Oct 11:00 GMT.
    clock.now = datetime(2026, 10, 24, 12, 0, tzinfo=LONDON).astimezone(UTC)
    admission = _discharged(db, nurse, clock)
    clock.now = datetime(2026, 10, 27, 10, 59, tzinfo=LONDON).astimezone(UTC)
    _tick(db, nurse)
    assert _overdue(db) == []  # 71 h 59 min of elapsed time: not yet (the wall clock says 72)
    clock.advance(minutes=2)
    _tick(db, nurse)
    [alarm] = _overdue(db)
    assert alarm.admission_id == admission
    assert alarm.severity is Severity.ADVISORY and alarm.state is EscalationState.OPEN
    assert alarm.patient_name == "Nia Okonjo"
    assert alarm.explanation == (
        "Follow-up contact overdue since Tue 27 Oct 2026 11:00 (72 h after discharge, "
        "standard) — no attempt recorded"
    )
    assert alarm.discharged and alarm.where == "Discharged"
    assert alarm.raised_at == datetime(2026, 10, 27, 11, 1, tzinfo=UTC)
    # The tick again, an hour later: the same one escalation, nothing new on its trail.
    clock.advance(hours=1)
    _tick(db, nurse)
    assert [e.id for e in _overdue(db)] == [alarm.id]
    assert [e.action for e in EscalationService(db).trail(alarm.id)] == ["raised"]
    with db.read() as session:
        who = session.execute(
            select(Staff.staff_code)
            .join(AuditRow, AuditRow.staff_id == Staff.id)
            .where(AuditRow.action == "time_driven_rules", AuditRow.entity_id == admission)
        ).scalars()
        assert set(who) == {"system"}


def test_a_failed_attempt_updates_it_and_the_contact_resolves_it(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    _discharged(db, nurse, clock)
    service = AftercareService(db)
    [follow_up] = service.follow_ups(nurse)
    clock.now = follow_up.due_at + timedelta(hours=2)
    _tick(db, nurse)
    [alarm] = _overdue(db)
    service.record_attempt(nurse, follow_up.id, "no_answer")
    [updated] = _overdue(db)
    assert updated.id == alarm.id
    assert updated.explanation.endswith("— 1 attempt, last no answer " + _local(clock.now))
    clock.advance(minutes=40)
    service.record_attempt(nurse, follow_up.id, "contact_made", note="Well; seen by the team")
    assert _overdue(db) == []
    resolved = EscalationService(db).get(alarm.id)
    assert resolved.state is EscalationState.RESOLVED
    assert resolved.outcome == "Follow-up contact made"
    assert resolved.resolved_by == nurse.display_name
    clock.advance(hours=1)
    _tick(db, nurse)
    assert _overdue(db) == []  # closed follow-up: never raised again


def test_unable_to_contact_resolves_it_without_copying_the_note(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    _discharged(db, nurse, clock)
    service = AftercareService(db)
    [follow_up] = service.follow_ups(nurse)
    clock.now = follow_up.due_at + timedelta(minutes=5)
    note = "3 calls to 07700 900123; GP and CDAT told"
    service.record_attempt(nurse, follow_up.id, "unable_to_contact", note=note)
    assert _overdue(db) == []  # recorded before any tick: nothing was left open
    _tick(db, nurse)
    assert _overdue(db) == []
    with db.read() as session:
        details = session.scalars(select(EscalationEventRow.detail)).all()
    assert not any("07700" in d for d in details)


def test_an_attempt_after_the_due_time_raises_it_at_once_before_any_tick(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    _discharged(db, nurse, clock)
    service = AftercareService(db)
    [follow_up] = service.follow_ups(nurse)
    clock.now = follow_up.due_at + timedelta(hours=1)
    service.record_attempt(nurse, follow_up.id, "message_left", note="Voicemail")
    [alarm] = _overdue(db)
    assert "1 attempt, last message left" in alarm.explanation


def test_resolved_by_hand_it_does_not_come_back_for_the_same_due_time(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    _discharged(db, nurse, clock)
    [follow_up] = AftercareService(db).follow_ups(nurse)
    clock.now = follow_up.due_at + timedelta(minutes=1)
    _tick(db, nurse)
    [alarm] = _overdue(db)
    EscalationService(db).resolve(nurse, alarm.id, alarm.version, "Team calling at 09:00")
    clock.advance(hours=2)
    _tick(db, nurse)
    assert _overdue(db) == []
    # The follow-up itself is still open and overdue on the Follow-ups list.
    [still] = AftercareService(db).follow_ups(nurse)
    assert still.state.value == "overdue"


def _local(at: datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"
