"""Beds and admissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from wardconsole.services.context import Actor, InvalidInput, Permission, ServiceError, require
from wardconsole.services.db import Database
from wardconsole.store import repository
from wardconsole.store.changes import record_change
from wardconsole.store.models import Admission, Bed, Patient


@dataclass(frozen=True, slots=True)
class NewPatient:
    hospital_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str = "unknown"


class AdmissionService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def ensure_beds(self, labels: list[str], ward: str) -> None:
        """Create any beds that do not exist yet, in the given order."""
        with self._db.transaction() as session:
            existing = set(session.scalars(select(Bed.label)))
            for order, label in enumerate(labels):
                if label not in existing:
                    session.add(Bed(label=label, ward=ward, sort_order=order, active=True))

    def admit(
        self,
        actor: Actor,
        patient: NewPatient,
        *,
        bed: str,
        admitted_at: datetime | None = None,
        reason: str = "",
        assigned_nurse_id: int | None = None,
        care_setting: str = "inpatient",
        risk_flags: tuple[str, ...] = (),
        intake: dict | None = None,
    ) -> int:
        require(actor, Permission.ADMIT)
        now = self._db.clock()
        admitted_at = admitted_at or now
        problems = {}
        if not patient.hospital_number.strip():
            problems["hospital_number"] = "hospital_number: required"
        if not patient.given_name.strip() or not patient.family_name.strip():
            problems["name"] = "name: given and family name are required"
        if patient.date_of_birth >= admitted_at.date():
            problems["date_of_birth"] = "date_of_birth: must be before the admission date"
        if problems:
            raise InvalidInput(problems)
        with self._db.transaction() as session:
            bed_row = session.scalar(select(Bed).where(Bed.label == bed))
            if bed_row is None:
                raise InvalidInput({"bed": f"bed: no bed called {bed!r} on this ward"})
            occupant = session.scalar(
                select(Admission.id).where(
                    Admission.bed_id == bed_row.id, Admission.discharged_at.is_(None)
                )
            )
            if occupant is not None:
                raise ServiceError(f"bed {bed} is occupied")
            existing = session.scalar(
                select(Patient).where(Patient.hospital_number == patient.hospital_number)
            )
            if existing is not None:
                raise ServiceError(
                    f"hospital number {patient.hospital_number} already belongs to "
                    f"{existing.given_name} {existing.family_name}"
                )
            row = Patient(
                hospital_number=patient.hospital_number.strip(),
                given_name=patient.given_name.strip(),
                family_name=patient.family_name.strip(),
                date_of_birth=patient.date_of_birth,
                sex=patient.sex,
                created_at=now,
            )
            session.add(row)
            session.flush()
            admission = Admission(
                patient_id=row.id,
                bed_id=bed_row.id,
                admitted_at=admitted_at,
                reason=reason,
                care_setting=care_setting,
                assigned_nurse_id=assigned_nurse_id,
                risk_flags=list(risk_flags),
                intake=intake or {},
                spo2_scale=1,
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
            )
            session.add(admission)
            session.flush()
            repository.write_audit(session, at=now, staff_id=actor.staff_id,
                                   station=actor.station, action="admit", entity="admission",
                                   entity_id=admission.id, detail={"bed": bed})
            record_change(session, "admission", admission.id, actor.station)
            return admission.id
