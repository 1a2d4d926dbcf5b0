"""Reading a patient's (or the ward's) record for export, as immutable snapshots.

Exporting copies mental-health and substance-use data out of the console, so it needs the
``export`` permission (supervisors; the system account for command-line exports) and writes an
audit row naming who, from where, which patients and in which format — in the same transaction
as the read, so no export happens unrecorded. The formats themselves (FHIR, CSV) are built in
``wardconsole.interop`` from these snapshots.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain import must, simple_kinds
from wardconsole.domain.admission_records import AdmissionDetail
from wardconsole.domain.bowels import BowelEntry
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import EntrySpec
from wardconsole.domain.meals import MealEntry
from wardconsole.domain.records import EscalationKind, Severity, VitalSigns
from wardconsole.domain.sleep import SleepEntry
from wardconsole.services.context import Actor, InvalidInput, NotFound, Permission, require
from wardconsole.services.db import Database
from wardconsole.services.text_rule import checks_text_as
from wardconsole.store import repository, weights
from wardconsole.store.entries import ENTRY_TABLES, current
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    Bed,
    EscalationRow,
    FluidEntryRow,
    ObservationSetRow,
    Patient,
    SleepEntryRow,
    Staff,
    SymptomEntryRow,
    WeightEntryRow,
)
from wardconsole.store.nutrition import to_bowel, to_meal
from wardconsole.store.sleep import to_sleep

EXPORT_FORMATS = ("fhir", "csv")


@dataclass(frozen=True, slots=True)
class Author:
    staff_code: str
    display_name: str


@dataclass(frozen=True, slots=True)
class ExportedObservation:
    id: int
    taken_at: datetime
    recorded_at: datetime
    author: Author
    station: str
    vitals: VitalSigns
    missing_reasons: Mapping[str, str]
    news2_total: int | None
    news2_risk: str | None
    news2_subscores: Mapping[str, int]
    note: str
    source: str
    amended: bool
    glucose: float | None = None
    """Capillary blood glucose, mmol/L (None when not taken or out of the meter's range)."""
    glucose_flag: str | None = None
    """The meter's ``"LO"`` / ``"HI"``."""


@dataclass(frozen=True, slots=True)
class ExportedSymptoms:
    id: int
    taken_at: datetime
    author: Author
    chart_version: str
    item_scores: Mapping[str, int]
    total: int | None


@dataclass(frozen=True, slots=True)
class ExportedAssessment:
    id: int
    kind: str
    taken_at: datetime
    author: Author
    total: int | None
    label: str


@dataclass(frozen=True, slots=True)
class ExportedFluid:
    """A current food and fluid chart entry (``volume_ml`` None: passed, not measured)."""

    id: int
    taken_at: datetime
    author: Author
    direction: str
    what: str
    volume_ml: int | None
    description: str


@dataclass(frozen=True, slots=True)
class ExportedWeighing:
    """A current weighing: weight and/or height as typed (kg, m), the weight 3–6 months before
    admission where recorded, and the BMI from the latest height (None when either is unknown)."""

    id: int
    taken_at: datetime
    author: Author
    weight_kg: str | None
    height_m: str | None
    bmi: str | None
    before_kg: str | None = None
    before_source: str = ""
    before_planned: bool = False


@dataclass(frozen=True, slots=True)
class ExportedMeal:
    """A current meal, snack or supplement entry and who recorded it."""

    entry: MealEntry
    author: Author


@dataclass(frozen=True, slots=True)
class ExportedBowel:
    """A current bowel movement and who recorded it."""

    entry: BowelEntry
    author: Author


@dataclass(frozen=True, slots=True)
class ExportedEntry:
    """A current entry of a simple kind (``domain/simple_kinds.py``) and who recorded it: its
    values by column as the table holds them, read the same way for every simple kind."""

    spec: EntrySpec
    id: int
    taken_at: datetime
    author: Author
    values: Mapping[str, Any]
    note: str = ""

    @property
    def kind(self) -> EntryKind:
        return self.spec.kind


@dataclass(frozen=True, slots=True)
class ExportedSleep:
    """A current nurse's sleep entry for a night and who recorded it."""

    entry: SleepEntry
    author: Author


@dataclass(frozen=True, slots=True)
class ExportedEscalation:
    id: int
    kind: EscalationKind
    severity: Severity
    state: str
    raised_at: datetime
    resolved_at: datetime | None
    explanation: str
    outcome: str | None
    policy_digest: str | None = None
    """SHA-256 of the policy that raised it (None before digests were kept)."""


@dataclass(frozen=True, slots=True)
class StayRecord:
    """One admission and its current entries, oldest first."""

    admission: AdmissionDetail
    observations: tuple[ExportedObservation, ...]
    symptoms: tuple[ExportedSymptoms, ...]
    assessments: tuple[ExportedAssessment, ...]
    escalations: tuple[ExportedEscalation, ...]
    fluids: tuple[ExportedFluid, ...] = ()
    meals: tuple[ExportedMeal, ...] = ()
    bowels: tuple[ExportedBowel, ...] = ()
    sleep: tuple[ExportedSleep, ...] = ()
    weighings: tuple[ExportedWeighing, ...] = ()
    entries: Mapping[str, tuple[ExportedEntry, ...]] = field(default_factory=dict)
    """Simple kind -> its current entries, for every kind in ``SIMPLE_KINDS`` (meals and
    bowels too: ``meals`` and ``bowels`` are the same entries in their own records, for their
    bespoke mappings)."""


@dataclass(frozen=True, slots=True)
class PatientRecord:
    hospital_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    stays: tuple[StayRecord, ...]


@dataclass(frozen=True, slots=True)
class WardRecord:
    exported_at: datetime
    ward_name: str
    patients: tuple[PatientRecord, ...]


class ExportService:
    def __init__(self, db: Database) -> None:
        self._db = db

    @checks_text_as(destination="file_path")
    def collect(
        self,
        actor: Actor,
        *,
        hospital_number: str | None = None,
        export_format: str = "fhir",
        destination: str = "",
    ) -> WardRecord:
        """Every stay of one patient, or the current stays of every patient on the ward."""
        require(actor, Permission.EXPORT)
        if export_format not in EXPORT_FORMATS:
            raise InvalidInput({"format": f"format: one of {', '.join(EXPORT_FORMATS)}"})
        now = self._db.clock()
        with self._db.transaction() as session:
            if hospital_number is not None:
                patient = session.scalar(
                    select(Patient).where(Patient.hospital_number == hospital_number.strip())
                )
                if patient is None:
                    raise NotFound(f"no patient with hospital number {hospital_number!r}")
                groups = {patient.id: _stays_of(session, patient.id, open_only=False)}
            else:
                groups = {}
                for info in repository.open_admissions(session):
                    groups.setdefault(info.patient_id, []).append(info)
            authors = _authors(session)
            patients = tuple(
                _patient_record(session, patient_id, stays, authors)
                for patient_id, stays in groups.items()
            )
            ward = session.scalar(select(Bed.ward).order_by(Bed.sort_order).limit(1))
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action="export",
                entity="patient" if hospital_number else "ward",
                entity_id=None,
                detail={
                    "format": export_format,
                    "hospital_numbers": [p.hospital_number for p in patients],
                    "stays": sum(len(p.stays) for p in patients),
                    "destination": destination,
                    "os_user": _os_user(),
                },
            )
        return WardRecord(exported_at=now, ward_name=ward or "Ward", patients=patients)


def _stays_of(session: Session, patient_id: int, *, open_only: bool) -> list[AdmissionDetail]:
    ids = session.scalars(
        select(Admission.id)
        .where(Admission.patient_id == patient_id)
        .order_by(Admission.admitted_at)
    )
    infos = [repository.admission(session, admission_id) for admission_id in ids]
    return [i for i in infos if i is not None and (not open_only or i.discharged_at is None)]


def _authors(session: Session) -> dict[int, Author]:
    return {
        row.id: Author(row.staff_code, row.display_name)
        for row in session.execute(select(Staff.id, Staff.staff_code, Staff.display_name))
    }


def _patient_record(
    session: Session, patient_id: int, stays: list[AdmissionDetail], authors: dict[int, Author]
) -> PatientRecord:
    patient = session.get(Patient, patient_id)
    assert patient is not None
    return PatientRecord(
        hospital_number=patient.hospital_number,
        given_name=patient.given_name,
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth,
        sex=patient.sex,
        stays=tuple(_stay_record(session, info, authors) for info in stays),
    )


def _current(session: Session, model: Any, admission_id: int) -> list[Any]:
    return list(
        session.scalars(
            select(model)
            .where(model.admission_id == admission_id, current(model))
            .order_by(model.taken_at, model.id)
        )
    )


def _stay_record(session: Session, info: AdmissionDetail, authors: dict[int, Author]) -> StayRecord:
    unknown = Author("unknown", "Unknown")
    observations = tuple(
        ExportedObservation(
            id=row.id,
            taken_at=row.taken_at,
            recorded_at=row.recorded_at,
            author=authors.get(row.recorded_by_id, unknown),
            station=row.station,
            vitals=repository.to_observation(row).vitals,
            missing_reasons=dict(row.missing_reasons or {}),
            news2_total=row.news2_total,
            news2_risk=row.news2_risk,
            news2_subscores=dict(row.news2_subscores or {}),
            note=row.note,
            source=row.source,
            amended=row.amends_id is not None,
            glucose=row.glucose_mmol,
            glucose_flag=row.glucose_flag,
        )
        for row in _current(session, ObservationSetRow, info.admission_id)
    )
    symptoms = tuple(
        ExportedSymptoms(
            id=row.id,
            taken_at=row.taken_at,
            author=authors.get(row.recorded_by_id, unknown),
            chart_version=row.chart_version,
            item_scores=dict(row.item_scores),
            total=row.total,
        )
        for row in _current(session, SymptomEntryRow, info.admission_id)
    )
    assessments = tuple(
        ExportedAssessment(
            id=row.id,
            kind=row.kind,
            taken_at=row.taken_at,
            author=authors.get(row.recorded_by_id, unknown),
            total=row.total,
            label=row.label,
        )
        for row in _current(session, AssessmentRow, info.admission_id)
    )
    escalations = tuple(
        ExportedEscalation(
            id=row.id,
            kind=EscalationKind(row.kind),
            severity=Severity(row.severity),
            state=row.state,
            raised_at=row.raised_at,
            resolved_at=row.resolved_at,
            explanation=row.explanation,
            outcome=row.outcome,
            policy_digest=row.policy_digest,
        )
        for row in session.scalars(
            select(EscalationRow)
            .where(EscalationRow.admission_id == info.admission_id)
            .order_by(EscalationRow.raised_at, EscalationRow.id)
        )
    )
    fluids = tuple(
        ExportedFluid(
            id=row.id,
            taken_at=row.taken_at,
            author=authors.get(row.recorded_by_id, unknown),
            direction=row.direction,
            what=row.what,
            volume_ml=row.volume_ml,
            description=row.description or "",
        )
        for row in _current(session, FluidEntryRow, info.admission_id)
    )
    rows: dict[str, list[Any]] = {}
    entries: dict[str, tuple[ExportedEntry, ...]] = {}
    for kind, spec in simple_kinds.SIMPLE_KINDS.items():
        rows[kind] = _current(session, ENTRY_TABLES[kind], info.admission_id)
        entries[kind] = tuple(
            _entry(spec, row, authors.get(row.recorded_by_id, unknown)) for row in rows[kind]
        )
    meals = tuple(
        ExportedMeal(to_meal(row), authors.get(row.recorded_by_id, unknown))
        for row in rows[EntryKind.MEAL]
    )
    bowels = tuple(
        ExportedBowel(to_bowel(row), authors.get(row.recorded_by_id, unknown))
        for row in rows[EntryKind.BOWEL]
    )
    sleep = tuple(
        ExportedSleep(to_sleep(row), authors.get(row.recorded_by_id, unknown))
        for row in _current(session, SleepEntryRow, info.admission_id)
    )
    return StayRecord(
        info,
        observations,
        symptoms,
        assessments,
        escalations,
        fluids,
        meals,
        bowels,
        sleep,
        _weighings(session, info, authors, unknown),
        entries,
    )


def _entry(spec: EntrySpec, row: Any, author: Author) -> ExportedEntry:
    values = {name: getattr(row, name) for name in spec.columns}
    return ExportedEntry(spec, row.id, row.taken_at, author, values, row.note or "")


def _weighings(
    session: Session, info: AdmissionDetail, authors: Mapping[int, Author], unknown: Author
) -> tuple[ExportedWeighing, ...]:
    rows = {row.id: row for row in _current(session, WeightEntryRow, info.admission_id)}
    out = []
    height: Decimal | None = None
    for entry in weights.weighings(session, [info.admission_id])[info.admission_id]:
        row = rows[entry.id]
        height = entry.height_m if entry.height_m is not None else height
        bmi = (
            must.shown(must.bmi(entry.weight_kg, height), must.bmi_score)
            if entry.weight_kg is not None and height is not None
            else None
        )
        out.append(
            ExportedWeighing(
                id=entry.id,
                taken_at=entry.taken_at,
                author=authors.get(row.recorded_by_id, unknown),
                weight_kg=row.weight_kg,
                height_m=row.height_m,
                bmi=bmi,
                before_kg=row.before_kg,
                before_source=row.before_source,
                before_planned=row.before_planned,
            )
        )
    return tuple(out)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
