"""Shared helpers of the interop tests (a module of its own so tests can import it)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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


def as_ndjson(bundle: Path, ndjson: Path) -> Path:
    """The exported ``bundle`` as NDJSON in an unhelpful order: panels before their members,
    the patient, stays and authors after the Observations (NDJSON is read a line at a time)."""
    text = bundle.read_text(encoding="utf-8")
    for entry in json.loads(text)["entry"]:  # NDJSON has no fullUrl: references become Type/id
        resource = entry["resource"]
        local = f"{resource['resourceType']}/{resource['id']}"
        text = text.replace(f'"{entry["fullUrl"]}"', f'"{local}"')
    resources = [entry["resource"] for entry in json.loads(text)["entry"]]

    def order(resource: dict[str, Any]) -> int:
        if resource["resourceType"] != "Observation":
            return 2  # patient, stay and authors last
        return 0 if "hasMember" in resource else 1  # panels before their members

    lines = [json.dumps(resource) for resource in sorted(resources, key=order)]
    ndjson.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ndjson
