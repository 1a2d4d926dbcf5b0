"""Admission with intake, readmission, intake amendments and bed moves — SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from intakefakes import HIGH_RISK, MODERATE_RISK, intake_data
from sqlalchemy import func, select
from wardfakes import Clock

from wardconsole.domain.records import EscalationKind
from wardconsole.services.admissions import INTAKE_NOTE, AdmissionService, NewPatient
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
from wardconsole.services.staff import StaffService
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    AuditRow,
    BedMove,
    ChangeRow,
    IntakeAmendmentRow,
    Patient,
)

ALED = NewPatient("KD000001", "Aled", "Abernethy", date(1994, 5, 1))
BETH = NewPatient("KD000002", "Beth", "Brannigan", date(1988, 2, 14))


@pytest.fixture
def service(db: Database) -> AdmissionService:
    service = AdmissionService(db)
    service.ensure_beds(["B01", "B02", "B03"], "Test ward")
    return service


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def admit(
    service: AdmissionService,
    nurse: Actor,
    clock: Clock,
    patient: NewPatient = ALED,
    bed: str = "B01",
    **intake_changes: dict,
) -> int:
    admitted_at = clock.now - timedelta(hours=1)
    return service.admit(
        nurse,
        patient,
        bed=bed,
        admitted_at=admitted_at,
        assigned_nurse_id=nurse.staff_id,
        intake=intake_data(admitted_at, **intake_changes),
    )


def test_admit_with_intake_keeps_the_intake_flags_and_first_bed(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    admission_id = admit(
        service,
        nurse,
        clock,
        mental_health={"cssrs": MODERATE_RISK},
        physical={"falls_risk": True, "falls_reason": "unsteady"},
    )
    record = service.intake(admission_id)
    assert record.current is not None and record.current == record.original
    assert record.admission.risk_flags == ("Suicide risk: moderate", "Falls risk")
    assert [stay.bed for stay in service.bed_history(admission_id)] == ["B01"]
    row = CensusService(db).snapshot().rows[0]
    assert row.risk_flags == ("Suicide risk: moderate", "Falls risk")
    with db.read() as session:
        screens = session.execute(
            select(AssessmentRow.kind, AssessmentRow.label).where(AssessmentRow.note == INTAKE_NOTE)
        ).all()
        audit = session.scalars(select(AuditRow.action)).all()
        topics = session.scalars(select(ChangeRow.topic)).all()
    assert dict(screens) == {"cssrs": "Moderate risk", "phq9": "Mild", "gad7": "Moderate"}
    assert "admit" in audit and "admission" in topics


def test_a_high_cssrs_at_intake_raises_the_self_harm_escalation_at_once(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    admit(service, nurse, clock, mental_health={"cssrs": HIGH_RISK})
    row = CensusService(db).snapshot().rows[0]
    assert row.top_escalation is not None
    assert row.top_escalation.kind is EscalationKind.SELF_HARM


def test_a_duplicate_hospital_number_is_refused_and_nothing_is_saved(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    admit(service, nurse, clock)
    before = (count(db, Patient), count(db, Admission), count(db, AuditRow))
    someone_else = NewPatient("kd000001", "Cara", "Cole", date(1990, 1, 1))
    with pytest.raises(ServiceError, match=r"KD000001 is already admitted: Aled Abernethy"):
        admit(service, nurse, clock, patient=someone_else, bed="B02")
    assert (count(db, Patient), count(db, Admission), count(db, AuditRow)) == before


def test_an_occupied_bed_is_refused_naming_who_is_in_it(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    admit(service, nurse, clock)
    with pytest.raises(ServiceError, match="bed B01 is occupied by Aled Abernethy"):
        admit(service, nurse, clock, patient=BETH, bed="B01")
    assert count(db, Patient) == 1 and count(db, Admission) == 1


def test_a_bad_intake_names_each_field_and_saves_nothing(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    with pytest.raises(InvalidInput) as caught:
        admit(
            service,
            nurse,
            clock,
            substance_use={"typical_amount": ""},
            physical={"no_known_allergies": False},
        )
    assert set(caught.value.problems) == {"substance_use.typical_amount", "physical.allergies"}
    assert count(db, Patient) == 0 and count(db, BedMove) == 0


def test_an_inpatient_needs_a_bed_but_supervised_outpatient_detox_does_not(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    with pytest.raises(InvalidInput, match="an inpatient needs a bed"):
        service.admit(nurse, ALED, bed=None)
    service.admit(nurse, ALED, bed=None, care_setting="supervised_outpatient")
    assert CensusService(db).snapshot().rows[0].bed == "—"


def test_two_stations_admitting_into_one_bed_at_once_get_one_winner(
    db: Database,
    service: AdmissionService,
    nurse: Actor,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admit(service, nurse, clock)
    # The other station checked before this admission committed: its check saw a free bed.
    from wardconsole.store import admissions_queries as q

    monkeypatch.setattr(
        AdmissionService,
        "_free_bed",
        staticmethod(lambda session, label: q.bed_by_label(session, label)),
    )
    with pytest.raises(ConflictError, match="another station"):
        admit(service, nurse, clock, patient=BETH, bed="B01")
    assert count(db, Patient) == 1


def test_readmission_links_to_the_earlier_stay(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    first = admit(service, nurse, clock)
    clock.advance(days=3)
    DischargeService(db).discharge(
        nurse,
        first,
        destination="outpatient_programme",
        summary="Settled; continues in the outpatient programme.",
    )
    clock.advance(days=30)
    check = service.check_hospital_number(" kd000001 ")
    assert check.status == "readmission" and "Aled Abernethy" in check.message
    with pytest.raises(ServiceError, match="admit as a readmission"):
        admit(service, nurse, clock)
    wrong = NewPatient("KD000001", "Aled", "Abernethy", date(1994, 5, 2))
    with pytest.raises(ServiceError, match="date of birth entered differs"):
        service.admit(nurse, wrong, bed="B02", readmission=True)
    second = service.admit(nurse, ALED, bed="B02", readmission=True)
    detail = service.admission(second)
    assert detail.previous_admission_id == first
    assert count(db, Patient) == 1
    assert service.check_hospital_number("KD000001").status == "admitted"


def test_readonly_staff_cannot_admit(db: Database, service: AdmissionService) -> None:
    staff = StaffService(db)
    staff.add("ro.viewer", "Rita Reader", Role.READONLY, None)
    with pytest.raises(PermissionDenied):
        service.admit(staff.actor("ro.viewer", "Station A"), ALED, bed="B01")


def test_choices_offer_only_free_beds(
    service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    admit(service, nurse, clock, bed="B02")
    choices = service.choices()
    assert choices.free_beds == ("B01", "B03")
    assert [n.name for n in choices.nurses] == ["Robin Test"]


# --- intake amendments -----------------------------------------------------------------------


def test_amending_the_intake_keeps_the_original_and_amends_the_screen(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    admission_id = admit(service, nurse, clock)
    record = service.intake(admission_id)
    assert record.current is not None
    content = {**record.current.to_json()["mental_health"], "cssrs": HIGH_RISK}
    version = record.admission.version
    flags = service.amend_intake(
        nurse,
        admission_id,
        "mental_health",
        content,
        reason="disclosed a plan to the night nurse",
        expected_version=version,
    )
    assert flags == ("Suicide risk: high",)
    after = service.intake(admission_id)
    assert after.original == record.original  # never overwritten
    assert after.current is not None and after.current.cssrs_score().label == "High risk"
    assert [a.reason for a in after.amendments] == ["disclosed a plan to the night nurse"]
    with db.read() as session:
        cssrs = session.scalars(
            select(AssessmentRow).where(AssessmentRow.kind == "cssrs").order_by(AssessmentRow.id)
        ).all()
    assert [c.label for c in cssrs] == ["No risk identified", "High risk"]
    assert cssrs[1].amends_id == cssrs[0].id
    row = CensusService(db).snapshot().rows[0]
    assert row.risk_flags == ("Suicide risk: high",)
    assert row.top_escalation is not None
    assert row.top_escalation.kind is EscalationKind.SELF_HARM
    with pytest.raises(ConflictError):  # the version moved on
        service.amend_intake(
            nurse, admission_id, "mental_health", content, reason="again", expected_version=version
        )


def test_an_amendment_needs_a_reason_and_a_change(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    admission_id = admit(service, nurse, clock)
    current = service.intake(admission_id).current
    assert current is not None
    section = current.to_json()["physical"]
    with pytest.raises(InvalidInput, match="reason"):
        service.amend_intake(nurse, admission_id, "physical", section, reason=" ")
    with pytest.raises(InvalidInput, match="nothing changed"):
        service.amend_intake(nurse, admission_id, "physical", section, reason="check")
    assert count(db, IntakeAmendmentRow) == 0


def test_several_sections_are_amended_together_with_one_reason(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    admission_id = admit(service, nurse, clock)
    current = service.intake(admission_id).current
    assert current is not None
    stored = current.to_json()
    changes = {
        "substance_use": {**stored["substance_use"], "typical_amount": "4 g a day"},
        "physical": {**stored["physical"], "falls_risk": True, "falls_reason": "fell on ward"},
        "mental_health": stored["mental_health"],  # unchanged: no amendment row
    }
    flags = service.amend_intake_sections(
        nurse, admission_id, changes, reason="history from the family"
    )
    assert flags == ("Falls risk",)
    record = service.intake(admission_id)
    assert [a.section for a in record.amendments] == ["substance_use", "physical"]
    assert record.current is not None
    assert record.current.substance_use.typical_amount == "4 g a day"
    with db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "amend_intake")).one()
    assert audit.detail["sections"] == ["substance_use", "physical"]


# --- bed moves -------------------------------------------------------------------------------


def test_a_bed_move_is_kept_in_the_history(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    admission_id = admit(service, nurse, clock)
    clock.advance(hours=2)
    service.move_bed(
        nurse,
        admission_id,
        "B03",
        reason="nearer the nursing station",
        expected_version=service.admission(admission_id).version,
    )
    history = service.bed_history(admission_id)
    assert [(stay.bed, stay.since) for stay in history] == [
        ("B01", clock.now - timedelta(hours=3)),
        ("B03", clock.now),
    ]
    snapshot = CensusService(db).snapshot()
    assert snapshot.rows[0].bed == "B03"
    assert snapshot.free_beds == ("B01", "B02")
    with db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "move_bed")).one()
    assert audit.detail == {"from": "B01", "to": "B03", "reason": "nearer the nursing station"}


def test_a_bed_move_is_refused_to_an_occupied_bed_or_a_stale_view(
    db: Database, service: AdmissionService, nurse: Actor, clock: Clock
) -> None:
    aled = admit(service, nurse, clock)
    admit(service, nurse, clock, patient=BETH, bed="B02")
    with pytest.raises(ServiceError, match="bed B02 is occupied by Beth Brannigan"):
        service.move_bed(nurse, aled, "B02")
    with pytest.raises(InvalidInput) as caught:
        service.move_bed(nurse, aled, "B01")
    assert str(caught.value) == "bed: the patient is already in bed B01"  # named once
    with pytest.raises(InvalidInput) as caught:
        service.move_bed(nurse, aled, "B99")
    assert str(caught.value) == "bed: no bed called 'B99' on this ward"
    stale = service.admission(aled).version
    service.move_bed(nurse, aled, "B03")
    with pytest.raises(ConflictError, match="another station"):
        service.move_bed(nurse, aled, "B01", expected_version=stale)
    assert count(db, BedMove) == 3  # two admissions and one move
