"""What a station does with the ward's escalations: not escalating, announcing and cascading,
on both databases."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.alerting import AlarmMemory, AnnounceReason
from wardconsole.domain.records import EscalationKind, EscalationState
from wardconsole.services.context import Actor, ConflictError, InvalidInput, Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.store.models import AuditRow, Staff

SICK = {
    **NORMAL_SET,
    "respiration_rate": 26,
    "pulse": 132,
    "systolic_bp": 95,
    "diastolic_bp": 60,
    "temperature": 39.2,
}


def _emergency(db: Database, nurse: Actor, admission: int) -> int:
    RecordingService(db).record_observation(nurse, admission, SICK)
    [esc] = [e for e in EscalationService(db).open() if e.kind is EscalationKind.DETERIORATION]
    return esc.id


def test_the_board_lists_open_escalations_with_the_ward_clock(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    esc_id = _emergency(db, nurse, admission)
    board = EscalationService(db).board()
    assert board.taken_at == clock.now
    assert board.escalations[0].id == esc_id
    assert board.escalations[0].bed == "B01"


def test_deciding_not_to_escalate_needs_a_reason_and_is_on_the_trail(
    db: Database, nurse: Actor, colleague: Actor, admission: int
) -> None:
    service = EscalationService(db)
    esc_id = _emergency(db, nurse, admission)
    version = service.get(esc_id).version
    with pytest.raises(InvalidInput) as caught:
        service.decline(nurse, esc_id, version, "   ")
    assert "reason" in caught.value.problems
    assert service.get(esc_id).state is EscalationState.OPEN

    service.decline(
        nurse, esc_id, version, "Known baseline tachycardia; doctor aware", confirmed_by=colleague
    )
    info = service.get(esc_id)
    assert info.state is EscalationState.RESOLVED
    assert info.outcome == "Not escalated: Known baseline tachycardia; doctor aware"
    last = service.trail(esc_id)[-1]
    assert (last.action, last.staff, last.station) == ("not_escalated", "Robin Test", "Station A")
    assert last.confirmed_by == "Sam Second"
    # The same evidence does not raise it again.
    service.evaluate_ward(nurse)
    assert all(e.kind is not EscalationKind.DETERIORATION for e in service.open())


def test_snoozes_show_on_the_trail_with_reason_and_length(
    db: Database, nurse: Actor, colleague: Actor, admission: int
) -> None:
    service = EscalationService(db)
    esc_id = _emergency(db, nurse, admission)
    version = service.get(esc_id).version
    service.snooze(nurse, esc_id, version, 10, "Doctor at the bedside", confirmed_by=colleague)
    last = service.trail(esc_id)[-1]
    assert (last.action, last.detail, last.staff, last.confirmed_by) == (
        "snoozed",
        "10 min: Doctor at the bedside (confirmed by Sam Second)",
        "Robin Test",
        "Sam Second",
    )


def test_announcing_never_makes_an_acknowledgement_conflict(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = EscalationService(db)
    esc_id = _emergency(db, nurse, admission)
    seen_version = service.get(esc_id).version
    memory = AlarmMemory()
    announcements = memory.plan(service.board().escalations, clock.now, db.policy)
    assert [a.reason for a in announcements] == [AnnounceReason.NEW]
    clock.advance(minutes=5)
    announcements = memory.plan(service.board().escalations, clock.now, db.policy)
    assert [a.reason for a in announcements] == [AnnounceReason.CASCADE]
    assert service.record_announcements(announcements, nurse.station) == [esc_id]
    info = service.get(esc_id)
    assert (info.cascade_level, info.last_announced_at) == (1, clock.now)
    assert service.trail(esc_id)[-1].detail == "cascaded to Nurse in charge"
    assert service.trail(esc_id)[-1].station == "Station A"
    with db.read() as session:
        (audit,) = session.scalars(
            select(AuditRow).where(AuditRow.action == "escalation_cascaded")
        ).all()
        by = session.get(Staff, audit.staff_id)
    assert by is not None and by.role == "system" and by.id != nurse.staff_id
    assert audit.detail == {"escalation_id": esc_id, "level": 1, "to": "Nurse in charge"}
    service.acknowledge(nurse, esc_id, seen_version)  # the version the nurse saw is still good
    assert service.get(esc_id).state is EscalationState.ACKNOWLEDGED


def test_an_acknowledged_escalation_does_not_cascade(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = EscalationService(db)
    esc_id = _emergency(db, nurse, admission)
    memory = AlarmMemory()
    memory.plan(service.board().escalations, clock.now, db.policy)
    clock.advance(minutes=5)
    due = memory.plan(service.board().escalations, clock.now, db.policy)
    service.acknowledge(nurse, esc_id, EscalationService(db).get(esc_id).version)
    assert service.record_announcements(due, nurse.station) == []
    assert EscalationService(db).get(esc_id).cascade_level == 0


def test_two_stations_cascading_at_once_move_it_one_step(
    db_url: str, db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    esc_id = _emergency(db, nurse, admission)
    memory = AlarmMemory()
    memory.plan(EscalationService(db).board().escalations, clock.now, db.policy)
    clock.advance(minutes=5)
    due = memory.plan(EscalationService(db).board().escalations, clock.now, db.policy)
    barrier = threading.Barrier(2)
    results: list[list[int]] = []

    def station(name: str) -> None:
        engine = make_engine(db_url)
        service = EscalationService(Database(engine, clock=clock))
        barrier.wait()
        try:
            results.append(service.record_announcements(due, name))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=station, args=(n,)) for n in ("Station A", "Station B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [[], [esc_id]]
    assert EscalationService(db).get(esc_id).cascade_level == 1
    assert [e.action for e in EscalationService(db).trail(esc_id)].count("cascaded") == 1


def test_a_resolved_escalation_cannot_be_declined_later(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = EscalationService(db)
    esc_id = _emergency(db, nurse, admission)
    service.resolve(nurse, esc_id, service.get(esc_id).version, "Reviewed by doctor")
    StaffService(db).add("rn.late", "Late Nurse", Role.NURSE, None)
    late = StaffService(db).actor("rn.late", "Station B")
    with pytest.raises(ConflictError, match="Robin Test already resolved"):
        service.decline(late, esc_id, 1, "no longer needed")
