"""A complete, believable admission intake (invented), for domain, service and UI tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

NO_SUICIDAL_IDEATION = {"q1": False, "q2": False, "q6": False}
MODERATE_RISK = {"q1": True, "q2": True, "q3": True, "q4": False, "q5": False, "q6": False}
HIGH_RISK = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}


def intake_data(admitted_at: datetime, **changes: dict[str, Any]) -> dict[str, Any]:
    """The JSON form of an intake; ``changes`` update fields per section, e.g.
    ``intake_data(t, mental_health={"cssrs": HIGH_RISK})``."""
    data: dict[str, Any] = {
        "substance_use": {
            "routes": ["snorted"],
            "typical_amount": "2–3 g a day",
            "frequency": "daily",
            "duration_months": 38,
            "last_use_at": (admitted_at - timedelta(hours=6)).isoformat(),
            "other_substances": ["alcohol"],
            "previous_detox_attempts": 1,
        },
        "physical": {
            "urinary_symptoms": ["frequency", "urgency", "bladder_pain"],
            "bladder_pain_score": 5,
            "k_cramps": True,
            "abdominal_pain_score": 6,
            "no_known_allergies": True,
        },
        "mental_health": {
            "diagnoses": ["anxiety", "depression"],
            "cssrs": dict(NO_SUICIDAL_IDEATION),
            "phq9": {f"q{i}": 1 for i in range(1, 10)} | {"q9": 0},
            "gad7": {f"q{i}": 2 for i in range(1, 8)},
        },
        "risks": {},
    }
    for section, fields in changes.items():
        data[section] = {**data[section], **fields}
    return data
