"""Queries behind admission, bed moves, discharge and the history of discharged patients.

Like ``repository``, every function takes a Session and returns frozen records, never live ORM
objects. The stay queries read current entries only (amended and entered-in-error rows are
history, not course).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from wardconsole.domain.admission_records import BedStay as BedStay
from wardconsole.domain.admission_records import HistoryHit as HistoryHit
from wardconsole.domain.discharge import EscalationFact, PrnFact, Reading
from wardconsole.domain.formulary import ClassSource, Formulary
from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.store.entries import current as is_current
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    Bed,
    BedMove,
    EscalationRow,
    IntakeAmendmentRow,
    ObservationSetRow,
    Patient,
    PrnDoseRow,
    Staff,
    SymptomEntryRow,
)

NURSING_ROLES = ("nurse", "supervisor")


@dataclass(frozen=True, slots=True)
class StaffChoice:
    staff_id: int
    name: str


@dataclass(frozen=True, slots=True)
class StayBrief:
    """One stay as a list shows it."""

    admission_id: int
    admitted_at: datetime
    discharged_at: datetime | None
    bed: str | None
    destination: str | None
    care_setting: str
    previous_admission_id: int | None


@dataclass(frozen=True, slots=True)
class PatientMatch:
    """Who already holds a hospital number, and their latest stay."""

    patient_id: int
    hospital_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    latest: StayBrief | None

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def admitted_now(self) -> bool:
        return self.latest is not None and self.latest.discharged_at is None


@dataclass(frozen=True, slots=True)
class IntakeAmendment:
    id: int
    section: str
    content: dict[str, Any]
    reason: str
    risk_flags: tuple[str, ...]
    recorded_at: datetime
    recorded_by: str
    station: str


# --- beds and staff ------------------------------------------------------------------------------


def occupied_bed_ids(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(Admission.bed_id).where(
                Admission.discharged_at.is_(None), Admission.bed_id.is_not(None)
            )
        )
    )


def free_beds(session: Session) -> list[str]:
    """Active beds nobody occupies, in ward order."""
    taken = occupied_bed_ids(session)
    rows = session.execute(
        select(Bed.id, Bed.label).where(Bed.active).order_by(Bed.sort_order, Bed.label)
    )
    return [label for bed_id, label in rows if bed_id not in taken]


def bed_by_label(session: Session, label: str) -> Bed | None:
    return session.scalar(select(Bed).where(Bed.label == label))


def nurse_choices(session: Session) -> list[StaffChoice]:
    rows = session.execute(
        select(Staff.id, Staff.display_name)
        .where(Staff.active, Staff.role.in_(NURSING_ROLES))
        .order_by(Staff.display_name)
    )
    return [StaffChoice(staff_id, name) for staff_id, name in rows]


# --- patients and stays --------------------------------------------------------------------------


def _stay_brief(admission: Admission, bed: str | None) -> StayBrief:
    return StayBrief(
        admission_id=admission.id,
        admitted_at=admission.admitted_at,
        discharged_at=admission.discharged_at,
        bed=bed,
        destination=admission.discharge_destination,
        care_setting=admission.care_setting,
        previous_admission_id=admission.previous_admission_id,
    )


def stays(session: Session, patient_id: int) -> list[StayBrief]:
    """Every stay of a patient, newest first."""
    rows = session.execute(
        select(Admission, Bed.label)
        .outerjoin(Bed, Bed.id == Admission.bed_id)
        .where(Admission.patient_id == patient_id)
        .order_by(Admission.admitted_at.desc(), Admission.id.desc())
    ).all()
    return [_stay_brief(admission, bed) for admission, bed in rows]


def patient_by_number(session: Session, hospital_number: str) -> PatientMatch | None:
    patient = session.scalar(
        select(Patient).where(func.upper(Patient.hospital_number) == hospital_number.upper())
    )
    if patient is None:
        return None
    history = stays(session, patient.id)
    return PatientMatch(
        patient_id=patient.id,
        hospital_number=patient.hospital_number,
        given_name=patient.given_name,
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth,
        latest=history[0] if history else None,
    )


def intake_amendments(session: Session, admission_id: int) -> list[IntakeAmendment]:
    """Amendments of an admission's intake, oldest first."""
    rows = session.execute(
        select(IntakeAmendmentRow, Staff.display_name)
        .join(Staff, Staff.id == IntakeAmendmentRow.recorded_by_id)
        .where(IntakeAmendmentRow.admission_id == admission_id)
        .order_by(IntakeAmendmentRow.id)
    ).all()
    return [
        IntakeAmendment(
            id=row.id,
            section=row.section,
            content=dict(row.content),
            reason=row.reason,
            risk_flags=tuple(row.risk_flags or ()),
            recorded_at=row.recorded_at,
            recorded_by=name,
            station=row.station,
        )
        for row, name in rows
    ]


def bed_history(session: Session, admission_id: int) -> list[BedStay]:
    """Beds of one stay in order, from the bed-move trail (the admission's own bed included;
    stays admitted before the trail existed start with their first bed, ``moved_by`` empty)."""
    admission = session.get(Admission, admission_id)
    if admission is None:
        return []
    from_bed = aliased(Bed)
    rows = session.execute(
        select(BedMove, Bed.label, from_bed.label, Staff.display_name)
        .join(Bed, Bed.id == BedMove.to_bed_id)
        .outerjoin(from_bed, from_bed.id == BedMove.from_bed_id)
        .join(Staff, Staff.id == BedMove.recorded_by_id)
        .where(BedMove.admission_id == admission_id)
        .order_by(BedMove.moved_at, BedMove.id)
    ).all()
    history: list[BedStay] = []
    first_bed = (
        rows[0][2]
        if rows
        else (
            session.scalar(select(Bed.label).where(Bed.id == admission.bed_id))
            if admission.bed_id
            else None
        )
    )
    if first_bed is not None:
        history.append(BedStay(first_bed, admission.admitted_at, "", ""))
    history += [
        BedStay(label, move.moved_at, name, move.station) for move, label, _from, name in rows
    ]
    return history


def search_discharged(session: Session, text: str, limit: int = 50) -> list[HistoryHit]:
    """Patients with at least one finished stay whose name or hospital number contains ``text``
    (every word must match), most recently discharged first."""
    last = (
        select(
            Admission.patient_id.label("patient_id"),
            func.count(Admission.id).label("stays"),
            func.max(Admission.admitted_at).label("last_admitted"),
            func.max(Admission.discharged_at).label("last_discharged"),
        )
        .group_by(Admission.patient_id)
        .subquery()
    )
    query = (
        select(Patient, last.c.stays, last.c.last_admitted, last.c.last_discharged)
        .join(last, last.c.patient_id == Patient.id)
        .where(last.c.last_discharged.is_not(None))
    )
    for word in text.split():
        pattern = f"%{word.casefold()}%"
        query = query.where(
            or_(
                func.lower(Patient.given_name).like(pattern),
                func.lower(Patient.family_name).like(pattern),
                func.lower(Patient.hospital_number).like(pattern),
            )
        )
    rows = session.execute(
        query.order_by(last.c.last_discharged.desc(), Patient.id).limit(limit)
    ).all()
    hits = []
    for patient, count, admitted, discharged in rows:
        destination = session.scalar(
            select(Admission.discharge_destination)
            .where(Admission.patient_id == patient.id, Admission.discharged_at.is_not(None))
            .order_by(Admission.discharged_at.desc())
            .limit(1)
        )
        hits.append(
            HistoryHit(
                patient_id=patient.id,
                hospital_number=patient.hospital_number,
                name=f"{patient.given_name} {patient.family_name}",
                date_of_birth=patient.date_of_birth,
                stays=count,
                last_admitted_at=admitted,
                last_discharged_at=discharged,
                last_destination=destination,
            )
        )
    return hits


# --- the course of a stay ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StayCourse:
    news2: tuple[Reading, ...]
    partial_sets: int
    symptoms: tuple[Reading, ...]
    assessments: dict[str, tuple[Reading, ...]]
    escalations: tuple[EscalationFact, ...]
    prn: tuple[PrnFact, ...]


_LABELLED_KINDS = frozenset({"phq9", "gad7", "cssrs", "bladder"})


def stay_course(session: Session, admission_id: int, *, formulary: Formulary) -> StayCourse:
    """NEWS2, chart totals, assessments, escalations and PRN doses of one stay, oldest first;
    each dose under its formulary drug name and class."""
    observations = session.execute(
        select(
            ObservationSetRow.taken_at, ObservationSetRow.news2_total, ObservationSetRow.news2_risk
        )
        .where(ObservationSetRow.admission_id == admission_id, is_current(ObservationSetRow))
        .order_by(ObservationSetRow.taken_at, ObservationSetRow.id)
    ).all()
    news2 = tuple(
        Reading(at, total, risk or "") for at, total, risk in observations if total is not None
    )
    symptoms = tuple(
        Reading(at, total)
        for at, total in session.execute(
            select(SymptomEntryRow.taken_at, SymptomEntryRow.total)
            .where(SymptomEntryRow.admission_id == admission_id, is_current(SymptomEntryRow))
            .order_by(SymptomEntryRow.taken_at, SymptomEntryRow.id)
        )
    )
    assessments: dict[str, list[Reading]] = {}
    for kind, at, total, label in session.execute(
        select(AssessmentRow.kind, AssessmentRow.taken_at, AssessmentRow.total, AssessmentRow.label)
        .where(AssessmentRow.admission_id == admission_id, is_current(AssessmentRow))
        .order_by(AssessmentRow.taken_at, AssessmentRow.id)
    ):
        shown = label.split(";")[0] if kind in _LABELLED_KINDS else ""
        assessments.setdefault(kind, []).append(Reading(at, total, shown))
    escalations = tuple(
        EscalationFact(
            kind=EscalationKind(row.kind).label,
            severity=Severity(row.severity),
            raised_at=row.raised_at,
            explanation=row.explanation,
            resolved_at=row.resolved_at,
            outcome=row.outcome,
        )
        for row in session.scalars(
            select(EscalationRow)
            .where(EscalationRow.admission_id == admission_id)
            .order_by(EscalationRow.raised_at, EscalationRow.id)
        )
    )
    prn = tuple(
        _prn_fact(row, formulary)
        for row in session.scalars(
            select(PrnDoseRow)
            .where(PrnDoseRow.admission_id == admission_id, is_current(PrnDoseRow))
            .order_by(PrnDoseRow.taken_at, PrnDoseRow.id)
        )
    )
    return StayCourse(
        news2=news2,
        partial_sets=sum(1 for _at, total, _risk in observations if total is None),
        symptoms=symptoms,
        assessments={kind: tuple(readings) for kind, readings in assessments.items()},
        escalations=escalations,
        prn=prn,
    )


def _prn_fact(row: PrnDoseRow, formulary: Formulary) -> PrnFact:
    found = formulary.classify(row.drug, row.drug_class)
    drug = found.drug.name if found.drug is not None else row.drug
    words = found.text if found.source is ClassSource.UNCLASSIFIED else found.label
    return PrnFact(row.taken_at, drug, words, row.dose)
