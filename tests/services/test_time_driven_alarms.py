"""Time-driven alarms come back: a decline, resolve, acknowledgement or snooze of an overdue
observation set, missed safety check or absent patient silences it for a bounded while only.
Both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.alerting import AlarmMemory, AnnounceReason
from wardconsole.domain.policy import load_policy
from wardconsole.domain.records import EscalationInfo, EscalationKind, EscalationState
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.recording import RecordingService
from wardconsole.store.models import AuditRow, Staff

OVERDUE = EscalationKind.OVERDUE_OBS
RED_SCORE = {**NORMAL_SET, "respiration_rate": 26}  # RR 25+ scores 3: hourly observations


def _open(db: Database, kind: EscalationKind) -> list[EscalationInfo]:
    return [e for e in EscalationService(db).open() if e.kind is kind]


def _tick(db: Database, nurse: Actor) -> None:
    EscalationService(db).evaluate_ward(nurse)


@pytest.fixture
def overdue(db: Database, nurse: Actor, admission: int) -> EscalationInfo:
    """Admitted 30 h ago with no observation set: the ward tick raises overdue observations."""
    _tick(db, nurse)
    [alarm] = _open(db, OVERDUE)
    return alarm


def test_not_escalating_an_overdue_set_silences_it_for_the_policy_minutes_only(
    db: Database, nurse: Actor, overdue: EscalationInfo, clock: Clock
) -> None:
    EscalationService(db).decline(nurse, overdue.id, overdue.version, "Patient asleep")
    assert db.policy.time_driven_silence == timedelta(minutes=30)
    clock.advance(minutes=29)
    _tick(db, nurse)
    assert _open(db, OVERDUE) == []

    clock.advance(minutes=1)
    _tick(db, nurse)
    [back] = _open(db, OVERDUE)
    assert back.id != overdue.id
    assert back.state is EscalationState.OPEN
    assert back.last_announced_at is None
    assert back.acknowledged_by is None
    assert "No observation set recorded" in back.explanation
    # Every station that is running announces it again.
    [announced] = AlarmMemory().plan([back], clock.now, db.policy)
    assert announced.reason is AnnounceReason.NEW


def test_resolving_an_overdue_set_without_taking_it_brings_it_back(
    db: Database, nurse: Actor, overdue: EscalationInfo, clock: Clock
) -> None:
    EscalationService(db).resolve(nurse, overdue.id, overdue.version, "Will do it later")
    clock.advance(minutes=31)
    _tick(db, nurse)
    assert len(_open(db, OVERDUE)) == 1


def test_taking_the_set_ends_it_for_good(
    db: Database, nurse: Actor, admission: int, overdue: EscalationInfo, clock: Clock
) -> None:
    EscalationService(db).decline(nurse, overdue.id, overdue.version, "Taking it now")
    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    clock.advance(hours=2)
    _tick(db, nurse)
    assert _open(db, OVERDUE) == []


def test_the_silence_is_never_longer_than_the_chart_4_interval(
    engine: Engine, nurse: Actor, admission: int, clock: Clock
) -> None:
    """A policy of 2 h, but a red-score patient is due hourly: back after 1 h, not 2."""
    db = Database(
        engine,
        clock=clock,
        policy=replace(load_policy(), time_driven_silence=timedelta(hours=2)),
    )
    clock.advance(hours=-2)
    RecordingService(db).record_observation(nurse, admission, RED_SCORE)
    clock.advance(hours=2)  # due an hour ago, beyond the 15-min grace
    _tick(db, nurse)
    [alarm] = _open(db, OVERDUE)
    EscalationService(db).decline(nurse, alarm.id, alarm.version, "Doctor said leave it")
    clock.advance(minutes=59)
    _tick(db, nurse)
    assert _open(db, OVERDUE) == []
    clock.advance(minutes=1)
    _tick(db, nurse)
    assert len(_open(db, OVERDUE)) == 1


def test_an_acknowledged_overdue_set_returns_unacknowledged_and_announced(
    db: Database, nurse: Actor, overdue: EscalationInfo, clock: Clock
) -> None:
    service = EscalationService(db)
    memory = AlarmMemory()
    assert [a.reason for a in memory.plan([overdue], clock.now, db.policy)] == [AnnounceReason.NEW]
    service.acknowledge(nurse, overdue.id, overdue.version)
    clock.advance(minutes=29)
    _tick(db, nurse)
    [still] = _open(db, OVERDUE)
    assert still.state is EscalationState.ACKNOWLEDGED
    assert memory.plan([still], clock.now, db.policy) == []

    clock.advance(minutes=1)
    _tick(db, nurse)
    [back] = _open(db, OVERDUE)
    assert back.id == overdue.id
    assert back.state is EscalationState.OPEN
    assert back.acknowledged_by is None
    [announced] = memory.plan([back], clock.now, db.policy)
    assert announced.reason is AnnounceReason.RETURNED
    trail = service.trail(back.id)
    assert trail[-1].action == "returned"
    [acknowledged] = [e for e in trail if e.action == "acknowledged"]
    assert acknowledged.staff == "Robin Test"  # who acknowledged stays on the trail


def test_a_snoozed_acknowledged_alarm_returns_when_the_snooze_ends(
    db: Database, nurse: Actor, overdue: EscalationInfo, clock: Clock
) -> None:
    service = EscalationService(db)
    service.acknowledge(nurse, overdue.id, overdue.version)
    clock.advance(minutes=25)
    service.snooze(nurse, overdue.id, service.get(overdue.id).version, 20, "Patient in the bath")
    clock.advance(minutes=19)  # 44 min after the acknowledgement: the snooze still holds
    _tick(db, nurse)
    assert _open(db, OVERDUE)[0].state is EscalationState.ACKNOWLEDGED
    clock.advance(minutes=1)
    _tick(db, nurse)
    [back] = _open(db, OVERDUE)
    assert back.state is EscalationState.OPEN
    assert back.snoozed_until is None


def test_a_declined_missed_safety_check_comes_back(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    levels = ObservationLevelService(db)
    levels.set_level(nurse, admission, "intermittent_15", reason="Suicidal thoughts")
    levels.record_check(nurse, admission, "calm", "Lounge")
    clock.advance(minutes=16)
    _tick(db, nurse)
    [missed] = _open(db, EscalationKind.MISSED_CHECK)
    EscalationService(db).decline(nurse, missed.id, missed.version, "Saw her in passing")
    clock.advance(minutes=5)
    _tick(db, nurse)
    assert _open(db, EscalationKind.MISSED_CHECK) == []
    clock.advance(minutes=10)  # the next check's deadline has passed too: back at once
    _tick(db, nurse)
    [again] = _open(db, EscalationKind.MISSED_CHECK)
    assert again.id != missed.id
    assert "2 checks missed in a row" in again.explanation


def test_a_declined_absent_patient_returns_until_a_check_finds_them(
    db: Database, nurse: Actor, colleague: Actor, admission: int, clock: Clock
) -> None:
    levels = ObservationLevelService(db)
    levels.record_check(nurse, admission, "not_found", "Bedroom, lounge")
    [absent] = _open(db, EscalationKind.ABSENT)
    service = EscalationService(db)
    service.decline(
        nurse, absent.id, absent.version, "Gone to the shop, he said", confirmed_by=colleague
    )
    clock.advance(minutes=31)
    _tick(db, nurse)
    [back] = _open(db, EscalationKind.ABSENT)
    service.decline(nurse, back.id, back.version, "Still at the shop", confirmed_by=colleague)
    levels.record_check(nurse, admission, "calm", "Lounge")
    clock.advance(minutes=31)
    _tick(db, nurse)
    assert _open(db, EscalationKind.ABSENT) == []


def test_a_declined_clinical_alarm_still_stays_closed_on_the_same_evidence(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """Only time-driven kinds recur: a declined NEWS2 alarm waits for new evidence."""
    RecordingService(db).record_observation(nurse, admission, RED_SCORE)
    [alarm] = _open(db, EscalationKind.DETERIORATION)
    EscalationService(db).decline(nurse, alarm.id, alarm.version, "Known baseline")
    clock.advance(minutes=45)
    _tick(db, nurse)
    assert _open(db, EscalationKind.DETERIORATION) == []


def _audit(db: Database, action: str) -> list[tuple[str, str, int | None, dict]]:
    with db.read() as session:
        rows = session.execute(
            select(Staff.staff_code, Staff.role, AuditRow.entity_id, AuditRow.detail)
            .join(Staff, Staff.id == AuditRow.staff_id)
            .where(AuditRow.action == action)
            .order_by(AuditRow.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_what_the_ward_tick_raises_is_audited_as_the_system_account_not_the_nurse(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """The nurse signed in at the station did not raise the alarm: the timers did."""
    _tick(db, nurse)
    [(code, role, entity_id, detail)] = _audit(db, "time_driven_rules")
    assert (code, role, entity_id) == ("system", "system", admission)
    [change] = detail["changes"]
    assert change["kind"] == OVERDUE.value and change["change"] == "raise"
    with db.read() as session:
        by_nurse = session.scalars(
            select(AuditRow.action).where(AuditRow.staff_id == nurse.staff_id)
        ).all()
    assert "time_driven_rules" not in by_nurse
    # A tick that changes nothing writes nothing.
    clock.advance(minutes=1)
    _tick(db, nurse)
    assert len(_audit(db, "time_driven_rules")) == 1


def test_an_alarm_the_ward_tick_raises_is_never_on_record_without_its_audit_row(
    db: Database, nurse: Actor, admission: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The alarm is written in a savepoint and its audit row after it, in one transaction: if
    the audit row cannot be written the alarm is not on the board either (on SQLite the
    savepoint had been committing on its own: an alarm nobody could account for)."""
    from wardconsole.services import escalations

    def audit_fails(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the audit row could not be written")

    monkeypatch.setattr(escalations, "_audit_automatic", audit_fails)
    with pytest.raises(RuntimeError, match="audit row"):
        _tick(db, nurse)
    assert _open(db, OVERDUE) == []
    monkeypatch.undo()
    _tick(db, nurse)  # the next tick raises it, with its audit row
    assert len(_open(db, OVERDUE)) == 1
    assert len(_audit(db, "time_driven_rules")) == 1
