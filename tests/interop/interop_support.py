"""Shared helpers of the interop tests (a module of its own so tests can import it)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from wardfakes import Clock

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor
from wardconsole.services.db import Database

SAMPLES = Path(__file__).resolve().parents[1] / "data"
"""The FHIR and HL7 v2 sample data (tests/data; its README gives each source and licence)."""

HOSPITAL_NUMBER = "KD000001"


def admit(
    db: Database,
    nurse: Actor,
    clock: Clock,
    hospital_number: str = HOSPITAL_NUMBER,
    bed: str = "B01",
    hours_ago: float = 30,
) -> int:
    service = AdmissionService(db)
    service.ensure_beds(["B01", "B02", "B03"], "Test ward")
    return service.admit(
        nurse,
        NewPatient(hospital_number, "Aled", "Abernethy", date(1994, 5, 1), sex="male"),
        bed=bed,
        admitted_at=clock.now - timedelta(hours=hours_ago),
        reason="Ketamine dependence",
        assigned_nurse_id=nurse.staff_id,
    )
