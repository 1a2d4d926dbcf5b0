"""The audit trail: supervisors find who did what to whom, and nobody can rewrite it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from wardfakes import NORMAL_SET, Clock

from wardconsole.services.audit import AuditQuery, AuditService
from wardconsole.services.context import Actor, InvalidInput, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService


@pytest.fixture
def supervisor(db: Database) -> Actor:
    staff = StaffService(db)
    staff.add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, None)
    return staff.actor("sn.harrow", "Office")


@pytest.fixture
def audit(db: Database) -> AuditService:
    return AuditService(db)


def test_the_trail_names_who_when_station_and_patient(
    db: Database, audit: AuditService, supervisor: Actor, nurse: Actor, admission: int
) -> None:
    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    page = audit.search(supervisor, AuditQuery(action="record_observation"))
    [entry] = page.entries
    assert (entry.staff_code, entry.staff_name, entry.station) == (
        "rn.test",
        "Robin Test",
        "Station A",
    )
    assert entry.patient == "Abernethy, Aled (KD000001)"
    assert entry.at == db.clock()
    assert not page.truncated


def test_filters_by_who_action_patient_station_and_dates(
    db: Database,
    audit: AuditService,
    supervisor: Actor,
    nurse: Actor,
    admission: int,
    clock: Clock,
) -> None:
    recording = RecordingService(db)
    recording.record_observation(nurse, admission, NORMAL_SET)
    clock.advance(hours=2)
    elsewhere = Actor(nurse.staff_id, nurse.staff_code, nurse.display_name, nurse.role, "Station B")
    recording.record_observation(elsewhere, admission, NORMAL_SET)
    audit.record_export(supervisor, "chart PDF", admission_id=admission)

    def actions(**filters: object) -> list[tuple[str, str]]:
        entries = audit.search(supervisor, AuditQuery(**filters)).entries  # type: ignore[arg-type]
        return [(e.action, e.station) for e in entries]

    assert actions(staff_id=supervisor.staff_id) == [("export", "Office")]
    assert actions(station="Station B") == [("record_observation", "Station B")]
    assert actions(patient="abernethy") == [
        ("export", "Office"),
        ("record_observation", "Station B"),
        ("record_observation", "Station A"),
        ("admit", "Station A"),
    ]
    assert actions(
        patient="KD000001", action="record_observation", until=clock.now - timedelta(hours=1)
    ) == [("record_observation", "Station A")]
    assert actions(patient="B01", since=clock.now - timedelta(minutes=1)) == [
        ("export", "Office"),
        ("record_observation", "Station B"),
    ]
    assert actions(patient="nobody like this") == []
    assert actions(patient="%") == []  # not a wildcard
    choices = audit.choices(supervisor)
    assert {"Station A", "Station B", "Office"} <= set(choices.stations)
    assert {"admit", "record_observation", "export"} <= set(choices.actions)


def test_only_supervisors_may_read_the_trail(audit: AuditService, nurse: Actor) -> None:
    with pytest.raises(PermissionDenied):
        audit.search(nurse, AuditQuery())
    with pytest.raises(PermissionDenied):
        audit.choices(nurse)


def test_a_bad_date_range_names_the_field(
    audit: AuditService, supervisor: Actor, clock: Clock
) -> None:
    with pytest.raises(InvalidInput) as caught:
        audit.search(supervisor, AuditQuery(since=clock.now, until=clock.now))
    assert "until" in caught.value.problems
    with pytest.raises(InvalidInput) as naive:
        audit.search(supervisor, AuditQuery(since=clock.now.replace(tzinfo=None)))
    assert "since" in naive.value.problems


def test_a_long_trail_comes_back_newest_first_and_says_it_was_cut(
    db: Database, audit: AuditService, supervisor: Actor
) -> None:
    for index in range(5):
        audit.record_export(supervisor, f"report {index}")
    page = audit.search(supervisor, AuditQuery(action="export", limit=3))
    assert [e.detail["what"] for e in page.entries] == ["report 4", "report 3", "report 2"]
    assert page.truncated


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET station = 'forged'",
        "DELETE FROM audit_log",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(
    engine: Engine, db: Database, audit: AuditService, supervisor: Actor, statement: str
) -> None:
    audit.record_export(supervisor, "anything")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    with engine.connect() as connection:
        stations = connection.execute(text("SELECT station FROM audit_log")).scalars().all()
    assert "forged" not in stations and len(stations) >= 2


def test_an_export_of_a_patient_is_found_by_that_patient(
    db: Database, audit: AuditService, supervisor: Actor, admission: int
) -> None:
    from wardconsole.store import repository

    with db.transaction() as session:
        repository.write_audit(
            session,
            at=db.clock(),
            staff_id=supervisor.staff_id,
            station="Office",
            action="export",
            entity="patient",
            entity_id=None,
            detail={"hospital_numbers": ["KD000001"]},
        )
    [entry] = audit.search(supervisor, AuditQuery(patient="abernethy", action="export")).entries
    assert entry.patient == "KD000001"


def test_no_filters_at_all_lists_everything(audit: AuditService, supervisor: Actor) -> None:
    audit.record_export(supervisor, "anything")
    newest = audit.search(supervisor, AuditQuery()).entries[0]
    assert newest.action == "export"


def test_every_clinical_row_names_the_patient_handoffs_and_safety_checks_included(
    db: Database, audit: AuditService, supervisor: Actor, nurse: Actor, admission: int
) -> None:
    from wardconsole.services.handoff import HandoffService
    from wardconsole.services.observation_levels import ObservationLevelService
    from wardconsole.store import repository

    levels = ObservationLevelService(db)
    levels.set_level(nurse, admission, "intermittent_15", reason="Low mood")
    check = levels.record_check(nurse, admission, "calm", "Lounge")
    levels.mark_check_entered_in_error(nurse, check.check_id, "Wrong patient")
    handoff = HandoffService(db)
    shift = handoff.this_shift()
    handoff.draft_shift(nurse, shift)
    [view] = handoff.board(shift).handoffs
    view = handoff.save_notes(nurse, view.id, view.revision, {"situation": "Settled"})
    handoff.submit(nurse, view.id, view.revision)
    handoff.comment(supervisor, view.id, "Clear")
    board = handoff.board(shift)
    handoff.sign_shift(supervisor, shift, board.revisions(), shown=board.seal())
    with db.transaction() as session:  # a save queued during an outage, written later
        repository.write_audit(
            session,
            at=db.clock(),
            staff_id=nurse.staff_id,
            station=nurse.station,
            action="outbox_replayed",
            entity="prn",
            entity_id=admission,
        )
    entries = audit.search(supervisor, AuditQuery()).entries
    clinical = [e for e in entries if e.entity not in ("staff", "ward", "ward_policy")]
    actions = {e.action for e in clinical}
    assert {
        "set_observation_level",
        "record_safety_check",
        "safety_check_entered_in_error",
        "handoff_draft_shift",
        "handoff_saved",
        "handoff_submitted",
        "handoff_comment",
        "handoff_sign_shift",
        "outbox_replayed",
    } <= actions
    unnamed = [(e.action, e.entity) for e in clinical if e.patient != "Abernethy, Aled (KD000001)"]
    assert unnamed == []
    # Searching by the patient finds the handoff and safety-check rows too.
    found = {e.action for e in audit.search(supervisor, AuditQuery(patient="Abernethy")).entries}
    assert {"record_safety_check", "handoff_saved", "outbox_replayed"} <= found
    assert "handoff_saved" not in {
        e.action for e in audit.search(supervisor, AuditQuery(patient="Nobody")).entries
    }
