"""Staff concern: a nurse escalates whatever the scores say, through the same workflow as every
other escalation (announce, acknowledge, cascade, audit, handoff, FHIR Flag). Both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.alerting import AlarmMemory, AnnounceReason
from wardconsole.domain.records import EscalationInfo, EscalationKind, EscalationState, Severity
from wardconsole.services.context import Actor, InvalidInput, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow, EscalationRow

CONCERN = EscalationKind.STAFF_CONCERN


def _concerns(db: Database) -> list[EscalationInfo]:
    return [e for e in EscalationService(db).open() if e.kind is CONCERN]


def test_a_concern_about_a_well_scoring_patient_is_an_announced_escalation(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)  # NEWS2 0
    EscalationService(db).raise_concern(
        nurse, admission, Severity.URGENT, "Grey and clammy, not himself"
    )
    [concern] = _concerns(db)
    assert concern.severity is Severity.URGENT
    assert concern.state is EscalationState.OPEN
    assert concern.explanation == "Robin Test: Grey and clammy, not himself"
    assert concern.bed == "B01"
    [announced] = AlarmMemory().plan([concern], clock.now, db.policy)
    assert announced.reason is AnnounceReason.NEW
    [raised] = EscalationService(db).trail(concern.id)
    assert (raised.action, raised.staff, raised.station) == ("raised", "Robin Test", "Station A")
    with db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "raise_concern")).one()
    assert audit.detail["reason"] == "Grey and clammy, not himself"
    assert audit.staff_id == nurse.staff_id


def test_a_concern_needs_a_reason_and_urgent_or_emergency(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = EscalationService(db)
    with pytest.raises(InvalidInput) as caught:
        service.raise_concern(nurse, admission, Severity.ADVISORY, "   ")
    assert set(caught.value.problems) == {"reason", "severity"}
    with db.read() as session:
        assert session.scalars(select(EscalationRow)).all() == []


def test_a_read_only_account_cannot_raise_a_concern(db: Database, admission: int) -> None:
    staff = StaffService(db)
    staff.add("ro.viewer", "Val Viewer", Role.READONLY, None)
    viewer = staff.actor("ro.viewer", "Station A")
    with pytest.raises(PermissionDenied):
        EscalationService(db).raise_concern(viewer, admission, Severity.URGENT, "Worried")


def test_a_more_severe_concern_reopens_the_acknowledged_one(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = EscalationService(db)
    first = service.raise_concern(nurse, admission, Severity.URGENT, "Breathing fast")
    service.acknowledge(nurse, first.escalation_id, service.get(first.escalation_id).version)
    second = service.raise_concern(nurse, admission, Severity.EMERGENCY, "Now hard to rouse")
    assert second.escalation_id == first.escalation_id
    [concern] = _concerns(db)
    assert concern.severity is Severity.EMERGENCY
    assert concern.state is EscalationState.OPEN
    assert concern.explanation == "Robin Test: Now hard to rouse"


def test_a_less_severe_concern_never_lowers_the_open_one(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = EscalationService(db)
    service.raise_concern(nurse, admission, Severity.EMERGENCY, "Collapsed in the bathroom")
    service.raise_concern(nurse, admission, Severity.URGENT, "Sitting up now")
    [concern] = _concerns(db)
    assert concern.severity is Severity.EMERGENCY
    assert concern.explanation == "Robin Test: Sitting up now"


def test_the_rules_never_close_or_change_a_concern(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = EscalationService(db)
    service.raise_concern(nurse, admission, Severity.URGENT, "Something is wrong")
    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    clock.advance(hours=3)
    service.evaluate_ward(nurse)
    [concern] = _concerns(db)
    assert concern.explanation == "Robin Test: Something is wrong"
    assert concern.state is EscalationState.OPEN


def test_a_concern_cascades_like_any_unacknowledged_escalation(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = EscalationService(db)
    service.raise_concern(nurse, admission, Severity.EMERGENCY, "Chest pain")
    memory = AlarmMemory()
    memory.plan(_concerns(db), clock.now, db.policy)
    clock.advance(minutes=5)  # policy: emergencies cascade after 5 min unacknowledged
    [cascade] = memory.plan(_concerns(db), clock.now, db.policy)
    assert cascade.cascades
    assert service.record_announcements([cascade], nurse.station) == [cascade.escalation_id]
    assert _concerns(db)[0].cascade_level == 1
