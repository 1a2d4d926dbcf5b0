"""Beds, admission with the intake assessment, intake amendments and bed moves.

Each write is one short transaction with its permission check, audit row and change-log row.
The intake saved at admission is never overwritten: a correction is an ``intake_amendments`` row
with a reason, and the intake's scored screens (C-SSRS, PHQ-9, GAD-7, urinary red flags) are
recorded as ordinary assessments at the admission time, so the escalation rules see them at
once (REFERENCE §9A: a high C-SSRS is an immediate alert) and an amendment amends those rows.
Discharge and the history of discharged patients live in ``services.discharge``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wardconsole.domain import intake as intake_domain
from wardconsole.domain.admission_records import AdmissionDetail
from wardconsole.domain.assessments import score_assessment
from wardconsole.domain.co_use import co_use_of
from wardconsole.domain.discharge import CARE_SETTINGS
from wardconsole.domain.intake import Intake, IntakeProblems, RiskFlag
from wardconsole.domain.records import RecordStatus
from wardconsole.domain.text_input import MAX_NOTE, text_problem
from wardconsole.services.context import (
    Actor,
    ConflictError,
    InvalidInput,
    NotFound,
    Permission,
    ServiceError,
    as_utc,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.escalations import apply_rules
from wardconsole.services.stay_access import ensure_may_read
from wardconsole.services.text_rule import checks_text
from wardconsole.store import admissions_queries as q
from wardconsole.store import repository
from wardconsole.store.changes import record_change
from wardconsole.store.entries import current
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    Bed,
    BedMove,
    IntakeAmendmentRow,
    Patient,
)

INTAKE_NOTE = "Admission intake"
"""The note on assessments recorded from the intake (their taken_at is the admission time)."""
CLOCK_TOLERANCE = timedelta(minutes=5)
OLDEST_PATIENT_YEARS = 120


@dataclass(frozen=True, slots=True)
class NewPatient:
    hospital_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str = "unknown"


@dataclass(frozen=True, slots=True)
class AdmissionChoices:
    """What the admission form offers: free beds and the nurses who can be assigned."""

    free_beds: tuple[str, ...]
    nurses: tuple[q.StaffChoice, ...]


@dataclass(frozen=True, slots=True)
class NumberCheck:
    """What a hospital number means before admitting: new, a readmission, or already here."""

    status: Literal["new", "readmission", "admitted"]
    match: q.PatientMatch | None
    message: str


@dataclass(frozen=True, slots=True)
class IntakeRecord:
    """An admission's intake: as saved, as amended, and the amendments in between."""

    admission: AdmissionDetail
    original: Intake | None
    current: Intake | None
    amendments: tuple[q.IntakeAmendment, ...]

    @property
    def flags(self) -> tuple[RiskFlag, ...]:
        return self.current.risk_flags() if self.current is not None else ()


def read_intake(
    detail: AdmissionDetail, amendments: list[q.IntakeAmendment]
) -> tuple[Intake | None, Intake | None]:
    """(original, current) intake; None for stays admitted without a structured intake."""
    try:
        original = intake_domain.parse_intake(
            detail.intake, admitted_at=detail.admitted_at, date_of_birth=detail.date_of_birth
        )
    except IntakeProblems:
        return None, None
    current = original
    for amendment in amendments:
        part = intake_domain.parse_section(
            amendment.section, amendment.content, admitted_at=detail.admitted_at
        )
        current = current.with_section(amendment.section, part)
    return original, current


class AdmissionService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- reads ------------------------------------------------------------------------------

    def choices(self) -> AdmissionChoices:
        with self._db.read() as session:
            return AdmissionChoices(tuple(q.free_beds(session)), tuple(q.nurse_choices(session)))

    @checks_text
    def check_hospital_number(self, hospital_number: str) -> NumberCheck:
        """Look the number up as the nurse types it (the form says what it found)."""
        number = hospital_number.strip()
        with self._db.read() as session:
            match = q.patient_by_number(session, number) if number else None
        if match is None:
            return NumberCheck("new", None, "New patient")
        born = f"born {match.date_of_birth:%d %b %Y}"
        if match.admitted_now and match.latest is not None:
            where = f"bed {match.latest.bed}" if match.latest.bed else "no bed"
            return NumberCheck(
                "admitted", match, f"{match.name} ({born}) is already admitted ({where})"
            )
        return NumberCheck(
            "readmission", match, f"Readmission? {match.hospital_number} is {match.name}, {born}"
        )

    def admission(self, admission_id: int, *, reader: Actor | None = None) -> AdmissionDetail:
        """The stay's detail; a discharged stay's needs ``reader`` with the history permission
        (``services.stay_access``)."""
        with self._db.read() as session:
            ensure_may_read(self._db, session, admission_id, reader, "admission details")
            detail = repository.admission(session, admission_id)
        if detail is None:
            raise NotFound(f"admission {admission_id} does not exist")
        return detail

    def intake(self, admission_id: int, *, reader: Actor | None = None) -> IntakeRecord:
        with self._db.read() as session:
            ensure_may_read(self._db, session, admission_id, reader, "intake assessment")
            detail = repository.admission(session, admission_id)
            if detail is None:
                raise NotFound(f"admission {admission_id} does not exist")
            amendments = q.intake_amendments(session, admission_id)
        original, current = read_intake(detail, amendments)
        return IntakeRecord(detail, original, current, tuple(amendments))

    def bed_history(self, admission_id: int, *, reader: Actor | None = None) -> list[q.BedStay]:
        with self._db.read() as session:
            ensure_may_read(self._db, session, admission_id, reader, "bed history")
            return q.bed_history(session, admission_id)

    # -- beds -------------------------------------------------------------------------------

    @checks_text
    def ensure_beds(self, labels: list[str], ward: str) -> None:
        """Create any beds that do not exist yet, in the given order."""
        with self._db.transaction() as session:
            existing = set(session.scalars(select(Bed.label)))
            for order, label in enumerate(labels):
                if label not in existing:
                    session.add(Bed(label=label, ward=ward, sort_order=order, active=True))

    # -- admission --------------------------------------------------------------------------

    @checks_text
    def admit(
        self,
        actor: Actor,
        patient: NewPatient,
        *,
        bed: str | None,
        admitted_at: datetime | None = None,
        reason: str = "",
        assigned_nurse_id: int | None = None,
        care_setting: str = "inpatient",
        risk_flags: tuple[str, ...] = (),
        intake: Mapping[str, Any] | None = None,
        readmission: bool = False,
    ) -> int:
        """Admit ``patient`` to ``bed`` with the intake; returns the admission id.

        A hospital number that already exists is refused unless ``readmission`` is set and the
        name and date of birth match; the new stay then links to the patient's previous one.
        Nothing is saved when anything is refused.
        """
        require(actor, Permission.ADMIT)
        now = self._db.clock()
        admitted_at = as_utc("admitted_at", admitted_at) or now
        if problem := text_problem("reason", reason, max_length=MAX_NOTE, multiline=True):
            raise InvalidInput({"reason": problem})
        checked = self._check_admission(patient, bed, admitted_at, now, care_setting, intake)
        flags = _merge_flags(checked.risk_flags() if checked else (), risk_flags)
        number = patient.hospital_number.strip()
        try:
            with self._db.transaction() as session:
                bed_row = self._free_bed(session, bed) if bed else None
                patient_row, previous_id = self._patient_row(session, patient, readmission, now)
                admission = Admission(
                    patient_id=patient_row.id,
                    bed_id=bed_row.id if bed_row else None,
                    admitted_at=admitted_at,
                    reason=reason.strip(),
                    care_setting=care_setting,
                    assigned_nurse_id=assigned_nurse_id,
                    previous_admission_id=previous_id,
                    risk_flags=list(flags),
                    intake=checked.to_json() if checked else dict(intake or {}),
                    spo2_scale=1,
                    recorded_at=now,
                    recorded_by_id=actor.staff_id,
                    station=actor.station,
                )
                session.add(admission)
                session.flush()
                if bed_row is not None:
                    session.add(
                        BedMove(
                            admission_id=admission.id,
                            from_bed_id=None,
                            to_bed_id=bed_row.id,
                            moved_at=admitted_at,
                            recorded_at=now,
                            recorded_by_id=actor.staff_id,
                            station=actor.station,
                        )
                    )
                screens = checked.scored_assessments() if checked else {}
                for kind, answers in screens.items():
                    session.add(_intake_assessment(admission, kind, answers, actor, now))
                repository.write_audit(
                    session,
                    at=now,
                    staff_id=actor.staff_id,
                    station=actor.station,
                    action="readmit" if previous_id else "admit",
                    entity="admission",
                    entity_id=admission.id,
                    detail={
                        "bed": bed,
                        "hospital_number": number,
                        "care_setting": care_setting,
                        "previous_admission_id": previous_id,
                        "risk_flags": list(flags),
                        "intake_screens": sorted(screens),
                    },
                )
                record_change(session, "admission", admission.id, actor.station)
                if screens or (checked is not None and co_use_of(checked, now) is not None):
                    session.flush()
                    apply_rules(
                        session,
                        self._db,
                        admission.id,
                        now=now,
                        station=actor.station,
                        staff_id=actor.staff_id,
                    )
                return admission.id
        except IntegrityError:
            raise ConflictError(
                f"another station admitted into bed {bed} or used hospital number {number} "
                "a moment ago; look again before admitting"
            ) from None

    def _check_admission(
        self,
        patient: NewPatient,
        bed: str | None,
        admitted_at: datetime,
        now: datetime,
        care_setting: str,
        intake: Mapping[str, Any] | None,
    ) -> Intake | None:
        problems = _patient_problems(patient, bed)
        problems.update(_admission_time_problems(patient, admitted_at, now))
        if care_setting not in CARE_SETTINGS:
            problems["care_setting"] = f"care_setting: one of {', '.join(CARE_SETTINGS)}"
        elif care_setting == "inpatient" and not bed:
            problems["bed"] = "bed: an inpatient needs a bed; choose a free bed"
        checked = None
        if intake is not None and "admitted_at" not in problems:
            try:
                checked = intake_domain.parse_intake(
                    intake, admitted_at=admitted_at, date_of_birth=patient.date_of_birth
                )
            except IntakeProblems as exc:
                problems.update(exc.problems)
        if problems:
            raise InvalidInput(problems)
        return checked

    @staticmethod
    def _free_bed(session: Session, label: str) -> Bed:
        bed_row = q.bed_by_label(session, label)
        if bed_row is None or not bed_row.active:
            raise InvalidInput({"bed": f"bed: no bed called {label!r} on this ward"})
        occupant = session.execute(
            select(Patient.given_name, Patient.family_name)
            .join(Admission, Admission.patient_id == Patient.id)
            .where(Admission.bed_id == bed_row.id, Admission.discharged_at.is_(None))
        ).first()
        if occupant is not None:
            raise ServiceError(
                f"bed {label} is occupied by {occupant[0]} {occupant[1]}; choose a free bed"
            )
        return bed_row

    @staticmethod
    def _patient_row(
        session: Session, patient: NewPatient, readmission: bool, now: datetime
    ) -> tuple[Patient, int | None]:
        number = patient.hospital_number.strip()
        match = q.patient_by_number(session, number)
        if match is None:
            if readmission:
                raise ServiceError(
                    f"no earlier stay with hospital number {number}; admit as a new patient"
                )
            row = Patient(
                hospital_number=number,
                given_name=patient.given_name.strip(),
                family_name=patient.family_name.strip(),
                date_of_birth=patient.date_of_birth,
                sex=patient.sex,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return row, None
        born = f"born {match.date_of_birth:%d %b %Y}"
        if match.admitted_now and match.latest is not None:
            where = f"bed {match.latest.bed}" if match.latest.bed else "without a bed"
            raise ServiceError(
                f"hospital number {match.hospital_number} is already admitted: "
                f"{match.name} ({born}), {where}"
            )
        if not readmission:
            raise ServiceError(
                f"hospital number {match.hospital_number} already belongs to {match.name} "
                f"({born}); if this is the same person, admit as a readmission"
            )
        same = (
            match.given_name.casefold() == patient.given_name.strip().casefold()
            and match.family_name.casefold() == patient.family_name.strip().casefold()
            and match.date_of_birth == patient.date_of_birth
        )
        if not same:
            raise ServiceError(
                f"hospital number {match.hospital_number} belongs to {match.name} ({born}); "
                "the name or date of birth entered differs — check the number"
            )
        row = session.get_one(Patient, match.patient_id)
        return row, match.latest.admission_id if match.latest else None

    # -- intake amendments ------------------------------------------------------------------

    @checks_text
    def amend_intake(
        self,
        actor: Actor,
        admission_id: int,
        section: str,
        content: Mapping[str, Any],
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> tuple[str, ...]:
        """Correct one intake section with a reason; returns the admission's risk flags after."""
        return self.amend_intake_sections(
            actor,
            admission_id,
            {section: content},
            reason=reason,
            expected_version=expected_version,
        )

    @checks_text
    def amend_intake_sections(
        self,
        actor: Actor,
        admission_id: int,
        sections: Mapping[str, Mapping[str, Any]],
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> tuple[str, ...]:
        """Correct intake sections with one reason, in one transaction: an amendment row for
        each section that changed (the others are left alone). Returns the risk flags after.

        The original intake and earlier amendments stay readable; the intake's screens are
        amended as assessments (the originals stay in history).
        """
        require(actor, Permission.RECORD)
        reason = reason.strip()
        if not reason:
            raise InvalidInput({"reason": "reason: say why the intake is being corrected"})
        unknown = [name for name in sections if name not in intake_domain.SECTIONS]
        if unknown or not sections:
            raise InvalidInput({"section": f"section: one of {', '.join(intake_domain.SECTIONS)}"})
        now = self._db.clock()
        with self._db.transaction() as session:
            admission = self._open_admission(session, admission_id, expected_version)
            detail = repository.admission(session, admission_id)
            assert detail is not None
            _original, current = read_intake(detail, q.intake_amendments(session, admission_id))
            if current is None:
                raise ServiceError("this stay has no structured intake to amend")
            amended, changed = self._amended(current, sections, admission, detail)
            old_derived = set(intake_domain.flag_labels(current))
            manual = tuple(f for f in admission.risk_flags or () if f not in old_derived)
            flags = _merge_flags(amended.risk_flags(), manual)
            for section in changed:
                session.add(
                    IntakeAmendmentRow(
                        admission_id=admission_id,
                        section=section,
                        content=amended.to_json()[section],
                        reason=reason,
                        risk_flags=list(flags),
                        recorded_at=now,
                        recorded_by_id=actor.staff_id,
                        station=actor.station,
                    )
                )
            admission.risk_flags = list(flags)
            screens_changed = self._amend_screens(
                session, admission, current, amended, actor, now, reason
            )
            session.flush()
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action="amend_intake",
                entity="admission",
                entity_id=admission_id,
                detail={
                    "sections": changed,
                    "reason": reason,
                    "risk_flags": list(flags),
                    "screens_amended": screens_changed,
                },
            )
            record_change(session, "admission", admission_id, actor.station)
            if screens_changed or "substance_use" in changed:
                apply_rules(
                    session,
                    self._db,
                    admission_id,
                    now=now,
                    station=actor.station,
                    staff_id=actor.staff_id,
                )
            return flags

    @staticmethod
    def _amended(
        current: Intake,
        sections: Mapping[str, Mapping[str, Any]],
        admission: Admission,
        detail: AdmissionDetail,
    ) -> tuple[Intake, list[str]]:
        """The intake with ``sections`` applied, and which of them actually changed."""
        amended, changed, problems = current, [], {}
        for section, content in sections.items():
            try:
                part = intake_domain.parse_section(
                    section,
                    content,
                    admitted_at=admission.admitted_at,
                    date_of_birth=detail.date_of_birth,
                )
            except IntakeProblems as exc:
                problems.update(exc.problems)
                continue
            candidate = amended.with_section(section, part)
            if candidate != amended:
                amended = candidate
                changed.append(section)
        if problems:
            raise InvalidInput(problems)
        if not changed:
            names = ", ".join(sections)
            raise InvalidInput({next(iter(sections)): f"{names}: nothing changed"})
        return amended, changed

    @staticmethod
    def _amend_screens(
        session: Session,
        admission: Admission,
        before: Intake,
        after: Intake,
        actor: Actor,
        now: datetime,
        reason: str,
    ) -> list[str]:
        old, new = before.scored_assessments(), after.scored_assessments()
        changed = []
        for kind in sorted(set(old) | set(new)):
            if old.get(kind) == new.get(kind):
                continue
            changed.append(kind)
            previous = session.scalar(
                select(AssessmentRow)
                .where(
                    AssessmentRow.admission_id == admission.id,
                    AssessmentRow.kind == kind,
                    AssessmentRow.note == INTAKE_NOTE,
                    current(AssessmentRow),
                )
                .order_by(AssessmentRow.id.desc())
                .limit(1)
            )
            if kind in new:
                row = _intake_assessment(admission, kind, new[kind], actor, now)
            elif previous is not None:  # removed from the intake: strike the old entry out
                row = _intake_assessment(admission, kind, dict(previous.answers), actor, now)
                row.status = RecordStatus.ENTERED_IN_ERROR.value
            else:
                continue
            if previous is not None:
                row.amends_id = previous.id
                row.amend_reason = reason
            session.add(row)
        return changed

    # -- bed moves --------------------------------------------------------------------------

    @checks_text
    def move_bed(
        self,
        actor: Actor,
        admission_id: int,
        to_bed: str,
        *,
        expected_version: int | None = None,
        reason: str = "",
    ) -> None:
        """Move a patient to a free bed; the move is kept in the bed history."""
        require(actor, Permission.ADMIT)
        now = self._db.clock()
        try:
            with self._db.transaction() as session:
                admission = self._open_admission(session, admission_id, expected_version)
                target = self._free_bed_for_move(session, admission, to_bed)
                from_bed = session.get(Bed, admission.bed_id) if admission.bed_id else None
                session.add(
                    BedMove(
                        admission_id=admission_id,
                        from_bed_id=admission.bed_id,
                        to_bed_id=target.id,
                        moved_at=now,
                        recorded_at=now,
                        recorded_by_id=actor.staff_id,
                        station=actor.station,
                    )
                )
                admission.bed_id = target.id
                session.flush()
                repository.write_audit(
                    session,
                    at=now,
                    staff_id=actor.staff_id,
                    station=actor.station,
                    action="move_bed",
                    entity="admission",
                    entity_id=admission_id,
                    detail={
                        "from": from_bed.label if from_bed else None,
                        "to": target.label,
                        "reason": reason.strip(),
                    },
                )
                record_change(session, "admission", admission_id, actor.station)
        except IntegrityError:
            raise ConflictError(
                f"bed {to_bed} was taken at another station a moment ago; choose another bed"
            ) from None

    def _free_bed_for_move(self, session: Session, admission: Admission, label: str) -> Bed:
        target = q.bed_by_label(session, label)
        if target is not None and target.id == admission.bed_id:
            raise InvalidInput({"bed": f"bed: the patient is already in bed {label}"})
        return self._free_bed(session, label)

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _open_admission(
        session: Session, admission_id: int, expected_version: int | None
    ) -> Admission:
        admission = session.get(Admission, admission_id)
        if admission is None:
            raise NotFound(f"admission {admission_id} does not exist")
        if admission.discharged_at is not None:
            raise ServiceError("this patient has been discharged; the record is read-only")
        if expected_version is not None and admission.version != expected_version:
            raise ConflictError(
                "this admission was changed at another station (moved, "
                "amended or discharged); look again before changing it"
            )
        return admission


def _merge_flags(*groups: Any) -> tuple[str, ...]:
    """Flags in order, without duplicates (case-insensitive); ``RiskFlag`` or plain text."""
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for flag in group:
            label = flag.label if isinstance(flag, RiskFlag) else str(flag).strip()
            if label and label.casefold() not in seen:
                seen.add(label.casefold())
                out.append(label)
    return tuple(out)


def _intake_assessment(
    admission: Admission, kind: str, answers: Mapping[str, Any], actor: Actor, now: datetime
) -> AssessmentRow:
    score = score_assessment(kind, answers)
    return AssessmentRow(
        admission_id=admission.id,
        taken_at=admission.admitted_at,
        recorded_at=now,
        recorded_by_id=actor.staff_id,
        station=actor.station,
        kind=kind,
        answers=dict(answers),
        total=score.total,
        label=score.label,
        note=INTAKE_NOTE,
    )


def _patient_problems(patient: NewPatient, bed: str | None) -> dict[str, str]:
    """What is wrong with the typed name, hospital number and bed, by field."""
    problems: dict[str, str] = {}
    number = patient.hospital_number.strip()
    if not number:
        problems["hospital_number"] = "hospital_number: required"
    elif len(number) > 32:
        problems["hospital_number"] = "hospital_number: at most 32 characters"
    if not patient.given_name.strip() or not patient.family_name.strip():
        problems["name"] = "name: given and family name are required"
    for field, value, longest in (
        ("given_name", patient.given_name, 80),
        ("family_name", patient.family_name, 80),
        ("hospital_number", number, 32),
        ("bed", bed or "", 16),
    ):
        if problem := text_problem(field, value, max_length=longest):
            problems.setdefault(field, problem)
    return problems


def _admission_time_problems(
    patient: NewPatient, admitted_at: datetime, now: datetime
) -> dict[str, str]:
    """An admission time that is unzoned or in the future, or a birth date it contradicts."""
    if admitted_at.tzinfo is None:
        return {"admitted_at": "admitted_at: time zone missing"}
    if admitted_at > now + CLOCK_TOLERANCE:
        return {"admitted_at": "admitted_at: is in the future; check the time"}
    if patient.date_of_birth >= admitted_at.date():
        return {"date_of_birth": "date_of_birth: must be before the admission date"}
    if admitted_at.year - patient.date_of_birth.year > OLDEST_PATIENT_YEARS:
        return {
            "date_of_birth": (
                f"date_of_birth: more than {OLDEST_PATIENT_YEARS} years ago; check the year"
            )
        }
    return {}
