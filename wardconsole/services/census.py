"""The ward census: what needs attention now, for every admitted patient."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from wardconsole.domain.admission_records import AdmissionDetail
from wardconsole.domain.after_prn import is_rt_dose, post_prn_rass_due, rt_episode, rt_status
from wardconsole.domain.changes import Change, ChangeFeed
from wardconsole.domain.decisions import (
    REVIEWED_DECISIONS,
    current_decision,
    describe_decision,
    news2_not_validated,
)
from wardconsole.domain.fluids import Direction, FluidSummary, period_of, summaries
from wardconsole.domain.food_chart import FoodChart, chart_days
from wardconsole.domain.formulary import Formulary
from wardconsole.domain.intake import NEWS2_PREGNANT
from wardconsole.domain.meals import MealEntry
from wardconsole.domain.news2_effective import EffectiveNews2, effective_news2
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import (
    AssessmentEntry,
    ClinicalDecision,
    EscalationInfo,
    ObservationSet,
    PrnDose,
)
from wardconsole.domain.safety_checks import CheckRecord, CheckSchedule, LevelPeriod
from wardconsole.domain.schedule import due_from_effective
from wardconsole.domain.weight_policy import WeightPolicy
from wardconsole.domain.weights import next_weighing, weighing_due_text
from wardconsole.services.db import Database
from wardconsole.services.fluids import PeriodReader
from wardconsole.services.food_chart import SHOWN_AFTER_END, FoodChartView
from wardconsole.services.kept_latest import KeptObservations, kept_rass, kept_symptoms
from wardconsole.services.observation_levels import patient_checks
from wardconsole.services.safety_rules import schedules_from
from wardconsole.services.sign_in import read_ward_name
from wardconsole.services.sleep import SleepReader
from wardconsole.services.views import CensusRow, CensusSnapshot, WardSummary
from wardconsole.store import fluids, nutrition, repository, weights
from wardconsole.store.repository import to_prn
from wardconsole.store.safety_checks import latest_checks, level_periods


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def detox_day(admitted_at: datetime, now: datetime) -> int:
    """Day 1 is the first 24 hours after admission (elapsed time, not calendar dates)."""
    return max(1, (now - admitted_at) // timedelta(days=1) + 1)


class _NotedFeed:
    """A change feed whose changes are handed to ``note`` as they are read (``ChangeFeed``)."""

    def __init__(self, feed: ChangeFeed, note: Callable[[Iterable[Change] | None], None]) -> None:
        self._feed = feed
        self._note = note
        note(None)

    def wait(self, timeout: float) -> list[Change]:
        changes = self._feed.wait(timeout)
        if changes:
            self._note(changes)
        return changes

    def wake(self) -> None:
        self._feed.wake()

    def close(self) -> None:
        self._feed.close()


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
        self._lock = threading.Lock()
        self._changed: dict[int, set[str]] | None = None
        """The patients named by changes noted since the last snapshot, with the changes'
        topics (None: read everyone)."""
        self._kept: _Read | None = None
        """What the last snapshot read, for a scoped one."""
        self._scored: dict[int, tuple[tuple[ObservationSet | None, ...], EffectiveNews2]] = {}
        """Each patient's sets (the objects kept between refreshes) and their NEWS2."""

    def ward_name(self) -> str:
        """The ward's name, taken from its beds (one database serves one ward)."""
        with self._db.read() as session:
            return read_ward_name(session.connection())

    def note_changes(self, changes: Iterable[Change] | None) -> None:
        """What the change feed reported (``None``: anything may have changed, such as after the
        feed was reopened or when a refresh must read everything). A ``snapshot(scoped=True)``
        reads again only the patients named since the last snapshot, and of those only what
        can be written under the changes' topics (``READS_OF_TOPIC``); a change without a
        patient (ward policy, beds…) makes it read everything. Callable from any thread."""
        with self._lock:
            if self._changed is None:
                return
            if changes is None:
                self._changed = None
                return
            for change in changes:
                if change.admission_id is None:
                    self._changed = None
                    return
                self._changed.setdefault(change.admission_id, set()).add(change.topic)

    def watch(self, feed: ChangeFeed) -> ChangeFeed:
        """``feed``, with every change it reports noted for the census as it is read (so a
        ``snapshot(scoped=True)`` started after a batch was reported reads it); opening it is
        noted as "anything may have changed": what was committed before a feed opened may never
        be reported."""
        return _NotedFeed(feed, self.note_changes)

    def snapshot(self, now: datetime | None = None, *, scoped: bool = False) -> CensusSnapshot:
        """One consistent read of the census: a fixed number of queries, each O(admitted
        patients) — the fluid column adds two grouped ones (four when a stay's fluid rows
        changed) and two for the food chart (its versions, the meals of its days), the sleep
        flag one (three when a night's checks or sleep entries changed), the latest sets, the
        withdrawal chart and RASS one each (with their reads when a patient's entries changed,
        ``kept_latest``), never one per patient.

        ``scoped``: read again only the patients whose changes were noted since the last
        snapshot (``note_changes``), with the admissions, beds and open escalations of the whole
        ward; every other patient's row is worked out again at ``now`` from what was read for
        them before (overdue, due, "ago"), so it reads exactly as a fresh census reads it. It
        reads everything when a change named no patient, when nothing was noted since a change
        could have been missed, or when ``now`` is earlier than the last snapshot's."""
        now = now or self._db.clock()
        with self._lock:
            # Noted before this read starts: committed before it, so this read sees them.
            changed, self._changed = self._changed, {}
        try:
            return self._snapshot(now, changed if scoped else None)
        except BaseException:
            with self._lock:
                self._changed = None  # what was taken is not read: read everything next time
            raise

    def _snapshot(self, now: datetime, changed: dict[int, set[str]] | None) -> CensusSnapshot:
        policy = self._db.policy
        chart_max = self._db.chart.max_total
        kept = self._kept if changed is not None and self._kept and now >= self._kept.now else None
        self._kept = None  # until this read succeeds
        with self._db.read() as session:
            admissions = repository.open_admissions(session)
            ids = [a.admission_id for a in admissions]
            admitted = {a.admission_id: a.admitted_at for a in admissions}
            # Per read, the patients read this time (None: all): those the feed named with a
            # topic whose rows it reads, and any not read before.
            scopes = (
                None
                if kept is None or changed is None
                else _Scopes(changed, {i for i in ids if i not in kept.ids})
            )

            def scope(read: str) -> set[int] | None:
                return None if scopes is None else scopes.of(read)

            complete, latest, partials = self._observations.read(
                session, ids, since=now - policy.history_window, changed=scope("observations")
            )
            symptoms = self._symptoms.values(session, ids, changed=scope("symptoms"))
            # Every open escalation, in one query: a discharged patient's (an overdue follow-up)
            # is counted on the summary, the rest go on their rows.
            everyone = repository.open_escalations(session)
            escalations = [e for e in everyone if not e.discharged]
            after_discharge = len({e.admission_id for e in everyone if e.discharged})
            all_beds = repository.beds(session)
            periods = _read_merged(
                partial(level_periods, session),
                kept.periods if kept else None,
                ids,
                scope("levels"),
            )
            last_checks = _read_merged(
                partial(latest_checks, session),
                kept.last_checks if kept else None,
                ids,
                scope("checks"),
            )
            schedules = schedules_from(self._db, admitted, periods, last_checks, now)
            decisions = _read_merged(
                partial(repository.decisions_by_admission, session),
                kept.decisions if kept else None,
                ids,
                scope("decisions"),
            )
            after_prn, dose_rows, rt_checks = self._after_prn(
                session, ids, scope("after_prn"), scope("rass"), kept, decisions, now
            )
            fluid, last_intake = (
                self._fluids(session, ids, now, scope("fluids"), kept)
                if self._with_fluids
                else ({}, None)
            )
            food, food_charts, meals = (
                self._food(session, ids, now, scope("food"), kept)
                if self._with_fluids
                else ({}, {}, {})
            )
            weighed = _read_merged(
                partial(weights.last_weighed, session),
                kept.weighed if kept else None,
                ids,
                scope("weights"),
            )
            sleep = (
                self._sleep.flags(session, ids, now, admitted, changed=scope("sleep"))
                if self._with_sleep
                else {}
            )
        self._kept = _Read(
            now=now,
            ids=frozenset(ids),
            periods=periods,
            last_checks=last_checks,
            decisions=decisions,
            dose_rows=dose_rows,
            rt_checks=rt_checks,
            last_intake=last_intake,
            food_charts=food_charts,
            meals=meals,
            weighed=weighed,
        )
        by_admission: dict[int, list[EscalationInfo]] = {}
        for esc in escalations:  # already most severe, then oldest, first
            by_admission.setdefault(esc.admission_id, []).append(esc)
        rows = []
        overdue = 0
        for a in admissions:
            last_complete = complete.get(a.admission_id)
            last_any = latest.get(a.admission_id)
            effective = self._effective_news2(
                a.admission_id, last_complete, last_any, partials.get(a.admission_id, ()), now
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
        self._scored = {i: self._scored[i] for i in ids if i in self._scored}
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

    def _effective_news2(
        self,
        admission_id: int,
        last_complete: ObservationSet | None,
        last_any: ObservationSet | None,
        partials: Sequence[ObservationSet],
        now: datetime,
    ) -> EffectiveNews2:
        """``effective_news2`` of a patient's sets at ``now``, scored again only when they are
        not the very sets (kept between refreshes) it was scored from last time."""
        sets = (last_complete, last_any, *partials)
        found = self._scored.get(admission_id)
        if (
            found is not None
            and len(found[0]) == len(sets)
            and all(a is b for a, b in zip(found[0], sets, strict=True))
        ):
            return found[1].at(now)
        effective = effective_news2(_sets(last_complete, last_any, partials), now=now)
        self._scored[admission_id] = (sets, effective)
        return effective

    def _after_prn(
        self,
        session: Any,
        ids: Sequence[int],
        scope: set[int] | None,
        rass_scope: set[int] | None,
        kept: _Read | None,
        decisions: Mapping[int, Sequence[ClinicalDecision]],
        now: datetime,
    ) -> tuple[
        dict[int, tuple[tuple[PrnDose, ...], tuple[AssessmentEntry, ...]]],
        dict[int, list[Any]],
        dict[int, tuple[datetime, list[AssessmentEntry]]],
    ]:
        """``after_prn_inputs`` for the census, reading the doses and checks only of the
        patients in ``scope`` (None: all; ``rass_scope``: the latest RASS's) and taking the
        others' from ``kept``, cut to where a fresh read starts now; also returns the dose rows
        and RT checks read, kept for the next refresh."""
        db, policy = self._db, self._db.policy
        since = now - policy.history_window
        read = repository.prn_dose_rows_since(session, _fresh(ids, scope), since=since)
        rows: dict[int, list[Any]] = {}
        for admission_id, found in _merged(
            kept.dose_rows if kept else None, read, ids, scope
        ).items():
            if scope is not None and admission_id not in scope:
                # Read at an earlier refresh: the week's window has moved on since.
                found = [row for row in found if row.taken_at >= since]
            if found:
                rows[admission_id] = found
        doses = {
            admission_id: doses_read(found, db.formulary, policy, now)
            for admission_id, found in rows.items()
        }
        starts = _episode_starts(doses, decisions, now, policy)
        rass = self._rass.values(session, list(doses), changed=rass_scope)
        before = kept.rt_checks if kept is not None and scope is not None else {}
        again = {
            admission_id: start
            for admission_id, start in starts.items()
            if scope is None
            or admission_id in scope
            or admission_id not in before
            or start < before[admission_id][0]
        }
        checks_read = repository.after_prn_checks(session, again)
        rt_checks = {
            admission_id: (
                start,
                checks_read.get(admission_id, [])
                if admission_id in again
                else [c for c in before[admission_id][1] if c.taken_at >= start],
            )
            for admission_id, start in starts.items()
        }
        inputs = _after_prn_found(doses, rass, {i: c for i, (_s, c) in rt_checks.items()})
        return inputs, rows, rt_checks

    def _fluids(
        self,
        session: Any,
        ids: list[int],
        now: datetime,
        scope: set[int] | None,
        kept: _Read | None,
    ) -> tuple[dict[int, FluidSummary], _LastIntake]:
        """This period's fluid totals, plans and reviews: two grouped statements (four when a
        stay's fluid rows changed, see ``PeriodReader``); with ``scope``, only its patients'
        (the others' as ``kept``)."""
        policy = self._db.fluid_policy
        period = period_of(now, policy.day_start, self._db.ward_timezone)
        totals, plans = self._period.read(session, ids, period, changed=scope)
        quiet = [i for i in ids if i not in totals or not totals[i].intake_count]
        known = kept.last_intake if kept is not None and scope is not None else None
        if known is not None and known[0] != period.start:
            known = None
        ask = (
            quiet
            if known is None or scope is None
            else [i for i in quiet if i in scope or i not in known[2]]
        )
        read = (
            fluids.last_taken(session, ask, direction=Direction.INTAKE, before=period.start)
            if ask or known is None
            else {}
        )
        asked = set(ask)
        last = {
            i: at
            for i in quiet
            if (at := read.get(i) if i in asked or known is None else known[1].get(i)) is not None
        }
        return (
            summaries(ids, period, totals, last, plans, now, policy),
            (period.start, last, frozenset(quiet)),
        )

    def _food(
        self,
        session: Any,
        ids: list[int],
        now: datetime,
        scope: set[int] | None,
        kept: _Read | None,
    ) -> tuple[
        dict[int, FoodChartView],
        dict[int, FoodChart],
        dict[int, tuple[_ChartKey, list[MealEntry]]],
    ]:
        """``food_chart_views`` of the ward: each patient's food chart as of ``now`` (the version
        recorded by then) and the meals of the days of those shown, read again only for the
        patients in ``scope`` (None: all; a version recorded since the last refresh was
        written under a change naming its patient) or, for the meals, whose chart is not the
        one they were read for."""
        charts = _read_merged(
            lambda fresh: nutrition.food_charts(session, fresh, at=now),
            kept.food_charts if kept is not None else None,
            ids,
            scope,
        )
        shown = {
            admission_id: chart
            for admission_id, chart in charts.items()
            if chart.started_at <= now and now < chart.ends_at + SHOWN_AFTER_END
        }
        before = kept.meals if kept is not None and scope is not None else {}
        need = [
            admission_id
            for admission_id, chart in shown.items()
            if scope is None
            or admission_id in scope
            or before.get(admission_id, (None, []))[0] != _chart_key(chart)
        ]
        read = (
            nutrition.meals_between(
                session,
                need,
                min(shown[i].started_at for i in need),
                max(shown[i].ends_at for i in need),
            )
            if need
            else {}
        )
        meals = {
            admission_id: (
                _chart_key(chart),
                read.get(admission_id, []) if admission_id in need else before[admission_id][1],
            )
            for admission_id, chart in shown.items()
        }
        zone = self._db.shifts.zone
        views = {
            admission_id: FoodChartView(
                chart, tuple(chart_days(chart, meals[admission_id][1], now)), now, zone
            )
            for admission_id, chart in shown.items()
        }
        return views, charts, meals


_LastIntake = tuple[datetime, dict[int, datetime], frozenset[int]]
"""(The fluid period's start, when each quiet patient last took fluids before it, the quiet
patients asked)."""
_ChartKey = tuple[int, datetime, datetime]
"""A food chart version's id, start and end: the meals read for it are of those days."""


def _chart_key(chart: FoodChart) -> _ChartKey:
    return chart.id, chart.started_at, chart.ends_at


@dataclass(frozen=True, slots=True)
class _Read:
    """What a census read for its patients at ``now``, kept so that the next refresh reads
    again only the patients the change feed names (``CensusService.snapshot(scoped=True)``):
    each patient's entries change only with a change naming them."""

    now: datetime
    ids: frozenset[int]
    periods: dict[int, list[LevelPeriod]]
    last_checks: dict[int, CheckRecord]
    decisions: dict[int, list[ClinicalDecision]]
    dose_rows: dict[int, list[Any]]
    """The PRN dose rows of the history window as it was then."""
    rt_checks: dict[int, tuple[datetime, list[AssessmentEntry]]]
    """Rapid-tranquillisation episode start -> the checks from it."""
    last_intake: _LastIntake | None
    food_charts: dict[int, FoodChart]
    """Each patient's food chart version recorded by ``now``."""
    meals: dict[int, tuple[_ChartKey, list[MealEntry]]]
    weighed: dict[int, datetime]


READS_OF_TOPIC: Mapping[str, frozenset[str]] = {
    "observation": frozenset({"observations"}),
    "symptoms": frozenset({"symptoms"}),
    "assessment": frozenset({"rass", "after_prn"}),
    "prn": frozenset({"after_prn"}),
    "decision": frozenset({"decisions"}),
    "safety_check": frozenset({"checks", "sleep"}),
    "observation_level": frozenset({"levels", "sleep"}),
    "fluid": frozenset({"fluids"}),
    "fluid_plan": frozenset({"fluids"}),
    "weight": frozenset({"weights"}),
    "sleep": frozenset({"sleep"}),
    "meal": frozenset({"food"}),
    "food_chart": frozenset({"food"}),
    "escalation": frozenset(),
}
"""Change topic -> the census's reads of a patient's rows that a write under it can change
(every entry is written with its kind as the topic, ``RecordingService``; a safety check and
an observation level under their own). The admissions, beds and open escalations are read
for the whole ward on every refresh. A topic not here (an admission's, a new kind's) reads
the patient again whole."""
_EVERY_READ = frozenset(read for reads in READS_OF_TOPIC.values() for read in reads)


class _Scopes:
    """Per read of a scoped refresh, the patients to read again: those named by a change of a
    topic whose rows it reads, and ``new`` ones (not read before)."""

    def __init__(self, changed: Mapping[int, set[str]], new: set[int]) -> None:
        self._by_read: dict[str, set[int]] = {read: set(new) for read in _EVERY_READ}
        for admission_id, topics in changed.items():
            for topic in topics:
                for read in READS_OF_TOPIC.get(topic, _EVERY_READ):
                    self._by_read[read].add(admission_id)

    def of(self, read: str) -> set[int]:
        return self._by_read[read]


def _fresh(ids: Sequence[int], scope: set[int] | None) -> list[int]:
    """The patients of ``ids`` read this time."""
    return list(ids) if scope is None else [i for i in ids if i in scope]


Kept = TypeVar("Kept")


def _read_merged(
    read: Callable[[list[int]], Mapping[int, Kept]],
    kept: Mapping[int, Kept] | None,
    ids: Sequence[int],
    scope: set[int] | None,
) -> dict[int, Kept]:
    """``read`` of the patients in ``scope`` (None: all), ``_merged`` with what was ``kept``
    for the others; no statement when it names none."""
    fresh = _fresh(ids, scope)
    return _merged(kept, read(fresh) if fresh else {}, ids, scope)


def _merged(
    kept: Mapping[int, Kept] | None,
    read: Mapping[int, Kept],
    ids: Iterable[int],
    scope: Collection[int] | None,
) -> dict[int, Kept]:
    """Per patient, what was read this time for those in ``scope`` and what was ``kept`` for
    the others (``scope`` None: all read this time)."""
    if scope is None or kept is None:
        return dict(read)
    found: dict[int, Kept] = {}
    for admission_id in ids:
        source = read if admission_id in scope else kept
        if admission_id in source:
            found[admission_id] = source[admission_id]
    return found


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
    starts = _episode_starts(doses, decisions, now, policy)
    rass = (
        kept_rass(session, list(doses))
        if kept_rass is not None
        else repository.latest_rass(session, list(doses))
    )
    return _after_prn_found(doses, rass, repository.after_prn_checks(session, starts))


def _episode_starts(
    doses: Mapping[int, Sequence[PrnDose]],
    decisions: Mapping[int, Sequence[ClinicalDecision]],
    now: datetime,
    policy: EscalationPolicy,
) -> dict[int, datetime]:
    """Admission id -> the first dose of its running rapid-tranquillisation episode."""
    return {
        admission_id: episode[0].given_at
        for admission_id, given in doses.items()
        if (episode := rt_episode(given, decisions.get(admission_id, ()), now=now, policy=policy))
    }


def _after_prn_found(
    doses: Mapping[int, Sequence[PrnDose]],
    rass: Mapping[int, AssessmentEntry | None],
    checks: Mapping[int, Sequence[AssessmentEntry]],
) -> dict[int, tuple[tuple[PrnDose, ...], tuple[AssessmentEntry, ...]]]:
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
