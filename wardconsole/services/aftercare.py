"""Care after discharge: the aftercare plan, the follow-up contact the discharge opens, each
attempt to make it, and the ward's compliance against the standard.

``open_follow_up`` runs inside the discharge's own transaction, so a discharge to a destination
that starts the clock can never be saved without its follow-up. Times are UTC and the due time is
elapsed hours from the recorded discharge (``domain.follow_up``).

The patient's phone number lives in the plan's row only. It is never written to an audit row,
the change log or a log message: the audit records *that* a plan was saved or a contact card was
read, and by whom. The contact card (phone, crisis plan, risk history) is shown only while a
follow-up is open, to staff who may record, and each reading is audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain.assessments import cssrs_risk, score_assessment
from wardconsole.domain.discharge import Destination
from wardconsole.domain.discharge_letter import DischargeLetter, LetterFollowUp, write_letter
from wardconsole.domain.follow_up import (
    AftercarePlan,
    Attempt,
    AttemptOutcome,
    Basis,
    Compliance,
    FollowUpPolicy,
    FollowUpState,
    compliance,
    follow_up_clock,
    follow_up_state,
    plan_problems,
    suicide_risk_identified,
)
from wardconsole.domain.intake import OPIOID_WITHDRAWAL
from wardconsole.domain.intake_text import when_text
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
from wardconsole.services.follow_up_rules import (
    attempts_for,
    close_follow_up_escalation,
    follow_up_escalation,
)
from wardconsole.services.text_rule import checks_text
from wardconsole.store import repository
from wardconsole.store.changes import record_change
from wardconsole.store.entries import current
from wardconsole.store.models import (
    Admission,
    AftercarePlanRow,
    AssessmentRow,
    Bed,
    FollowUpAttemptRow,
    FollowUpRow,
    Patient,
)

log = logging.getLogger(__name__)

TOPIC = "follow_up"
"""Change-feed topic and audit entity of follow-ups and aftercare plans."""


@dataclass(frozen=True, slots=True)
class FollowUpView:
    """One follow-up on the ward's Follow-ups list (no contact details)."""

    id: int
    admission_id: int
    patient_name: str
    hospital_number: str
    bed: str
    destination: str
    discharged_at: datetime
    due_at: datetime
    hours: int
    basis: Basis
    state: FollowUpState
    attempts: tuple[Attempt, ...]
    has_plan: bool


@dataclass(frozen=True, slots=True)
class RiskEvent:
    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class ContactCard:
    """What the member of staff making the call needs, and nothing more."""

    follow_up_id: int
    patient_name: str
    phone: str
    service: str
    service_contact: str
    crisis_plan: str
    risk_flags: tuple[str, ...]
    risk_history: tuple[RiskEvent, ...]
    opioid_co_user: bool


def cssrs_levels(session: Session, admission_id: int) -> list[tuple[datetime, str]]:
    """(when, level) of the stay's current C-SSRS screens, oldest first."""
    rows = session.execute(
        select(AssessmentRow.taken_at, AssessmentRow.answers)
        .where(
            AssessmentRow.admission_id == admission_id,
            AssessmentRow.kind == "cssrs",
            current(AssessmentRow),
        )
        .order_by(AssessmentRow.taken_at)
    ).all()
    return [(at, cssrs_risk(score_assessment("cssrs", answers).flags)) for at, answers in rows]


def open_follow_up(
    session: Session,
    policy: FollowUpPolicy,
    admission: Admission,
    destination: Destination,
    now: datetime,
    station: str,
) -> FollowUpRow | None:
    """Open the follow-up a discharge owes (in the discharge's transaction, with its change-feed
    row); None when the destination does not start the clock."""
    assert admission.discharged_at is not None
    levels = [level for _at, level in cssrs_levels(session, admission.id)]
    clock = follow_up_clock(
        policy,
        destination=destination,
        discharged_at=admission.discharged_at,
        suicide_risk=suicide_risk_identified(policy, admission.risk_flags or [], levels),
    )
    if clock is None:
        return None
    row = FollowUpRow(
        admission_id=admission.id,
        discharged_at=admission.discharged_at,
        due_at=clock.due_at,
        hours=clock.hours,
        basis=clock.basis.value,
        policy_digest=policy.digest,
        created_at=now,
        state="open",
    )
    session.add(row)
    record_change(session, TOPIC, admission.id, station)
    return row


def write_plan(
    session: Session,
    actor: Actor,
    admission_id: int,
    plan: AftercarePlan,
    now: datetime,
    *,
    opioid_co_user: bool,
) -> int:
    """Store a stay's aftercare plan (replacing, not overwriting, an earlier one) with its audit
    and change-feed rows, in the caller's transaction; its id. The audit names no contact
    detail."""
    previous = session.scalar(
        select(AftercarePlanRow.id)
        .where(AftercarePlanRow.admission_id == admission_id)
        .order_by(AftercarePlanRow.id.desc())
        .limit(1)
    )
    row = AftercarePlanRow(
        admission_id=admission_id,
        plan=replace(plan, opioid_co_user=opioid_co_user).as_json(),
        supersedes_id=previous,
        recorded_at=now,
        recorded_by_id=actor.staff_id,
        station=actor.station,
    )
    session.add(row)
    session.flush()
    repository.write_audit(
        session,
        at=now,
        staff_id=actor.staff_id,
        station=actor.station,
        action="record_aftercare_plan",
        entity=TOPIC,
        entity_id=admission_id,
        detail={
            "plan_id": row.id,
            "replaces": previous,
            "crisis_plan_given": plan.crisis_plan_given,
            "opioid_co_user": opioid_co_user,
        },
    )
    record_change(session, TOPIC, admission_id, actor.station)
    return int(row.id)


def due_text(follow_up: FollowUpRow | None) -> str | None:
    """When an opened follow-up is due (ISO), for the discharge's audit row."""
    return follow_up.due_at.isoformat() if follow_up is not None else None


class AftercareService:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def policy(self) -> FollowUpPolicy:
        """The station's follow-up policy (part of the ward's policy digest)."""
        return self._db.follow_up_policy

    def now(self) -> datetime:
        return self._db.clock()

    # -- the plan ---------------------------------------------------------------------------

    @checks_text
    def record_plan(self, actor: Actor, admission_id: int, plan: AftercarePlan) -> int:
        """Save the aftercare plan of a discharged stay (a later save replaces the earlier one;
        both stay). An opioid co-user's plan must say what naloxone supply or advice was given."""
        require(actor, Permission.ADMIT)
        problems = plan_problems(plan)
        if problems:
            raise InvalidInput(problems)
        now = self._db.clock()
        with self._db.transaction() as session:
            admission = session.get(Admission, admission_id)
            if admission is None:
                raise NotFound(f"admission {admission_id} does not exist")
            if admission.discharged_at is None:
                raise ServiceError("record the aftercare plan when the patient is discharged")
            opioid = OPIOID_WITHDRAWAL.label in (admission.risk_flags or [])
            if opioid and not plan.naloxone.strip():
                raise InvalidInput(
                    {
                        "naloxone": "naloxone: an opioid co-user — record naloxone supplied or "
                        "the advice given"
                    }
                )
            plan_id = write_plan(session, actor, admission_id, plan, now, opioid_co_user=opioid)
            log.info("Aftercare plan %d saved for admission %d", plan_id, admission_id)
            return plan_id

    def patient_name(self, admission_id: int) -> str:
        """The name of the stay's patient (for a dialog's title)."""
        with self._db.read() as session:
            info = repository.admission(session, admission_id)
        if info is None:
            raise NotFound(f"admission {admission_id} does not exist")
        return info.name

    def plan(self, admission_id: int) -> AftercarePlan | None:
        """The newest aftercare plan of a stay (contact details included: for the letter and
        the discharging nurse, never for a list)."""
        with self._db.read() as session:
            data = session.scalar(
                select(AftercarePlanRow.plan)
                .where(AftercarePlanRow.admission_id == admission_id)
                .order_by(AftercarePlanRow.id.desc())
                .limit(1)
            )
        return AftercarePlan.from_json(data) if data is not None else None

    # -- the ward's follow-ups --------------------------------------------------------------

    def follow_ups(
        self, actor: Actor, *, now: datetime | None = None, closed_since: datetime | None = None
    ) -> list[FollowUpView]:
        """Open follow-ups (overdue first, then by due time), then those closed since
        ``closed_since``. No contact details: those are on the audited contact card."""
        require(actor, Permission.VIEW)
        now = as_utc("now", now) or self._db.clock()
        with self._db.read() as session:
            query = (
                select(FollowUpRow, Patient, Bed.label, Admission.discharge_destination)
                .join(Admission, Admission.id == FollowUpRow.admission_id)
                .join(Patient, Patient.id == Admission.patient_id)
                .outerjoin(Bed, Bed.id == Admission.bed_id)
            )
            if closed_since is not None:
                query = query.where(
                    (FollowUpRow.closed_at.is_(None)) | (FollowUpRow.closed_at >= closed_since)
                )
            else:
                query = query.where(FollowUpRow.closed_at.is_(None))
            rows = session.execute(query).all()
            attempts = attempts_for(session, [r[0].id for r in rows])
            planned = set(
                session.scalars(
                    select(AftercarePlanRow.admission_id).where(
                        AftercarePlanRow.admission_id.in_([r[0].admission_id for r in rows])
                    )
                )
            )
        views = [
            FollowUpView(
                id=f.id,
                admission_id=f.admission_id,
                patient_name=f"{p.given_name} {p.family_name}",
                hospital_number=p.hospital_number,
                bed=bed or "—",
                destination=_destination_label(destination),
                discharged_at=f.discharged_at,
                due_at=f.due_at,
                hours=f.hours,
                basis=Basis(f.basis),
                state=follow_up_state(f.due_at, attempts.get(f.id, ()), now),
                attempts=tuple(attempts.get(f.id, ())),
                has_plan=f.admission_id in planned,
            )
            for f, p, bed, destination in rows
        ]
        order = {FollowUpState.OVERDUE: 0, FollowUpState.DUE: 1}
        views.sort(key=lambda v: (order.get(v.state, 2), v.due_at))
        return views

    def contact_card(self, actor: Actor, follow_up_id: int) -> ContactCard:
        """The phone number, crisis plan and risk history for the call; only while the
        follow-up is open, and audited (who read whose card, never the number itself)."""
        require(actor, Permission.RECORD)
        now = self._db.clock()
        with self._db.transaction() as session:
            follow_up = session.get(FollowUpRow, follow_up_id)
            if follow_up is None:
                raise NotFound(f"follow-up {follow_up_id} does not exist")
            if follow_up.closed_at is not None:
                raise ServiceError("this follow-up is closed; its contact details are not shown")
            admission = session.get(Admission, follow_up.admission_id)
            assert admission is not None
            patient = session.get(Patient, admission.patient_id)
            assert patient is not None
            data = session.scalar(
                select(AftercarePlanRow.plan)
                .where(AftercarePlanRow.admission_id == admission.id)
                .order_by(AftercarePlanRow.id.desc())
                .limit(1)
            )
            plan = AftercarePlan.from_json(data) if data is not None else AftercarePlan()
            history = tuple(
                RiskEvent(at, f"C-SSRS: {level} risk")
                for at, level in cssrs_levels(session, admission.id)
            )
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action="view_follow_up_contact",
                entity=TOPIC,
                entity_id=follow_up_id,
                detail={"admission_id": admission.id},
            )
        crisis = f"Given: {plan.crisis_plan_detail}" if plan.crisis_plan_given else "Not recorded"
        return ContactCard(
            follow_up_id=follow_up_id,
            patient_name=f"{patient.given_name} {patient.family_name}",
            phone=plan.patient_phone,
            service=plan.service,
            service_contact=plan.service_contact,
            crisis_plan=crisis,
            risk_flags=tuple(admission.risk_flags or ()),
            risk_history=history,
            opioid_co_user=plan.opioid_co_user,
        )

    @checks_text
    def record_attempt(
        self,
        actor: Actor,
        follow_up_id: int,
        outcome: str,
        *,
        note: str = "",
        attempted_at: datetime | None = None,
    ) -> FollowUpState:
        """Record one attempt; contact made or unable to contact closes the follow-up."""
        require(actor, Permission.RECORD)
        problems: dict[str, str] = {}
        try:
            result = AttemptOutcome(outcome)
        except ValueError:
            result = None
            problems["outcome"] = "outcome: one of " + ", ".join(o.value for o in AttemptOutcome)
        if result is AttemptOutcome.UNABLE_TO_CONTACT and not note.strip():
            problems["note"] = "note: say what was tried before closing as unable to contact"
        now = self._db.clock()
        at = as_utc("attempted_at", attempted_at) or now
        if at > now:
            problems["attempted_at"] = "attempted_at: is in the future; check the time"
        if problems:
            raise InvalidInput(problems)
        assert result is not None
        with self._db.transaction() as session:
            follow_up = session.get(FollowUpRow, follow_up_id)
            if follow_up is None:
                raise NotFound(f"follow-up {follow_up_id} does not exist")
            if follow_up.closed_at is not None:
                raise ConflictError("this follow-up was already closed; nothing recorded")
            if at < follow_up.discharged_at:
                raise InvalidInput({"attempted_at": "attempted_at: is before the discharge"})
            session.add(
                FollowUpAttemptRow(
                    follow_up_id=follow_up_id,
                    attempted_at=at,
                    outcome=result.value,
                    note=note.strip(),
                    recorded_at=now,
                    recorded_by_id=actor.staff_id,
                    station=actor.station,
                )
            )
            attempts = [*attempts_for(session, [follow_up_id]).get(follow_up_id, [])]
            attempts.append(Attempt(at, result))
            state = follow_up_state(follow_up.due_at, attempts, now)
            if result.closes:
                follow_up.closed_at = now
                follow_up.state = state.value
                close_follow_up_escalation(
                    session,
                    follow_up,
                    result,
                    now=now,
                    station=actor.station,
                    staff_id=actor.staff_id,
                )
            else:
                session.flush()
                follow_up_escalation(
                    session,
                    self._db,
                    follow_up,
                    now=now,
                    station=actor.station,
                    staff_id=actor.staff_id,
                )
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action="record_follow_up_attempt",
                entity=TOPIC,
                entity_id=follow_up_id,
                detail={"outcome": result.value, "attempted_at": at.isoformat()},
            )
            record_change(session, TOPIC, follow_up.admission_id, actor.station)
        return state

    def compliance(
        self, actor: Actor, *, since: datetime, until: datetime, now: datetime | None = None
    ) -> Compliance:
        """Follow-ups discharged in [since, until): how many were made within their limit,
        against the policy's target (supervisors)."""
        require(actor, Permission.VIEW_HISTORY)
        start, end = as_utc("since", since) or since, as_utc("until", until) or until
        at = as_utc("now", now) or self._db.clock()
        with self._db.read() as session:
            rows = session.execute(
                select(FollowUpRow.id, FollowUpRow.due_at).where(
                    FollowUpRow.discharged_at >= start, FollowUpRow.discharged_at < end
                )
            ).all()
            attempts = attempts_for(session, [r[0] for r in rows])
        states = [follow_up_state(due, attempts.get(i, ()), at) for i, due in rows]
        return compliance(states, self.policy.compliance_target_percent)

    def letter(self, actor: Actor, admission_id: int) -> DischargeLetter:
        """The discharge letter's content for a discharged stay (no patient phone number)."""
        require(actor, Permission.VIEW)
        from wardconsole.services.discharge import DischargeService

        facts = DischargeService(self._db).facts(admission_id, reader=actor, for_follow_up=True)
        now = self._db.clock()
        with self._db.read() as session:
            admission = session.get(Admission, admission_id)
            if admission is None or admission.discharged_at is None:
                raise ServiceError("the letter is written for a discharged stay")
            discharged_at, destination = admission.discharged_at, admission.discharge_destination
            row = session.scalar(
                select(FollowUpRow).where(FollowUpRow.admission_id == admission_id)
            )
            attempts = attempts_for(session, [row.id]).get(row.id, []) if row else []
            follow_up = (
                LetterFollowUp(
                    row.due_at,
                    row.hours,
                    Basis(row.basis),
                    follow_up_state(row.due_at, attempts, now).value.replace("_", " "),
                    len(attempts),
                )
                if row is not None
                else None
            )
        zone = self._db.shifts.zone
        return write_letter(
            facts,
            discharged_at=discharged_at,
            destination=_destination_label(destination),
            plan=self.plan(admission_id),
            follow_up=follow_up,
            when=lambda at: when_text(at, zone),
        )


def _destination_label(code: str | None) -> str:
    try:
        return Destination(code or "").label
    except ValueError:
        return code or "—"
