"""The ward census: what needs attention now, for every admitted patient."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from wardconsole.domain.admission_records import AdmissionDetail
from wardconsole.domain.after_prn import is_rt_dose, post_prn_rass_due, rt_episode, rt_status
from wardconsole.domain.decisions import (
    REVIEWED_DECISIONS,
    current_decision,
    describe_decision,
    news2_not_validated,
)
from wardconsole.domain.fluids import Direction, FluidSummary, period_of, summaries
from wardconsole.domain.formulary import Formulary
from wardconsole.domain.intake import NEWS2_PREGNANT
from wardconsole.domain.news2_effective import EffectiveNews2, effective_news2
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import (
    AssessmentEntry,
    ClinicalDecision,
    EscalationInfo,
    ObservationSet,
    PrnDose,
)
from wardconsole.domain.safety_checks import CheckSchedule
from wardconsole.domain.schedule import due_from_effective
from wardconsole.domain.weight_policy import WeightPolicy
from wardconsole.domain.weights import next_weighing, weighing_due_text
from wardconsole.services.db import Database
from wardconsole.services.fluids import PeriodReader
from wardconsole.services.food_chart import food_chart_views
from wardconsole.services.kept_latest import KeptObservations, kept_rass, kept_symptoms
from wardconsole.services.observation_levels import patient_checks
from wardconsole.services.safety_rules import schedules_for
from wardconsole.services.sign_in import read_ward_name
from wardconsole.services.sleep import SleepReader
from wardconsole.services.views import CensusRow, CensusSnapshot, WardSummary
from wardconsole.store import fluids, repository, weights
from wardconsole.store.repository import to_prn


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def detox_day(admitted_at: datetime, now: datetime) -> int:
    """Day 1 is the first 24 hours after admission (elapsed time, not calendar dates)."""
    return max(1, (now - admitted_at) // timedelta(days=1) + 1)


class CensusService:
    def __init__(self, db: Database, *, with_fluids: bool = True, with_sleep: bool = True) -> None:
        self._db = db
        self._with_fluids = with_fluids
        """False only to measure what the fluid column's reads (fluids and the food chart)
        cost (``bench/census.py``)."""
        self._with_sleep = with_sleep
        """False only to measure what the sleep flag's reads cost (``bench/census.py``)."""
        self._sleep = SleepReader(db)
        """Keeps each patient's completed nights between refreshes (``SleepReader.flags``)."""
        self._period = PeriodReader()
        """Keeps each patient's fluid totals and plan between refreshes (``PeriodReader``)."""
        self._observations = KeptObservations()
        self._symptoms = kept_symptoms()
        self._rass = kept_rass()
        """Keep each patient's latest observation sets, symptom chart and RASS between
        refreshes (``kept_latest``)."""

    def ward_name(self) -> str:
        """The ward's name, taken from its beds (one database serves one ward)."""
        with self._db.read() as session:
            return read_ward_name(session.connection())

    def snapshot(self, now: datetime | None = None) -> CensusSnapshot:
        """One consistent read of the census: a fixed number of queries, each O(admitted
        patients) — the fluid column adds two grouped ones (four when a stay's fluid rows
        changed) and two for the food chart (its versions, the meals of its days), the sleep
        flag one (three when a night's checks or sleep entries changed), the latest sets, the
        withdrawal chart and RASS one each (with their reads when a patient's entries changed,
        ``kept_latest``), never one per patient."""
        now = now or self._db.clock()
        policy = self._db.policy
        chart_max = self._db.chart.max_total
        with self._db.read() as session:
            admissions = repository.open_admissions(session)
            ids = [a.admission_id for a in admissions]
            complete, latest, partials = self._observations.read(
                session, ids, since=now - policy.history_window
            )
            symptoms = self._symptoms.values(session, ids)
            # Every open escalation, in one query: a discharged patient's (an overdue follow-up)
            # is counted on the summary, the rest go on their rows.
            everyone = repository.open_escalations(session)
            escalations = [e for e in everyone if not e.discharged]
            after_discharge = len({e.admission_id for e in everyone if e.discharged})
            all_beds = repository.beds(session)
            schedules = schedules_for(
                session, self._db, [(a.admission_id, a.admitted_at) for a in admissions], now
            )
            decisions = repository.decisions_by_admission(session, ids)
            after_prn = after_prn_inputs(session, self._db, ids, decisions, now, self._rass.values)
            fluid = self._fluids(session, ids, now) if self._with_fluids else {}
            food = (
                food_chart_views(session, ids, now, self._db.shifts.zone)
                if self._with_fluids
                else {}
            )
            weighed = weights.last_weighed(session, ids)
            sleep = (
                self._sleep.flags(
                    session, ids, now, {a.admission_id: a.admitted_at for a in admissions}
                )
                if self._with_sleep
                else {}
            )
        by_admission: dict[int, list[EscalationInfo]] = {}
        for esc in escalations:  # already most severe, then oldest, first
            by_admission.setdefault(esc.admission_id, []).append(esc)
        rows = []
        overdue = 0
        for a in admissions:
            last_complete = complete.get(a.admission_id)
            last_any = latest.get(a.admission_id)
            effective = effective_news2(
                _sets(last_complete, last_any, partials.get(a.admission_id, ())), now=now
            )
            due = due_from_effective(effective, admitted_at=a.admitted_at, policy=policy)
            if due <= now:
                overdue += 1
            symptom = symptoms.get(a.admission_id)
            rows.append(
                CensusRow(
                    admission_id=a.admission_id,
                    patient_id=a.patient_id,
                    bed=a.bed or "—",
                    patient_name=a.name,
                    hospital_number=a.hospital_number,
                    age=age_on(a.date_of_birth, now.date()),
                    admitted_at=a.admitted_at,
                    detox_day=detox_day(a.admitted_at, now),
                    news2_total=last_complete.news2_total if last_complete else None,
                    news2_risk=last_complete.news2_risk if last_complete else None,
                    latest_set_partial=bool(last_any and last_any.news2_total is None),
                    symptom_total=symptom.total if symptom else None,
                    symptom_max=chart_max,
                    open_escalations=tuple(by_admission.get(a.admission_id, ())),
                    last_obs_at=last_any.taken_at if last_any else None,
                    next_obs_due_at=due,
                    assigned_nurse=a.assigned_nurse,
                    risk_flags=a.risk_flags,
                    fluid=fluid.get(a.admission_id),
                    food_chart=food.get(a.admission_id),
                    **_weighing_fields(
                        weighed.get(a.admission_id), a.admitted_at, now, self._db.weight_policy
                    ),
                    sleep=sleep.get(a.admission_id),
                    **_news2_fields(effective),
                    **_check_fields(
                        a.admission_id,
                        schedules[a.admission_id],
                        self._db,
                        by_admission.get(a.admission_id, ()),
                    ),
                    **after_prn_fields(
                        a,
                        after_prn.get(a.admission_id, ((), ())),
                        decisions.get(a.admission_id, ()),
                        last_complete,
                        now,
                        self._db,
                    ),
                )
            )
        occupied = {a.bed for a in admissions if a.bed}
        free = tuple(label for _id, label in all_beds if label not in occupied)
        return CensusSnapshot(
            taken_at=now,
            rows=tuple(rows),
            free_beds=free,
            summary=WardSummary(
                beds_total=len(all_beds),
                beds_occupied=len(occupied),
                patients_with_open_escalations=len(by_admission),
                overdue_observations=overdue,
                discharged_with_open_escalations=after_discharge,
            ),
        )

    def _fluids(self, session: Any, ids: list[int], now: datetime) -> dict[int, FluidSummary]:
        """This period's fluid totals, plans and reviews: two grouped statements (four when a
        stay's fluid rows changed, see ``PeriodReader``)."""
        policy = self._db.fluid_policy
        period = period_of(now, policy.day_start, self._db.ward_timezone)
        totals, plans = self._period.read(session, ids, period)
        quiet = [i for i in ids if i not in totals or not totals[i].intake_count]
        last = fluids.last_taken(session, quiet, direction=Direction.INTAKE, before=period.start)
        return summaries(ids, period, totals, last, plans, now, policy)


def _weighing_fields(
    last: datetime | None, admitted_at: datetime, now: datetime, policy: WeightPolicy
) -> dict[str, Any]:
    """Whether weighing is due by the ward's interval, and its words (as ``WeightCourse``
    says them, from the last weighing's time alone)."""
    due_at = next_weighing(last, admitted_at, policy)
    return {"weighing_due": now >= due_at, "weighing_text": weighing_due_text(last, due_at, now)}


def _sets(
    complete: ObservationSet | None,
    latest: ObservationSet | None,
    partials: Iterable[ObservationSet],
) -> list[ObservationSet]:
    """The sets the effective NEWS2 reads, oldest first, each once."""
    by_id = {o.id: o for o in (complete, latest, *partials) if o is not None}
    return sorted(by_id.values(), key=lambda o: (o.taken_at, o.vitals.is_complete, o.id))


def _news2_fields(effective: EffectiveNews2) -> dict[str, Any]:
    """The census's lower-bound fields: set only when a partial set raises the risk."""
    if not effective.from_partial or effective.bound is None:
        return {}
    return {
        "news2_at_least": effective.bound.at_least,
        "news2_bound_risk": effective.bound.risk,
        "news2_bound_detail": effective.bound.describe(),
    }


def after_prn_inputs(
    session: Any,
    db: Database,
    ids: Sequence[int],
    decisions: Mapping[int, Sequence[ClinicalDecision]],
    now: datetime,
    kept_rass: Callable[[Any, list[int]], Mapping[int, AssessmentEntry | None]] | None = None,
) -> dict[int, tuple[tuple[PrnDose, ...], tuple[AssessmentEntry, ...]]]:
    """The doses and checks ``after_prn_fields`` reads, in at most three statements: the week's
    PRN doses, each patient's latest RASS (a RASS after the latest dose is all the post-PRN
    RASS asks for) and the RASS / RT checks of running rapid-tranquillisation episodes from
    their first dose. Reading the week's checks instead gave the same cells at several times
    the cost. ``kept_rass``: a census's latest RASS kept between its refreshes."""
    policy = db.policy
    doses = {
        admission_id: doses_read(rows, db.formulary, policy, now)
        for admission_id, rows in repository.prn_dose_rows_since(
            session, ids, since=now - policy.history_window
        ).items()
    }
    starts = {
        admission_id: episode[0].given_at
        for admission_id, given in doses.items()
        if (episode := rt_episode(given, decisions.get(admission_id, ()), now=now, policy=policy))
    }
    rass = (
        kept_rass(session, list(doses))
        if kept_rass is not None
        else repository.latest_rass(session, list(doses))
    )
    checks = repository.after_prn_checks(session, starts)
    found = {}
    for admission_id, given in doses.items():
        read = {c.id: c for c in checks.get(admission_id, ())}
        if (last := rass.get(admission_id)) is not None:
            read.setdefault(last.id, last)
        ordered = sorted(read.values(), key=lambda c: (c.taken_at, c.id))
        found[admission_id] = (tuple(given), tuple(ordered))
    return found


def doses_read(
    rows: Sequence[Any], formulary: Formulary, policy: EscalationPolicy, now: datetime
) -> list[PrnDose]:
    """Of a stay's doses (plain rows, oldest first), the ones ``after_prn_fields`` reads, oldest
    first: the rapid-tranquillisation doses of the rule's look-back (``rt_episode``) and the
    latest other dose of a post-PRN RASS class (``post_prn_rass_due``). Both give the same
    answers from these as from the whole week; building every dose cost most of the read."""
    rule = policy.rules.get("rapid_tranquillisation")
    running = rule is not None and rule.enabled
    since = now - rule.lookback if rule is not None and running else None
    rt_classes = rule.params["drug_classes"] if rule is not None and running else ()
    post_prn = policy.rules.get("post_prn_rass")
    classes = post_prn.params["drug_classes"] if post_prn is not None else ()
    classified: dict[tuple[str, str], str] = {}
    kept: list[PrnDose] = []
    post_found = False
    for row in reversed(rows):
        recent = since is not None and row.taken_at >= since
        if post_found and not recent:
            break
        key = (row.drug, row.drug_class)
        if (found := classified.get(key)) is None:
            found = classified[key] = formulary.classify(*key).key
        if not (recent and found in rt_classes) and (post_found or found not in classes):
            continue
        dose = to_prn(row, formulary)
        if is_rt_dose(dose, policy):
            if recent:
                kept.append(dose)
        elif not post_found and dose.drug_class in classes:
            kept.append(dose)
            post_found = True
    kept.reverse()
    return kept


def after_prn_fields(
    admission: AdmissionDetail,
    after_prn: tuple[tuple[PrnDose, ...], tuple[AssessmentEntry, ...]],
    decisions: Sequence[ClinicalDecision],
    last_complete: ObservationSet | None,
    now: datetime,
    db: Database,
) -> dict[str, Any]:
    """What is due after PRN doses, the clinician decisions in force and where NEWS2 is not
    validated, for the census row and the patient header."""
    doses, checks = after_prn
    policy = db.policy
    due = post_prn_rass_due(doses, checks, policy)
    rt = rt_status(
        prn_doses=doses,
        assessments=checks,
        observations=(last_complete,) if last_complete else (),
        decisions=decisions,
        now=now,
        policy=policy,
    )
    in_force = tuple(
        describe_decision(found)
        for kind in REVIEWED_DECISIONS
        if (found := current_decision(decisions, kind)) is not None
    )
    pregnant = NEWS2_PREGNANT.label in admission.risk_flags
    return {
        "post_prn_rass_due_at": due.due_at if due else None,
        "rt_next_due_at": rt.next_due if rt else None,
        "rt_interval_minutes": int(rt.interval.total_seconds() // 60) if rt else None,
        "rt_not_possible": bool(rt and rt.not_possible_at),
        "clinical_decisions": in_force,
        "news2_not_validated": news2_not_validated(
            date_of_birth=admission.date_of_birth, on=now.date(), pregnant=pregnant
        ),
    }


def _check_fields(
    admission_id: int,
    schedule: CheckSchedule,
    db: Database,
    escalations: Iterable[EscalationInfo],
) -> dict[str, Any]:
    """The census's observation-level and next-check fields for one patient."""
    since = schedule.level.effective_from
    kinds = [e.kind for e in escalations if e.raised_at >= since]
    checks = patient_checks(admission_id, "", "", schedule, db.observation_levels, kinds)
    return {
        "observation_level": checks.level_label,
        "observation_level_short": checks.level_short,
        "observation_raised": checks.raised,
        "next_check_due_at": checks.deadline,
        "check_overdue_since": checks.overdue_since,
        "check_overdue_severity": checks.overdue_severity,
        "check_prompt_at": checks.prompt_at,
        "level_review_suggested": checks.review_suggested,
    }
