"""Per-patient decisions documented by a clinician, and the rapid-tranquillisation schedule.

SpO2 Scale 2 (REFERENCE.md §1.2): only a clinician account records it, with the reason fixed to
confirmed hypercapnic respiratory failure and the target fixed at 88–92 % by the RCP (not a free
field), and a review date; a modified response or a documented observation frequency likewise.
Each decision is an append-only row; the latest of a kind is in force; a withdrawal is a new row.
The rules read them in the same transaction as everything else (review dates raise an
advisory; a documented frequency can only bring sets forward; no decision suppresses scoring).

Rapid tranquillisation (NICE QS154 statement 4): any nurse may make the checks more frequent
(the 15-minute option, with a reason — NG10's conditions for it are NOT VERIFIED); only a
clinician relaxes them again or ends the schedule, with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from wardconsole.domain.after_prn import RtStatus, rt_status
from wardconsole.domain.decisions import (
    SCALE2_REASON,
    SCALE2_TARGET,
)
from wardconsole.domain.policy import RulePolicy
from wardconsole.domain.records import DecisionKind
from wardconsole.domain.text_input import MAX_NOTE, text_problem
from wardconsole.services.context import (
    Actor,
    InvalidInput,
    NotFound,
    Permission,
    PermissionDenied,
    ServiceError,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationChange, apply_rules
from wardconsole.services.text_rule import checks_text
from wardconsole.store import repository
from wardconsole.store.changes import record_change
from wardconsole.store.models import Admission, ClinicalDecisionRow

MAX_REVIEW = timedelta(days=14)
"""The longest a decision may go unreviewed (DESIGN CHOICE: a stay is about two weeks)."""
OBS_FREQUENCIES = (15, 30, 60, 120, 240)
"""Minutes a clinician may document between full sets (never longer than Chart 4 allows)."""


@dataclass(frozen=True, slots=True)
class DecisionResult:
    decision_id: int
    escalations: tuple[EscalationChange, ...]


class DecisionService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- clinician decisions -------------------------------------------------------------------

    def set_spo2_scale(
        self,
        actor: Actor,
        admission_id: int,
        *,
        scale: int,
        review_at: datetime | None,
        confirmed_hypercapnic_failure: bool = False,
    ) -> DecisionResult:
        """Scale 2 (88–92 %) for confirmed hypercapnic respiratory failure, with a review date;
        ``scale=1`` returns the patient to Scale 1 (the default for everyone)."""
        require(actor, Permission.RECORD_DECISION)
        problems: dict[str, str] = {}
        if scale not in (1, 2):
            problems["scale"] = "scale: 1 or 2"
        if scale == 2:
            if not confirmed_hypercapnic_failure:
                problems["reason"] = (
                    "reason: Scale 2 is only for confirmed hypercapnic respiratory failure "
                    "(RCP NEWS2)"
                )
            problems |= self._review_problems(review_at)
        if problems:
            raise InvalidInput(problems)
        reason = SCALE2_REASON if scale == 2 else "Back to Scale 1"
        details = {"scale": scale, "target": SCALE2_TARGET if scale == 2 else None}
        return self._record(
            actor,
            admission_id,
            DecisionKind.SPO2_SCALE,
            reason,
            details,
            review_at if scale == 2 else None,
            spo2_scale=scale,
        )

    @checks_text
    def set_modified_response(
        self,
        actor: Actor,
        admission_id: int,
        *,
        response: str,
        reason: str,
        review_at: datetime | None,
    ) -> DecisionResult:
        """A documented modified response (empty ``response`` withdraws it); shown beside the
        Chart 4 response wherever the score appears, never instead of it."""
        require(actor, Permission.RECORD_DECISION)
        response = response.strip()
        problems = self._reason_problems(reason)
        if response:
            if problem := text_problem("response", response, max_length=MAX_NOTE):
                problems["response"] = problem
            problems |= self._review_problems(review_at)
        if problems:
            raise InvalidInput(problems)
        return self._record(
            actor,
            admission_id,
            DecisionKind.MODIFIED_RESPONSE,
            reason.strip(),
            {"response": response},
            review_at if response else None,
        )

    @checks_text
    def set_obs_frequency(
        self,
        actor: Actor,
        admission_id: int,
        *,
        minutes: int,
        reason: str,
        review_at: datetime | None,
    ) -> DecisionResult:
        """A documented observation frequency (0 withdraws it): it only ever brings a set
        forward; Chart 4's minimum still applies when it is longer."""
        require(actor, Permission.RECORD_DECISION)
        problems = self._reason_problems(reason)
        if minutes and minutes not in OBS_FREQUENCIES:
            problems["minutes"] = f"minutes: one of {', '.join(map(str, OBS_FREQUENCIES))}"
        if minutes:
            problems |= self._review_problems(review_at)
        if problems:
            raise InvalidInput(problems)
        return self._record(
            actor,
            admission_id,
            DecisionKind.OBS_FREQUENCY,
            reason.strip(),
            {"minutes": minutes},
            review_at if minutes else None,
        )

    # -- rapid tranquillisation ----------------------------------------------------------------

    def now(self) -> datetime:
        """The ward clock (does not block: the server offset is measured elsewhere)."""
        return self._db.clock()

    @property
    def rt_rule(self) -> RulePolicy:
        """The policy's rapid-tranquillisation rule (its intervals are the choices offered)."""
        return self._db.policy.rule("rapid_tranquillisation")

    def rt_status(self, admission_id: int) -> RtStatus | None:
        now = self._db.clock()
        with self._db.read() as session:
            state = repository.clinical_state(
                session,
                admission_id,
                since=now - self._db.policy.history_window,
                formulary=self._db.formulary,
            )
        return rt_status(
            prn_doses=state.prn_doses,
            assessments=state.assessments,
            observations=state.observations,
            decisions=state.decisions,
            now=now,
            policy=self._db.policy,
        )

    @checks_text
    def set_rt_interval(
        self, actor: Actor, admission_id: int, *, minutes: int, reason: str
    ) -> DecisionResult:
        """The check interval of the running schedule: the close interval (15 min by default)
        or the policy interval (hourly). More frequent: any nurse; less frequent: a clinician."""
        require(actor, Permission.RECORD)
        rule = self._db.policy.rule("rapid_tranquillisation")
        allowed = (rule.number("close_interval_minutes"), rule.number("interval_minutes"))
        problems = self._reason_problems(reason)
        if minutes not in allowed:
            problems["minutes"] = f"minutes: {allowed[0]} or {allowed[1]}"
        if problems:
            raise InvalidInput(problems)
        status = self.rt_status(admission_id)
        if status is None:
            raise ServiceError("no rapid-tranquillisation schedule is running for this patient")
        if timedelta(minutes=minutes) > status.interval and not actor.can(
            Permission.RECORD_DECISION
        ):
            raise PermissionDenied(
                "only a clinician may make rapid-tranquillisation checks less frequent"
            )
        details = {"minutes": minutes}
        return self._record(
            actor, admission_id, DecisionKind.RT_INTERVAL, reason.strip(), details, None
        )

    @checks_text
    def end_rt(self, actor: Actor, admission_id: int, *, reason: str) -> DecisionResult:
        """A clinician ends the schedule: no further concerns about physical health (QS154)."""
        require(actor, Permission.RECORD_DECISION)
        problems = self._reason_problems(reason)
        if problems:
            raise InvalidInput(problems)
        if self.rt_status(admission_id) is None:
            raise ServiceError("no rapid-tranquillisation schedule is running for this patient")
        return self._record(actor, admission_id, DecisionKind.RT_END, reason.strip(), {}, None)

    # -- helpers -------------------------------------------------------------------------------

    def _reason_problems(self, reason: str) -> dict[str, str]:
        if not reason.strip():
            return {"reason": "reason: required"}
        problem = text_problem("reason", reason.strip(), max_length=MAX_NOTE, multiline=True)
        return {"reason": problem} if problem else {}

    def _review_problems(self, review_at: datetime | None) -> dict[str, str]:
        now = self._db.clock()
        if review_at is None:
            return {"review_at": "review_at: a review date is required"}
        if review_at.tzinfo is None or review_at.utcoffset() is None:
            return {"review_at": "review_at: expected a date and time with a time zone"}
        if not now < review_at <= now + MAX_REVIEW:
            days = MAX_REVIEW.days
            return {"review_at": f"review_at: in the future, at most {days} days ahead"}
        return {}

    def _record(
        self,
        actor: Actor,
        admission_id: int,
        kind: DecisionKind,
        reason: str,
        details: dict[str, Any],
        review_at: datetime | None,
        *,
        spo2_scale: int | None = None,
    ) -> DecisionResult:
        now = self._db.clock()
        with self._db.transaction() as session:
            admission = session.get(Admission, admission_id)
            if admission is None:
                raise NotFound(f"admission {admission_id} does not exist")
            if admission.discharged_at is not None:
                raise ServiceError("this patient has been discharged; the record is read-only")
            row = ClinicalDecisionRow(
                admission_id=admission_id,
                kind=kind.value,
                decided_at=now,
                reason=reason,
                details=details,
                review_at=review_at,
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
            )
            session.add(row)
            if spo2_scale is not None:
                two = spo2_scale == 2
                admission.spo2_scale = spo2_scale
                admission.spo2_scale2_prescribed_by = actor.display_name if two else None
                admission.spo2_scale2_prescribed_at = now if two else None
                admission.spo2_scale2_target = SCALE2_TARGET if two else None
            session.flush()
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action=f"decision_{kind.value}",
                entity="admission",
                entity_id=admission_id,
                detail={"decision": row.id, "reason": reason, **details},
            )
            changes = apply_rules(
                session,
                self._db,
                admission_id,
                now=now,
                station=actor.station,
                staff_id=actor.staff_id,
            )
            record_change(session, "decision", admission_id, actor.station)
            return DecisionResult(row.id, tuple(changes))
