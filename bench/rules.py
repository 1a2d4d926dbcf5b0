"""Benchmark the clinical core: NEWS2 scoring throughput and a census-sized rules evaluation.

Builds, in memory and with the domain only (no database, no Qt), a 60-bed ward with 30 days of
vital-sign sets every 15 minutes, withdrawal-chart ratings every 4 hours and a realistic mix of
bedside assessments and PRN doses, then measures:

* ``obs_sets_per_s``: ``score_vitals`` over every set of the month (median of several passes);
* ``census_eval_ms``: ``evaluate()`` for all 60 patients, each given a PatientClinicalState
  holding the policy's history window of data (median over repeated runs). The census target
  is well under one 16 ms frame.

Run: ``python bench/rules.py``. The last line printed is one JSON object.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from wardconsole.domain.assessments import score_assessment
from wardconsole.domain.formulary import load_formulary
from wardconsole.domain.news2 import score_vitals
from wardconsole.domain.policy import load_policy
from wardconsole.domain.records import (
    AssessmentEntry,
    ObservationSet,
    PatientClinicalState,
    PrnDose,
    SymptomEntry,
    VitalSigns,
)
from wardconsole.domain.rules import evaluate
from wardconsole.domain.withdrawal import WithdrawalChart, load_chart

PATIENTS = 60
DAYS = 30
OBS_EVERY = timedelta(minutes=15)
SYMPTOMS_EVERY = timedelta(hours=4)
NOW = datetime(2027, 3, 31, 8, 0, tzinfo=UTC)
START = NOW - timedelta(days=DAYS)
SCORING_PASSES = 3
CENSUS_RUNS = 60
FORMULARY = load_formulary()


def _vitals(rng: random.Random, unwell: float) -> VitalSigns:
    """A plausible set; ``unwell`` 0..1 shifts values towards scoring bands; ~3 % partial."""

    def jitter(mid: float, spread: float) -> float:
        return rng.gauss(mid, spread)

    pulse = round(jitter(78 + 40 * unwell, 10))
    values: dict[str, Any] = {
        "respiration_rate": max(6, round(jitter(16 + 8 * unwell, 2))),
        "spo2": min(100, round(jitter(97 - 4 * unwell, 1.2))),
        "on_oxygen": rng.random() < 0.02 + 0.2 * unwell,
        "systolic_bp": round(jitter(124 - 20 * unwell, 12)),
        "diastolic_bp": round(jitter(76, 8)),
        "pulse": max(35, pulse),
        "consciousness": "C" if rng.random() < 0.01 + 0.1 * unwell else "A",
        "temperature": round(jitter(36.9 + 1.2 * unwell, 0.3), 1),
    }
    if values["diastolic_bp"] >= values["systolic_bp"]:
        values["diastolic_bp"] = values["systolic_bp"] - 30
    if rng.random() < 0.03:  # asleep / refused: a partial set
        for key in rng.sample(["pulse", "systolic_bp", "temperature", "spo2"], 2):
            values[key] = None
    return VitalSigns(**values)


def _assessment_answers(rng: random.Random, kind: str, unwell: float) -> dict[str, Any]:
    if kind == "rass":
        return {"score": rng.choice([0, 0, 0, 0, 1, -1, 2 if unwell > 0.5 else 0, -2])}
    if kind == "craving":
        return {"score": min(10, max(0, round(rng.gauss(4 + 3 * unwell, 2))))}
    if kind == "hallucination":
        score = rng.choice([1, 1, 1, 2, 3, 4, 5 if unwell > 0.5 else 1])
        return {"score": score, "modalities": [] if score == 1 else ["auditory"]}
    if kind == "cssrs":
        return {"q1": rng.random() < 0.1, "q2": False, "q6": False}
    if kind == "panic":
        count = rng.choice([0, 1, 2, 3, 4, 5])
        symptoms = ["palpitations", "sweating", "trembling", "nausea", "dizziness"]
        return {"symptoms": symptoms[:count]}
    raise AssertionError(kind)


def build_ward(chart: WithdrawalChart) -> list[dict[str, Any]]:
    """Every patient's full month of records, oldest first."""
    rng = random.Random(20270331)
    ids = iter(range(1, 10**9))
    keys = [item.key for item in chart.items]
    ward: list[dict[str, Any]] = []
    for admission_id in range(1, PATIENTS + 1):
        unwell = rng.choice([0.0] * 6 + [0.3, 0.3, 0.6, 0.9])
        observations: list[ObservationSet] = []
        at = START
        while at < NOW:
            observations.append(ObservationSet(next(ids), admission_id, at, _vitals(rng, unwell)))
            at += OBS_EVERY
        symptoms: list[SymptomEntry] = []
        assessments: list[AssessmentEntry] = []
        prn: list[PrnDose] = []
        at = START
        while at < NOW:
            scores = {
                key: rng.randint(0, min(item.max_score, 2 + round(5 * unwell)))
                for key, item in zip(keys, chart.items, strict=True)
            }
            symptoms.append(SymptomEntry(next(ids), admission_id, at, scores, sum(scores.values())))
            for kind in ("rass", "craving"):
                answers = _assessment_answers(rng, kind, unwell)
                scored = score_assessment(kind, answers)
                assessments.append(
                    AssessmentEntry(
                        next(ids), admission_id, kind, at, answers, scored.total, scored.label
                    )
                )
            if rng.random() < 0.25:
                kind = rng.choice(["hallucination", "cssrs", "panic"])
                answers = _assessment_answers(rng, kind, unwell)
                scored = score_assessment(kind, answers)
                assessments.append(
                    AssessmentEntry(
                        next(ids),
                        admission_id,
                        kind,
                        at + timedelta(minutes=5),
                        answers,
                        scored.total,
                        scored.label,
                    )
                )
            if rng.random() < 0.15 + 0.3 * unwell:
                prn.append(
                    FORMULARY.prn_dose(
                        id=next(ids),
                        admission_id=admission_id,
                        given_at=at + timedelta(minutes=20),
                        drug="lorazepam",
                        stored_class="benzodiazepine",
                        dose="1 mg",
                        route="PO",
                    )
                )
            at += SYMPTOMS_EVERY
        ward.append(
            {
                "admission_id": admission_id,
                "observations": observations,
                "symptoms": symptoms,
                "assessments": assessments,
                "prn": prn,
            }
        )
    return ward


def clinical_state(patient: dict[str, Any], since: datetime) -> PatientClinicalState:
    """What the store would hand the rules: the history window before NOW."""
    return PatientClinicalState(
        admission_id=patient["admission_id"],
        admitted_at=START,
        observations=tuple(o for o in patient["observations"] if o.taken_at >= since),
        symptoms=tuple(s for s in patient["symptoms"] if s.taken_at >= since),
        assessments=tuple(a for a in patient["assessments"] if a.taken_at >= since),
        prn_doses=tuple(d for d in patient["prn"] if d.given_at >= since),
    )


def main() -> None:
    policy = load_policy()
    chart = load_chart()
    built = time.perf_counter()
    ward = build_ward(chart)
    built = time.perf_counter() - built
    all_sets = [o.vitals for p in ward for o in p["observations"]]

    rates: list[float] = []
    complete = 0
    for _ in range(SCORING_PASSES):
        start = time.perf_counter()
        complete = sum(1 for v in all_sets if score_vitals(v) is not None)
        rates.append(len(all_sets) / (time.perf_counter() - start))
    obs_sets_per_s = statistics.median(rates)

    since = NOW - policy.history_window
    states = [clinical_state(p, since) for p in ward]
    per_patient_obs = statistics.mean(len(s.observations) for s in states)
    timings: list[float] = []
    fired: list[int] = []
    for run in range(CENSUS_RUNS):
        now = NOW + timedelta(seconds=run)
        start = time.perf_counter()
        triggers = [evaluate(s, now=now, policy=policy, chart=chart) for s in states]
        timings.append((time.perf_counter() - start) * 1000)
        fired.append(sum(len(t) for t in triggers))
    census_eval_ms = statistics.median(timings)
    window_h = policy.history_window.total_seconds() / 3600

    print(f"Ward built in memory: {PATIENTS} patients x {DAYS} days in {built:.1f} s")
    print(
        f"  vital-sign sets: {len(all_sets):,} ({complete:,} complete, "
        f"{len(all_sets) - complete:,} partial)"
    )
    print(
        f"  symptom ratings: {sum(len(p['symptoms']) for p in ward):,}; "
        f"assessments: {sum(len(p['assessments']) for p in ward):,}; "
        f"PRN doses: {sum(len(p['prn']) for p in ward):,}"
    )
    print(
        f"NEWS2 scoring: {obs_sets_per_s:,.0f} sets/s "
        f"(median of {SCORING_PASSES} passes over the month)"
    )
    print(
        f"Census evaluation: {census_eval_ms:.2f} ms median for {PATIENTS} patients "
        f"(min {min(timings):.2f}, max {max(timings):.2f} ms, {CENSUS_RUNS} runs; "
        f"history window {window_h:.0f} h, {per_patient_obs:.0f} sets/patient; "
        f"{statistics.median(fired):.0f} triggers)"
    )
    print(f"  target: under 16 ms -> {'OK' if census_eval_ms < 16 else 'OVER'}")
    print(
        json.dumps(
            {"obs_sets_per_s": round(obs_sets_per_s), "census_eval_ms": round(census_eval_ms, 3)}
        )
    )


if __name__ == "__main__":
    main()
