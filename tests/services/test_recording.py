"""Recording at the bedside: what a nurse saves is kept, scored and audited; bad input changes
nothing; corrections never overwrite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor, InvalidInput, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService
from wardconsole.store.models import AuditRow, ObservationSetRow


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_full_set_is_scored_stored_and_audited(
    db: Database, nurse: Actor, admission: int
) -> None:
    result = RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    assert result.news2 is not None and result.news2.total == 0
    row = CensusService(db).snapshot().rows[0]
    assert row.news2_total == 0 and row.news2_risk == "low"
    assert row.next_obs_due_at == db.clock() + timedelta(hours=12)
    with db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "record_observation"))
        entry = audit.one()
    assert (entry.staff_id, entry.station) == (nurse.staff_id, "Station A")


def test_an_impossible_value_is_refused_naming_the_field(
    db: Database, nurse: Actor, admission: int
) -> None:
    with pytest.raises(InvalidInput) as caught:
        RecordingService(db).record_observation(nurse, admission, {**NORMAL_SET, "pulse": 400})
    assert "pulse" in caught.value.problems
    assert _count(db, ObservationSetRow) == 0


def test_an_extreme_value_needs_explicit_confirmation(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = RecordingService(db)
    extreme = {**NORMAL_SET, "pulse": 210}
    with pytest.raises(InvalidInput) as caught:
        service.record_observation(nurse, admission, extreme)
    assert "pulse" in caught.value.problems
    result = service.record_observation(nurse, admission, extreme, confirmed={"pulse"})
    assert result.news2 is not None and result.news2.parameter_scores["pulse"] == 3


def test_a_partial_set_needs_a_reason_and_never_makes_a_news2_score(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    service.record_observation(nurse, admission, NORMAL_SET)
    clock.advance(hours=2)
    partial = {**NORMAL_SET, "systolic_bp": None, "diastolic_bp": None, "temperature": None}
    with pytest.raises(InvalidInput) as caught:
        service.record_observation(nurse, admission, partial)
    assert set(caught.value.problems) == {"systolic_bp", "temperature"}
    result = service.record_observation(
        nurse,
        admission,
        partial,
        missing_reasons={"systolic_bp": "asleep", "temperature": "asleep"},
    )
    assert result.news2 is None
    row = CensusService(db).snapshot().rows[0]
    assert row.news2_total == 0  # the last complete score stands
    assert row.latest_set_partial
    assert row.last_obs_at == clock.now


def test_an_amendment_keeps_the_original(db: Database, nurse: Actor, admission: int) -> None:
    service = RecordingService(db)
    first = service.record_observation(nurse, admission, {**NORMAL_SET, "pulse": 115})
    service.amend_observation(
        nurse, first.entry_id, {**NORMAL_SET, "pulse": 75}, reason="Pulse misread; recounted"
    )
    with db.read() as session:
        rows = session.scalars(select(ObservationSetRow).order_by(ObservationSetRow.id)).all()
    assert [r.pulse for r in rows] == [115, 75]
    assert rows[1].amends_id == rows[0].id
    assert CensusService(db).snapshot().rows[0].news2_total == 0


def test_entered_in_error_removes_the_score_but_not_the_row(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = RecordingService(db)
    first = service.record_observation(nurse, admission, NORMAL_SET)
    service.mark_entered_in_error(nurse, "observation", first.entry_id, "Wrong patient")
    assert _count(db, ObservationSetRow) == 2
    assert CensusService(db).snapshot().rows[0].news2_total is None


def test_a_read_only_account_cannot_record(db: Database, admission: int) -> None:
    visitor = Actor(999, "visitor", "Visiting Clinician", Role.READONLY, "Station A")
    with pytest.raises(PermissionDenied):
        RecordingService(db).record_observation(visitor, admission, NORMAL_SET)


def test_a_high_news2_raises_a_deterioration_emergency_in_the_same_save(
    db: Database, nurse: Actor, admission: int
) -> None:
    sick = {
        **NORMAL_SET,
        "respiration_rate": 26,
        "pulse": 132,
        "systolic_bp": 95,
        "diastolic_bp": 60,
        "temperature": 39.2,
    }
    result = RecordingService(db).record_observation(nurse, admission, sick)
    assert result.news2 is not None and result.news2.risk == "high"
    raised = {(c.kind, c.severity) for c in result.escalations}
    assert (EscalationKind.DETERIORATION, Severity.EMERGENCY) in raised
    [open_escalation] = [
        e for e in EscalationService(db).open() if e.kind is EscalationKind.DETERIORATION
    ]
    assert "NEWS2" in open_escalation.explanation


def test_the_same_trigger_twice_keeps_one_open_escalation(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    medium = {
        **NORMAL_SET,
        "respiration_rate": 22,
        "systolic_bp": 105,
        "pulse": 95,
        "temperature": 38.5,
    }
    service.record_observation(nurse, admission, medium)
    clock.advance(minutes=30)
    service.record_observation(nurse, admission, medium)
    kinds = [e.kind for e in EscalationService(db).open()]
    assert kinds.count(EscalationKind.DETERIORATION) == 1


def test_a_panic_attack_is_escalated_and_explains_itself(
    db: Database, nurse: Actor, admission: int
) -> None:
    result = RecordingService(db).record_assessment(
        nurse,
        admission,
        "panic",
        {
            "symptoms": ["palpitations", "sweating", "trembling", "fear_of_dying", "chest_pain"],
            "distress": 9,
        },
    )
    kinds = {c.kind for c in result.escalations}
    assert EscalationKind.PANIC in kinds
    [panic] = [e for e in EscalationService(db).open() if e.kind is EscalationKind.PANIC]
    assert "5" in panic.explanation
