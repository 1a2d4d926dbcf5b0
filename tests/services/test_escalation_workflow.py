"""Acknowledge, act, resolve: who and when are kept; two stations never both win."""

from __future__ import annotations

import threading

import pytest
from wardfakes import NORMAL_SET

from wardconsole.domain.records import EscalationKind, EscalationState
from wardconsole.services.context import Actor, ConflictError, InvalidInput, Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine

SICK = {
    **NORMAL_SET,
    "respiration_rate": 26,
    "pulse": 132,
    "systolic_bp": 95,
    "diastolic_bp": 60,
    "temperature": 39.2,
}


def _raise_one(db: Database, nurse: Actor, admission: int) -> int:
    RecordingService(db).record_observation(nurse, admission, SICK)
    [esc] = [e for e in EscalationService(db).open() if e.kind is EscalationKind.DETERIORATION]
    return esc.id


def test_raised_acknowledged_resolved_with_its_trail(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = EscalationService(db)
    esc_id = _raise_one(db, nurse, admission)
    service.acknowledge(nurse, esc_id, service.get(esc_id).version)
    assert service.get(esc_id).acknowledged_by == "Robin Test"
    service.record_action(nurse, esc_id, "Doctor called")
    service.resolve(nurse, esc_id, service.get(esc_id).version, "Reviewed, antibiotics started")
    info = service.get(esc_id)
    assert info.state is EscalationState.RESOLVED and info.resolved_by == "Robin Test"
    assert [e.action for e in service.trail(esc_id)] == [
        "raised",
        "acknowledged",
        "action",
        "resolved",
    ]
    assert all(e.id != esc_id for e in service.open())


def test_resolving_needs_an_outcome(db: Database, nurse: Actor, admission: int) -> None:
    service = EscalationService(db)
    esc_id = _raise_one(db, nurse, admission)
    with pytest.raises(InvalidInput):
        service.resolve(nurse, esc_id, service.get(esc_id).version, "  ")
    assert service.get(esc_id).state is EscalationState.OPEN


def test_a_stale_acknowledge_is_told_who_took_it(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = EscalationService(db)
    esc_id = _raise_one(db, nurse, admission)
    version = service.get(esc_id).version
    StaffService(db).add("rn.other", "Sam Other", Role.NURSE, None)
    other = StaffService(db).actor("rn.other", "Station B")
    service.acknowledge(other, esc_id, version)
    with pytest.raises(ConflictError, match="Sam Other already acknowledged"):
        service.acknowledge(nurse, esc_id, version)


def test_two_stations_acknowledging_at_once_produce_one_winner(
    db_url: str, db: Database, nurse: Actor, admission: int
) -> None:
    esc_id = _raise_one(db, nurse, admission)
    version = EscalationService(db).get(esc_id).version
    StaffService(db).add("rn.b", "Station B Nurse", Role.NURSE, None)
    other = StaffService(db).actor("rn.b", "Station B")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def station(actor: Actor) -> None:
        engine = make_engine(db_url)  # each station has its own connection pool
        service = EscalationService(Database(engine, clock=db.clock))
        barrier.wait()
        try:
            service.acknowledge(actor, esc_id, version)
            outcomes.append("won")
        except ConflictError as exc:
            outcomes.append(str(exc))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=station, args=(a,)) for a in (nurse, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes)[-1] == "won" and outcomes.count("won") == 1
    assert "already acknowledged" in next(o for o in outcomes if o != "won")


def test_a_snooze_needs_a_reason_and_is_capped(
    db: Database, nurse: Actor, colleague: Actor, admission: int
) -> None:
    service = EscalationService(db)
    esc_id = _raise_one(db, nurse, admission)
    version = service.get(esc_id).version
    with pytest.raises(InvalidInput) as caught:
        service.snooze(nurse, esc_id, version, 24 * 60, "", confirmed_by=colleague)
    assert {"reason", "minutes"} <= set(caught.value.problems)
    service.snooze(nurse, esc_id, version, 10, "Doctor already at bedside", confirmed_by=colleague)
    assert service.get(esc_id).snoozed_until is not None


def test_two_stations_raising_the_same_escalation_at_once_keep_both_saves(
    db_url: str, db: Database, nurse: Actor, admission: int
) -> None:
    """The one-open-per-kind index refuses the second raise; the save itself must not fail."""
    from sqlalchemy import func, select

    from wardconsole.store.models import ObservationSetRow

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def station() -> None:
        engine = make_engine(db_url)
        service = RecordingService(Database(engine, clock=db.clock))
        barrier.wait()
        try:
            service.record_observation(nurse, admission, SICK)
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=station) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ObservationSetRow)) == 2
    open_kinds = [e.kind for e in EscalationService(db).open()]
    assert open_kinds.count(EscalationKind.DETERIORATION) == 1
