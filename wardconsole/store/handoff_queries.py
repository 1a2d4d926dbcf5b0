"""Queries for the shift handoff: who was on the ward, what was recorded over two shifts, who
handled each escalation, and the handoffs themselves. Returns immutable records only.

Clinical entries are loaded for all patients of a shift at once (one query per table, not per
patient), so drafting a 60-bed ward costs a handful of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from wardconsole.domain.formulary import Formulary
from wardconsole.domain.records import (
    AssessmentEntry,
    EscalationKind,
    EscalationState,
    ObservationSet,
    PrnDose,
    Severity,
    SymptomEntry,
)
from wardconsole.store.entries import current as is_current
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    Bed,
    EscalationEventRow,
    EscalationRow,
    HandoffEventRow,
    HandoffRow,
    HandoffSignoffRow,
    HandoffVersionRow,
    IntakeAmendmentRow,
    ObservationSetRow,
    Patient,
    PrnDoseRow,
    PrnEffectRow,
    Staff,
    SymptomEntryRow,
)
from wardconsole.store.repository import (
    to_assessment,
    to_observation,
    to_prn,
    to_symptoms,
)

# --- who was on the ward --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StayAtShift:
    """An admission present on the ward at a moment, with what the handoff's Background needs."""

    admission_id: int
    bed: str
    given_name: str
    family_name: str
    hospital_number: str
    date_of_birth: date
    admitted_at: datetime
    discharged_at: datetime | None
    reason: str
    risk_flags: tuple[str, ...]
    intake: dict[str, Any]
    """The intake as saved at admission (JSON)."""
    intake_amendments: tuple[tuple[str, Any], ...]
    """(section, content) of each later amendment, oldest first."""
    assigned_nurse: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


def stays_at(session: Session, moment: datetime) -> list[StayAtShift]:
    """Admissions on the ward at ``moment`` (admitted by then, not yet discharged), by bed."""
    nurse = aliased(Staff)
    rows = session.execute(
        select(Admission, Patient, Bed.label, nurse.display_name)
        .join(Patient, Patient.id == Admission.patient_id)
        .outerjoin(Bed, Bed.id == Admission.bed_id)
        .outerjoin(nurse, nurse.id == Admission.assigned_nurse_id)
        .where(
            Admission.admitted_at <= moment,
            or_(Admission.discharged_at.is_(None), Admission.discharged_at > moment),
        )
        .order_by(Bed.sort_order, Bed.label, Admission.id)
    ).all()
    amendments = _intake_amendments(session, [a.id for a, *_ in rows])
    out = []
    for admission, patient, bed, nurse_name in rows:
        flags = tuple(admission.risk_flags or ())
        for _section, _content, amended_flags in amendments.get(admission.id, ()):
            flags = tuple(amended_flags) or flags
        out.append(
            StayAtShift(
                admission_id=admission.id,
                bed=bed or "—",
                given_name=patient.given_name,
                family_name=patient.family_name,
                hospital_number=patient.hospital_number,
                date_of_birth=patient.date_of_birth,
                admitted_at=admission.admitted_at,
                discharged_at=admission.discharged_at,
                reason=admission.reason or "",
                risk_flags=flags,
                intake=dict(admission.intake or {}),
                intake_amendments=tuple(
                    (section, content)
                    for section, content, _flags in amendments.get(admission.id, ())
                ),
                assigned_nurse=nurse_name or "",
            )
        )
    return out


def _intake_amendments(
    session: Session, admission_ids: Sequence[int]
) -> dict[int, list[tuple[str, Any, list[str]]]]:
    if not admission_ids:
        return {}
    rows = session.execute(
        select(
            IntakeAmendmentRow.admission_id,
            IntakeAmendmentRow.section,
            IntakeAmendmentRow.content,
            IntakeAmendmentRow.risk_flags,
        )
        .where(IntakeAmendmentRow.admission_id.in_(admission_ids))
        .order_by(IntakeAmendmentRow.recorded_at, IntakeAmendmentRow.id)
    ).all()
    out: dict[int, list[tuple[str, Any, list[str]]]] = defaultdict(list)
    for admission_id, section, content, flags in rows:
        out[admission_id].append((section, content, list(flags or ())))
    return out


# --- what was recorded ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrnRecord:
    dose: PrnDose
    given_by: str
    effects: tuple[tuple[datetime, str, str], ...]
    """(assessed at, effect, recorded by), oldest first."""


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    id: int
    admission_id: int
    kind: EscalationKind
    severity: Severity
    state: EscalationState
    explanation: str
    prompts: tuple[str, ...]
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    outcome: str | None
    events: tuple[tuple[datetime, str, str | None, str], ...]
    """(at, action, staff name, detail), oldest first."""


@dataclass(slots=True)
class ClinicalWindow:
    """Current entries of several patients over a window, each list oldest first."""

    observations: dict[int, list[ObservationSet]] = field(default_factory=dict)
    symptoms: dict[int, list[SymptomEntry]] = field(default_factory=dict)
    assessments: dict[int, list[AssessmentEntry]] = field(default_factory=dict)
    prn: dict[int, list[PrnRecord]] = field(default_factory=dict)
    escalations: dict[int, list[EscalationRecord]] = field(default_factory=dict)


def clinical_window(
    session: Session,
    admission_ids: Sequence[int],
    since: datetime,
    until: datetime,
    *,
    formulary: Formulary,
) -> ClinicalWindow:
    """Current entries in ``[since, until]`` plus, as a baseline, the newest complete set, the
    newest set of any kind and the newest symptom rating before ``since``."""
    window = ClinicalWindow()
    if not admission_ids:
        return window
    ids = list(admission_ids)
    baseline_obs = set(_latest_before(session, ObservationSetRow, ids, since, complete_only=True))
    baseline_obs |= set(_latest_before(session, ObservationSetRow, ids, since))
    baseline_symptoms = _latest_before(session, SymptomEntryRow, ids, since)

    def rows(model: Any, extra_ids: Sequence[int] = ()) -> list[Any]:
        in_window = and_(
            model.admission_id.in_(ids), model.taken_at >= since, model.taken_at <= until
        )
        condition = or_(in_window, model.id.in_(list(extra_ids))) if extra_ids else in_window
        return list(
            session.scalars(
                select(model).where(condition, is_current(model)).order_by(model.taken_at, model.id)
            )
        )

    for row in rows(ObservationSetRow, sorted(baseline_obs)):
        window.observations.setdefault(row.admission_id, []).append(to_observation(row))
    for row in rows(SymptomEntryRow, baseline_symptoms):
        window.symptoms.setdefault(row.admission_id, []).append(to_symptoms(row))
    for row in rows(AssessmentRow):
        window.assessments.setdefault(row.admission_id, []).append(to_assessment(row))
    doses = rows(PrnDoseRow)
    names = _staff_names(session, {d.recorded_by_id for d in doses})
    effects = _effects(session, [d.id for d in doses])
    for row in doses:
        window.prn.setdefault(row.admission_id, []).append(
            PrnRecord(
                dose=to_prn(row, formulary),
                given_by=names.get(row.recorded_by_id, ""),
                effects=tuple(effects.get(row.id, ())),
            )
        )
    for record in _escalations(session, ids, since, until):
        window.escalations.setdefault(record.admission_id, []).append(record)
    return window


def _latest_before(
    session: Session,
    model: Any,
    admission_ids: Sequence[int],
    before: datetime,
    *,
    complete_only: bool = False,
) -> list[int]:
    """Ids of each admission's newest current entry taken before ``before`` (index seeks)."""
    inner = aliased(model)
    conditions = [inner.admission_id == Admission.id, inner.taken_at < before, is_current(inner)]
    if complete_only:
        conditions.append(inner.is_complete.is_(True))
    latest = (
        select(inner.id)
        .where(*conditions)
        .order_by(inner.taken_at.desc(), inner.id.desc())
        .limit(1)
        .correlate(Admission)
        .scalar_subquery()
    )
    found = session.execute(select(latest).where(Admission.id.in_(list(admission_ids)))).all()
    return [entry_id for (entry_id,) in found if entry_id is not None]


def _staff_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(Staff.id, Staff.display_name).where(Staff.id.in_(wanted)))
    return {staff_id: name for staff_id, name in rows}


def _effects(
    session: Session, dose_ids: Sequence[int]
) -> dict[int, list[tuple[datetime, str, str]]]:
    if not dose_ids:
        return {}
    rows = session.execute(
        select(
            PrnEffectRow.dose_id, PrnEffectRow.assessed_at, PrnEffectRow.effect, Staff.display_name
        )
        .outerjoin(Staff, Staff.id == PrnEffectRow.recorded_by_id)
        .where(PrnEffectRow.dose_id.in_(list(dose_ids)))
        .order_by(PrnEffectRow.assessed_at, PrnEffectRow.id)
    ).all()
    out: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    for dose_id, at, effect, name in rows:
        out[dose_id].append((at, effect, name or ""))
    return out


def _escalations(
    session: Session, admission_ids: Sequence[int], since: datetime, until: datetime
) -> list[EscalationRecord]:
    """Escalations open at any moment of ``[since, until]``, with their trails."""
    ack = aliased(Staff)
    res = aliased(Staff)
    rows = session.execute(
        select(EscalationRow, ack.display_name, res.display_name)
        .outerjoin(ack, ack.id == EscalationRow.acknowledged_by_id)
        .outerjoin(res, res.id == EscalationRow.resolved_by_id)
        .where(
            EscalationRow.admission_id.in_(list(admission_ids)),
            EscalationRow.raised_at <= until,
            or_(EscalationRow.resolved_at.is_(None), EscalationRow.resolved_at >= since),
        )
        .order_by(EscalationRow.raised_at, EscalationRow.id)
    ).all()
    ids = [esc.id for esc, _a, _r in rows]
    events: dict[int, list[tuple[datetime, str, str | None, str]]] = defaultdict(list)
    if ids:
        for escalation_id, at, action, name, detail in session.execute(
            select(
                EscalationEventRow.escalation_id,
                EscalationEventRow.at,
                EscalationEventRow.action,
                Staff.display_name,
                EscalationEventRow.detail,
            )
            .outerjoin(Staff, Staff.id == EscalationEventRow.staff_id)
            .where(EscalationEventRow.escalation_id.in_(ids))
            .order_by(EscalationEventRow.at, EscalationEventRow.id)
        ):
            events[escalation_id].append((at, action, name, detail or ""))
    return [
        EscalationRecord(
            id=esc.id,
            admission_id=esc.admission_id,
            kind=EscalationKind(esc.kind),
            severity=Severity(esc.severity),
            state=EscalationState(esc.state),
            explanation=esc.explanation,
            prompts=tuple(esc.prompts or ()),
            raised_at=esc.raised_at,
            acknowledged_at=esc.acknowledged_at,
            acknowledged_by=ack_name,
            resolved_at=esc.resolved_at,
            resolved_by=res_name,
            outcome=esc.outcome,
            events=tuple(events.get(esc.id, ())),
        )
        for esc, ack_name, res_name in rows
    ]


# --- the handoffs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HandoffVersionRecord:
    number: int
    kind: str
    generated: dict[str, Any]
    generated_at: datetime
    nurse_text: dict[str, str]
    amend_reason: str | None
    recorded_at: datetime
    recorded_by: str
    station: str


@dataclass(frozen=True, slots=True)
class HandoffEventRecord:
    at: datetime
    action: str
    staff: str | None
    station: str
    version_number: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class HandoffRecord:
    """A handoff row with its people named and its newest content."""

    id: int
    admission_id: int
    shift_name: str
    shift_start: datetime
    shift_end: datetime
    status: str
    latest_version: int
    signed_version: int | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    submitted_by: str | None
    reviewed_at: datetime | None
    reviewed_by: str | None
    signed_at: datetime | None
    signed_by: str | None
    sent_back_reason: str | None
    revision: int
    """The row version: a change made on a screen showing an older revision is refused."""
    content: HandoffVersionRecord
    comments: int = 0
    last_comment: str | None = None


@dataclass(frozen=True, slots=True)
class SignoffRecord:
    shift_start: datetime
    signed_at: datetime
    signed_by: str
    station: str
    handoff_count: int
    note: str


def _handoff_query() -> Any:
    sub, rev, sig = aliased(Staff), aliased(Staff), aliased(Staff)
    author = aliased(Staff)
    return (
        select(
            HandoffRow,
            sub.display_name,
            rev.display_name,
            sig.display_name,
            HandoffVersionRow,
            author.display_name,
        )
        .join(
            HandoffVersionRow,
            and_(
                HandoffVersionRow.handoff_id == HandoffRow.id,
                HandoffVersionRow.number == HandoffRow.latest_version,
            ),
        )
        .join(author, author.id == HandoffVersionRow.recorded_by_id)
        .outerjoin(sub, sub.id == HandoffRow.submitted_by_id)
        .outerjoin(rev, rev.id == HandoffRow.reviewed_by_id)
        .outerjoin(sig, sig.id == HandoffRow.signed_by_id)
    )


def _version(row: HandoffVersionRow, author: str) -> HandoffVersionRecord:
    return HandoffVersionRecord(
        number=row.number,
        kind=row.kind,
        generated=dict(row.generated),
        generated_at=row.generated_at,
        nurse_text=dict(row.nurse_text or {}),
        amend_reason=row.amend_reason,
        recorded_at=row.recorded_at,
        recorded_by=author,
        station=row.station,
    )


def _record(row: Any, comments: dict[int, tuple[int, str]]) -> HandoffRecord:
    handoff, submitted_by, reviewed_by, signed_by, version, author = row
    count, last = comments.get(handoff.id, (0, None))
    return HandoffRecord(
        id=handoff.id,
        admission_id=handoff.admission_id,
        shift_name=handoff.shift_name,
        shift_start=handoff.shift_start,
        shift_end=handoff.shift_end,
        status=handoff.status,
        latest_version=handoff.latest_version,
        signed_version=handoff.signed_version,
        created_at=handoff.created_at,
        updated_at=handoff.updated_at,
        submitted_at=handoff.submitted_at,
        submitted_by=submitted_by,
        reviewed_at=handoff.reviewed_at,
        reviewed_by=reviewed_by,
        signed_at=handoff.signed_at,
        signed_by=signed_by,
        sent_back_reason=handoff.sent_back_reason,
        revision=handoff.version,
        content=_version(version, author),
        comments=count,
        last_comment=last,
    )


def _comments(session: Session, handoff_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    if not handoff_ids:
        return {}
    rows = session.execute(
        select(HandoffEventRow.handoff_id, HandoffEventRow.detail)
        .where(
            HandoffEventRow.handoff_id.in_(list(handoff_ids)), HandoffEventRow.action == "commented"
        )
        .order_by(HandoffEventRow.at, HandoffEventRow.id)
    ).all()
    out: dict[int, tuple[int, str]] = {}
    for handoff_id, detail in rows:
        count, _last = out.get(handoff_id, (0, ""))
        out[handoff_id] = (count + 1, detail)
    return out


def handoffs_for_shift(session: Session, shift_start: datetime) -> list[HandoffRecord]:
    rows = session.execute(
        _handoff_query().where(HandoffRow.shift_start == shift_start).order_by(HandoffRow.id)
    ).all()
    comments = _comments(session, [r[0].id for r in rows])
    return [_record(r, comments) for r in rows]


def handoff(session: Session, handoff_id: int) -> HandoffRecord | None:
    row = session.execute(_handoff_query().where(HandoffRow.id == handoff_id)).first()
    if row is None:
        return None
    return _record(row, _comments(session, [handoff_id]))


def handoff_versions(session: Session, handoff_id: int) -> list[HandoffVersionRecord]:
    rows = session.execute(
        select(HandoffVersionRow, Staff.display_name)
        .join(Staff, Staff.id == HandoffVersionRow.recorded_by_id)
        .where(HandoffVersionRow.handoff_id == handoff_id)
        .order_by(HandoffVersionRow.number)
    ).all()
    return [_version(v, name) for v, name in rows]


def handoff_events(session: Session, handoff_id: int) -> list[HandoffEventRecord]:
    rows = session.execute(
        select(HandoffEventRow, Staff.display_name)
        .outerjoin(Staff, Staff.id == HandoffEventRow.staff_id)
        .where(HandoffEventRow.handoff_id == handoff_id)
        .order_by(HandoffEventRow.at, HandoffEventRow.id)
    ).all()
    return [
        HandoffEventRecord(e.at, e.action, name, e.station, e.version_number, e.detail)
        for e, name in rows
    ]


def signoff(session: Session, shift_start: datetime) -> SignoffRecord | None:
    row = session.execute(
        select(HandoffSignoffRow, Staff.display_name)
        .join(Staff, Staff.id == HandoffSignoffRow.signed_by_id)
        .where(HandoffSignoffRow.shift_start == shift_start)
    ).first()
    if row is None:
        return None
    record, name = row
    return SignoffRecord(
        record.shift_start,
        record.signed_at,
        name,
        record.station,
        record.handoff_count,
        record.note,
    )
