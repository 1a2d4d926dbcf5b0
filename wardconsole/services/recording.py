"""Recording at the bedside: observation sets, symptom charts, assessments, PRN doses.

Each call is one short transaction that validates with the domain, writes the entry, the audit
row and the change-log row, evaluates the patient's escalation rules and writes any escalation
— all or nothing. Bad input raises ``InvalidInput`` naming the field and changes nothing.
Corrections never overwrite: ``amend_*`` and ``mark_entered_in_error`` append a new row.

``record_round`` saves what a nurse enters at the bedside in one go (vital signs, withdrawal
chart, RASS, 4AT, note) as one transaction, so a failure can never half-save a round. Saves from
the bedside dialogs carry a ``save_key``: retrying after a lost connection returns the first
try's result instead of recording the same round or PRN dose twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy.orm import Session

from wardconsole.domain.assessments import ASSESSMENT_KINDS, score_assessment
from wardconsole.domain.bowels import BowelInput
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import EntrySpec, Values
from wardconsole.domain.fluids import FluidInput, fluid_problems, plan_problems
from wardconsole.domain.food_chart import (
    FOOD_CHART_REASON,
    ChartVersion,
    after_screen,
    stop_version,
)
from wardconsole.domain.formulary import Formulary, same_class_doses
from wardconsole.domain.meals import MealInput, meal_values
from wardconsole.domain.news2 import News2LowerBound, News2Result, news2_lower_bound, score_vitals
from wardconsole.domain.records import (
    PRN_ROUTES,
    VITAL_FIELDS,
    MissingReason,
    PrnDose,
    RecordStatus,
    VitalSigns,
    route_key,
)
from wardconsole.domain.schedule import next_observation_due
from wardconsole.domain.simple_kinds import SIMPLE_KINDS, simple_spec
from wardconsole.domain.sleep import SleepInput, night_on, sleep_problems
from wardconsole.domain.text_input import MAX_NOTE, text_problem
from wardconsole.domain.validation import validate_vitals
from wardconsole.domain.weights import WeightInput, risk_of_flags, weight_problems
from wardconsole.domain.withdrawal import WithdrawalChart, WithdrawalScore
from wardconsole.services.context import (
    Actor,
    InvalidInput,
    NotFound,
    Permission,
    ServiceError,
    as_utc,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationChange, apply_rules
from wardconsole.services.save_once import check_save_key, save_exactly_once
from wardconsole.services.text_rule import checks_text, checks_text_as
from wardconsole.store import repository
from wardconsole.store.changes import record_change
from wardconsole.store.entries import (
    ENTRY_TABLES,
    EntryStamp,
    NotCurrent,
    new_entry,
    superseded_by,
)
from wardconsole.store.fluids import plans_in_force
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    ClinicalEntry,
    FluidEntryRow,
    FluidPlanRow,
    FoodChartRow,
    ObservationSetRow,
    PrnDoseRow,
    PrnEffectRow,
    SleepEntryRow,
    SymptomEntryRow,
    WeightEntryRow,
)
from wardconsole.store.nutrition import food_charts
from wardconsole.store.receipts import Receipt
from wardconsole.store.weights import weighings

FUTURE_TOLERANCE = timedelta(minutes=5)
"""A station clock may lag the server slightly; a time further ahead is a typing error."""

ENTRY_MODELS: Mapping[str, Any] = ENTRY_TABLES


@dataclass(frozen=True, slots=True)
class SameClassWarning:
    """Earlier doses of the class a new PRN dose would have, closer than the formulary's
    ``same_class_warning`` (local policy): warned about on entry; the nurse may still save."""

    class_label: str
    within: timedelta
    earlier: tuple[PrnDose, ...]
    """Oldest first."""


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save did, so the UI can confirm it and panels can refresh what changed."""

    entry_id: int
    admission_id: int
    news2: News2Result | None
    escalations: tuple[EscalationChange, ...]


@dataclass(frozen=True, slots=True)
class RoundEntry:
    """What a nurse typed for one bedside round; every part is optional, not all at once.

    ``vitals`` None means no vital-sign set this round. A set with blanks is partial and needs a
    ``missing_reasons`` entry (a ``MissingReason`` value) for every blank NEWS2 parameter.
    Without ``spo2_scale`` in ``vitals`` the patient's own scale is used.
    """

    vitals: Mapping[str, object] | None = None
    missing_reasons: Mapping[str, str] = field(default_factory=dict)
    confirmed: Collection[str] = ()
    """Vital fields whose extreme value staff re-measured and confirmed."""
    symptoms: Mapping[str, int] | None = None
    """Withdrawal chart ratings by item key (items not rated are left out)."""
    assessments: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Assessment kind (``rass``, ``4at``...) -> answers."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class RoundResult:
    """What a saved round wrote, for the dialog's confirmation and the panels to refresh."""

    admission_id: int
    taken_at: datetime
    saved_at: datetime
    observation_id: int | None
    symptom_entry_id: int | None
    assessment_ids: Mapping[str, int]
    news2: News2Result | None
    partial: bool
    """A vital-sign set was saved with values missing (so it has no NEWS2 total)."""
    symptom_total: int | None
    escalations: tuple[EscalationChange, ...]
    next_obs_due_at: datetime | None
    already_saved: bool = False
    """An earlier try with the same save key had committed; nothing new was written."""
    news2_bound: News2LowerBound | None = None
    """For a partial set: its known values scored as a lower bound ("at least N")."""


@dataclass(frozen=True, slots=True)
class _CheckedVitals:
    vitals: VitalSigns
    reasons: dict[str, str]
    confirmed: tuple[str, ...]
    glucose: Decimal | None = None
    glucose_flag: str | None = None


class RecordingService:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def chart(self) -> WithdrawalChart:
        """The withdrawal chart entries are rated on (an unvalidated local chart)."""
        return self._db.chart

    @property
    def formulary(self) -> Formulary:
        """The ward formulary a PRN dose's class follows from."""
        return self._db.formulary

    @checks_text
    def same_class_warning(
        self,
        admission_id: int,
        *,
        drug: str,
        drug_class: str | None = None,
        given_at: datetime | None = None,
    ) -> SameClassWarning | None:
        """Earlier current doses of the class ``drug`` has (or ``drug_class`` for a drug not in
        the formulary) within the warning minutes of ``given_at``; None when there are none."""
        formulary = self._db.formulary
        found = formulary.classify(drug, drug_class or "")
        if found.drug is None and found.key not in formulary.classes:
            return None  # no class yet: nothing to compare with
        at = as_utc("given_at", given_at) or self._db.clock()
        within = formulary.same_class_warning
        with self._db.read() as session:
            doses = repository.prn_doses_between(
                session, admission_id, at - within, at + within, formulary=formulary
            )
        earlier = same_class_doses(doses, drug_class=found.key, at=at, within=within)
        if not earlier:
            return None
        return SameClassWarning(found.label, within, earlier)

    # -- observation sets ------------------------------------------------------------------

    @checks_text
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
        taken_at = as_utc("taken_at", taken_at) or now
        checked = _check_vitals(values, missing_reasons, confirmed)
        with self._db.transaction() as session:
            admission = self._admission(session, admission_id, taken_at, now)
            row, result, detail = _observation_row(
                actor,
                admission,
                checked,
                taken_at=taken_at,
                now=now,
                note=note,
                source=source,
                source_ref=source_ref,
                amends_id=amends_id,
                amend_reason=amend_reason,
            )
            return self._finish(session, actor, row, "observation", now, detail, result)

    # -- withdrawal chart ------------------------------------------------------------------

    @checks_text
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
        taken_at = as_utc("taken_at", taken_at) or now
        chart = self._db.chart
        score = _check_symptoms(chart, item_scores)
        with self._db.transaction() as session:
            self._admission(session, admission_id, taken_at, now)
            row = _symptom_row(
                actor,
                admission_id,
                chart,
                score,
                taken_at=taken_at,
                now=now,
                note=note,
                amends_id=amends_id,
                amend_reason=amend_reason,
            )
            return self._finish(session, actor, row, "symptoms", now, {"total": score.total})

    # -- bedside assessments ---------------------------------------------------------------

    @checks_text
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
        taken_at = as_utc("taken_at", taken_at) or now
        answers = self._with_band_scheme(kind, answers)
        score = _check_assessment(kind, answers)
        with self._db.transaction() as session:
            self._admission(session, admission_id, taken_at, now)
            row = _assessment_row(
                actor,
                admission_id,
                kind,
                answers,
                score,
                taken_at=taken_at,
                now=now,
                note=note,
                amends_id=amends_id,
                amend_reason=amend_reason,
            )
            self._write_entry(
                session, actor, row, "assessment", now, {"kind": kind, "total": score.total}
            )
            if kind == "must":
                self._food_chart_after_screen(session, actor, row, score.flags)
            return self._finish_rules(session, actor, row, now)

    # -- a whole bedside round -------------------------------------------------------------

    @checks_text
    def record_round(
        self,
        actor: Actor,
        admission_id: int,
        entry: RoundEntry,
        *,
        save_key: str,
        taken_at: datetime | None = None,
    ) -> RoundResult:
        """Save a round (vitals, chart, assessments, note) all or nothing, then run the rules.

        Every problem in every part is reported at once (``InvalidInput`` keyed by vital field,
        ``symptoms`` or assessment kind). ``save_key`` is made by the caller before the first
        try and reused on every retry: when an earlier try committed, its result comes back
        with ``already_saved`` and nothing is written twice.
        """
        require(actor, Permission.RECORD)
        check_save_key(save_key)
        entry = replace(
            entry,
            assessments={k: self._with_band_scheme(k, a) for k, a in entry.assessments.items()},
        )
        checked, score, scored = self._check_round(entry)
        now = self._db.clock()
        taken_at = as_utc("taken_at", taken_at) or now
        return save_exactly_once(
            self._db,
            actor,
            save_key=save_key,
            kind="round",
            admission_id=admission_id,
            now=now,
            write=lambda session: self._write_round_rows(
                session,
                actor,
                admission_id,
                entry,
                checked,
                score,
                scored,
                taken_at=taken_at,
                now=now,
                note=entry.note.strip(),
                audit={"save_key": save_key},
            ),
            earlier=lambda session, receipt: self._saved_round(session, receipt),
        )

    def _with_band_scheme(self, kind: str, answers: Mapping[str, Any]) -> Mapping[str, Any]:
        """A CIWA-Ar is banded with the scheme governance chose (``[rules.alcohol_withdrawal]
        band_scheme``), recorded with its answers; other kinds are returned as they are."""
        rule = self._db.policy.rules.get("alcohol_withdrawal")
        if kind != "ciwa_ar" or rule is None or not isinstance(answers, Mapping):
            return answers
        return {**answers, "band_scheme": rule.params["band_scheme"]}

    @checks_text
    def check_round(self, entry: RoundEntry) -> None:
        """Validate a round without saving: a save queued while the database is down is
        checked first, so it can never be refused for bad input when it is replayed."""
        self._check_round(entry)

    def _check_round(
        self, entry: RoundEntry
    ) -> tuple[_CheckedVitals | None, WithdrawalScore | None, dict[str, Any]]:
        problems: dict[str, str] = {}
        checked = score = None
        if entry.vitals is not None:
            try:
                checked = _check_vitals(entry.vitals, entry.missing_reasons, entry.confirmed)
            except InvalidInput as exc:
                problems.update(exc.problems)
        elif entry.missing_reasons:
            problems["vitals"] = "vitals: missing reasons given without a vital-sign set"
        if entry.symptoms:
            try:
                score = _check_symptoms(self._db.chart, entry.symptoms)
            except InvalidInput as exc:
                problems.update(exc.problems)
        scored: dict[str, Any] = {}
        for kind, answers in entry.assessments.items():
            if kind not in ASSESSMENT_KINDS:
                problems[kind] = f"{kind}: unknown assessment"
                continue
            try:
                scored[kind] = _check_assessment(kind, answers)
            except InvalidInput as exc:
                problems.update(exc.problems)
        if problem := text_problem("note", entry.note, max_length=MAX_NOTE, multiline=True):
            problems["note"] = problem
        if problems:
            raise InvalidInput(problems)
        if checked is None and score is None and not scored:
            raise InvalidInput(
                {
                    "round": "round: nothing to save; enter at least one value, "
                    "or give reasons why the observations were not taken"
                }
            )
        return checked, score, scored

    def _write_round_rows(
        self,
        session: Session,
        actor: Actor,
        admission_id: int,
        entry: RoundEntry,
        checked: _CheckedVitals | None,
        score: WithdrawalScore | None,
        scored: Mapping[str, Any],
        *,
        taken_at: datetime,
        now: datetime,
        note: str,
        audit: dict[str, Any],
    ) -> tuple[RoundResult, dict[str, Any]]:
        admission = self._admission(session, admission_id, taken_at, now)
        written: dict[str, Any] = {"assessments": {}}
        news2 = None
        if checked is not None:
            if "spo2_scale" not in (entry.vitals or {}):
                checked = replace(
                    checked, vitals=replace(checked.vitals, spo2_scale=admission.spo2_scale)
                )
            row, news2, detail = _observation_row(
                actor, admission, checked, taken_at=taken_at, now=now, note=note
            )
            self._write_entry(session, actor, row, "observation", now, {**detail, **audit})
            written["observation"] = row.id
            note = ""
        if score is not None:
            chart = self._db.chart
            symptoms = _symptom_row(
                actor, admission_id, chart, score, taken_at=taken_at, now=now, note=note
            )
            self._write_entry(
                session, actor, symptoms, "symptoms", now, {"total": score.total, **audit}
            )
            written["symptoms"] = symptoms.id
            note = ""
        for kind, assessment in scored.items():
            assessment_row = _assessment_row(
                actor,
                admission_id,
                kind,
                entry.assessments[kind],
                assessment,
                taken_at=taken_at,
                now=now,
                note=note,
            )
            self._write_entry(
                session,
                actor,
                assessment_row,
                "assessment",
                now,
                {"kind": kind, "total": assessment.total, **audit},
            )
            written["assessments"][kind] = assessment_row.id
            if kind == "must":
                self._food_chart_after_screen(session, actor, assessment_row, assessment.flags)
            note = ""
        changes = apply_rules(
            session, self._db, admission_id, now=now, station=actor.station, staff_id=actor.staff_id
        )
        result = RoundResult(
            admission_id=admission_id,
            taken_at=taken_at,
            saved_at=now,
            observation_id=written.get("observation"),
            symptom_entry_id=written.get("symptoms"),
            assessment_ids=MappingProxyType(dict(written["assessments"])),
            news2=news2,
            partial=checked is not None and news2 is None,
            symptom_total=score.total if score is not None else None,
            escalations=tuple(changes),
            next_obs_due_at=self._next_due(session, admission) if checked else None,
            news2_bound=(
                news2_lower_bound(checked.vitals) if checked is not None and news2 is None else None
            ),
        )
        return result, written

    def _saved_round(self, session: Session, receipt: Receipt) -> RoundResult:
        """The result of an earlier, committed try of a round save, from its receipt."""
        admission_id = receipt.admission_id
        written = receipt.entries
        observation = symptoms = None
        if written.get("observation") is not None:
            observation = session.get(ObservationSetRow, written["observation"])
        if written.get("symptoms") is not None:
            symptoms = session.get(SymptomEntryRow, written["symptoms"])
        assessment_ids = {k: int(v) for k, v in (written.get("assessments") or {}).items()}
        taken_at = None
        entry_rows: tuple[tuple[int | None, type[ClinicalEntry]], ...] = (
            (written.get("observation"), ObservationSetRow),
            (written.get("symptoms"), SymptomEntryRow),
            *((i, AssessmentRow) for i in assessment_ids.values()),
        )
        for row_id, model in entry_rows:
            if row_id is not None and taken_at is None:
                taken_at = session.get_one(model, row_id).taken_at
        news2 = None
        if observation is not None:
            news2 = score_vitals(repository.to_observation(observation).vitals)
        admission = session.get_one(Admission, admission_id)
        return RoundResult(
            admission_id=admission_id,
            taken_at=taken_at or receipt.recorded_at,
            saved_at=receipt.recorded_at,
            observation_id=observation.id if observation is not None else None,
            symptom_entry_id=symptoms.id if symptoms is not None else None,
            assessment_ids=MappingProxyType(assessment_ids),
            news2=news2,
            partial=observation is not None and news2 is None,
            symptom_total=symptoms.total if symptoms is not None else None,
            escalations=(),
            next_obs_due_at=(
                self._next_due(session, admission) if observation is not None else None
            ),
            already_saved=True,
            news2_bound=(
                news2_lower_bound(repository.to_observation(observation).vitals)
                if observation is not None and news2 is None
                else None
            ),
        )

    def _next_due(self, session: Session, admission: Admission) -> datetime:
        ids = [admission.id]
        complete = repository.latest_observations(session, ids, complete_only=True).get(
            admission.id
        )
        partials = repository.partial_sets_after(
            session,
            {admission.id: complete.taken_at if complete is not None else None},
            since=self._db.clock() - self._db.policy.history_window,
        ).get(admission.id, [])
        return next_observation_due(
            latest_complete=complete,
            latest_any=repository.latest_observations(session, ids, complete_only=False).get(
                admission.id
            ),
            partials=partials,
            admitted_at=admission.admitted_at,
            policy=self._db.policy,
        )

    # -- PRN medication --------------------------------------------------------------------

    @checks_text
    def record_prn(
        self,
        actor: Actor,
        admission_id: int,
        *,
        drug: str,
        dose: str,
        route: str,
        reason: str,
        drug_class: str | None = None,
        class_reason: str = "",
        same_class_confirmed: bool = False,
        given_at: datetime | None = None,
        save_key: str | None = None,
    ) -> SaveResult:
        """Record a PRN dose; with ``save_key`` a retried save never records the dose twice.

        The class follows from the drug (the formulary); a drug not in the formulary needs a
        formulary class and the reason it was chosen. ``same_class_confirmed`` records that the
        nurse saw the same-class warning (``same_class_warning``) and saved anyway."""
        require(actor, Permission.RECORD)
        now = self._db.clock()
        given_at = as_utc("given_at", given_at) or now
        klass, why = check_prn(
            self._db.formulary,
            drug=drug,
            drug_class=drug_class,
            class_reason=class_reason,
            dose=dose,
            route=route,
            reason=reason,
        )

        def write(session: Session) -> tuple[SaveResult, dict[str, Any]]:
            self._admission(session, admission_id, given_at, now)
            row = new_entry(
                PrnDoseRow,
                _stamp(actor, admission_id, given_at, now),
                drug=drug.strip(),
                drug_class=klass,
                dose=dose.strip(),
                route=route_key(route) or route.strip(),
                reason=reason.strip(),
                class_reason=why,
            )
            detail: dict[str, Any] = {"drug": row.drug, "class": klass}
            if why:
                detail["class_reason"] = why
            if same_class_confirmed:
                detail["same_class_confirmed"] = True
            result = self._finish(session, actor, row, "prn", now, detail)
            return result, {"prn": result.entry_id}

        return self._save_once(actor, "prn", admission_id, save_key, now, write)

    @checks_text
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
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action="record_prn_effect",
                entity="prn",
                entity_id=dose_id,
            )
            record_change(session, "prn", dose.admission_id, actor.station)

    # -- weight and height -------------------------------------------------------------------

    @checks_text
    def check_weight(self, entry: WeightInput, previous_kg: Decimal | None = None) -> None:
        """Refuse a bad weighing, naming each field (policy limits; also before queueing)."""
        if problems := weight_problems(entry, self._db.weight_policy, previous_kg):
            raise InvalidInput(problems)

    @checks_text
    def record_weight(
        self,
        actor: Actor,
        admission_id: int,
        entry: WeightInput,
        *,
        taken_at: datetime | None = None,
        save_key: str | None = None,
        amends_id: int | None = None,
        amend_reason: str | None = None,
    ) -> SaveResult:
        """Record a weight and/or height (at intake also the weight 3–6 months before
        admission); with ``save_key`` a retried save never records it twice. A change from the
        stay's latest weight beyond the policy's needs the re-measure tick."""
        require(actor, Permission.RECORD)
        check_save_key(save_key)
        self.check_weight(entry)
        now = self._db.clock()
        taken_at = as_utc("taken_at", taken_at) or now

        def write(session: Session) -> tuple[SaveResult, dict[str, Any]]:
            self._admission(session, admission_id, taken_at, now)
            earlier = [
                e
                for e in weighings(session, [admission_id])[admission_id]
                if e.id != amends_id and e.weight_kg is not None and e.taken_at <= taken_at
            ]
            if earlier:
                self.check_weight(entry, earlier[-1].weight_kg)
            stamp = _stamp(actor, admission_id, taken_at, now, entry.note, amends_id, amend_reason)
            row = new_entry(
                WeightEntryRow,
                stamp,
                weight_kg=entry.weight_kg.strip() or None,
                height_m=entry.height_m.strip() or None,
                before_kg=entry.before_kg.strip() or None,
                before_source=entry.before_source if entry.before_kg.strip() else "",
                before_planned=entry.before_planned if entry.before_kg.strip() else False,
            )
            detail: dict[str, Any] = {
                key: value
                for key, value in (
                    ("weight_kg", row.weight_kg),
                    ("height_m", row.height_m),
                    ("before_kg", row.before_kg),
                )
                if value
            }
            if entry.confirmed:
                detail["confirmed_extreme"] = True
            result = self._finish(session, actor, row, "weight", now, detail)
            return result, {"weight": result.entry_id}

        return self._save_once(actor, "weight", admission_id, save_key, now, write)

    @checks_text
    def amend_weight(
        self, actor: Actor, entry_id: int, entry: WeightInput, *, reason: str
    ) -> SaveResult:
        """Correct a weighing: the new row is the current one; the original stays in history,
        marked superseded."""
        admission_id, taken_at = self._to_amend(WeightEntryRow, "weighing", entry_id, reason)
        return self.record_weight(
            actor,
            admission_id,
            entry,
            taken_at=taken_at,
            amends_id=entry_id,
            amend_reason=reason.strip(),
        )

    # -- food and fluid chart ----------------------------------------------------------------

    @checks_text
    def check_fluid(self, entry: FluidInput) -> None:
        """Refuse a bad fluid entry, naming each field (also used before queueing)."""
        if problems := fluid_problems(entry, self._db.fluid_policy):
            raise InvalidInput(problems)

    @checks_text
    def record_fluid(
        self,
        actor: Actor,
        admission_id: int,
        entry: FluidInput,
        *,
        taken_at: datetime | None = None,
        save_key: str | None = None,
        amends_id: int | None = None,
        amend_reason: str | None = None,
    ) -> SaveResult:
        """Record a drink (or prescribed fluid) in, or an output; with ``save_key`` a retried
        save never records it twice. Rules run in the same transaction."""
        self.check_fluid(entry)
        now = self._db.clock()
        taken_at = as_utc("taken_at", taken_at) or now

        def write(session: Session) -> tuple[SaveResult, dict[str, Any]]:
            self._admission(session, admission_id, taken_at, now)
            stamp = _stamp(actor, admission_id, taken_at, now, entry.note, amends_id, amend_reason)
            row = new_entry(
                FluidEntryRow,
                stamp,
                direction=entry.direction.value,
                what=entry.what,
                volume_ml=entry.volume_ml,
                description=entry.description.strip(),
            )
            detail: dict[str, Any] = {
                "direction": entry.direction.value,
                "what": entry.what,
                "volume_ml": entry.volume_ml,
            }
            if entry.confirmed:
                detail["confirmed_extreme"] = True
            result = self._finish(session, actor, row, "fluid", now, detail)
            return result, {"fluid": result.entry_id}

        return self._save_once(actor, "fluid", admission_id, save_key, now, write)

    @checks_text
    def amend_fluid(
        self, actor: Actor, entry_id: int, entry: FluidInput, *, reason: str
    ) -> SaveResult:
        """Correct a fluid entry: the new row counts in the totals; the original stays in
        history, marked superseded."""
        admission_id, taken_at = self._to_amend(FluidEntryRow, "fluid entry", entry_id, reason)
        return self.record_fluid(
            actor,
            admission_id,
            entry,
            taken_at=taken_at,
            amends_id=entry_id,
            amend_reason=reason.strip(),
        )

    # -- sleep ---------------------------------------------------------------------------------

    @checks_text
    def check_sleep(self, entry: SleepInput) -> None:
        """Refuse a bad sleep entry, naming each field (also used before queueing)."""
        night = night_on(self._db.shifts, entry.night_of, self._db.sleep_policy)
        if problems := sleep_problems(entry, night, self._db.clock()):
            raise InvalidInput(problems)

    @checks_text
    def record_sleep(
        self,
        actor: Actor,
        admission_id: int,
        entry: SleepInput,
        *,
        taken_at: datetime | None = None,
        save_key: str | None = None,
        amends_id: int | None = None,
        amend_reason: str | None = None,
    ) -> SaveResult:
        """Record the nurse's sleep entry for a night; with ``save_key`` a retried save never
        records it twice."""
        require(actor, Permission.RECORD)
        check_save_key(save_key)
        self.check_sleep(entry)
        now = self._db.clock()
        taken_at = as_utc("taken_at", taken_at) or now

        def write(session: Session) -> tuple[SaveResult, dict[str, Any]]:
            self._admission(session, admission_id, taken_at, now)
            stamp = _stamp(actor, admission_id, taken_at, now, entry.note, amends_id, amend_reason)
            row = new_entry(
                SleepEntryRow,
                stamp,
                night_of=entry.night_of,
                minutes_slept=entry.minutes_slept,
                quality=entry.quality.value,
                woke_at=as_utc("woke_at", entry.woke_at),
            )
            detail: dict[str, Any] = {
                "night_of": entry.night_of.isoformat(),
                "minutes_slept": entry.minutes_slept,
                "quality": entry.quality.value,
            }
            result = self._finish(session, actor, row, "sleep", now, detail)
            return result, {"sleep": result.entry_id}

        return self._save_once(actor, "sleep", admission_id, save_key, now, write)

    @checks_text
    def amend_sleep(
        self, actor: Actor, entry_id: int, entry: SleepInput, *, reason: str
    ) -> SaveResult:
        """Correct a sleep entry: the new row is the night's; the original stays in history,
        marked superseded."""
        admission_id, taken_at = self._to_amend(SleepEntryRow, "sleep entry", entry_id, reason)
        return self.record_sleep(
            actor,
            admission_id,
            entry,
            taken_at=taken_at,
            amends_id=entry_id,
            amend_reason=reason.strip(),
        )

    @checks_text
    def set_fluid_plan(
        self,
        actor: Actor,
        admission_id: int,
        *,
        reason: str,
        target_ml: int,
        review_at: datetime,
        reason_text: str = "",
        change_reason: str = "",
    ) -> SaveResult:
        """Put a patient on a fluid chart, or change their chart (a new row amends the one in
        force, with ``change_reason``)."""
        require(actor, Permission.RECORD)
        now = self._db.clock()
        review_at = as_utc("review_at", review_at) or now
        problems = plan_problems(
            reason=reason,
            reason_text=reason_text,
            target_ml=target_ml,
            review_in=review_at - now,
            policy=self._db.fluid_policy,
        )
        if problems:
            raise InvalidInput(problems)
        return self._write_plan(
            actor,
            admission_id,
            now,
            change_reason,
            reason=reason,
            reason_text=reason_text.strip(),
            target_ml=target_ml,
            review_at=review_at,
            active=True,
        )

    @checks_text
    def stop_fluid_plan(self, actor: Actor, admission_id: int, *, reason: str) -> SaveResult:
        """Take a patient off their fluid chart (a row that amends the plan, with why)."""
        require(actor, Permission.RECORD)
        now = self._db.clock()
        with self._db.read() as session:
            plan = plans_in_force(session, [admission_id]).get(admission_id)
        if plan is None or not plan.active:
            raise ServiceError("this patient is not on a fluid chart")
        return self._write_plan(
            actor,
            admission_id,
            now,
            reason,
            reason=plan.reason,
            reason_text=plan.reason_text,
            target_ml=plan.target_ml,
            review_at=plan.review_at,
            active=False,
        )

    def _write_plan(
        self, actor: Actor, admission_id: int, now: datetime, change_reason: str, **values: Any
    ) -> SaveResult:
        with self._db.transaction() as session:
            self._admission(session, admission_id, now, now)
            plan = plans_in_force(session, [admission_id]).get(admission_id)
            if plan is not None and not change_reason.strip():
                raise InvalidInput(
                    {"change_reason": "change_reason: say why the fluid chart is being changed"}
                )
            detail = {"reason": values["reason"], "target_ml": values["target_ml"]}
            if not values["active"]:
                detail["stopped"] = True
            row = self._plan_version(
                session,
                actor,
                FluidPlanRow,
                now,
                _stamp(
                    actor,
                    admission_id,
                    now,
                    now,
                    amends_id=plan.id if plan is not None else None,
                    amend_reason=change_reason.strip() if plan is not None else None,
                ),
                values,
                detail,
            )
            return self._finish_rules(session, actor, row, now)

    def _plan_version(
        self,
        session: Session,
        actor: Actor,
        model: Any,
        now: datetime,
        stamp: EntryStamp,
        values: Mapping[str, Any],
        detail: dict[str, Any],
    ) -> Any:
        """Write one version of a per-patient plan (a fluid chart plan, a food chart): a new
        row, amending the one in force when ``stamp`` says so, with its audit and change-log
        rows. The caller runs the rules."""
        row = new_entry(model, stamp, **values)
        kind = next(kind for kind, table in ENTRY_TABLES.items() if table is model)
        self._write_entry(session, actor, row, kind, now, detail)
        return row

    # -- the food chart a MUST screen starts ---------------------------------------------------

    def _food_chart_after_screen(
        self, session: Session, actor: Actor, screen: AssessmentRow, flags: Collection[str]
    ) -> None:
        """A MUST screen at medium risk starts the patient's food chart in the screen's own
        transaction, or extends the one running (``domain.food_chart.after_screen``)."""
        now = screen.recorded_at
        chart = food_charts(session, [screen.admission_id]).get(screen.admission_id)
        version = after_screen(
            chart, risk_of_flags(flags), screen.taken_at, now, self._db.weight_policy.food_chart
        )
        if version is not None:
            self._write_food_chart(session, actor, screen.admission_id, now, version, screen.id)

    @checks_text
    def stop_food_chart(self, actor: Actor, admission_id: int, *, reason: str) -> SaveResult:
        """Stop a running food chart before its end, with why (a row that amends the chart;
        the days recorded so far stay as they are)."""
        require(actor, Permission.RECORD)
        if not reason.strip():
            raise InvalidInput({"reason": "reason: say why the food chart is being stopped"})
        now = self._db.clock()
        with self._db.transaction() as session:
            self._admission(session, admission_id, now, now)
            chart = food_charts(session, [admission_id]).get(admission_id)
            version = stop_version(chart, now, reason)
            if version is None:
                raise ServiceError("this patient is not on a food chart")
            row = self._write_food_chart(session, actor, admission_id, now, version, None)
            return self._finish_rules(session, actor, row, now)

    def _write_food_chart(
        self,
        session: Session,
        actor: Actor,
        admission_id: int,
        now: datetime,
        version: ChartVersion,
        screen_id: int | None,
    ) -> FoodChartRow:
        if version.amends_id is not None and screen_id is None:
            screen_id = session.get_one(FoodChartRow, version.amends_id).screen_id
        detail: dict[str, Any] = {
            "reason": FOOD_CHART_REASON,
            "screen_id": screen_id,
            "ends_at": version.ends_at.isoformat(),
        }
        if not version.active:
            detail["stopped"] = True
        stamp = _stamp(
            actor,
            admission_id,
            version.started_at,
            now,
            amends_id=version.amends_id,
            amend_reason=version.change_reason or None,
        )
        values = {
            "reason": FOOD_CHART_REASON,
            "screen_id": screen_id,
            "ends_at": version.ends_at,
            "active": version.active,
        }
        row: FoodChartRow = self._plan_version(
            session, actor, FoodChartRow, now, stamp, values, detail
        )
        return row

    def _finish_rules(self, session: Session, actor: Actor, row: Any, now: datetime) -> SaveResult:
        changes = apply_rules(
            session,
            self._db,
            row.admission_id,
            now=now,
            station=actor.station,
            staff_id=actor.staff_id,
        )
        return SaveResult(row.id, row.admission_id, None, tuple(changes))

    # -- simple kinds: meals, supplements, bowels… (``domain/simple_kinds.py``) -----------------

    @checks_text_as(values="entry_values")
    def check_entry(self, kind: str, values: Values, note: str = "") -> EntrySpec:
        """Refuse a bad entry of a simple ``kind``, naming each field (also used before
        queueing); the kind's spec when it is fine."""
        spec = simple_spec(kind)
        if spec is None:
            raise InvalidInput({"entry_type": f"entry_type: one of {', '.join(SIMPLE_KINDS)}"})
        if problems := spec.problems(values, note):
            raise InvalidInput(problems)
        return spec

    @checks_text_as(values="entry_values")
    def record_entry(
        self,
        actor: Actor,
        admission_id: int,
        kind: str,
        values: Values,
        *,
        note: str = "",
        taken_at: datetime | None = None,
        save_key: str | None = None,
        amends_id: int | None = None,
        amend_reason: str | None = None,
    ) -> SaveResult:
        """One entry of a simple ``kind`` (its values by column); with ``save_key`` a retried
        save never records it twice. Audit, change feed and rules in the same transaction."""
        spec = self.check_entry(kind, values, note)
        clean = spec.values(values)
        return self._record_simple(
            actor,
            admission_id,
            ENTRY_TABLES[spec.kind],
            spec.kind.value,
            clean,
            spec.detail(clean),
            note=note,
            taken_at=taken_at,
            save_key=save_key,
            amends=(amends_id, amend_reason),
        )

    @checks_text_as(values="entry_values")
    def amend_entry(
        self, actor: Actor, kind: str, entry_id: int, values: Values, *, reason: str, note: str = ""
    ) -> SaveResult:
        """Correct an entry of a simple ``kind``; the original stays in history, superseded."""
        spec = self.check_entry(kind, values, note)
        what = spec.kind.words.title.lower()
        admission_id, taken_at = self._to_amend(ENTRY_TABLES[spec.kind], what, entry_id, reason)
        return self.record_entry(
            actor,
            admission_id,
            spec.kind,
            values,
            note=note,
            taken_at=taken_at,
            amends_id=entry_id,
            amend_reason=reason.strip(),
        )

    @checks_text
    def check_meal(self, entry: MealInput) -> None:
        """Refuse a bad meal entry, naming each field (also used before queueing)."""
        self.check_entry(EntryKind.MEAL, meal_values(entry), entry.note)

    @checks_text
    def record_meal(
        self,
        actor: Actor,
        admission_id: int,
        entry: MealInput,
        *,
        taken_at: datetime | None = None,
        save_key: str | None = None,
    ) -> SaveResult:
        """A meal or snack (what was offered, the portion eaten) and any supplement given or
        declined."""
        values, note = meal_values(entry), entry.note
        return self.record_entry(
            actor,
            admission_id,
            EntryKind.MEAL,
            values,
            note=note,
            taken_at=taken_at,
            save_key=save_key,
        )

    @checks_text
    def amend_meal(
        self, actor: Actor, entry_id: int, entry: MealInput, *, reason: str
    ) -> SaveResult:
        """Correct a meal entry; the original stays in history, marked superseded."""
        values = meal_values(entry)
        return self.amend_entry(
            actor, EntryKind.MEAL, entry_id, values, reason=reason, note=entry.note
        )

    @checks_text
    def check_bowel(self, entry: BowelInput) -> None:
        """Refuse a bad bowel entry, naming the field (also used before queueing)."""
        self.check_entry(EntryKind.BOWEL, {"bristol_type": entry.bristol_type}, entry.note)

    @checks_text
    def record_bowel(
        self,
        actor: Actor,
        admission_id: int,
        entry: BowelInput,
        *,
        taken_at: datetime | None = None,
        save_key: str | None = None,
    ) -> SaveResult:
        """A bowel movement with its Bristol stool type (None: type not seen)."""
        values, note = {"bristol_type": entry.bristol_type}, entry.note
        return self.record_entry(
            actor,
            admission_id,
            EntryKind.BOWEL,
            values,
            note=note,
            taken_at=taken_at,
            save_key=save_key,
        )

    @checks_text
    def amend_bowel(
        self, actor: Actor, entry_id: int, entry: BowelInput, *, reason: str
    ) -> SaveResult:
        """Correct a bowel entry; the original stays in history, marked superseded."""
        values = {"bristol_type": entry.bristol_type}
        return self.amend_entry(
            actor, EntryKind.BOWEL, entry_id, values, reason=reason, note=entry.note
        )

    def _record_simple(
        self,
        actor: Actor,
        admission_id: int,
        model: Any,
        kind: str,
        values: Mapping[str, Any],
        detail: dict[str, Any],
        *,
        note: str,
        taken_at: datetime | None,
        save_key: str | None,
        amends: tuple[int | None, str | None],
    ) -> SaveResult:
        """Write one entry of ``kind`` (one row of ``model`` with ``values``), exactly once
        under ``save_key``; audit, change feed and rules in the same transaction."""
        require(actor, Permission.RECORD)
        check_save_key(save_key)
        now = self._db.clock()
        at = as_utc("taken_at", taken_at) or now
        amends_id, amend_reason = amends

        def write(session: Session) -> tuple[SaveResult, dict[str, Any]]:
            self._admission(session, admission_id, at, now)
            reason = amend_reason.strip() if amend_reason else None
            stamp = _stamp(actor, admission_id, at, now, note, amends_id, reason)
            row = new_entry(model, stamp, **values)
            result = self._finish(session, actor, row, kind, now, detail)
            return result, {kind: result.entry_id}

        return self._save_once(actor, kind, admission_id, save_key, now, write)

    # -- corrections -----------------------------------------------------------------------

    @checks_text
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
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action="entered_in_error",
                entity=entry_type,
                entity_id=original.id,
                detail={"reason": reason, "new_id": row.id},
            )
            record_change(session, entry_type, original.admission_id, actor.station)
            apply_rules(
                session,
                self._db,
                original.admission_id,
                now=now,
                station=actor.station,
                staff_id=actor.staff_id,
            )

    @checks_text
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
            actor,
            admission_id,
            values,
            taken_at=taken_at,
            missing_reasons=missing_reasons,
            confirmed=confirmed,
            amends_id=entry_id,
            amend_reason=reason.strip(),
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

    def _save_once(
        self,
        actor: Actor,
        kind: str,
        admission_id: int,
        save_key: str | None,
        now: datetime,
        write: Callable[[Session], tuple[SaveResult, dict[str, Any]]],
    ) -> SaveResult:
        """``write`` exactly once for ``save_key``; a retry returns the entry saved first."""
        return save_exactly_once(
            self._db,
            actor,
            save_key=save_key,
            kind=kind,
            admission_id=admission_id,
            now=now,
            write=write,
            earlier=lambda _session, receipt: SaveResult(
                int(receipt.entries[kind]), admission_id, None, ()
            ),
        )

    def _to_amend(self, model: Any, words: str, entry_id: int, reason: str) -> tuple[int, datetime]:
        """The admission and taken time of the current entry ``entry_id`` a correction
        replaces (with a reason), refused when it is not the current version."""
        if not reason.strip():
            raise InvalidInput({"reason": "reason: say why the entry is being corrected"})
        with self._db.read() as session:
            original = session.get(model, entry_id)
            if original is None:
                raise NotFound(f"{words} {entry_id} does not exist")
            self._require_current(session, model, original)
            return original.admission_id, original.taken_at

    @staticmethod
    def _require_current(session: Session, model: Any, original: Any) -> None:
        why = superseded_by(session, original)
        if why is NotCurrent.ENTERED_IN_ERROR:
            raise ServiceError("this entry is already marked entered in error")
        if why is NotCurrent.AMENDED:
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
        self._write_entry(session, actor, row, entry_type, now, detail)
        return replace(self._finish_rules(session, actor, row, now), news2=news2)

    @staticmethod
    def _write_entry(
        session: Session,
        actor: Actor,
        row: Any,
        entry_type: str,
        now: datetime,
        detail: dict[str, Any],
    ) -> None:
        """Add one clinical row with its audit and change-log rows (rules run separately)."""
        session.add(row)
        session.flush()
        action = f"amend_{entry_type}" if row.amends_id else f"record_{entry_type}"
        if row.amends_id:
            detail = {**detail, "amends": row.amends_id, "reason": row.amend_reason}
        repository.write_audit(
            session,
            at=now,
            staff_id=actor.staff_id,
            station=actor.station,
            action=action,
            entity=entry_type,
            entity_id=row.id,
            detail=detail,
        )
        record_change(session, entry_type, row.admission_id, actor.station)


# -- checking and building rows (shared by the single saves and the round) -------------------


def check_prn(
    formulary: Formulary,
    *,
    drug: str,
    drug_class: str | None,
    class_reason: str = "",
    dose: str,
    route: str,
    reason: str,
) -> tuple[str, str | None]:
    """Refuse an incomplete PRN dose, naming each missing field (also used before queueing);
    returns the class key to store and the reason it was chosen (None: the formulary's)."""
    problems = {}
    for name, value, longest in (
        ("drug", drug, 120),
        ("dose", dose, 64),
        ("route", route, 32),
        ("reason", reason, MAX_NOTE),
    ):
        problem = text_problem(
            name, value, max_length=longest, required=True, multiline=name == "reason"
        )
        if problem:
            problems[name] = problem
    if "route" not in problems and route_key(route) is None:
        # The route decides the monitoring (oral: a RASS after it; IM/IV: rapid tranquillisation).
        problems["route"] = f"route: one of {', '.join(PRN_ROUTES.values())}"
    klass, why = _prn_class(formulary, drug, drug_class, class_reason, problems)
    if problems:
        raise InvalidInput(problems)
    return klass, why


def _prn_class(
    formulary: Formulary,
    drug: str,
    drug_class: str | None,
    class_reason: str,
    problems: dict[str, str],
) -> tuple[str, str | None]:
    """The class follows from the drug; a drug not in the formulary needs one of its classes
    and a reason (written into ``problems`` when missing)."""
    if not isinstance(drug, str) or not drug.strip():
        return "", None
    listed = formulary.find(drug)
    if listed is not None:
        key = listed.drug_class.key
        if (
            drug_class
            and drug_class.strip()
            and formulary.drug_class(drug_class) is not (listed.drug_class)
        ):
            problems["drug_class"] = (
                f"drug_class: {listed.name} is in the formulary as {listed.drug_class.label}; "
                "the class follows from the drug"
            )
        return key, None
    chosen = formulary.drug_class(drug_class or "")
    if chosen is None:
        labels = ", ".join(c.label for c in formulary.classes.values())
        problems["drug_class"] = (
            f"drug_class: {drug.strip()} is not in the formulary; choose its class ({labels})"
        )
    why = class_reason.strip() if isinstance(class_reason, str) else ""
    problem = text_problem("class_reason", class_reason, max_length=MAX_NOTE, required=True)
    if problem:
        problems["class_reason"] = (
            "class_reason: say why this class, for a drug not in the formulary"
            if problem.endswith("required")
            else problem
        )
    return (chosen.key if chosen is not None else ""), why


def _check_vitals(
    values: Mapping[str, object],
    missing_reasons: Mapping[str, str] | None,
    confirmed: Collection[str],
) -> _CheckedVitals:
    """Validate a set; a partial set needs a known reason for every missing NEWS2 value."""
    report = validate_vitals(values, confirmed=confirmed)
    problems = {p.field: p.message for p in report.errors}
    problems.update({p.field: p.message for p in report.needs_confirmation})
    if problems:
        raise InvalidInput(problems)
    assert report.vitals is not None
    vitals = report.vitals
    reasons = dict(missing_reasons or {})
    for name in vitals.missing_fields():
        reason = reasons.get(name)
        if reason is None:
            problems[name] = f"{name}: not recorded — enter a value or give a reason"
        elif reason not in set(MissingReason):
            allowed = ", ".join(r.value for r in MissingReason)
            problems[name] = f"{name}: unknown reason {reason!r}; use one of {allowed}"
    for name in reasons:
        if name not in VITAL_FIELDS or getattr(vitals, name) is not None:
            problems[name] = f"{name}: has a value, so it needs no missing reason"
    if problems:
        raise InvalidInput(problems)
    glucose = report.values.get("glucose")
    flag = report.values.get("glucose_flag")
    return _CheckedVitals(
        vitals,
        reasons,
        report.confirmed,
        glucose=glucose if isinstance(glucose, Decimal) else None,
        glucose_flag=flag if isinstance(flag, str) else None,
    )


def _observation_row(
    actor: Actor,
    admission: Admission,
    checked: _CheckedVitals,
    *,
    taken_at: datetime,
    now: datetime,
    note: str,
    source: str = "manual",
    source_ref: str | None = None,
    amends_id: int | None = None,
    amend_reason: str | None = None,
) -> tuple[ObservationSetRow, News2Result | None, dict[str, Any]]:
    vitals = checked.vitals
    if vitals.spo2 is not None and vitals.spo2_scale != admission.spo2_scale:
        raise InvalidInput(
            {
                "spo2_scale": f"spo2_scale: this patient is on SpO2 scale "
                f"{admission.spo2_scale}; scale 2 is set per patient by a prescriber"
            }
        )
    result = score_vitals(vitals)
    stamp = _stamp(actor, admission.id, taken_at, now, note, amends_id, amend_reason)
    row = new_entry(
        ObservationSetRow,
        stamp,
        respiration_rate=vitals.respiration_rate,
        spo2=vitals.spo2,
        spo2_scale=vitals.spo2_scale,
        on_oxygen=vitals.on_oxygen,
        systolic_bp=vitals.systolic_bp,
        diastolic_bp=vitals.diastolic_bp,
        pulse=vitals.pulse,
        consciousness=vitals.consciousness,
        temperature=vitals.temperature,
        missing_reasons=checked.reasons,
        is_complete=result is not None,
        news2_total=result.total if result else None,
        news2_risk=result.risk if result else None,
        news2_subscores=dict(result.parameter_scores) if result else None,
        glucose_mmol=None if checked.glucose is None else float(checked.glucose),
        glucose_flag=checked.glucose_flag,
        source=source,
        source_ref=source_ref,
    )
    detail: dict[str, Any] = {"complete": result is not None}
    if checked.glucose is not None or checked.glucose_flag is not None:
        detail["glucose"] = checked.glucose_flag or str(checked.glucose)
    if checked.confirmed:
        detail["confirmed_extreme"] = list(checked.confirmed)
    return row, result, detail


def _check_symptoms(chart: WithdrawalChart, item_scores: Mapping[str, int]) -> WithdrawalScore:
    try:
        return chart.score(item_scores)
    except ValueError as exc:
        raise InvalidInput({"symptoms": str(exc)}) from None


def _symptom_row(
    actor: Actor,
    admission_id: int,
    chart: WithdrawalChart,
    score: WithdrawalScore,
    *,
    taken_at: datetime,
    now: datetime,
    note: str,
    amends_id: int | None = None,
    amend_reason: str | None = None,
) -> SymptomEntryRow:
    return new_entry(
        SymptomEntryRow,
        _stamp(actor, admission_id, taken_at, now, note, amends_id, amend_reason),
        chart_version=chart.version,
        item_scores=dict(score.item_scores),
        total=score.total,
    )


def _check_assessment(kind: str, answers: Mapping[str, Any]) -> Any:
    try:
        return score_assessment(kind, answers)
    except ValueError as exc:
        raise InvalidInput({kind: str(exc)}) from None


def _assessment_row(
    actor: Actor,
    admission_id: int,
    kind: str,
    answers: Mapping[str, Any],
    score: Any,
    *,
    taken_at: datetime,
    now: datetime,
    note: str,
    amends_id: int | None = None,
    amend_reason: str | None = None,
) -> AssessmentRow:
    return new_entry(
        AssessmentRow,
        _stamp(actor, admission_id, taken_at, now, note, amends_id, amend_reason),
        kind=kind,
        answers=_jsonable(answers),
        total=score.total,
        label=score.label,
    )


def _stamp(
    actor: Actor,
    admission_id: int,
    taken_at: datetime,
    now: datetime,
    note: str = "",
    amends_id: int | None = None,
    amend_reason: str | None = None,
) -> EntryStamp:
    """The shared columns of an entry ``actor`` writes now at their station."""
    return EntryStamp(
        admission_id=admission_id,
        taken_at=taken_at,
        recorded_at=now,
        recorded_by_id=actor.staff_id,
        station=actor.station,
        note=note,
        amends_id=amends_id,
        amend_reason=amend_reason,
    )


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
