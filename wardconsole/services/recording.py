"""Recording at the bedside: observation sets, symptom charts, assessments, PRN doses.

Each call is one short transaction that validates with the domain, writes the entry, the audit
row and the change-log row, evaluates the patient's escalation rules and writes any escalation
— all or nothing. Bad input raises ``InvalidInput`` naming the field and changes nothing.
Corrections never overwrite: ``amend_*`` and ``mark_entered_in_error`` append a new row.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from wardconsole.domain.assessments import ASSESSMENT_KINDS, score_assessment
from wardconsole.domain.news2 import News2Result, score_vitals
from wardconsole.domain.records import VITAL_FIELDS, MissingReason, RecordStatus
from wardconsole.domain.validation import ValidationReport, validate_vitals
from wardconsole.services.context import (
    Actor,
    InvalidInput,
    NotFound,
    Permission,
    ServiceError,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationChange, apply_rules
from wardconsole.store import repository
from wardconsole.store.changes import record_change
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    ObservationSetRow,
    PrnDoseRow,
    PrnEffectRow,
    SymptomEntryRow,
)

FUTURE_TOLERANCE = timedelta(minutes=5)
"""A station clock may lag the server slightly; a time further ahead is a typing error."""

ENTRY_MODELS: dict[str, Any] = {
    "observation": ObservationSetRow,
    "symptoms": SymptomEntryRow,
    "assessment": AssessmentRow,
    "prn": PrnDoseRow,
}

PRN_CLASSES = ("sedative", "anxiolytic", "antipsychotic", "analgesic", "antiemetic", "other")


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did, so the UI can confirm it and panels can refresh what changed."""

    entry_id: int
    admission_id: int
    news2: News2Result | None
    escalations: tuple[EscalationChange, ...]


class RecordingService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- observation sets ------------------------------------------------------------------

    def check_vitals(
        self, values: Mapping[str, object], confirmed: Collection[str] = ()
    ) -> ValidationReport:
        """Validate without saving (the entry dialog calls this as the nurse types)."""
        return validate_vitals(values, confirmed=confirmed)

    def record_observation(
        self,
        actor: Actor,
        admission_id: int,
        values: Mapping[str, object],
        *,
        taken_at: datetime | None = None,
        missing_reasons: Mapping[str, str] | None = None,
        confirmed: Collection[str] = (),
        note: str = "",
        source: str = "manual",
        source_ref: str | None = None,
        amends_id: int | None = None,
        amend_reason: str | None = None,
    ) -> SaveResult:
        """Save a vital-sign set; a partial set needs a reason for every missing value."""
        require(actor, Permission.RECORD)
        now = self._db.clock()
        taken_at = taken_at or now
        report = validate_vitals(values, confirmed=confirmed)
        problems = {p.field: p.message for p in report.errors}
        problems.update({p.field: p.message for p in report.needs_confirmation})
        if problems:
            raise InvalidInput(problems)
        assert report.vitals is not None
        vitals = report.vitals
        reasons = dict(missing_reasons or {})
        for field in vitals.missing_fields():
            reason = reasons.get(field)
            if reason is None:
                problems[field] = f"{field}: not recorded — enter a value or give a reason"
            elif reason not in set(MissingReason):
                allowed = ", ".join(r.value for r in MissingReason)
                problems[field] = f"{field}: unknown reason {reason!r}; use one of {allowed}"
        for field in reasons:
            if field not in VITAL_FIELDS or getattr(vitals, field) is not None:
                problems[field] = f"{field}: has a value, so it needs no missing reason"
        if problems:
            raise InvalidInput(problems)
        result = score_vitals(vitals)
        with self._db.transaction() as session:
            admission = self._admission(session, admission_id, taken_at, now)
            if vitals.spo2 is not None and vitals.spo2_scale != admission.spo2_scale:
                raise InvalidInput(
                    {
                        "spo2_scale": f"spo2_scale: this patient is on SpO2 scale "
                        f"{admission.spo2_scale}; scale 2 is set per patient by a prescriber"
                    }
                )
            row = ObservationSetRow(
                admission_id=admission_id,
                taken_at=taken_at,
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
                respiration_rate=vitals.respiration_rate,
                spo2=vitals.spo2,
                spo2_scale=vitals.spo2_scale,
                on_oxygen=vitals.on_oxygen,
                systolic_bp=vitals.systolic_bp,
                diastolic_bp=vitals.diastolic_bp,
                pulse=vitals.pulse,
                consciousness=vitals.consciousness,
                temperature=vitals.temperature,
                missing_reasons=reasons,
                is_complete=result is not None,
                news2_total=result.total if result else None,
                news2_risk=result.risk if result else None,
                news2_subscores=dict(result.parameter_scores) if result else None,
                note=note.strip(),
                source=source,
                source_ref=source_ref,
                amends_id=amends_id,
                amend_reason=amend_reason,
            )
            detail: dict[str, Any] = {"complete": result is not None}
            if report.confirmed:
                detail["confirmed_extreme"] = list(report.confirmed)
            return self._finish(session, actor, row, "observation", now, detail, result)

    # -- withdrawal chart ------------------------------------------------------------------

    def record_symptoms(
        self,
        actor: Actor,
        admission_id: int,
        item_scores: Mapping[str, int],
        *,
        taken_at: datetime | None = None,
        note: str = "",
        amends_id: int | None = None,
        amend_reason: str | None = None,
    ) -> SaveResult:
        require(actor, Permission.RECORD)
        now = self._db.clock()
        taken_at = taken_at or now
        chart = self._db.chart
        try:
            score = chart.score(item_scores)
        except ValueError as exc:
            raise InvalidInput({"symptoms": str(exc)}) from None
        with self._db.transaction() as session:
            self._admission(session, admission_id, taken_at, now)
            row = SymptomEntryRow(
                admission_id=admission_id,
                taken_at=taken_at,
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
                chart_version=chart.version,
                item_scores=dict(score.item_scores),
                total=score.total,
                note=note.strip(),
                amends_id=amends_id,
                amend_reason=amend_reason,
            )
            return self._finish(session, actor, row, "symptoms", now, {"total": score.total})

    # -- bedside assessments ---------------------------------------------------------------

    def record_assessment(
        self,
        actor: Actor,
        admission_id: int,
        kind: str,
        answers: Mapping[str, Any],
        *,
        taken_at: datetime | None = None,
        note: str = "",
        amends_id: int | None = None,
        amend_reason: str | None = None,
    ) -> SaveResult:
        require(actor, Permission.RECORD)
        if kind not in ASSESSMENT_KINDS:
            raise InvalidInput({"kind": f"kind: unknown assessment {kind!r}"})
        now = self._db.clock()
        taken_at = taken_at or now
        try:
            score = score_assessment(kind, answers)
        except ValueError as exc:
            raise InvalidInput({kind: str(exc)}) from None
        with self._db.transaction() as session:
            self._admission(session, admission_id, taken_at, now)
            row = AssessmentRow(
                admission_id=admission_id,
                taken_at=taken_at,
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
                kind=kind,
                answers=_jsonable(answers),
                total=score.total,
                label=score.label,
                note=note.strip(),
                amends_id=amends_id,
                amend_reason=amend_reason,
            )
            return self._finish(session, actor, row, "assessment", now,
                                {"kind": kind, "total": score.total})

    # -- PRN medication --------------------------------------------------------------------

    def record_prn(
        self,
        actor: Actor,
        admission_id: int,
        *,
        drug: str,
        drug_class: str,
        dose: str,
        route: str,
        reason: str,
        given_at: datetime | None = None,
    ) -> SaveResult:
        require(actor, Permission.RECORD)
        now = self._db.clock()
        given_at = given_at or now
        problems = {}
        for name, value in (("drug", drug), ("dose", dose), ("route", route), ("reason", reason)):
            if not value.strip():
                problems[name] = f"{name}: required"
        if drug_class not in PRN_CLASSES:
            problems["drug_class"] = f"drug_class: one of {', '.join(PRN_CLASSES)}"
        if problems:
            raise InvalidInput(problems)
        with self._db.transaction() as session:
            self._admission(session, admission_id, given_at, now)
            row = PrnDoseRow(
                admission_id=admission_id,
                taken_at=given_at,
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
                drug=drug.strip(),
                drug_class=drug_class,
                dose=dose.strip(),
                route=route.strip(),
                reason=reason.strip(),
            )
            return self._finish(session, actor, row, "prn", now, {"drug": row.drug})

    def record_prn_effect(self, actor: Actor, dose_id: int, effect: str) -> None:
        require(actor, Permission.RECORD)
        if not effect.strip():
            raise InvalidInput({"effect": "effect: describe the effect of the dose"})
        now = self._db.clock()
        with self._db.transaction() as session:
            dose = session.get(PrnDoseRow, dose_id)
            if dose is None:
                raise NotFound(f"PRN dose {dose_id} does not exist")
            session.add(
                PrnEffectRow(
                    dose_id=dose_id,
                    assessed_at=now,
                    effect=effect.strip(),
                    recorded_at=now,
                    recorded_by_id=actor.staff_id,
                    station=actor.station,
                )
            )
            repository.write_audit(session, at=now, staff_id=actor.staff_id,
                                   station=actor.station, action="record_prn_effect",
                                   entity="prn", entity_id=dose_id)
            record_change(session, "prn", dose.admission_id, actor.station)

    # -- corrections -----------------------------------------------------------------------

    def mark_entered_in_error(
        self, actor: Actor, entry_type: str, entry_id: int, reason: str
    ) -> None:
        """Strike an entry out: a new row says so; the original stays visible in history."""
        require(actor, Permission.RECORD)
        reason = reason.strip()
        if not reason:
            raise InvalidInput({"reason": "reason: say why the entry is in error"})
        model = ENTRY_MODELS.get(entry_type)
        if model is None:
            raise InvalidInput({"entry_type": f"entry_type: one of {', '.join(ENTRY_MODELS)}"})
        now = self._db.clock()
        with self._db.transaction() as session:
            original = session.get(model, entry_id)
            if original is None:
                raise NotFound(f"{entry_type} {entry_id} does not exist")
            self._require_current(session, model, original)
            values = {
                c.key: getattr(original, c.key)
                for c in model.__table__.columns
                if c.key not in ("id", "source_ref")
            }
            values.update(
                status=RecordStatus.ENTERED_IN_ERROR.value,
                amends_id=original.id,
                amend_reason=reason,
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
            )
            row = model(**values)
            session.add(row)
            session.flush()
            repository.write_audit(session, at=now, staff_id=actor.staff_id,
                                   station=actor.station, action="entered_in_error",
                                   entity=entry_type, entity_id=original.id,
                                   detail={"reason": reason, "new_id": row.id})
            record_change(session, entry_type, original.admission_id, actor.station)
            apply_rules(session, self._db, original.admission_id, now=now,
                        station=actor.station, staff_id=actor.staff_id)

    def amend_observation(
        self,
        actor: Actor,
        entry_id: int,
        values: Mapping[str, object],
        *,
        reason: str,
        missing_reasons: Mapping[str, str] | None = None,
        confirmed: Collection[str] = (),
    ) -> SaveResult:
        """Correct a set: the new row replaces it in charts; the original stays in history."""
        if not reason.strip():
            raise InvalidInput({"reason": "reason: say why the set is being corrected"})
        with self._db.read() as session:
            original = session.get(ObservationSetRow, entry_id)
            if original is None:
                raise NotFound(f"observation set {entry_id} does not exist")
            self._require_current(session, ObservationSetRow, original)
            admission_id, taken_at = original.admission_id, original.taken_at
        return self.record_observation(
            actor, admission_id, values, taken_at=taken_at, missing_reasons=missing_reasons,
            confirmed=confirmed, amends_id=entry_id, amend_reason=reason.strip(),
        )

    # -- helpers ---------------------------------------------------------------------------

    def _admission(
        self, session: Session, admission_id: int, taken_at: datetime, now: datetime
    ) -> Admission:
        admission = session.get(Admission, admission_id)
        if admission is None:
            raise NotFound(f"admission {admission_id} does not exist")
        if admission.discharged_at is not None:
            raise ServiceError("this patient has been discharged; the record is read-only")
        if taken_at.tzinfo is None:
            raise InvalidInput({"taken_at": "taken_at: time zone missing"})
        if taken_at > now + FUTURE_TOLERANCE:
            raise InvalidInput({"taken_at": "taken_at: is in the future; check the time"})
        if taken_at < admission.admitted_at - FUTURE_TOLERANCE:
            raise InvalidInput({"taken_at": "taken_at: is before the admission"})
        return admission

    @staticmethod
    def _require_current(session: Session, model: Any, original: Any) -> None:
        from sqlalchemy import select

        if original.status != RecordStatus.FINAL.value:
            raise ServiceError("this entry is already marked entered in error")
        newer = session.scalar(select(model.id).where(model.amends_id == original.id).limit(1))
        if newer is not None:
            raise ServiceError("this entry has already been corrected; amend the newest version")

    def _finish(
        self,
        session: Session,
        actor: Actor,
        row: Any,
        entry_type: str,
        now: datetime,
        detail: dict[str, Any],
        news2: News2Result | None = None,
    ) -> SaveResult:
        session.add(row)
        session.flush()
        action = f"amend_{entry_type}" if row.amends_id else f"record_{entry_type}"
        if row.amends_id:
            detail = {**detail, "amends": row.amends_id, "reason": row.amend_reason}
        repository.write_audit(session, at=now, staff_id=actor.staff_id, station=actor.station,
                               action=action, entity=entry_type, entity_id=row.id,
                               detail=detail)
        record_change(session, entry_type, row.admission_id, actor.station)
        changes = apply_rules(session, self._db, row.admission_id, now=now,
                              station=actor.station, staff_id=actor.staff_id)
        return SaveResult(row.id, row.admission_id, news2, tuple(changes))


def _jsonable(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as JSON-safe values (sets and tuples become sorted lists)."""
    out: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, set | frozenset):
            out[key] = sorted(value)
        elif isinstance(value, tuple):
            out[key] = list(value)
        elif isinstance(value, datetime):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out
