"""Capillary glucose leaves the console as LOINC 14743-9 in mmol/L; a meter LO as text with
the off-scale-low interpretation, never a made-up number."""

from __future__ import annotations

import csv
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from interop_support import HOSPITAL_NUMBER
from wardfakes import NORMAL_SET

from wardconsole.interop import codes as c
from wardconsole.interop.exporting import export_to_file
from wardconsole.interop.fhir_export import build_bundle
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.interop import ExportService
from wardconsole.services.recording import RecordingService


def _glucose(db: Database, supervisor: Actor) -> list[dict]:
    bundle = build_bundle(ExportService(db).collect(supervisor, hospital_number=HOSPITAL_NUMBER))
    Bundle.model_validate(bundle)
    return [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "14743-9"
    ]


def test_a_reading_is_exported_in_mmol_per_litre(
    db: Database, nurse: Actor, supervisor: Actor, admission: int
) -> None:
    RecordingService(db).record_observation(nurse, admission, {**NORMAL_SET, "glucose": "3.6"})
    [reading] = _glucose(db, supervisor)
    assert reading["code"]["coding"][0] == {
        "system": c.LOINC,
        "code": "14743-9",
        "display": "Glucose [Moles/volume] in Capillary blood by Glucometer",
    }
    assert reading["valueQuantity"] == {
        "value": 3.6,
        "unit": "mmol/L",
        "system": c.UCUM,
        "code": "mmol/L",
    }


def test_a_meter_lo_is_exported_as_off_scale_low(
    db: Database, nurse: Actor, supervisor: Actor, admission: int, tmp_path: Path
) -> None:
    RecordingService(db).record_observation(nurse, admission, {**NORMAL_SET, "glucose": "LO"})
    [reading] = _glucose(db, supervisor)
    assert "valueQuantity" not in reading
    assert reading["valueString"] == "LO"
    assert reading["interpretation"][0]["coding"][0]["code"] == "<"
    export_to_file(db, supervisor, tmp_path / "stay.csv", hospital_number=HOSPITAL_NUMBER)
    with (tmp_path / "stay.csv").open(encoding="utf-8-sig") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["capillary_glucose_mmol_l"] == "LO"
