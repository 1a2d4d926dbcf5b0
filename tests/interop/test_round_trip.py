"""Export a seeded stay, import it into an empty database: the same observations come back —
values, times, authors, missing reasons, NEWS2 — and importing again adds nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from interop_support import HOSPITAL_NUMBER, as_ndjson
from sqlalchemy import select

from wardconsole.interop.exporting import export_to_file
from wardconsole.interop.fhir_import import import_fhir_file, parse_fhir, parse_ndjson_file
from wardconsole.interop.fhir_reading import is_ndjson_file
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.staff import StaffService
from wardconsole.store import repository
from wardconsole.store.entries import current
from wardconsole.store.models import Admission, ObservationSetRow, Patient, Staff


def _sets(db: Database) -> list[tuple[Any, ...]]:
    """Every current set as what a nurse would compare: time, values, reasons, score, author."""
    with db.read() as session:
        rows = session.execute(
            select(ObservationSetRow, Staff.staff_code, Staff.display_name)
            .join(Staff, Staff.id == ObservationSetRow.recorded_by_id)
            .where(current(ObservationSetRow))
            .order_by(ObservationSetRow.taken_at)
        ).all()
        return [
            (
                row.taken_at,
                repository.to_observation(row).vitals,
                dict(row.missing_reasons),
                row.news2_total,
                row.news2_risk,
                row.is_complete,
                row.note,
                code,
                name,
            )
            for row, code, name in rows
        ]


def test_a_stay_survives_export_and_import(
    db: Database, other_db: Database, supervisor: Actor, seeded_stay: int, tmp_path: Path
) -> None:
    bundle = tmp_path / "stay.json"
    export_to_file(db, supervisor, bundle, hospital_number=HOSPITAL_NUMBER)
    importer = StaffService(other_db).system_actor("Receiving station")

    report = import_fhir_file(other_db, importer, bundle)

    original = _sets(db)
    assert report.sets_added == len(original) == 4
    assert report.patients_created == 1 and report.stays_created == 1
    assert _sets(other_db) == original
    with db.read() as session, other_db.read() as target:
        source_stay = session.scalars(select(Admission)).one()
        stay = target.scalars(select(Admission)).one()
        patient = target.scalars(select(Patient)).one()
        authors = target.scalars(select(Staff).where(Staff.staff_code.like("rn.%"))).all()
        assert stay.admitted_at == source_stay.admitted_at
        assert stay.discharged_at is None and stay.reason == "Ketamine dependence"
    assert (patient.hospital_number, patient.given_name, patient.family_name) == (
        HOSPITAL_NUMBER,
        "Aled",
        "Abernethy",
    )
    assert str(patient.date_of_birth) == "1994-05-01" and patient.sex == "male"
    # Authors known only from the file are names, never accounts anyone can sign in with.
    assert {(a.staff_code, a.active, a.password_hash) for a in authors} == {
        ("rn.test", False, None),
        ("rn.night", False, None),
    }


def test_importing_the_same_file_again_adds_nothing(
    db: Database, other_db: Database, supervisor: Actor, seeded_stay: int, tmp_path: Path
) -> None:
    bundle = tmp_path / "stay.json"
    export_to_file(db, supervisor, bundle, hospital_number=HOSPITAL_NUMBER)
    importer = StaffService(other_db).system_actor("Receiving station")
    import_fhir_file(other_db, importer, bundle)
    before = _sets(other_db)

    again = import_fhir_file(other_db, importer, bundle)

    assert again.sets_added == 0 and again.already_present == 4
    assert again.patients_created == 0 and again.stays_created == 0
    assert _sets(other_db) == before


def test_importing_an_export_into_its_own_database_adds_nothing(
    db: Database, supervisor: Actor, seeded_stay: int, tmp_path: Path
) -> None:
    bundle = tmp_path / "stay.json"
    export_to_file(db, supervisor, bundle, hospital_number=HOSPITAL_NUMBER)
    before = _sets(db)

    report = import_fhir_file(db, supervisor, bundle)

    assert report.sets_added == 0 and report.already_present == 4
    assert _sets(db) == before


def test_a_stay_survives_export_and_import_as_ndjson_in_any_order(
    db: Database, other_db: Database, supervisor: Actor, seeded_stay: int, tmp_path: Path
) -> None:
    """NDJSON is read a line at a time: panels before their members and the patient, its
    stay and its authors after the Observations still make the same sets."""
    bundle = tmp_path / "stay.json"
    export_to_file(db, supervisor, bundle, hospital_number=HOSPITAL_NUMBER)
    ndjson = as_ndjson(bundle, tmp_path / "stay.ndjson")
    assert is_ndjson_file(ndjson) and not is_ndjson_file(bundle)
    streamed = parse_ndjson_file(ndjson)
    whole = parse_fhir(ndjson.read_bytes(), label=ndjson.name)
    assert streamed.groups == whole.groups and streamed.skipped == whole.skipped

    importer = StaffService(other_db).system_actor("Receiving station")
    report = import_fhir_file(other_db, importer, ndjson)
    assert report.sets_added == 4 and report.patients_created == 1
    assert _sets(other_db) == _sets(db)


def test_cancelling_while_an_ndjson_file_is_read_imports_nothing(
    other_db: Database, tmp_path: Path
) -> None:
    """Cancel is honoured while a large file is still being read, before any set is written."""
    lines = [
        json.dumps(
            {
                "resourceType": "Observation",
                "id": f"o{n}",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                "subject": {"identifier": {"value": "KD000077"}},
                "effectiveDateTime": f"2026-11-20T{n // 60 % 24:02d}:{n % 60:02d}:00Z",
                "valueQuantity": {"value": 70, "unit": "/min", "code": "/min"},
            }
        )
        for n in range(2500)
    ]
    ndjson = tmp_path / "big.ndjson"
    ndjson.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))
        raise KeyboardInterrupt  # the nurse pressed Cancel

    importer = StaffService(other_db).system_actor("Receiving station")
    with pytest.raises(KeyboardInterrupt):
        import_fhir_file(other_db, importer, ndjson, progress=progress)
    assert calls == [(0, 0)]  # still reading: no set written yet
    assert _sets(other_db) == []
