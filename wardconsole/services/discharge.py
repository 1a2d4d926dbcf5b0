"""Discharge to ongoing treatment, and the read-only history of discharged patients.

The summary is drafted from the stay (``domain.discharge.draft_summary``), edited by the nurse
and stored as confirmed. Escalations still open at discharge are closed in the same transaction
with an outcome that says so, so no alarm keeps ringing for a patient who has left. Discharged
records can be searched and read by supervisors only (mental-health and substance-use data);
every record opened is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from wardconsole.domain.admission_records import AdmissionDetail
from wardconsole.domain.discharge import (
    Destination,
    PreviousStay,
    StayFacts,
    draft_summary,
)
from wardconsole.domain.follow_up import AftercarePlan, plan_gaps
from wardconsole.domain.intake import OPIOID_WITHDRAWAL, Intake
from wardconsole.domain.simple_kinds import SIMPLE_KINDS
from wardconsole.domain.text_input import text_problem
from wardconsole.domain.weights import weight_course
from wardconsole.services.admissions import read_intake
from wardconsole.services.aftercare import due_text, open_follow_up, write_plan
from wardconsole.services.context import (
    Actor,
    ConflictError,
    InvalidInput,
    NotFound,
    Permission,
    as_utc,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.escalations import resolve_open, watch_words
from wardconsole.services.nutrition import read_course
from wardconsole.services.sleep import SleepReader
from wardconsole.services.stay_access import ensure_may_read
from wardconsole.services.text_rule import checks_text, checks_text_as
from wardconsole.store import admissions_queries as q
from wardconsole.store import repository, weights
from wardconsole.store.changes import record_change
from wardconsole.store.medicines_queries import medicine_lines
from wardconsole.store.models import Admission
from wardconsole.store.nutrition import stay_food_charts
from wardconsole.store.sessions import session_facts
from wardconsole.store.simple_entries import listed_stay_entries

CLOCK_TOLERANCE = timedelta(minutes=5)
MIN_SUMMARY = 20
"""A summary shorter than this is an accident (an emptied box), not a summary."""

MAX_SEARCH_LENGTH = 120
"""Longer than any name and hospital number together."""


@dataclass(frozen=True, slots=True)
class DischargeDraft:
    """What the discharge dialog shows before the nurse confirms."""

    admission_id: int
    patient_name: str
    bed: str | None
    admitted_at: datetime
    version: int
    text: str
    open_escalations: tuple[str, ...]
    """Kinds of the escalations that discharging will close."""
    opioid_co_user: bool = False
    """From the intake: the aftercare plan must record naloxone supplied or advised."""
    follow_up_destinations: frozenset[Destination] = frozenset()
    """Destinations whose discharge owes a follow-up (and so a complete aftercare plan)."""
    incomplete_plan: str = "ask"
    """The policy when the plan is incomplete: "ask" or "refuse"."""


class PlanIncomplete(InvalidInput):
    """The aftercare plan lacks what the follow-up needs; ``may_confirm`` when the policy lets
    the nurse discharge anyway (``accept_incomplete_plan``)."""

    def __init__(self, gaps: dict[str, str], *, may_confirm: bool) -> None:
        super().__init__({field: f"{field}: {words}" for field, words in gaps.items()})
        self.gaps = gaps
        self.may_confirm = may_confirm


@dataclass(frozen=True, slots=True)
class StayRecord:
    """One stay, read-only: who, where, the intake as saved and amended, the summary."""

    detail: AdmissionDetail
    beds: tuple[q.BedStay, ...]
    original_intake: Intake | None
    current_intake: Intake | None
    amendments: tuple[q.IntakeAmendment, ...]


@dataclass(frozen=True, slots=True)
class PatientRecord:
    patient_id: int
    stays: tuple[StayRecord, ...]
    """Newest first."""


class DischargeService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the draft --------------------------------------------------------------------------

    def facts(
        self,
        admission_id: int,
        *,
        reader: Actor | None = None,
        for_follow_up: bool = False,
        discharged_at: datetime | None = None,
    ) -> StayFacts:
        """Everything the summary is drafted from, in one read (a discharged stay's needs
        ``reader`` with the history permission, or ``for_follow_up`` while it is open).
        ``discharged_at``: when an open stay is about to be discharged (the draft), so that the
        sleep course's last night ends then."""
        with self._db.read() as session:
            ensure_may_read(
                self._db, session, admission_id, reader, "stay summary", for_follow_up=for_follow_up
            )
            detail = repository.admission(session, admission_id)
            if detail is None:
                raise NotFound(f"admission {admission_id} does not exist")
            amendments = q.intake_amendments(session, admission_id)
            beds = q.bed_history(session, admission_id)
            course = q.stay_course(session, admission_id, formulary=self._db.formulary)
            sessions = session_facts(session, [admission_id])[admission_id]
            weighed = weights.weighings(session, [admission_id])[admission_id]
            screens = tuple(weights.must_screens(session, [admission_id])[admission_id])
            eating = read_course(self._db, session, admission_id, None, detail.discharged_at)
            listed = listed_stay_entries(session, admission_id)
            charts = tuple(stay_food_charts(session, admission_id))
            medicines = medicine_lines(session, admission_id)
            left = detail.discharged_at or discharged_at
            nights = SleepReader(self._db).stay(
                session, admission_id, detail.admitted_at, left or self._db.clock(), left
            )
            review = [
                text
                for text, due in watch_words(
                    session, self._db, admission_id, detail.discharged_at or self._db.clock()
                )
                if due
            ]
            previous = (
                repository.admission(session, detail.previous_admission_id)
                if detail.previous_admission_id
                else None
            )
        _original, current = read_intake(detail, amendments)
        chart = self._db.chart
        return StayFacts(
            patient_name=detail.name,
            hospital_number=detail.hospital_number,
            date_of_birth=detail.date_of_birth,
            admitted_at=detail.admitted_at,
            care_setting=detail.care_setting,
            beds=tuple(stay.bed for stay in beds),
            intake=current,
            risk_flags=detail.risk_flags,
            news2=course.news2,
            partial_sets=course.partial_sets,
            symptoms=course.symptoms,
            chart_name=chart.name,
            chart_max=chart.max_total,
            assessments=course.assessments,
            escalations=course.escalations,
            prn=course.prn,
            sessions=tuple(sessions),
            weights=weight_course(weighed, detail.admitted_at, self._db.weight_policy),
            must_screens=screens,
            food_charts=charts,
            meals=eating.meals,
            bowels=eating.bowels,
            bowel_status=eating.status,
            medicines=tuple(medicines),
            medicines_review=tuple(review),
            sleep=tuple(nights),
            sleep_policy=self._db.sleep_policy,
            listed=tuple((SIMPLE_KINDS[kind], entries) for kind, entries in listed.items()),
            previous_stay=PreviousStay(
                previous.admitted_at, previous.discharged_at, previous.discharge_destination
            )
            if previous
            else None,
        )

    @checks_text
    def draft(
        self,
        admission_id: int,
        destination: Destination | None = None,
        detail: str = "",
        *,
        discharged_at: datetime | None = None,
        tz: tzinfo | None = None,
    ) -> DischargeDraft:
        """Draft the summary for discharge now (or at ``discharged_at``); times are shown in
        ``tz``, by default the ward's time zone (the summary outlives this station)."""
        at = as_utc("discharged_at", discharged_at) or self._db.clock()
        facts = self.facts(admission_id, discharged_at=at)
        with self._db.read() as session:
            info = repository.admission(session, admission_id)
        assert info is not None
        text = draft_summary(
            facts,
            discharged_at=at,
            destination=destination,
            detail=detail,
            tz=tz or self._db.shifts.zone,
        )
        still_open = tuple(e.kind for e in facts.escalations if e.resolved_at is None)
        policy = self._db.follow_up_policy
        return DischargeDraft(
            admission_id,
            info.name,
            info.bed,
            info.admitted_at,
            info.version,
            text,
            still_open,
            opioid_co_user=OPIOID_WITHDRAWAL.label in facts.risk_flags,
            follow_up_destinations=policy.clock_destinations,
            incomplete_plan=policy.incomplete_plan,
        )

    # -- the discharge ----------------------------------------------------------------------

    @checks_text
    def discharge(
        self,
        actor: Actor,
        admission_id: int,
        *,
        destination: Destination | str,
        summary: str,
        detail: str = "",
        discharged_at: datetime | None = None,
        expected_version: int | None = None,
        plan: AftercarePlan | None = None,
        accept_incomplete_plan: bool = False,
    ) -> None:
        """Discharge with a destination and the confirmed summary; the patient leaves the
        census, and open escalations are closed with an outcome naming the discharge.

        ``plan`` is the aftercare plan completed while discharging, saved in the same
        transaction. A destination that owes a follow-up needs a complete plan
        (``follow_up.plan_gaps``): by the follow-up policy the discharge is refused, or refused
        unless ``accept_incomplete_plan`` says the nurse was asked and went on
        (``PlanIncomplete`` names what is missing either way). Under "ask", a call with no
        ``plan`` at all (a script, an import) has no one to ask: what is missing goes on the
        discharge's audit row."""
        require(actor, Permission.ADMIT)
        now = self._db.clock()
        at = as_utc("discharged_at", discharged_at) or now
        problems: dict[str, str] = {}
        try:
            where = Destination(destination)
        except ValueError:
            where = None
            problems["destination"] = "destination: choose one of " + ", ".join(
                d.label.lower() for d in Destination
            )
        detail = detail.strip()
        if where is not None and where.detail_required and not detail:
            problems["detail"] = f"detail: {where.detail_prompt.lower()} — required"
        if len(summary.strip()) < MIN_SUMMARY:
            problems["summary"] = "summary: the discharge summary is empty; redraft it"
        if at.tzinfo is None:
            problems["discharged_at"] = "discharged_at: time zone missing"
        elif at > now + CLOCK_TOLERANCE:
            problems["discharged_at"] = "discharged_at: is in the future; check the time"
        if problems:
            raise InvalidInput(problems)
        assert where is not None
        with self._db.transaction() as session:
            admission = session.get(Admission, admission_id)
            if admission is None:
                raise NotFound(f"admission {admission_id} does not exist")
            if admission.discharged_at is not None:
                raise ConflictError(
                    "this patient was already discharged "
                    f"({admission.discharge_destination}); nothing changed"
                )
            if expected_version is not None and admission.version != expected_version:
                raise ConflictError(
                    "this admission was changed at another station while the "
                    "summary was open; look again before discharging"
                )
            if at < admission.admitted_at:
                raise InvalidInput({"discharged_at": "discharged_at: is before the admission"})
            opioid = OPIOID_WITHDRAWAL.label in (admission.risk_flags or [])
            gaps = self._plan_gaps(where, plan, opioid, accept_incomplete_plan)
            admission.discharged_at = at
            admission.discharge_destination = where.value
            admission.discharge_summary = summary.strip()
            closed = resolve_open(
                session,
                admission_id,
                f"Closed at discharge ({where.label.lower()})",
                now=now,
                staff_id=actor.staff_id,
                station=actor.station,
            )
            follow_up = open_follow_up(
                session, self._db.follow_up_policy, admission, where, now, actor.station
            )
            if plan is not None and plan != AftercarePlan():
                write_plan(session, actor, admission_id, plan, now, opioid_co_user=opioid)
            session.flush()
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action="discharge",
                entity="admission",
                entity_id=admission_id,
                detail={
                    "destination": where.value,
                    "detail": detail,
                    "discharged_at": at.isoformat(),
                    "closed_escalations": closed,
                    "follow_up_due_at": due_text(follow_up),
                    "aftercare_plan_missing": sorted(gaps),
                },
            )
            record_change(session, "admission", admission_id, actor.station)

    def _plan_gaps(
        self, where: Destination, plan: AftercarePlan | None, opioid: bool, accepted: bool
    ) -> dict[str, str]:
        """What the aftercare plan lacks for a destination that owes a follow-up; raises
        ``PlanIncomplete`` unless the policy lets the nurse go on and she did."""
        policy = self._db.follow_up_policy
        if where not in policy.clock_destinations:
            return {}
        gaps = plan_gaps(plan or AftercarePlan(), opioid_co_user=opioid)
        may_confirm = policy.incomplete_plan == "ask"
        if plan is None and may_confirm:
            return gaps  # no one to ask (a script, an import): recorded as missing on the audit
        if gaps and not (may_confirm and accepted):
            raise PlanIncomplete(gaps, may_confirm=may_confirm)
        return gaps

    # -- history of discharged patients (supervisors) --------------------------------------

    @checks_text_as(text="search")
    def search(self, actor: Actor, text: str, limit: int = 50) -> list[q.HistoryHit]:
        """Discharged patients matching every word of ``text`` (name or hospital number).
        Text no one types into a search box (a megabyte, control characters) is refused with
        the field named, before the database sees it."""
        require(actor, Permission.VIEW_HISTORY)
        if problem := text_problem("search", text, max_length=MAX_SEARCH_LENGTH):
            raise InvalidInput({"search": problem})
        with self._db.read() as session:
            return q.search_discharged(session, text.strip(), limit)

    def record(self, actor: Actor, patient_id: int) -> PatientRecord:
        """Every stay of a patient, read-only; opening it is audited."""
        require(actor, Permission.VIEW_HISTORY)
        now = self._db.clock()
        with self._db.transaction() as session:
            stays = []
            for brief in q.stays(session, patient_id):
                detail = repository.admission(session, brief.admission_id)
                assert detail is not None
                amendments = q.intake_amendments(session, brief.admission_id)
                original, current = read_intake(detail, amendments)
                stays.append(
                    StayRecord(
                        detail,
                        tuple(q.bed_history(session, brief.admission_id)),
                        original,
                        current,
                        tuple(amendments),
                    )
                )
            if not stays:
                raise NotFound(f"patient {patient_id} has no stays")
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action="view_record",
                entity="patient",
                entity_id=patient_id,
            )
        return PatientRecord(patient_id, tuple(stays))
