"""Discharge with a destination and a drafted summary; the history of discharged patients."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from intakefakes import HIGH_RISK, intake_data
from sqlalchemy import select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.discharge import Destination
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import CensusService
from wardconsole.services.context import (
    Actor,
    ConflictError,
    InvalidInput,
    PermissionDenied,
    Role,
    ServiceError,
)
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow, EscalationEventRow, EscalationRow

ALED = NewPatient("KD000001", "Aled", "Abernethy", date(1994, 5, 1))


@pytest.fixture
def supervisor(db: Database) -> Actor:
    staff = StaffService(db)
    staff.add("sv.test", "Sam Supervisor", Role.SUPERVISOR, None)
    return staff.actor("sv.test", "Station A")


@pytest.fixture
def stay(db: Database, nurse: Actor, clock: Clock) -> int:
    """Aled: admitted 3 days ago with a high C-SSRS, a few observations, a PRN dose."""
    admissions = AdmissionService(db)
    admissions.ensure_beds(["B01", "B02"], "Test ward")
    admitted_at = clock.now - timedelta(days=3)
    admission_id = admissions.admit(
        nurse,
        ALED,
        bed="B01",
        admitted_at=admitted_at,
        assigned_nurse_id=nurse.staff_id,
        intake=intake_data(admitted_at, mental_health={"cssrs": HIGH_RISK}),
    )
    recording = RecordingService(db)
    for hours, pulse in ((70, 96), (40, 112), (2, 74)):
        recording.record_observation(
            nurse,
            admission_id,
            {**NORMAL_SET, "pulse": pulse},
            taken_at=clock.now - timedelta(hours=hours),
        )
    recording.record_prn(
        nurse,
        admission_id,
        drug="diazepam",
        drug_class="benzodiazepine",
        dose="5 mg",
        route="oral",
        reason="agitation",
        given_at=clock.now - timedelta(hours=40),
    )
    return admission_id


def test_the_draft_is_written_from_the_stay(db: Database, stay: int) -> None:
    draft = DischargeService(db).draft(stay, Destination.RESIDENTIAL, "Hillside House, Monday")
    assert draft.patient_name == "Aled Abernethy" and draft.bed == "B01"
    assert "length of stay 3 d (detox day 4)" in draft.text
    assert "Destination: Residential / inpatient treatment — Hillside House, Monday" in draft.text
    assert "NEWS2: 1 (low) at first" in draft.text  # pulse 96 scores 1; 112 scores 2
    assert "peak 2 (low)" in draft.text
    assert "Benzodiazepine: Diazepam 5 mg ×1" in draft.text  # the formulary's name
    assert "C-SSRS screener: High risk." in draft.text
    assert draft.open_escalations  # the rules raised at least one, still open
    kinds = ", ".join(draft.open_escalations)
    assert f"Open escalations at discharge ({len(draft.open_escalations)}): {kinds}" in draft.text


def test_discharge_stores_the_summary_and_the_patient_leaves_the_census(
    db: Database, nurse: Actor, supervisor: Actor, stay: int
) -> None:
    service = DischargeService(db)
    draft = service.draft(stay, Destination.AFTERCARE)
    summary = draft.text.replace(
        "(to be completed by the discharging nurse)",
        "Peer support group Thursdays; GP letter sent.",
    )
    service.discharge(
        nurse,
        stay,
        destination=Destination.AFTERCARE,
        summary=summary,
        expected_version=draft.version,
    )
    assert CensusService(db).snapshot().rows == ()
    assert CensusService(db).snapshot().free_beds == ("B01", "B02")
    detail = AdmissionService(db).admission(stay, reader=supervisor)
    assert detail.discharge_destination == "aftercare_peer_support"
    assert detail.discharge_summary is not None
    assert "Peer support group Thursdays" in detail.discharge_summary
    with db.read() as session:
        escalations = session.scalars(
            select(EscalationRow).where(
                EscalationRow.outcome == "Closed at discharge (aftercare and peer support)"
            )
        ).all()
        still_open = session.scalars(
            select(EscalationRow).where(EscalationRow.resolved_at.is_(None))
        ).all()
        events = session.scalars(
            select(EscalationEventRow.action).order_by(EscalationEventRow.id)
        ).all()
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "discharge")).one()
    assert len(escalations) == len(draft.open_escalations) and still_open == []
    assert events[-1] == "resolved"
    assert sorted(audit.detail["closed_escalations"]) == sorted(e.id for e in escalations)


def test_a_discharged_record_is_read_only(db: Database, nurse: Actor, stay: int) -> None:
    service = DischargeService(db)
    summary = service.draft(stay).text
    service.discharge(nurse, stay, destination="outpatient_programme", summary=summary)
    with pytest.raises(ServiceError, match="discharged"):
        RecordingService(db).record_observation(nurse, stay, NORMAL_SET)
    with pytest.raises(ServiceError, match="discharged"):
        AdmissionService(db).move_bed(nurse, stay, "B02")
    with pytest.raises(ConflictError, match="already discharged"):
        service.discharge(nurse, stay, destination="outpatient_programme", summary=summary)
    with pytest.raises(PermissionDenied, match="discharged"):
        service.draft(stay)  # the stay's facts are history now


def test_discharge_refuses_missing_detail_an_empty_summary_or_a_stale_view(
    db: Database, nurse: Actor, stay: int
) -> None:
    service = DischargeService(db)
    text = service.draft(stay).text
    with pytest.raises(InvalidInput) as caught:
        service.discharge(nurse, stay, destination=Destination.AGAINST_ADVICE, summary=" ")
    assert set(caught.value.problems) == {"detail", "summary"}
    with pytest.raises(InvalidInput, match="destination"):
        service.discharge(nurse, stay, destination="home", summary=text)
    stale = service.draft(stay).version
    AdmissionService(db).move_bed(nurse, stay, "B02")
    with pytest.raises(ConflictError, match="another station"):
        service.discharge(
            nurse,
            stay,
            destination=Destination.HOSPITAL,
            summary=text,
            detail="General hospital: chest pain",
            expected_version=stale,
        )
    assert len(CensusService(db).snapshot().rows) == 1


def test_supervisors_find_discharged_patients_and_read_their_record(
    db: Database, nurse: Actor, supervisor: Actor, stay: int, clock: Clock
) -> None:
    service = DischargeService(db)
    service.discharge(
        nurse,
        stay,
        destination=Destination.HOSPITAL,
        detail="General hospital: chest pain",
        summary=service.draft(stay).text,
    )
    with pytest.raises(PermissionDenied):
        service.search(nurse, "Aled")
    assert service.search(supervisor, "Smith") == []
    hits = service.search(supervisor, "abern kd0000")
    assert [h.name for h in hits] == ["Aled Abernethy"]
    assert hits[0].last_destination == "transfer_to_hospital"
    record = service.record(supervisor, hits[0].patient_id)
    (only,) = record.stays
    assert only.detail.discharge_destination == "transfer_to_hospital"
    assert only.current_intake is not None
    assert [bed.bed for bed in only.beds] == ["B01"]
    with db.read() as session:
        viewed = session.scalars(select(AuditRow).where(AuditRow.action == "view_record")).one()
    assert viewed.staff_id == supervisor.staff_id


def test_patients_on_the_ward_are_not_in_the_discharged_history(
    db: Database, supervisor: Actor, stay: int
) -> None:
    assert DischargeService(db).search(supervisor, "") == []


@pytest.mark.parametrize(
    "text", ["x" * 1_000_000, "Aled\x00Abernethy", "Aled\ud800"], ids=["1 MB", "NUL", "surrogate"]
)
def test_a_search_no_one_could_type_is_refused_naming_the_field(
    db: Database, supervisor: Actor, text: str
) -> None:
    """Refused as bad input, never reported as 'database unavailable'."""
    from wardconsole.services.context import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        DischargeService(db).search(supervisor, text)
    assert refused.value.problems["search"].startswith("search: ")
