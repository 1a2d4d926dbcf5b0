"""Small builders for clinical records used across the domain tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from wardconsole.domain.assessments import score_assessment
from wardconsole.domain.formulary import load_formulary
from wardconsole.domain.news2 import score_vitals
from wardconsole.domain.records import (
    AssessmentEntry,
    ObservationSet,
    PatientClinicalState,
    PrnDose,
    SymptomEntry,
    VitalSigns,
)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ADMITTED = NOW - timedelta(days=2)
_ids = count(1)

WELL: dict[str, Any] = {
    "respiration_rate": 16,
    "spo2": 98,
    "spo2_scale": 1,
    "on_oxygen": False,
    "systolic_bp": 120,
    "diastolic_bp": 75,
    "pulse": 70,
    "consciousness": "A",
    "temperature": 37.0,
}


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def obs(at: datetime, **changes: Any) -> ObservationSet:
    """A vital-sign set; pass ``pulse=None`` etc. for a partial set."""
    vitals = VitalSigns(**{**WELL, **changes})
    result = score_vitals(vitals)
    return ObservationSet(
        id=next(_ids),
        admission_id=1,
        taken_at=at,
        vitals=vitals,
        news2_total=result.total if result else None,
        news2_risk=result.risk if result else None,
        news2_subscores=dict(result.parameter_scores) if result else {},
    )


def assess(kind: str, at: datetime, **answers: Any) -> AssessmentEntry:
    scored = score_assessment(kind, answers)
    return AssessmentEntry(
        id=next(_ids),
        admission_id=1,
        kind=kind,
        taken_at=at,
        answers=answers,
        total=scored.total,
        label=scored.label,
    )


def rated(at: datetime, **scores: int) -> SymptomEntry:
    return SymptomEntry(
        id=next(_ids), admission_id=1, taken_at=at, item_scores=scores, total=sum(scores.values())
    )


FORMULARY = load_formulary()


def prn(at: datetime, drug: str = "lorazepam", drug_class: str = "benzodiazepine") -> PrnDose:
    """A dose as the store reads it: its class through the bundled formulary."""
    return FORMULARY.prn_dose(
        id=next(_ids),
        admission_id=1,
        given_at=at,
        drug=drug,
        stored_class=drug_class,
        dose="1 mg",
        route="PO",
    )


def state(
    *items: Any,
    admitted_at: datetime = ADMITTED,
    with_fresh_obs: bool = True,
    open_escalations: Any = None,
) -> PatientClinicalState:
    """A patient state from mixed records, sorted oldest first.

    ``with_fresh_obs`` adds a normal set 10 minutes ago so the overdue rule stays quiet.
    """
    observations = [i for i in items if isinstance(i, ObservationSet)]
    if with_fresh_obs and not observations:
        observations.append(obs(ago(minutes=10)))
    return PatientClinicalState(
        admission_id=1,
        admitted_at=admitted_at,
        observations=tuple(sorted(observations, key=lambda o: o.taken_at)),
        symptoms=tuple(
            sorted((i for i in items if isinstance(i, SymptomEntry)), key=lambda s: s.taken_at)
        ),
        assessments=tuple(
            sorted((i for i in items if isinstance(i, AssessmentEntry)), key=lambda e: e.taken_at)
        ),
        prn_doses=tuple(
            sorted((i for i in items if isinstance(i, PrnDose)), key=lambda d: d.given_at)
        ),
        open_escalations=open_escalations or {},
    )
