"""Sessions that can be revoked: every service call re-reads the actor's role and active flag
inside its transaction, and the station's queue treats a since-deactivated author's entries by
when they were stamped — never silently dropped, never silently written."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from outage import Outage
from sqlalchemy import func, select
from wardfakes import NORMAL_SET, Clock

from wardconsole.services.audit import AuditQuery, AuditService
from wardconsole.services.context import Actor, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.outbox import Outbox
from wardconsole.services.recording import RecordingService, RoundEntry
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow, EscalationRow, ObservationSetRow


@pytest.fixture
def supervisor(db: Database) -> Actor:
    staff = StaffService(db)
    staff.add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, None)
    return staff.actor("sn.harrow", "Office")


def _sets(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count(ObservationSetRow.id))) or 0


def test_a_deactivated_nurses_open_session_stops_at_the_next_action(
    db: Database, nurse: Actor, supervisor: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    recording.record_observation(nurse, admission, NORMAL_SET)
    StaffService(db).set_active(supervisor, nurse.staff_id, False)
    with pytest.raises(PermissionDenied, match="no longer active"):
        recording.record_observation(nurse, admission, {**NORMAL_SET, "pulse": 90})
    assert _sets(db) == 1
    StaffService(db).set_active(supervisor, nurse.staff_id, True)
    recording.record_observation(nurse, admission, {**NORMAL_SET, "pulse": 90})
    assert _sets(db) == 2


def test_a_role_forged_in_memory_reads_nothing(
    db: Database, nurse: Actor, supervisor: Actor
) -> None:
    forged = replace(nurse, role=Role.SUPERVISOR)
    with pytest.raises(PermissionDenied, match="nurse in the staff list"):
        AuditService(db).search(forged, AuditQuery())
    with pytest.raises(PermissionDenied, match="nurse in the staff list"):
        StaffService(db).list_staff(forged)
    assert AuditService(db).search(supervisor, AuditQuery()).entries  # the real one can


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch, db: Database) -> Iterator[Outage]:
    yield Outage(monkeypatch, db)


def _queue(saves: SafeSaves, nurse: Actor, admission: int, pulse: int) -> None:
    result = saves.save_round(
        nurse,
        admission,
        RoundEntry(vitals={**NORMAL_SET, "pulse": pulse}, note="settled"),
        save_key=uuid.uuid4().hex,
    )
    assert isinstance(result, QueuedSave)


def test_queued_entries_replay_by_when_they_were_stamped_against_the_deactivation(
    db: Database,
    nurse: Actor,
    supervisor: Actor,
    admission: int,
    clock: Clock,
    outage: Outage,
    tmp_path: Path,
) -> None:
    saves = SafeSaves(db, Outbox(tmp_path / "outbox.sqlite", "test"))
    outage.down = True
    _queue(saves, nurse, admission, 91)  # stamped while the nurse was active
    clock.advance(minutes=5)
    outage.down = False
    StaffService(db).set_active(supervisor, nurse.staff_id, False)
    clock.advance(minutes=5)
    outage.down = True
    _queue(saves, nurse, admission, 55)  # stamped after the deactivation (offline unlock)
    outage.down = False

    report = saves.replay()

    assert (report.sent, report.refused) == (1, 1)
    with db.read() as session:
        pulses = session.scalars(select(ObservationSetRow.pulse)).all()
        replayed = session.scalars(
            select(AuditRow).where(AuditRow.action == "outbox_replayed")
        ).one()
    assert pulses == [91]
    assert replayed.detail["author_since_deactivated"] is True
    [held] = saves.outbox.visible()
    assert held.state.value == "refused" and "held for a supervisor" in held.last_error
    # The held values are not silenced: an urgent concern is open for the patient.
    with db.read() as session:
        concern = session.scalars(
            select(EscalationRow).where(EscalationRow.admission_id == admission)
        ).one()
    assert (concern.kind, concern.resolved_at) == ("staff_concern", None)
    assert "held for a supervisor" in concern.explanation


def test_a_use_case_that_refused_bad_input_leaves_no_check_for_the_next_one(
    db: Database, nurse: Actor, admission: int
) -> None:
    """Only the use case that asked is checked: a refusal before any session leaves nothing
    that could refuse the next session on this thread (an alarm tick, another nurse's call)."""
    from sqlalchemy import update

    from wardconsole.services.census import CensusService
    from wardconsole.services.context import InvalidInput
    from wardconsole.store.models import Staff

    audit = AuditService(db)
    with pytest.raises(InvalidInput):  # refused before it opened a session
        audit.search(replace(nurse, role=Role.SUPERVISOR), AuditQuery(patient="x" * 500))
    with db.transaction() as session:  # another station deactivates the nurse
        session.execute(update(Staff).where(Staff.id == nurse.staff_id).values(active=False))
    assert CensusService(db).snapshot().rows  # the ward's next read is not refused
