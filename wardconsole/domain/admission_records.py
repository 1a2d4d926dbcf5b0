"""Admission records as the store reads them and the services and screens show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AdmissionDetail:
    """One stay: the store reads it, the services hand it out, the census and screens show it."""

    admission_id: int
    patient_id: int
    hospital_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    bed: str | None
    admitted_at: datetime
    discharged_at: datetime | None
    discharge_destination: str | None
    discharge_summary: str | None
    reason: str
    care_setting: str
    assigned_nurse: str
    previous_admission_id: int | None
    risk_flags: tuple[str, ...]
    intake: dict[str, Any]
    version: int
    spo2_scale: int
    """1, or 2 when a clinician documented SpO2 Scale 2 for this stay (NEWS2)."""

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True, slots=True)
class BedStay:
    """A bed the patient was in, from when (the first has ``moved_by`` of the admitting nurse)."""

    bed: str
    since: datetime
    moved_by: str
    station: str


@dataclass(frozen=True, slots=True)
class HistoryHit:
    patient_id: int
    hospital_number: str
    name: str
    date_of_birth: date
    stays: int
    last_admitted_at: datetime
    last_discharged_at: datetime | None
    last_destination: str | None
