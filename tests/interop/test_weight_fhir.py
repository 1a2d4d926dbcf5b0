"""Weighings leave and come back through FHIR: body weight 29463-7 (kg), height 8302-2 (m) and
the BMI 39156-5 from the latest height, as vital-signs Observations that validate as R4; the
weight before admission in the console's own code; a weighing imported back is the same weight
and height, and importing again adds nothing. The CSV export gains the weight columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from interop_support import HOSPITAL_NUMBER
from sqlalchemy import select

from wardconsole.domain.weights import WeightInput
from wardconsole.interop.exporting import export_to_file
from wardconsole.interop.fhir_export import build_bundle
from wardconsole.interop.fhir_import import import_fhir_file
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.interop import ExportService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import WeightEntryRow


def _weigh(db: Database, nurse: Actor, admission: int) -> None:
    recording = RecordingService(db)
    recording.record_weight(
        nurse,
        admission,
        WeightInput(
            weight_kg="61.35", height_m="1.72", before_kg="68", before_source="self_reported"
        ),
    )


def test_weighings_export_with_the_verified_loinc_codes(
    db: Database, nurse: Actor, supervisor: Actor, admission: int
) -> None:
    _weigh(db, nurse, admission)
    bundle = build_bundle(ExportService(db).collect(supervisor, hospital_number=HOSPITAL_NUMBER))
    Bundle.model_validate(bundle)
    found = {
        r["code"]["coding"][0]["code"]: r
        for e in bundle["entry"]
        if (r := e["resource"])["resourceType"] == "Observation"
    }
    assert found["29463-7"]["valueQuantity"]["value"] == 61.35
    assert found["29463-7"]["valueQuantity"]["code"] == "kg"
    assert found["8302-2"]["valueQuantity"] == {
        "value": 1.72,
        "unit": "m",
        "system": "http://unitsofmeasure.org",
        "code": "m",
    }
    assert found["39156-5"]["valueQuantity"]["value"] == 20.7  # 61.35 / 1.72² = 20.74
    before = found["weight-before-admission"]
    assert before["valueQuantity"]["value"] == 68.0
    assert before["note"] == [{"text": "self-reported; change unplanned"}]


@pytest.fixture
def exported(db: Database, nurse: Actor, supervisor: Actor, admission: int, tmp_path: Path) -> Path:
    """A stay with one weighing, exported as a FHIR bundle."""
    _weigh(db, nurse, admission)
    path = tmp_path / "stay.json"
    export_to_file(db, supervisor, path, hospital_number=HOSPITAL_NUMBER)
    return path


def test_a_weighing_comes_back_and_a_second_import_adds_nothing(
    exported: Path, other_db: Database
) -> None:
    path = exported
    importer = StaffService(other_db).system_actor("Receiving station")
    first = import_fhir_file(other_db, importer, path)
    again = import_fhir_file(other_db, importer, path)
    assert (first.weighings_added, again.weighings_added) == (1, 0)
    assert first.skipped == {"not imported: BMI (recomputed here from the weight and height)": 1}
    with other_db.read() as session:
        (row,) = session.scalars(select(WeightEntryRow)).all()
    assert (row.weight_kg, row.height_m, row.source) == ("61.4", "1.72", "import")
    # The weight before admission (the console's own code) comes back with its weighing.
    assert (row.before_kg, row.before_source, row.before_planned) == ("68", "self_reported", False)


def test_a_weight_before_admission_the_rules_refuse_is_named_and_the_weighing_kept(
    exported: Path, other_db: Database
) -> None:
    path = exported
    path.write_text(
        path.read_text(encoding="utf-8").replace("self-reported; change", "hearsay; change"),
        encoding="utf-8",
    )
    importer = StaffService(other_db).system_actor("Receiving station")
    report = import_fhir_file(other_db, importer, path)
    assert report.weighings_added == 1
    assert (
        report.skipped[
            "impossible value refused: before_source: say whether the weight 3–6 months ago is "
            "documented or self-reported"
        ]
        == 1
    )
    with other_db.read() as session:
        (row,) = session.scalars(select(WeightEntryRow)).all()
    assert (row.weight_kg, row.before_kg, row.before_source) == ("61.4", None, "")


def test_the_csv_export_has_a_row_per_weighing_with_the_weight_columns(
    db: Database, nurse: Actor, supervisor: Actor, admission: int, tmp_path: Path
) -> None:
    import csv

    from wardfakes import NORMAL_SET

    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    _weigh(db, nurse, admission)
    export_to_file(db, supervisor, tmp_path / "ward.csv", hospital_number=HOSPITAL_NUMBER)
    with (tmp_path / "ward.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["entry"] for r in rows] == ["observation set", "weighing"]
    assert rows[0]["weight_kg"] == "" and rows[0]["pulse"] != ""
    weighing = rows[1]
    assert (weighing["weight_kg"], weighing["height_m"], weighing["bmi"]) == (
        "61.35",
        "1.72",
        "20.7",
    )
    assert weighing["pulse"] == "" and weighing["recorded_by"] == "rn.test"
