"""Queries that return immutable records, never live ORM objects.

The census queries cost O(admitted patients): each "latest entry" is an index seek on
``(admission_id, taken_at)`` through a correlated subquery, so a patient with thirty days
of one-minute vitals costs the same as one admitted this morning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from wardconsole.domain.admission_records import AdmissionDetail
from wardconsole.domain.formulary import Formulary
from wardconsole.domain.records import (
    AssessmentEntry,
    ClinicalDecision,
    DecisionKind,
    EscalationInfo,
    EscalationKind,
    EscalationState,
    ObservationSet,
    OpenEscalation,
    PatientClinicalState,
    PrnDose,
    Severity,
    SymptomEntry,
    VitalSigns,
)
from wardconsole.store import co_use_queries, ledger
from wardconsole.store.entries import current
from wardconsole.store.entry_windows import EntryWindows, current_since
from wardconsole.store.id_lists import among_ids, padded
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    AuditRow,
    Bed,
    ClinicalDecisionRow,
    EscalationRow,
    ObservationSetRow,
    Patient,
    PrnDoseRow,
    Staff,
    SymptomEntryRow,
)


@cache
def _admission_query() -> Any:
    """A stay's fields as plain columns (built once): the census reads every open stay on each
    refresh, and building two ORM objects per row cost more than the query."""
    nurse = aliased(Staff)
    a, p = Admission, Patient
    return (
        select(
            a.id.label("admission_id"),
            p.id.label("patient_id"),
            p.hospital_number,
            p.given_name,
            p.family_name,
            p.date_of_birth,
            p.sex,
            Bed.label.label("bed"),
            a.admitted_at,
            a.discharged_at,
            a.discharge_destination,
            a.discharge_summary,
            a.reason,
            a.care_setting,
            nurse.display_name.label("assigned_nurse"),
            a.previous_admission_id,
            a.risk_flags,
            a.intake,
            a.version,
            a.spo2_scale,
        )
        .join(p, p.id == a.patient_id)
        .outerjoin(Bed, Bed.id == a.bed_id)
        .outerjoin(nurse, nurse.id == a.assigned_nurse_id)
    )


def _admission_info(row: Any) -> AdmissionDetail:
    fields = row._asdict()
    fields["assigned_nurse"] = fields["assigned_nurse"] or ""
    fields["risk_flags"] = tuple(fields["risk_flags"] or ())
    fields["intake"] = dict(fields["intake"] or {})
    return AdmissionDetail(**fields)


@cache
def _open_admissions_statement() -> Any:
    return _admission_query().where(Admission.discharged_at.is_(None)).order_by(Admission.id)


@cache
def _admission_statement() -> Any:
    return _admission_query().where(Admission.id == bindparam("admission_id"))


def open_admissions(session: Session) -> list[AdmissionDetail]:
    return [_admission_info(r) for r in session.execute(_open_admissions_statement())]


def admission(session: Session, admission_id: int) -> AdmissionDetail | None:
    row = session.execute(_admission_statement(), {"admission_id": admission_id}).first()
    return _admission_info(row) if row else None


def beds(session: Session) -> list[tuple[int, str]]:
    return [
        (r.id, r.label)
        for r in session.execute(
            select(Bed.id, Bed.label).where(Bed.active).order_by(Bed.sort_order, Bed.label)
        )
    ]


def to_observation(row: ObservationSetRow | Any) -> ObservationSet:
    return ObservationSet(
        id=row.id,
        admission_id=row.admission_id,
        taken_at=row.taken_at,
        vitals=VitalSigns(
            respiration_rate=row.respiration_rate,
            spo2=row.spo2,
            spo2_scale=row.spo2_scale,
            on_oxygen=row.on_oxygen,
            systolic_bp=row.systolic_bp,
            diastolic_bp=row.diastolic_bp,
            pulse=row.pulse,
            consciousness=row.consciousness,
            temperature=row.temperature,
        ),
        missing_reasons=dict(row.missing_reasons or {}),
        news2_total=row.news2_total,
        news2_risk=row.news2_risk,
        news2_subscores=dict(row.news2_subscores or {}),
        note=row.note,
        glucose=row.glucose_mmol,
        glucose_flag=row.glucose_flag,
        recorded_at=row.recorded_at,
    )


def to_symptoms(row: SymptomEntryRow | Any) -> SymptomEntry:
    return SymptomEntry(
        id=row.id,
        admission_id=row.admission_id,
        taken_at=row.taken_at,
        item_scores=dict(row.item_scores),
        total=row.total or 0,
        recorded_at=row.recorded_at,
    )


_ASSESSMENT_COLUMNS = (
    AssessmentRow.id,
    AssessmentRow.admission_id,
    AssessmentRow.kind,
    AssessmentRow.taken_at,
    AssessmentRow.answers,
    AssessmentRow.total,
    AssessmentRow.label,
    AssessmentRow.recorded_at,
)
"""What ``to_assessment`` reads, for queries that load many rows without building entities."""

_PRN_COLUMNS = (
    PrnDoseRow.id,
    PrnDoseRow.admission_id,
    PrnDoseRow.taken_at,
    PrnDoseRow.drug,
    PrnDoseRow.drug_class,
    PrnDoseRow.dose,
    PrnDoseRow.route,
    PrnDoseRow.reason,
    PrnDoseRow.class_reason,
)
"""What ``to_prn`` reads, for queries that load many rows without building entities."""


def to_assessment(row: AssessmentRow | Any) -> AssessmentEntry:
    """An entry from its entity or from a row of ``_ASSESSMENT_COLUMNS`` (the same names)."""
    return AssessmentEntry(
        id=row.id,
        admission_id=row.admission_id,
        kind=row.kind,
        taken_at=row.taken_at,
        answers=dict(row.answers),
        total=row.total,
        label=row.label,
        recorded_at=row.recorded_at,
    )


def to_prn(row: PrnDoseRow | Any, formulary: Formulary) -> PrnDose:
    """A stored dose with its class read through the formulary (older rows stored free text),
    from its entity or from a row of ``_PRN_COLUMNS`` (the same names)."""
    return formulary.prn_dose(
        id=row.id,
        admission_id=row.admission_id,
        given_at=row.taken_at,
        drug=row.drug,
        stored_class=row.drug_class,
        dose=row.dose,
        route=row.route,
        reason=row.reason,
        class_reason=row.class_reason,
    )


def _latest_subquery(model: Any, complete_only: bool, kind: str | None) -> Any:
    """The id of an admission's newest current entry, correlated to ``Admission``: one index
    seek per admission, however long the stay."""
    inner = aliased(model)
    conditions = [inner.admission_id == Admission.id, current(inner)]
    if complete_only:
        conditions.append(inner.is_complete.is_(True))
    if kind is not None:
        conditions.append(inner.kind == kind)
    return (
        select(inner.id)
        .where(*conditions)
        .order_by(inner.taken_at.desc(), inner.id.desc())
        .limit(1)
        .correlate(Admission)
        .scalar_subquery()
    )


@cache
def _latest_rows_statement(model: Any, complete_only: bool, kind: str | None = None) -> Any:
    """Each admission's newest current entry as a plain row of the table's columns (read like
    the model's objects), in one statement: the census reads these on every refresh, and
    building ORM objects for them cost more than the index seeks."""
    latest = _latest_subquery(model, complete_only, kind)
    return (
        select(*model.__table__.columns)
        .select_from(Admission)
        .join(model, model.id == latest)
        .where(among_ids(Admission.id, "admission_ids"))
    )


def _latest_rows(
    session: Session,
    model: Any,
    admission_ids: Sequence[int],
    *,
    complete_only: bool = False,
    kind: str | None = None,
) -> list[Any]:
    if not admission_ids:
        return []
    statement = _latest_rows_statement(model, complete_only, kind)
    return list(session.execute(statement, {"admission_ids": list(admission_ids)}))


def latest_observations(
    session: Session, admission_ids: Sequence[int], *, complete_only: bool
) -> dict[int, ObservationSet]:
    rows = _latest_rows(session, ObservationSetRow, admission_ids, complete_only=complete_only)
    return {r.admission_id: to_observation(r) for r in rows}


def latest_and_complete_observations(
    session: Session, admission_ids: Sequence[int]
) -> tuple[dict[int, ObservationSet], dict[int, ObservationSet]]:
    """Each admission's newest complete set and its newest set of any kind, as
    ``latest_observations`` gives them. The newest set is usually complete, and then it is
    also the newest complete one: only the others are looked up again."""
    latest_rows = _latest_rows(session, ObservationSetRow, admission_ids)
    latest = {r.admission_id: to_observation(r) for r in latest_rows}
    complete = {r.admission_id: latest[r.admission_id] for r in latest_rows if r.is_complete}
    rest = [i for i in admission_ids if i not in complete]
    complete.update(latest_observations(session, rest, complete_only=True))
    return complete, latest


def partial_sets_after(
    session: Session, after: dict[int, datetime | None], *, since: datetime
) -> dict[int, list[ObservationSet]]:
    """Current incomplete sets per admission taken after its latest complete set (``after``:
    admission id -> that set's time, None when there is none) and not before ``since``;
    oldest first. Their lower bounds can raise the patient's effective NEWS2.

    One index range per admission, from its latest complete set: reading the whole history
    window and cutting here walked every set of the week (most of a refresh at a month of
    one-minute vitals)."""
    if not after:
        return {}
    windows = padded([(admission_id, at) for admission_id, at in after.items() if at is not None])
    params: dict[str, Any] = {
        "since": since,
        "never": [admission_id for admission_id, at in after.items() if at is None],
    }
    for n, (admission_id, at) in enumerate(windows):
        params[f"admission_{n}"], params[f"after_{n}"] = admission_id, at
    found: dict[int, list[ObservationSet]] = {}
    for row in session.execute(_partial_sets_statement(len(windows)), params):
        found.setdefault(row.admission_id, []).append(to_observation(row))
    return found


@lru_cache(maxsize=16)
def _partial_sets_statement(windows: int) -> Any:
    """Built once per number of admissions with a complete set, so a ward's refreshes compile
    it once (a statement built with a clause per admission on every refresh was compiled on
    every refresh); plain rows."""
    o = ObservationSetRow
    ranges = [
        and_(o.admission_id == bindparam(f"admission_{n}"), o.taken_at > bindparam(f"after_{n}"))
        for n in range(windows)
    ]
    ranges.append(among_ids(o.admission_id, "never"))
    return (
        select(*o.__table__.columns)
        .where(
            or_(*ranges),
            o.is_complete.is_(False),
            o.taken_at >= bindparam("since", type_=o.taken_at.type),
            current(o),
        )
        .order_by(o.taken_at, o.id)
    )


def latest_symptoms(session: Session, admission_ids: Sequence[int]) -> dict[int, SymptomEntry]:
    rows = _latest_rows(session, SymptomEntryRow, admission_ids)
    return {r.admission_id: to_symptoms(r) for r in rows}


def latest_rass(session: Session, admission_ids: Sequence[int]) -> dict[int, AssessmentEntry]:
    """Each stay's newest current RASS, whenever taken: whether one follows a PRN dose."""
    rows = _latest_rows(session, AssessmentRow, admission_ids, kind="rass")
    return {r.admission_id: to_assessment(r) for r in rows}


@cache
def _escalation_query() -> Any:
    """Plain rows (the table's columns and the names joined to them), not entities: the census
    and the escalation list read every open escalation on each refresh."""
    ack = aliased(Staff)
    res = aliased(Staff)
    return (
        select(
            *EscalationRow.__table__.columns,
            Bed.label.label("bed"),
            Patient.given_name,
            Patient.family_name,
            ack.display_name.label("acknowledged_by"),
            res.display_name.label("resolved_by"),
            Admission.discharged_at,
        )
        .join(Admission, Admission.id == EscalationRow.admission_id)
        .join(Patient, Patient.id == Admission.patient_id)
        .outerjoin(Bed, Bed.id == Admission.bed_id)
        .outerjoin(ack, ack.id == EscalationRow.acknowledged_by_id)
        .outerjoin(res, res.id == EscalationRow.resolved_by_id)
    )


def _escalation_info(row: Any) -> EscalationInfo:
    return EscalationInfo(
        id=row.id,
        admission_id=row.admission_id,
        bed=row.bed or "",
        patient_name=f"{row.given_name} {row.family_name}",
        kind=EscalationKind(row.kind),
        severity=Severity(row.severity),
        state=EscalationState(row.state),
        rule_id=row.rule_id,
        explanation=row.explanation,
        prompts=tuple(row.prompts or ()),
        raised_at=row.raised_at,
        updated_at=row.updated_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        outcome=row.outcome,
        last_announced_at=row.last_announced_at,
        cascade_level=row.cascade_level,
        snoozed_until=row.snoozed_until,
        version=row.version,
        policy_digest=row.policy_digest,
        discharged=row.discharged_at is not None,
    )


@cache
def _open_escalations_statement(some: bool) -> Any:
    """Every open escalation (``some``: of the admissions in ``admission_ids``), most severe
    then oldest first."""
    query = _escalation_query().where(EscalationRow.resolved_at.is_(None))
    if some:
        query = query.where(among_ids(EscalationRow.admission_id, "admission_ids"))
    return query.order_by(EscalationRow.severity.desc(), EscalationRow.raised_at)


def open_escalations(
    session: Session, admission_ids: Iterable[int] | None = None
) -> list[EscalationInfo]:
    if admission_ids is None:
        rows = session.execute(_open_escalations_statement(False))
    else:
        rows = session.execute(
            _open_escalations_statement(True), {"admission_ids": list(admission_ids)}
        )
    return [_escalation_info(r) for r in rows]


def last_resolved(session: Session, admission_id: int) -> dict[EscalationKind, datetime]:
    """When each kind of escalation was last resolved for this admission."""
    return last_resolved_of(session, [admission_id])[admission_id]


def last_resolved_of(
    session: Session, admission_ids: Sequence[int]
) -> dict[int, dict[EscalationKind, datetime]]:
    """``last_resolved`` of several admissions in one statement."""
    found: dict[int, dict[EscalationKind, datetime]] = {i: {} for i in admission_ids}
    rows = session.execute(
        select(EscalationRow.admission_id, EscalationRow.kind, func.max(EscalationRow.resolved_at))
        .where(
            EscalationRow.admission_id.in_(list(admission_ids)),
            EscalationRow.resolved_at.is_not(None),
        )
        .group_by(EscalationRow.admission_id, EscalationRow.kind)
    ).all()
    for admission_id, kind, at in rows:
        if at is not None:
            found[admission_id][EscalationKind(kind)] = at
    return found


def escalation(session: Session, escalation_id: int) -> EscalationInfo | None:
    row = session.execute(_escalation_query().where(EscalationRow.id == escalation_id)).first()
    return _escalation_info(row) if row else None


def open_by_kind_of(session: Session, admission_id: int) -> dict[EscalationKind, OpenEscalation]:
    """The admission's open escalations by kind (at most one each)."""
    return open_by_kind_for(session, [admission_id])[admission_id]


def open_by_kind_for(
    session: Session, admission_ids: Sequence[int]
) -> dict[int, dict[EscalationKind, OpenEscalation]]:
    """``open_by_kind_of`` of several admissions in one statement."""
    found: dict[int, dict[EscalationKind, OpenEscalation]] = {i: {} for i in admission_ids}
    open_rows = session.scalars(
        select(EscalationRow).where(
            EscalationRow.admission_id.in_(list(admission_ids)),
            EscalationRow.resolved_at.is_(None),
        )
    )
    for r in open_rows:
        found[r.admission_id][EscalationKind(r.kind)] = OpenEscalation(
            id=r.id,
            kind=EscalationKind(r.kind),
            severity=Severity(r.severity),
            state=EscalationState(r.state),
            raised_at=r.raised_at,
            explanation=r.explanation,
            rule_id=r.rule_id,
            grade=r.grade or 0,
            acknowledged_at=r.acknowledged_at,
            snoozed_until=r.snoozed_until,
        )
    return found


def clinical_state(
    session: Session, admission_id: int, *, since: datetime, formulary: Formulary
) -> PatientClinicalState:
    """The rules engine's view of one patient: current entries taken or recorded since
    ``since`` (a late entry is judged when it is recorded), plus the
    newest complete set and symptom entry even when older (the trend needs a baseline)."""
    return clinical_states(session, [admission_id], since=since, formulary=formulary)[admission_id]


def clinical_states(
    session: Session,
    admission_ids: Sequence[int],
    *,
    since: datetime,
    formulary: Formulary,
    windows: EntryWindows | None = None,
) -> dict[int, PatientClinicalState]:
    """``clinical_state`` of several patients with a fixed number of statements, whatever
    their number (the monitor feed rules every patient whose sets came in one pass). With
    ``windows`` the entries are carried from the last pass and only what changed is read."""
    ids = list(dict.fromkeys(admission_ids))
    infos = {a.id: a for a in session.scalars(select(Admission).where(Admission.id.in_(ids)))}
    missing = [i for i in ids if i not in infos]
    if missing:
        raise LookupError(f"no admission {missing[0]}")

    def entries(model: Any, convert: Callable[[Any], Any]) -> dict[int, list[Any]]:
        if windows is not None:
            return windows.current_since(session, model, ids, since, convert)
        read = current_since(session, model, ids, since)
        return {i: [convert(row) for row in rows] for i, rows in read.items()}

    observations = entries(ObservationSetRow, to_observation)
    no_score = [i for i in ids if not any(o.news2_total is not None for o in observations[i])]
    older = latest_observations(session, no_score, complete_only=True) if no_score else {}
    for admission_id, baseline in older.items():
        found = observations[admission_id]
        if all(o.id != baseline.id for o in found):
            found.insert(0, baseline)
    symptoms = entries(SymptomEntryRow, to_symptoms)
    assessments = entries(AssessmentRow, to_assessment)
    prn = entries(PrnDoseRow, lambda row: to_prn(row, formulary))
    open_by_kind = open_by_kind_for(session, ids)
    decisions = decisions_by_admission(session, ids)
    co_use = co_use_queries.co_use_of_stays(session, list(infos.values()))
    return {
        i: PatientClinicalState(
            admission_id=i,
            admitted_at=infos[i].admitted_at,
            observations=tuple(observations[i]),
            symptoms=tuple(symptoms[i]),
            assessments=tuple(assessments[i]),
            prn_doses=tuple(prn[i]),
            open_escalations=open_by_kind[i],
            decisions=tuple(decisions.get(i, ())),
            co_use=co_use[i],
        )
        for i in ids
    }


def clinical_decisions(session: Session, admission_id: int) -> list[ClinicalDecision]:
    """Every documented clinician decision of the stay, oldest first, with who made it."""
    return decisions_by_admission(session, [admission_id]).get(admission_id, [])


def decisions_by_admission(
    session: Session, admission_ids: Sequence[int]
) -> dict[int, list[ClinicalDecision]]:
    """The decisions of several stays in one query, each oldest first."""
    rows = session.execute(_decisions_statement(), {"admission_ids": list(admission_ids)}).all()
    found: dict[int, list[ClinicalDecision]] = {}
    for decision in _to_decisions(rows):
        found.setdefault(decision.admission_id, []).append(decision)
    return found


def prn_doses_between(
    session: Session, admission_id: int, start: datetime, end: datetime, *, formulary: Formulary
) -> list[PrnDose]:
    """The stay's current PRN doses given from ``start`` to ``end``, oldest first."""
    rows = session.scalars(
        select(PrnDoseRow)
        .where(
            PrnDoseRow.admission_id == admission_id,
            PrnDoseRow.taken_at >= start,
            PrnDoseRow.taken_at <= end,
            current(PrnDoseRow),
        )
        .order_by(PrnDoseRow.taken_at, PrnDoseRow.id)
    )
    return [to_prn(row, formulary) for row in rows]


def prn_doses_since(
    session: Session, admission_ids: Sequence[int], *, since: datetime, formulary: Formulary
) -> dict[int, list[PrnDose]]:
    """Several stays' current PRN doses given since ``since``, oldest first, in one query."""
    return {
        admission_id: [to_prn(row, formulary) for row in rows]
        for admission_id, rows in prn_dose_rows_since(session, admission_ids, since=since).items()
    }


def prn_dose_rows_since(
    session: Session, admission_ids: Sequence[int], *, since: datetime
) -> dict[int, list[Any]]:
    """``prn_doses_since`` as plain rows that ``to_prn`` reads: the census builds only the few
    doses its cells read (building every dose of the week cost most of its after-PRN read)."""
    found: dict[int, list[Any]] = {}
    if not admission_ids:
        return found
    for row in session.execute(
        _prn_since_statement(), {"admission_ids": list(admission_ids), "since": since}
    ):
        found.setdefault(row.admission_id, []).append(row)
    return found


@cache
def _prn_since_statement() -> Any:
    # Plain column rows, not ORM entities: building an entity (identity map, instance state)
    # for each cost most of the read.
    return (
        select(*_PRN_COLUMNS)
        .where(
            among_ids(PrnDoseRow.admission_id, "admission_ids"),
            PrnDoseRow.taken_at >= bindparam("since"),
            current(PrnDoseRow),
        )
        .order_by(PrnDoseRow.taken_at, PrnDoseRow.id)
    )


def after_prn_checks(
    session: Session, since: dict[int, datetime]
) -> dict[int, list[AssessmentEntry]]:
    """Current RASS and rapid-tranquillisation checks of several stays, each taken at or after
    its own instant in ``since`` (admission id -> instant), oldest first, in one query."""
    found: dict[int, list[AssessmentEntry]] = {}
    if not since:
        return found
    rows = session.execute(
        _checks_since_statement(),
        {"admission_ids": list(since), "since": min(since.values())},
    )
    for row in rows:
        if row.taken_at >= since[row.admission_id]:
            found.setdefault(row.admission_id, []).append(to_assessment(row))
    return found


@cache
def _checks_since_statement() -> Any:
    return (
        select(*_ASSESSMENT_COLUMNS)
        .where(
            among_ids(AssessmentRow.admission_id, "admission_ids"),
            AssessmentRow.taken_at >= bindparam("since"),
            AssessmentRow.kind.in_(("rass", "rt_check")),
            current(AssessmentRow),
        )
        .order_by(AssessmentRow.taken_at, AssessmentRow.id)
    )


@cache
def _decisions_statement() -> Any:
    return (
        select(ClinicalDecisionRow, Staff.display_name)
        .join(Staff, Staff.id == ClinicalDecisionRow.recorded_by_id)
        .where(among_ids(ClinicalDecisionRow.admission_id, "admission_ids"))
        .order_by(ClinicalDecisionRow.decided_at, ClinicalDecisionRow.id)
    )


def _to_decisions(rows: Iterable[Any]) -> list[ClinicalDecision]:
    return [
        ClinicalDecision(
            id=row.id,
            admission_id=row.admission_id,
            kind=DecisionKind(row.kind),
            decided_at=row.decided_at,
            decided_by=name,
            reason=row.reason,
            details=dict(row.details or {}),
            review_at=row.review_at,
        )
        for row, name in rows
    ]


def write_audit(
    session: Session,
    *,
    at: datetime,
    staff_id: int | None,
    station: str,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append an audit row in the caller's transaction (the only audit write path). An audit
    row about a clinical entry carries the digest of the entry's stored values
    (``store.ledger``), so a later change to the entry is detectable."""
    digest = ledger.content_digest(session, entity, entity_id)
    session.add(
        AuditRow(
            at=at,
            staff_id=staff_id,
            station=station,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail={**(detail or {}), **({ledger.DIGEST_KEY: digest} if digest else {})},
        )
    )
