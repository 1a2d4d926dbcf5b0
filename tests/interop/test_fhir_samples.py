"""Every FHIR sample in tests/data imports sensibly: vital signs land with the right values,
units and times; unknown codes and absent values are counted and skipped, never guessed; a
patient the file does not identify is not guessed either."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from interop_support import HOSPITAL_NUMBER, SAMPLES
from sqlalchemy import select

from wardconsole.interop.fhir_import import DATE_ONLY_NOTE, import_fhir_file
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.store.models import Admission, ObservationSetRow, Patient, WeightEntryRow

FHIR = SAMPLES / "fhir"
SYNTHEA = FHIR / "Frances_Mann_a2b4d923-446b-4bf4-b0f8-70b0ca5a9887.json"
EXAMPLES = sorted(FHIR.glob("observation-example-*.json"))


def _sets(db: Database) -> list[ObservationSetRow]:
    with db.read() as session:
        rows = list(
            session.scalars(
                select(ObservationSetRow).order_by(ObservationSetRow.taken_at, ObservationSetRow.id)
            )
        )
        session.expunge_all()
    return rows


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_the_samples_are_all_here() -> None:
    assert SYNTHEA.exists() and len(EXAMPLES) == 6


EXPECTED_SINGLE = {
    "observation-example-heart-rate.json": ("pulse", 44, "1999-07-02T00:00:00+00:00"),
    "observation-example-respiratory-rate.json": (
        "respiration_rate",
        26,
        "1999-07-02T00:00:00+00:00",
    ),
    "observation-example-body-temperature.json": ("temperature", 36.5, "1999-07-02T00:00:00+00:00"),
    "observation-example-satO2.json": ("spo2", 95, "2014-12-05T09:30:10+01:00"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_SINGLE))
def test_a_spec_example_lands_with_its_value_unit_and_time(
    db: Database, nurse: Actor, admission: int, name: str
) -> None:
    field, value, effective = EXPECTED_SINGLE[name]

    report = import_fhir_file(db, nurse, FHIR / name, patient=HOSPITAL_NUMBER)

    assert (report.sets_added, report.values_added, report.skipped) == (1, 1, {})
    (row,) = _sets(db)
    assert getattr(row, field) == value
    assert row.taken_at == _at(effective)
    assert row.source == "import" and not row.is_complete and row.news2_total is None
    assert all(reason == "not_in_source" for reason in row.missing_reasons.values())
    assert field not in row.missing_reasons
    assert (DATE_ONLY_NOTE in row.note) == ("T00:00:00" in effective)
    with db.read() as session:
        stay = session.get(Admission, row.admission_id)
        assert stay is not None
        # Years before this stay: kept as a closed external episode, never on the census.
        assert stay.id != admission and stay.care_setting == "external"
        assert stay.discharged_at is not None and stay.bed_id is None


def test_blood_pressure_example_is_one_set_with_both_values(
    db: Database, nurse: Actor, admission: int
) -> None:
    report = import_fhir_file(
        db, nurse, FHIR / "observation-example-bloodpressure.json", patient=HOSPITAL_NUMBER
    )
    assert (report.sets_added, report.values_added) == (1, 2)
    (row,) = _sets(db)
    assert (row.systolic_bp, row.diastolic_bp) == (107, 60)
    assert row.taken_at == _at("2012-09-17T00:00:00+00:00")


def test_a_panel_without_its_members_is_counted_not_imported(
    db: Database, nurse: Actor, admission: int
) -> None:
    report = import_fhir_file(
        db, nurse, FHIR / "observation-example-vitals-panel.json", patient=HOSPITAL_NUMBER
    )
    assert report.sets_added == 0
    assert report.skipped == {"vital-signs panel whose members are not in the file": 1}
    assert _sets(db) == []


def test_all_examples_as_ndjson_group_by_panel_and_time(
    db: Database, nurse: Actor, admission: int, tmp_path: Path
) -> None:
    lines = [json.dumps(json.loads(p.read_text(encoding="utf-8"))) for p in EXAMPLES]
    ndjson = tmp_path / "examples.ndjson"
    ndjson.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = import_fhir_file(db, nurse, ndjson, patient=HOSPITAL_NUMBER)

    assert report.sets_added == 3 and report.values_added == 6
    first, bp, spo2 = _sets(db)
    # The panel's members of 2 July 1999 form one set.
    assert (first.respiration_rate, first.pulse, first.temperature) == (26, 44, 36.5)
    assert (bp.systolic_bp, bp.diastolic_bp, spo2.spo2) == (107, 60, 95)


def test_without_a_patient_nothing_is_guessed(db: Database, nurse: Actor, admission: int) -> None:
    for path in EXAMPLES:
        report = import_fhir_file(db, nurse, path)
        assert report.sets_added == 0
        assert set(report.skipped) <= {
            "patient not identified: give the hospital number for the import",
            "vital-signs panel whose members are not in the file",
        }
    assert _sets(db) == []


def test_the_synthetic_patient_bundle(db: Database, nurse: Actor) -> None:
    report = import_fhir_file(db, nurse, SYNTHEA, patient="SYN0001")

    # 6 blood pressures (Synthea's 55284-4 panel) and 2 oral temperatures (8331-1); 6 body
    # weights (29463-7) with 6 heights (8302-2) as weighings; the 6 BMIs are recomputed here.
    assert (report.sets_added, report.values_added, report.weighings_added) == (8, 14, 6)
    assert report.patients_created == 1 and report.stays_created == 8
    assert "8302-2" not in " ".join(report.skipped) and "29463-7" not in " ".join(report.skipped)
    assert report.skipped["not imported: BMI (recomputed here from the weight and height)"] == 6
    assert report.skipped["not imported: LOINC 2093-3 Total Cholesterol"] == 3
    assert sum(report.skipped.values()) == 82 - 8 - 12  # every other Observation, counted
    with db.read() as session:
        weighed = session.scalars(select(WeightEntryRow).order_by(WeightEntryRow.taken_at)).all()
    # 84.46920224254795 kg and 165.87377602649312 cm: to 0.1 kg and 0.01 m, half-up.
    assert (weighed[0].weight_kg, weighed[0].height_m) == ("84.5", "1.66")
    assert weighed[0].taken_at == _at("2010-01-23T20:27:04+00:00")
    assert {w.source for w in weighed} == {"import"}
    rows = _sets(db)
    assert [(r.systolic_bp, r.diastolic_bp) for r in rows if r.systolic_bp][:2] == [
        (160, 95),
        (174, 90),
    ]
    temperatures = [r.temperature for r in rows if r.temperature is not None]
    assert temperatures == [37.1, 38.0]
    assert rows[0].taken_at == _at("2010-01-23T20:27:04+00:00")
    assert all(r.news2_total is None for r in rows)  # no complete set in Synthea data
    with db.read() as session:
        patient = session.scalars(select(Patient)).one()
        stays = session.scalars(select(Admission)).all()
    assert (patient.given_name, patient.family_name) == ("Frances", "Mann")
    assert {s.care_setting for s in stays} == {"ambulatory"}
    assert all(s.discharged_at is not None for s in stays)


def test_the_synthetic_bundle_needs_a_usable_hospital_number(db: Database, nurse: Actor) -> None:
    """Its record number (a 36-character UUID) is longer than a hospital number: not guessed."""
    report = import_fhir_file(db, nurse, SYNTHEA)
    assert report.sets_added == 0
    assert report.skipped["patient not identified: give the hospital number for the import"] == 26


def test_reimporting_a_sample_adds_nothing(db: Database, nurse: Actor) -> None:
    first = import_fhir_file(db, nurse, SYNTHEA, patient="SYN0001")
    again = import_fhir_file(db, nurse, SYNTHEA, patient="SYN0001")
    assert (first.sets_added, first.weighings_added) == (8, 6)
    assert (again.sets_added, again.weighings_added, again.stays_created) == (0, 0, 0)
    assert again.already_present == 8  # each weighing came in a set with its blood pressure
    assert len(_sets(db)) == 8
