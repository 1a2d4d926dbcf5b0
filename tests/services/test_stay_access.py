"""A discharged patient's record is history: every path that reads a stay's detail — admission
detail, intake, bed history, entries, PRN doses, chart series, the discharge facts — needs the
history permission once the stay has ended, re-read from the staff list, and each such read is
audited. A stay still open reads as before. Both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update
from wardfakes import NORMAL_SET

from wardconsole.services.admissions import AdmissionService
from wardconsole.services.charts import ChartService
from wardconsole.services.context import Actor, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.history import HistoryService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow, Staff

READS: dict[str, Callable[[Database, int, Actor | None], Any]] = {
    "admission details": lambda db, a, r: AdmissionService(db).admission(a, reader=r),
    "intake assessment": lambda db, a, r: AdmissionService(db).intake(a, reader=r),
    "bed history": lambda db, a, r: AdmissionService(db).bed_history(a, reader=r),
    "details": lambda db, a, r: HistoryService(db).patient(a, reader=r),
    "entries": lambda db, a, r: HistoryService(db).entries(a, reader=r),
    "PRN doses": lambda db, a, r: HistoryService(db).prn_summary(a, reader=r),
    "charts": lambda db, a, r: ChartService(db).series(a, reader=r),
    "stay summary": lambda db, a, r: DischargeService(db).facts(a, reader=r),
}


@pytest.fixture
def supervisor(db: Database) -> Actor:
    staff = StaffService(db)
    staff.add("sv.history", "Sol History", Role.SUPERVISOR, None)
    return staff.actor("sv.history", "Office")


@pytest.fixture
def discharged(db: Database, nurse: Actor, admission: int) -> int:
    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    service = DischargeService(db)
    service.discharge(
        nurse, admission, destination="outpatient_programme", summary=service.draft(admission).text
    )
    return admission


def _history_reads(db: Database) -> list[tuple[int | None, int | None, str]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditRow.staff_id, AuditRow.entity_id, AuditRow.detail)
            .where(AuditRow.action == "view_history")
            .order_by(AuditRow.id)
        ).all()
    return [(staff_id, entity_id, detail["what"]) for staff_id, entity_id, detail in rows]


@pytest.mark.parametrize("what", sorted(READS))
def test_an_open_stay_reads_as_before_and_is_not_audited_as_history(
    db: Database, nurse: Actor, admission: int, what: str
) -> None:
    READS[what](db, admission, None)
    READS[what](db, admission, nurse)
    assert _history_reads(db) == []


@pytest.mark.parametrize("what", sorted(READS))
def test_a_discharged_stay_needs_the_history_permission_on_every_path(
    db: Database, nurse: Actor, supervisor: Actor, discharged: int, what: str
) -> None:
    for reader in (None, nurse):
        with pytest.raises(PermissionDenied, match=f"discharged.*may not read their {what}"):
            READS[what](db, discharged, reader)
    assert _history_reads(db) == []
    READS[what](db, discharged, supervisor)
    assert _history_reads(db) == [(supervisor.staff_id, discharged, what)]


def test_a_role_forged_in_memory_reads_nothing(db: Database, nurse: Actor, discharged: int) -> None:
    """A nurse's session with 'supervisor' written into it: the staff list says otherwise."""
    forged = Actor(nurse.staff_id, nurse.staff_code, nurse.display_name, Role.SUPERVISOR, "A")
    with pytest.raises(PermissionDenied, match="nurse in the staff list"):
        ChartService(db).series(discharged, reader=forged)
    with db.transaction() as session:  # and a supervisor since deactivated reads nothing either
        session.execute(update(Staff).where(Staff.id == nurse.staff_id).values(active=False))
    with pytest.raises(PermissionDenied, match="no longer active"):
        HistoryService(db).entries(discharged, reader=forged)
    assert _history_reads(db) == []


def test_the_intake_is_read_as_whoever_reads_it(
    db: Database, nurse: Actor, supervisor: Actor, discharged: int
) -> None:
    with pytest.raises(PermissionDenied):
        AdmissionService(db).intake(discharged, reader=nurse)
    record = AdmissionService(db).intake(discharged, reader=supervisor)
    assert record.admission.admission_id == discharged
    assert _history_reads(db) == [(supervisor.staff_id, discharged, "intake assessment")]


def test_while_the_follow_up_is_open_its_letter_may_be_read_by_staff_who_record(
    db: Database, nurse: Actor, discharged: int
) -> None:
    """The follow-up after discharge needs the stay's facts (its letter): a nurse may read them
    while it is open, audited; once it is closed they are history again."""
    from wardconsole.services.aftercare import AftercareService
    from wardconsole.store.models import FollowUpRow

    with db.read() as session:
        assert session.scalar(
            select(FollowUpRow.id).where(
                FollowUpRow.admission_id == discharged, FollowUpRow.closed_at.is_(None)
            )
        )
    letter = AftercareService(db).letter(nurse, discharged)
    assert letter is not None
    assert _history_reads(db) == [(nurse.staff_id, discharged, "stay summary (follow-up open)")]
    with db.transaction() as session:
        session.execute(
            update(FollowUpRow)
            .where(FollowUpRow.admission_id == discharged)
            .values(closed_at=db.clock(), state="contacted")
        )
    with pytest.raises(PermissionDenied, match="discharged"):
        AftercareService(db).letter(nurse, discharged)
