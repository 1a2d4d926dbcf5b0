"""A synthetic but clinically sensible demo ward, deterministic for a seed.

Withdrawal symptoms rise over the first two to three days and settle (REFERENCE.md §5.2:
onset within 24–48 h, acute phase about 4–5 days); vital signs are taken as often as each
patient's NEWS2 asks (§1.4); a few patients have panic, confusion or hallucination episodes,
and one or two deteriorate physiologically. Scores come from the domain, never hard-coded.
All names are invented.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from wardconsole.domain.assessments import score_assessment
from wardconsole.domain.news2 import news2
from wardconsole.domain.records import CompleteVitals, EscalationKind, Severity
from wardconsole.services.admissions import AdmissionService
from wardconsole.services.auth import mark_demo_ward
from wardconsole.services.co_use_demo import add_recent_drinker
from wardconsole.services.context import Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import apply_rules
from wardconsole.services.fluid_demo import add_fluid_charts
from wardconsole.services.follow_up_demo import add_follow_ups
from wardconsole.services.medicines_demo import add_medicines
from wardconsole.services.nutrition_demo import add_meals_and_bowels, add_urine_dipsticks
from wardconsole.services.observation_demo import add_observation_levels
from wardconsole.services.session_demo import add_sessions
from wardconsole.services.sign_in import DEMO_PASSWORD, DEMO_WARD_KEY
from wardconsole.services.sleep_demo import add_sleep
from wardconsole.services.staff import StaffService
from wardconsole.services.weight_demo import add_weighings
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    Bed,
    EscalationEventRow,
    EscalationRow,
    ObservationSetRow,
    Patient,
    PrnDoseRow,
    PrnEffectRow,
    SchemaInfo,
    SymptomEntryRow,
)

Progress = Callable[[int, int, str], None]

GIVEN = [
    "Aled",
    "Bronwen",
    "Callum",
    "Dara",
    "Efa",
    "Fionn",
    "Greer",
    "Hamza",
    "Isla",
    "Jasper",
    "Kiran",
    "Leona",
    "Marek",
    "Nia",
    "Orla",
    "Priya",
    "Quentin",
    "Rhys",
    "Saoirse",
    "Tomasz",
    "Uma",
    "Vikram",
    "Wren",
    "Xander",
    "Yasmin",
    "Zofia",
    "Ellis",
    "Noor",
    "Rowan",
    "Tegan",
]
FAMILY = [
    "Abernethy",
    "Brightwater",
    "Castellan",
    "Dunmore",
    "Elphick",
    "Fairbairn",
    "Gorringe",
    "Hollins",
    "Ingleby",
    "Jessop",
    "Kilbride",
    "Lomax",
    "Marchetti",
    "Nettleford",
    "Oyelaran",
    "Penhaligon",
    "Quarrie",
    "Rushworth",
    "Strachan",
    "Tremayne",
    "Ulverston",
    "Vellacott",
    "Whitlow",
    "Yardley",
    "Zeller",
    "Ashdown",
    "Blackmore",
    "Corrigan",
    "Delacroix",
    "Emsley",
]
NURSES = [
    ("rn.okafor", "Adaeze Okafor"),
    ("rn.lindqvist", "Sven Lindqvist"),
    ("rn.pereira", "Marta Pereira"),
    ("rn.mccall", "Jamie McCall"),
]
SUPERVISOR = ("sn.harrow", "Gwen Harrow")
REASONS = [
    "Ketamine dependence: daily insufflation, planned detox",
    "Ketamine dependence with bladder symptoms; referred by urology",
    "Ketamine and alcohol use; detox after outpatient relapse",
    "Ketamine dependence; co-occurring anxiety disorder",
    "Ketamine dependence; depression, previous self-harm",
]
RISK_FLAGS = ["Suicide risk", "Psychosis history", "Falls", "PTSD", "Bladder: haematuria"]


class Course(StrEnum):
    STABLE = "stable"
    PANIC = "panic"
    CONFUSION = "confusion"
    HALLUCINATION = "hallucination"
    DETERIORATING = "deteriorating"


@dataclass
class DemoOptions:
    beds: int = 20
    days: int = 10
    seed: int = 7
    occupancy: float = 0.85
    obs_every: timedelta | None = None
    """Force a fixed vital-sign interval (benchmarks); None follows each patient's NEWS2."""
    symptoms_every: timedelta = timedelta(hours=4)
    fixed_admission_days: float | None = None
    """Admit every patient exactly this long ago (benchmarks); None spreads 0..days."""
    evaluate_rules: bool = True
    ward_name: str = "Ketamine Detox Unit (demo)"


@dataclass
class _Plan:
    course: Course
    admitted_at: datetime
    baseline: dict[str, float]
    episode_at: datetime | None
    item_weights: dict[str, float] = field(default_factory=dict)


def withdrawal_intensity(hours: float) -> float:
    """0..1: rises over the first ~36 h after admission, then settles over days (§5.2)."""
    if hours <= 0:
        return 0.0
    peak = 36.0
    return (hours / peak) * math.exp(1 - hours / peak)


class DemoWard:
    """Builds the demo ward. Bulk inserts keep a 60-patient, 30-day ward under a minute."""

    def __init__(self, db: Database, options: DemoOptions, progress: Progress | None = None):
        self.db = db
        self.opt = options
        self.rng = random.Random(options.seed)
        self.progress = progress or (lambda _i, _n, _msg: None)
        self.now = db.clock()

    def build(self) -> list[int]:
        with self.db.read() as session:
            if session.scalar(select(Admission.id).limit(1)) is not None:
                raise RuntimeError("the database already holds admissions; use an empty one")
        staff = StaffService(self.db)
        system = staff.system_actor("demo")
        # Demo accounts share the documented demo password, and only ever in a database marked
        # as a demo ward (the sign-in screen says so there, and nowhere else).
        with self.db.transaction() as session:
            mark_demo_ward(session)
        nurse_ids = [staff.add(code, name, Role.NURSE, DEMO_PASSWORD) for code, name in NURSES]
        staff.add(SUPERVISOR[0], SUPERVISOR[1], Role.SUPERVISOR, DEMO_PASSWORD)
        labels = [f"B{n:02d}" for n in range(1, self.opt.beds + 1)]
        AdmissionService(self.db).ensure_beds(labels, self.opt.ward_name)
        occupied = sorted(self.rng.sample(labels, round(self.opt.beds * self.opt.occupancy)))
        courses = self._courses(len(occupied))
        admission_ids = []
        for index, (bed, course) in enumerate(zip(occupied, courses, strict=True)):
            self.progress(index, len(occupied), f"patient in bed {bed}")
            admission_ids.append(self._patient(index, bed, course, system.staff_id, nurse_ids))
        add_observation_levels(
            self.db,
            {a: c.value for a, c in zip(admission_ids, courses, strict=True)},
            nurse_ids,
            now=self.now,
            seed=self.opt.seed,
        )
        add_sessions(
            self.db,
            admission_ids,
            [(i, name) for i, (_code, name) in zip(nurse_ids, NURSES, strict=True)],
            now=self.now,
            seed=self.opt.seed,
        )
        add_follow_ups(self.db, nurse_ids, now=self.now)
        course_of = {a: c.value for a, c in zip(admission_ids, courses, strict=True)}
        drinker = add_recent_drinker(self.db, course_of, nurse_ids, now=self.now)
        with self.db.read() as session:
            admitted = dict(
                session.execute(
                    select(Admission.id, Admission.admitted_at).where(
                        Admission.id.in_(admission_ids)
                    )
                ).all()
            )
        add_fluid_charts(self.db, admitted, nurse_ids, now=self.now, seed=self.opt.seed)
        add_weighings(self.db, admitted, nurse_ids, now=self.now, seed=self.opt.seed)
        add_sleep(self.db, admitted, nurse_ids, now=self.now, seed=self.opt.seed)
        add_meals_and_bowels(self.db, admitted, nurse_ids, now=self.now, seed=self.opt.seed)
        add_urine_dipsticks(self.db, admitted, nurse_ids, now=self.now, seed=self.opt.seed)
        add_medicines(self.db, admitted, course_of, nurse_ids, drinker_id=drinker, now=self.now)
        if self.opt.evaluate_rules:
            for admission_id in admission_ids:
                with self.db.transaction() as session:
                    apply_rules(
                        session, self.db, admission_id, now=self.now, station="demo", staff_id=None
                    )
        self.progress(len(occupied), len(occupied), "done")
        return admission_ids

    def _courses(self, count: int) -> list[Course]:
        special = [
            Course.PANIC,
            Course.PANIC,
            Course.HALLUCINATION,
            Course.CONFUSION,
            Course.DETERIORATING,
            Course.DETERIORATING,
        ]
        courses = special[: max(0, min(len(special), count - 2))]
        courses += [Course.STABLE] * (count - len(courses))
        self.rng.shuffle(courses)
        return courses

    # -- one patient ------------------------------------------------------------------------

    def _patient(
        self, index: int, bed: str, course: Course, system_id: int, nurse_ids: list[int]
    ) -> int:
        rng = self.rng
        if self.opt.fixed_admission_days is not None:
            stay = timedelta(days=self.opt.fixed_admission_days)
        else:
            stay = timedelta(hours=rng.uniform(3, self.opt.days * 24))
        if course in (Course.DETERIORATING, Course.HALLUCINATION, Course.CONFUSION):
            stay = max(stay, timedelta(hours=30))
        admitted_at = self.now - stay
        born = date(self.now.year - rng.randint(19, 52), rng.randint(1, 12), rng.randint(1, 28))
        with self.db.transaction() as session:
            patient = Patient(
                hospital_number=f"KD{100000 + self.opt.seed * 1000 + index:06d}",
                given_name=GIVEN[(index * 7 + self.opt.seed) % len(GIVEN)],
                family_name=FAMILY[(index * 11 + self.opt.seed * 3) % len(FAMILY)],
                date_of_birth=born,
                sex=rng.choice(["female", "male"]),
                created_at=admitted_at,
            )
            session.add(patient)
            session.flush()
            bed_id = session.scalar(select(Bed.id).where(Bed.label == bed))
            flags = rng.sample(RISK_FLAGS, rng.choice([0, 0, 1, 1, 2]))
            if course is Course.HALLUCINATION and "Psychosis history" not in flags:
                flags.append("Psychosis history")
            admission = Admission(
                patient_id=patient.id,
                bed_id=bed_id,
                admitted_at=admitted_at,
                reason=rng.choice(REASONS),
                care_setting="inpatient",
                assigned_nurse_id=rng.choice(nurse_ids),
                risk_flags=flags,
                intake={"demo": True},
                spo2_scale=1,
                recorded_at=admitted_at,
                recorded_by_id=system_id,
                station="demo",
            )
            session.add(admission)
            session.flush()
            admission_id = admission.id
        plan = self._plan(course, admitted_at)
        self._write_history(admission_id, plan, system_id, nurse_ids)
        return admission_id

    def _plan(self, course: Course, admitted_at: datetime) -> _Plan:
        rng = self.rng
        baseline = {
            "pulse": rng.gauss(76, 7),
            "rr": rng.gauss(15, 1.5),
            "sbp": rng.gauss(122, 9),
            "dbp": rng.gauss(76, 6),
            "spo2": rng.uniform(96, 99),
            "temp": rng.gauss(36.8, 0.2),
        }
        episode_at = None
        if course is not Course.STABLE:
            hours_in = (self.now - admitted_at).total_seconds() / 3600
            # The episode happens late enough in the stay to be on the current shift for some.
            episode_at = admitted_at + timedelta(hours=max(2.0, hours_in - rng.uniform(1, 10)))
        weights = {}
        for item in self.db.chart.items:
            base = 0.5
            if item.key in ("craving", "anxiety", "low_mood", "sleep_disturbance", "fatigue"):
                base = 0.85
            if item.group in ("hallucination", "confusion"):
                base = 0.05
            weights[item.key] = base * rng.uniform(0.6, 1.2)
        return _Plan(course, admitted_at, baseline, episode_at, weights)

    def _episode_weight(self, plan: _Plan, at: datetime) -> float:
        """1 at the episode, fading over ~6 h either side."""
        if plan.episode_at is None:
            return 0.0
        hours = abs((at - plan.episode_at).total_seconds()) / 3600
        return max(0.0, 1 - hours / 6)

    def _vitals(self, plan: _Plan, at: datetime) -> dict[str, Any]:
        rng = self.rng
        hours = (at - plan.admitted_at).total_seconds() / 3600
        w = withdrawal_intensity(hours)
        b = plan.baseline
        drift = 0.0
        if plan.course is Course.DETERIORATING and plan.episode_at is not None:
            onset = plan.episode_at - timedelta(hours=18)
            drift = min(1.0, max(0.0, (at - onset).total_seconds() / 3600 / 20))
        episode = self._episode_weight(plan, at)
        pulse = b["pulse"] + 14 * w + 32 * drift + 25 * episode * (plan.course is Course.PANIC)
        consciousness = "A"
        if plan.course is Course.CONFUSION and episode > 0.3:
            consciousness = "C"
        panic = episode * (plan.course is Course.PANIC)
        return {
            "respiration_rate": round(b["rr"] + 2 * w + 7 * drift + 6 * panic + rng.gauss(0, 1)),
            "spo2": min(100, round(b["spo2"] - 3.5 * drift + rng.gauss(0, 0.6))),
            "spo2_scale": 1,
            "on_oxygen": False,
            "systolic_bp": round(b["sbp"] + 6 * w - 17 * drift + rng.gauss(0, 5)),
            "diastolic_bp": round(b["dbp"] + 4 * w - 8 * drift + rng.gauss(0, 4)),
            "pulse": round(pulse + rng.gauss(0, 4)),
            "consciousness": consciousness,
            "temperature": round(b["temp"] + 0.3 * w + 1.7 * drift + rng.gauss(0, 0.15), 1),
        }

    def _symptoms(self, plan: _Plan, at: datetime) -> dict[str, int]:
        rng = self.rng
        hours = (at - plan.admitted_at).total_seconds() / 3600
        w = withdrawal_intensity(hours)
        episode = self._episode_weight(plan, at)
        scores = {}
        for item in self.db.chart.items:
            level = plan.item_weights[item.key] * w
            if item.group == "panic" and plan.course is Course.PANIC:
                level = max(level, episode)
            if item.group == "hallucination" and plan.course is Course.HALLUCINATION:
                level = max(level, 0.85 * episode if "auditory" in item.key else 0.5 * episode)
            if item.group == "confusion" and plan.course is Course.CONFUSION:
                level = max(level, episode)
            value = round(level * item.max_score + rng.gauss(0, 0.4))
            scores[item.key] = min(item.max_score, max(0, value))
        return scores

    def _recorded(self, at: datetime, *, minutes: int) -> datetime:
        """When an entry taken at ``at`` was typed in: a few minutes later, but never after
        the moment the demo ward is built (a ward as it stands now has no future entries)."""
        return min(at + timedelta(minutes=minutes), self.now)

    def _write_history(
        self, admission_id: int, plan: _Plan, system_id: int, nurse_ids: list[int]
    ) -> None:
        rng = self.rng
        symptoms: list[dict[str, Any]] = []
        assessments: list[dict[str, Any]] = []
        prn: list[dict[str, Any]] = []

        def stamp(at: datetime) -> dict[str, Any]:
            return {
                "admission_id": admission_id,
                "taken_at": at,
                "recorded_at": self._recorded(at, minutes=rng.randint(1, 6)),
                "recorded_by_id": rng.choice(nurse_ids),
                "station": rng.choice(["Station A", "Station B"]),
                "status": "final",
                "note": "",
            }

        observations = self._observation_rows(plan, stamp)

        at = plan.admitted_at + timedelta(minutes=40)
        while at <= self.now:
            scores = self._symptoms(plan, at)
            row = stamp(at)
            row.update(
                chart_version=self.db.chart.version, item_scores=scores, total=sum(scores.values())
            )
            symptoms.append(row)
            at += self.opt.symptoms_every + timedelta(minutes=rng.randint(-15, 15))

        for at, kind, answers in self._assessment_plan(plan):
            score = score_assessment(kind, answers)
            row = stamp(at)
            row.update(kind=kind, answers=answers, total=score.total, label=score.label)
            assessments.append(row)

        for index, (at, drug, klass, dose, route, reason) in enumerate(self._prn_plan(plan)):
            row = stamp(at)
            row.update(drug=drug, drug_class=klass, dose=dose, route=route, reason=reason)
            prn.append(row)
            # The ward checks sedation after every oral sedative or anxiolytic dose (the
            # post-PRN RASS rule); a demo ward where nobody did would be one long alarm.
            checked = at + timedelta(minutes=30 + (index * 7) % 20)
            if checked <= self.now:
                answers = {"score": 0}
                rass = stamp(checked)
                score = score_assessment("rass", answers)
                rass.update(kind="rass", answers=answers, total=score.total, label=score.label)
                assessments.append(rass)

        with self.db.transaction() as session:
            for model, rows in (
                (ObservationSetRow, observations),
                (SymptomEntryRow, symptoms),
                (AssessmentRow, assessments),
                (PrnDoseRow, prn),
            ):
                for start in range(0, len(rows), 5000):
                    session.execute(insert(model), rows[start : start + 5000])
            self._prn_effects(session, admission_id, nurse_ids)
            self._historic_escalations(session, admission_id, plan, nurse_ids)

    def _observation_rows(
        self, plan: _Plan, stamp: Callable[[datetime], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The stay's vital-sign sets as rows, with an occasional partial set at night."""
        rng = self.rng
        observations: list[dict[str, Any]] = []
        # Vital-sign sets at the frequency NEWS2 asks for (capped at 6-hourly during detox).
        at = plan.admitted_at + timedelta(minutes=20)
        skip_last = rng.random() < 0.15  # some patients have an overdue set
        while at <= self.now:
            values = self._vitals(plan, at)
            result = news2(
                CompleteVitals(**{k: v for k, v in values.items() if k != "diastolic_bp"})
            )
            row = stamp(at)
            row.update(values)
            row.update(
                is_complete=True,
                news2_total=result.total,
                news2_risk=result.risk,
                news2_subscores=dict(result.parameter_scores),
                missing_reasons={},
                source="monitor" if self.opt.obs_every else "manual",
            )
            observations.append(row)
            if self.opt.obs_every is not None:
                step = self.opt.obs_every
            else:
                step = min(result.min_obs_interval, timedelta(hours=6))
                step = max(step, timedelta(minutes=30)) + timedelta(minutes=rng.randint(-10, 15))
            at += step
            if skip_last and at > self.now - timedelta(hours=3) and self.opt.obs_every is None:
                break
        # An occasional partial set at night: asleep, not woken for the full set.
        if self.opt.obs_every is None and rng.random() < 0.3 and len(observations) > 3:
            partial = dict(observations[-2])
            partial["taken_at"] = partial["taken_at"] + timedelta(minutes=90)
            partial["recorded_at"] = self._recorded(partial["taken_at"], minutes=3)
            if partial["taken_at"] < self.now:
                for name in ("systolic_bp", "diastolic_bp", "temperature"):
                    partial[name] = None
                partial.update(
                    is_complete=False,
                    news2_total=None,
                    news2_risk=None,
                    news2_subscores=None,
                    missing_reasons={"systolic_bp": "asleep", "temperature": "asleep"},
                )
                observations.append(partial)
        return observations

    def _prn_effects(self, session: Session, admission_id: int, nurse_ids: list[int]) -> None:
        """An effect recorded an hour after each PRN dose that is that old."""
        rng = self.rng
        dose_ids = session.scalars(
            select(PrnDoseRow.id).where(PrnDoseRow.admission_id == admission_id)
        ).all()
        for dose_id in dose_ids:
            given = session.get_one(PrnDoseRow, dose_id).taken_at
            if given + timedelta(hours=1) < self.now:
                session.add(
                    PrnEffectRow(
                        dose_id=dose_id,
                        assessed_at=given + timedelta(hours=1),
                        effect=rng.choice(
                            [
                                "Settled, slept",
                                "Calmer, still anxious",
                                "Little effect",
                                "Settled",
                            ]
                        ),
                        recorded_at=self._recorded(given + timedelta(hours=1), minutes=5),
                        recorded_by_id=rng.choice(nurse_ids),
                        station="Station A",
                    )
                )

    def _assessment_plan(self, plan: _Plan) -> list[tuple[datetime, str, dict[str, Any]]]:
        rng = self.rng
        out: list[tuple[datetime, str, dict[str, Any]]] = []
        start = plan.admitted_at + timedelta(minutes=50)
        out.append(
            (
                start,
                "4at",
                {
                    "alertness": "normal",
                    "amt4_mistakes": 0,
                    "attention": "seven_or_more",
                    "acute_change": False,
                },
            )
        )
        out.append((start, "phq9", {f"q{i}": rng.randint(0, 2) for i in range(1, 9)} | {"q9": 0}))
        out.append((start, "gad7", {f"q{i}": rng.randint(0, 3) for i in range(1, 8)}))
        out.append((start, "cssrs", {"q1": False, "q2": False, "q6": False}))
        at = start + timedelta(hours=6)
        while at < self.now:
            hours = (at - plan.admitted_at).total_seconds() / 3600
            w = withdrawal_intensity(hours)
            out.append((at, "rass", {"score": 1 if w > 0.7 and rng.random() < 0.4 else 0}))
            out.append((at, "craving", {"score": min(10, max(0, round(8 * w + rng.gauss(0, 1))))}))
            at += timedelta(hours=12, minutes=rng.randint(-30, 30))
        if plan.episode_at is not None and plan.episode_at < self.now:
            at = plan.episode_at + timedelta(minutes=10)
            if plan.course is Course.PANIC:
                symptoms = [
                    "palpitations",
                    "sweating",
                    "trembling",
                    "shortness_of_breath",
                    "chest_pain",
                    "fear_of_dying",
                    "derealisation",
                ]
                out.append(
                    (
                        at,
                        "panic",
                        {
                            "symptoms": rng.sample(symptoms, rng.randint(4, 7)),
                            "distress": rng.randint(7, 10),
                        },
                    )
                )
            elif plan.course is Course.HALLUCINATION:
                out.append(
                    (at, "hallucination", {"score": rng.choice([5, 6]), "modalities": ["auditory"]})
                )
            elif plan.course is Course.CONFUSION:
                out.append(
                    (
                        at,
                        "4at",
                        {
                            "alertness": "abnormal",
                            "amt4_mistakes": 2,
                            "attention": "fewer_than_seven",
                            "acute_change": True,
                        },
                    )
                )
        return [(t, k, a) for t, k, a in out if t <= self.now]

    def _prn_plan(self, plan: _Plan) -> list[tuple[datetime, str, str, str, str, str]]:
        rng = self.rng
        out = []
        nights = int((self.now - plan.admitted_at).total_seconds() // 86400)
        for night in range(nights):
            if rng.random() < 0.5:
                at = plan.admitted_at + timedelta(days=night, hours=rng.uniform(14, 20))
                out.append((at, "Zopiclone", "z_drug", "7.5 mg", "oral", "Insomnia"))
        if plan.course in (Course.PANIC, Course.HALLUCINATION) and plan.episode_at:
            at = plan.episode_at + timedelta(minutes=25)
            if at < self.now:
                out.append(
                    (
                        at,
                        "Lorazepam",
                        "benzodiazepine",
                        "1 mg",
                        "oral",
                        "Acute anxiety during episode",
                    )
                )
        return out

    def _historic_escalations(
        self, session: Any, admission_id: int, plan: _Plan, nurse_ids: list[int]
    ) -> None:
        """Resolved escalations from earlier in the stay, with their full trail."""
        rng = self.rng
        if plan.course is Course.STABLE or rng.random() < 0.4:
            return
        raised = plan.admitted_at + timedelta(hours=rng.uniform(4, 20))
        if raised > self.now - timedelta(hours=14):
            return
        nurse = rng.choice(nurse_ids)
        kind = EscalationKind.PANIC if plan.course is Course.PANIC else EscalationKind.AGITATION
        acknowledged = raised + timedelta(minutes=rng.randint(2, 9))
        resolved = acknowledged + timedelta(minutes=rng.randint(20, 70))
        row = EscalationRow(
            admission_id=admission_id,
            kind=kind.value,
            severity=int(Severity.URGENT),
            state="resolved",
            rule_id=f"demo.{kind.value}",
            explanation="Earlier episode: anxiety 6/7, restless",
            prompts=[],
            raised_at=raised,
            updated_at=resolved,
            acknowledged_at=acknowledged,
            acknowledged_by_id=nurse,
            resolved_at=resolved,
            resolved_by_id=nurse,
            outcome="Settled with reassurance and PRN",
            last_announced_at=raised,
            cascade_level=0,
        )
        session.add(row)
        session.flush()
        for at, action, detail in (
            (raised, "raised", "Urgent: anxiety 6/7, restless"),
            (acknowledged, "acknowledged", ""),
            (acknowledged + timedelta(minutes=5), "action", "1:1 time, breathing exercises"),
            (resolved, "resolved", "Settled with reassurance and PRN"),
        ):
            session.add(
                EscalationEventRow(
                    escalation_id=row.id,
                    at=at,
                    staff_id=None if action == "raised" else nurse,
                    station="Station A",
                    action=action,
                    detail=detail,
                )
            )


def sign_in_text() -> str:
    """What ``wardconsole demo`` and ``--demo`` print: how to sign in to a demo ward."""
    nurses = ", ".join(code for code, _name in NURSES)
    return (
        f"Sign in as a demo nurse ({nurses}) or the demo supervisor ({SUPERVISOR[0]}); "
        f"demo password: {DEMO_PASSWORD}  (demo wards only)"
    )


def is_demo_ward(db: Database) -> bool:
    """Whether the database was built by ``wardconsole demo`` (only then may ``--demo``
    replace its file)."""
    with db.read() as session:
        return session.get(SchemaInfo, DEMO_WARD_KEY) is not None


def build_demo_ward(
    db: Database, options: DemoOptions | None = None, progress: Progress | None = None
) -> list[int]:
    return DemoWard(db, options or DemoOptions(), progress).build()
