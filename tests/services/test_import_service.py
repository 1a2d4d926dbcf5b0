"""Importing vital signs from another system: one transaction per batch, permission-checked,
audited, scored only when complete, and the ward's rules see what arrived."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationKind
from wardconsole.services.context import Actor, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.importing import (
    ImportBatch,
    ImportService,
    PatientRef,
    UnknownPatient,
    VitalGroup,
)
from wardconsole.services.staff import StaffService
from wardconsole.store.models import (
    Admission,
    AuditRow,
    ChangeRow,
    EscalationRow,
    ObservationSetRow,
    Staff,
)

PATIENT = PatientRef("KD000001")
VITALS = {k: v for k, v in NORMAL_SET.items() if k != "spo2_scale"}


def _group(ref: str, clock: Clock, minutes_ago: int, **values: object) -> VitalGroup:
    return VitalGroup(
        source_ref=ref,
        patient=PATIENT,
        taken_at=clock.now - timedelta(minutes=minutes_ago),
        values=values or VITALS,
        position=ref,
    )


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_complete_set_is_scored_and_a_partial_one_is_not(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    batch = ImportBatch(
        "import",
        "file.json",
        (
            _group("a", clock, 60),
            _group("b", clock, 30, pulse=80, spo2=97),
        ),
    )
    report = ImportService(db).import_batch(nurse, batch)
    assert (report.sets_added, report.values_added) == (2, 10)
    with db.read() as session:
        complete, partial = session.scalars(
            select(ObservationSetRow).order_by(ObservationSetRow.taken_at)
        ).all()
    assert complete.is_complete and complete.news2_total == 0
    assert not partial.is_complete and partial.news2_total is None
    assert set(partial.missing_reasons) == {
        "respiration_rate",
        "on_oxygen",
        "systolic_bp",
        "consciousness",
        "temperature",
    }
    assert set(partial.missing_reasons.values()) == {"not_in_source"}


def test_rules_run_on_what_was_imported(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    sick = {
        **VITALS,
        "respiration_rate": 28,
        "spo2": 90,
        "pulse": 125,
        "systolic_bp": 95,
        "consciousness": "C",
    }
    ImportService(db).import_batch(
        nurse, ImportBatch("import", "f", (_group("sick", clock, 5, **sick),))
    )
    with db.read() as session:
        kinds = set(session.scalars(select(EscalationRow.kind)))
        topics = set(session.scalars(select(ChangeRow.topic)))
    assert EscalationKind.DETERIORATION.value in kinds
    assert "observation" in topics


def test_a_batch_is_all_or_nothing(db: Database, admission: int, clock: Clock) -> None:
    """A monitor message naming an unknown patient in its second set stores nothing."""
    monitor = StaffService(db).system_actor("gateway")
    stranger = VitalGroup("x2", PatientRef("NOBODY"), clock.now, {"pulse": 80}, "x2")
    batch = ImportBatch(
        "monitor", "msg", (_group("x1", clock, 1, pulse=70), stranger), create_records=False
    )
    with pytest.raises(UnknownPatient, match=r"^no patient with this identifier is on the ward"):
        ImportService(db).import_batch(monitor, batch)
    assert _count(db, ObservationSetRow) == 0
    with db.read() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(AuditRow).where(AuditRow.action.like("import%"))
            )
            == 0
        )


def test_cancelling_from_the_progress_callback_rolls_back(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    groups = tuple(_group(f"g{i}", clock, 60 - i, pulse=70 + i) for i in range(10))

    def progress(done: int, total: int) -> None:
        if done == 7:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ImportService(db).import_batch(nurse, ImportBatch("import", "f", groups), progress)
    assert _count(db, ObservationSetRow) == 0


def test_read_only_staff_may_not_import(db: Database, admission: int, clock: Clock) -> None:
    staff = StaffService(db)
    staff.add("visitor", "Visiting Clinician", Role.READONLY, None)
    visitor = staff.actor("visitor", "Station A")
    with pytest.raises(PermissionDenied):
        ImportService(db).import_batch(
            visitor, ImportBatch("import", "f", (_group("a", clock, 5),))
        )
    assert _count(db, ObservationSetRow) == 0


def test_the_same_source_reference_is_stored_once(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    batch = ImportBatch("import", "f", (_group("same", clock, 5, pulse=77),))
    ImportService(db).import_batch(nurse, batch)
    again = ImportService(db).import_batch(nurse, batch)
    assert (again.sets_added, again.already_present) == (0, 1)
    assert _count(db, ObservationSetRow) == 1


def test_a_file_never_attributes_an_entry_to_staff_already_on_record(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """Anyone can write a supervisor's ID into a file: the import identity (the system
    account, not the nurse who ran the import) records the set, and the file's performer is
    kept as provenance in its note."""
    from dataclasses import replace

    from wardconsole.services.importing import AuthorRef

    StaffService(db).add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, None)
    forged = AuthorRef("sn.harrow", "Gwen Harrow")
    batch = ImportBatch("import", "file.json", (replace(_group("a", clock, 60), author=forged),))
    ImportService(db).import_batch(nurse, batch)
    with db.read() as session:
        row = session.scalars(select(ObservationSetRow)).one()
        recorded_by = session.get(Staff, row.recorded_by_id)
    assert recorded_by is not None and recorded_by.staff_code == "system"
    assert row.recorded_by_id != nurse.staff_id
    assert "Performer in the source file: Gwen Harrow (sn.harrow)." in row.note


def test_a_set_whose_file_names_no_author_is_not_the_importing_nurses(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    """The nurse who imports a file did not take its values: a set without an author, and a
    stay the file makes, are recorded by the import identity; the audit names the nurse."""
    from dataclasses import replace
    from datetime import date

    newcomer = PatientRef("KD555001", "Ann", "Lee", date(1990, 1, 1))
    group = replace(_group("a", clock, 60), patient=newcomer)
    ImportService(db).import_batch(nurse, ImportBatch("import", "file.json", (group,)))
    with db.read() as session:
        row = session.scalars(select(ObservationSetRow)).one()
        author = session.get(Staff, row.recorded_by_id)
        stay = session.get(Admission, row.admission_id)
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "import")).one()
    assert author is not None and (author.staff_code, author.role) == ("system", "system")
    assert "No author in the source file." in row.note
    assert stay is not None and stay.recorded_by_id == author.id
    assert audit.staff_id == nurse.staff_id


def test_a_monitor_group_is_stored_all_or_nothing_after_its_savepoints(
    db: Database, admission: int, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each message of a group is written in a savepoint of the group's one transaction: a
    failure after them (the change-log row) stores none of them, on SQLite too, where the
    first savepoint had been a transaction of its own, committed when it was released."""
    from wardconsole.services import importing

    monitor = StaffService(db).system_actor("gateway")
    batches = [
        ImportBatch(
            "monitor",
            f"m{n}",
            (_group(f"m{n}", clock, n, pulse=70 + n),),
            create_records=False,
        )
        for n in (1, 2)
    ]

    def change_log_fails(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the change-log row could not be written")

    monkeypatch.setattr(importing, "record_change", change_log_fails)
    with pytest.raises(RuntimeError, match="change-log"):
        ImportService(db).import_batches(monitor, batches)
    assert _count(db, ObservationSetRow) == 0
