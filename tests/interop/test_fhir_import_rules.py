"""Import rules: malformed files are refused with the position and the reason and nothing is
written; units are converted; absent, impossible, withdrawn and future values are counted and
skipped."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from interop_support import HOSPITAL_NUMBER
from sqlalchemy import func, select
from wardfakes import Clock

from wardconsole.interop.fhir_import import FhirInputError, import_fhir_file
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.store.models import Admission, AuditRow, ObservationSetRow, Patient


def _observation(loinc: str, value: Any, unit: str, at: str, **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "subject": {"identifier": {"value": HOSPITAL_NUMBER}},
        "effectiveDateTime": at,
    }
    if value is not None:
        resource["valueQuantity"] = {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        }
    resource.update(extra)
    return resource


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}", "resource": r}
            for i, r in enumerate(resources)
        ],
    }


def _write(tmp_path: Path, content: Any, name: str = "in.json") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(
            content if isinstance(content, str) else json.dumps(content, indent=1), encoding="utf-8"
        )
    return path


def _counts(db: Database) -> tuple[int, int, int, int]:
    with db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
            for m in (ObservationSetRow, Admission, Patient, AuditRow)
        )


@pytest.fixture
def recent(clock: Clock) -> str:
    """A time during the seeded admission, as FHIR writes it."""
    return (clock.now - timedelta(hours=2)).isoformat()


# -- malformed input: refused whole, with position and reason ----------------------------------


def _good(recent: str) -> dict[str, Any]:
    return _observation("8867-4", 80, "/min", recent)


MALFORMED = {
    "truncated JSON": (lambda r: json.dumps(_bundle(_good(r)))[:-20], r"^line 1, column \d+: "),
    "NDJSON with a broken third line": (
        lambda r: "\n".join([json.dumps(_good(r)), json.dumps(_good(r)), '{"resourceType": ']),
        r"^line 3, column \d+: ",
    ),
    "not a resource": (lambda r: json.dumps([_good(r)]), r"^file: not a FHIR resource"),
    "entry without resourceType": (
        lambda r: json.dumps({"resourceType": "Bundle", "entry": [{"resource": {"id": "x"}}]}),
        r"^entry\[0\]: not a FHIR resource",
    ),
    "a value that is not a number": (
        lambda r: json.dumps(_bundle(_good(r), _observation("9279-1", "fast", "/min", r))),
        r"^entry\[1\] valueQuantity\.value: expected a number, got 'fast'",
    ),
    "a time without a time zone": (
        lambda r: json.dumps(_bundle(_observation("8867-4", 80, "/min", "2026-11-25T20:00:00"))),
        r"^entry\[0\] effectiveDateTime: .* has a time but no time zone",
    ),
    "an impossible date": (
        lambda r: json.dumps(_bundle(_observation("8867-4", 80, "/min", "2026-02-30T20:00:00Z"))),
        r"^entry\[0\] effectiveDateTime: .* is not a valid date or time",
    ),
    "NaN": (lambda r: json.dumps(_bundle(_good(r))).replace("80", "NaN"), r"NaN is not valid JSON"),
    "empty file": (lambda r: "  \n", r"^file: empty"),
    "a 5,000-digit number": (
        lambda r: json.dumps(_bundle(_good(r)), indent=1).replace(": 80", ": " + "9" * 5000),
        r"^line \d+, column \d+: 999999999999… a number of 5000 characters; at most 32$",
    ),
    "a 5,000-digit number in NDJSON": (
        lambda r: "\n".join([json.dumps(_good(r)), json.dumps(_good(r)).replace("80", "8" * 5000)]),
        r"^line 2, column \d+: 888888888888… a number of 5000 characters",
    ),
    "a number too large to hold": (
        lambda r: json.dumps(_bundle(_good(r))).replace(": 80", ": 1e999"),
        r"1e999 a number too large to hold",
    ),
    "one id for two readings": (
        lambda r: json.dumps(
            _bundle(
                {**_good(r), "id": "hr-1"},
                {**_observation("8867-4", 95, "/min", r), "id": "hr-1"},
            )
        ),
        r"^entry\[1\] \(Observation/hr-1\): Observation/hr-1 is given twice in this file "
        r"\(first at entry\[0\] \(Observation/hr-1\)\)",
    ),
    "one id for two readings in NDJSON": (
        lambda r: "\n".join(
            [json.dumps({**_good(r), "id": "hr-1"}), json.dumps({**_good(r), "id": "hr-1"})]
        ),
        r"^line 2 \(Observation/hr-1\): Observation/hr-1 is given twice in this file",
    ),
    "nested too deeply": (
        lambda r: "[" * 100_000 + "]" * 100_000,
        r"^file: JSON nested too deeply",
    ),
    "not UTF-8": (
        lambda r: b'{"resourceType": "Observation", "note": "\xff"}',
        r"^byte \d+: not UTF-8 text",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_are_refused_and_nothing_is_written(
    db: Database, nurse: Actor, admission: int, recent: str, tmp_path: Path, case: str
) -> None:
    make, message = MALFORMED[case]
    path = _write(tmp_path, make(recent))
    before = _counts(db)
    with pytest.raises(FhirInputError, match=message):
        import_fhir_file(db, nurse, path)
    assert _counts(db) == before


def test_a_file_is_all_or_nothing(
    db: Database, nurse: Actor, admission: int, recent: str, tmp_path: Path
) -> None:
    """Good sets before a bad entry are not written either."""
    good = [
        _observation("8867-4", 70 + i, "/min", recent.replace(":00:", f":{i:02d}:"))
        for i in range(5)
    ]
    bad = _observation("8867-4", 80, "/min", recent, status=7)
    path = _write(tmp_path, _bundle(*good, bad))
    with pytest.raises(FhirInputError, match=r"^entry\[5\] .*status: expected a string"):
        import_fhir_file(db, nurse, path)
    assert _counts(db)[0] == 0


# -- values: converted, or counted and skipped ---------------------------------------------------


def test_units_are_converted_to_the_chart(
    db: Database, nurse: Actor, admission: int, recent: str, tmp_path: Path
) -> None:
    bp = _observation(
        "85354-9",
        None,
        "",
        recent,
        component=[
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                "valueQuantity": {
                    "value": 16,
                    "system": "http://unitsofmeasure.org",
                    "code": "kPa",
                },
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
                "valueQuantity": {
                    "value": 10.5,
                    "system": "http://unitsofmeasure.org",
                    "code": "kPa",
                },
            },
        ],
    )
    path = _write(
        tmp_path,
        _bundle(
            _observation("8310-5", 99.5, "[degF]", recent),
            _observation("59408-5", 96, "%", recent),
            _observation("9279-1", 17.5, "{breaths}/min", recent),
            bp,
        ),
    )
    report = import_fhir_file(db, nurse, path)
    assert (report.sets_added, report.values_added, report.skipped) == (1, 5, {})
    with db.read() as session:
        row = session.scalars(select(ObservationSetRow)).one()
        assert row.admission_id == admission
    assert row.temperature == 37.5  # 99.5 °F
    assert (row.systolic_bp, row.diastolic_bp) == (120, 79)  # 16 and 10.5 kPa, half-up
    assert (row.spo2, row.respiration_rate) == (96, 18)  # 17.5 rounds half-up


def test_absent_unknown_impossible_and_withdrawn_values_are_counted(
    db: Database, nurse: Actor, admission: int, clock: Clock, recent: str, tmp_path: Path
) -> None:
    absent = _observation(
        "8867-4",
        None,
        "",
        recent,
        dataAbsentReason={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                    "code": "not-performed",
                }
            ]
        },
    )
    future = (clock.now + timedelta(hours=3)).isoformat()
    path = _write(
        tmp_path,
        _bundle(
            _observation("9279-1", 16, "/min", recent),
            absent,
            _observation("2708-6", 0.97, "1", recent),
            _observation("8310-5", 61, "Cel", recent),
            _observation("2093-3", 180, "mg/dL", recent),
            _observation("29463-7", 8000, "kg", recent),  # grams typed as kilograms
            _observation("8867-4", 88, "/min", recent, status="entered-in-error"),
            _observation("8867-4", 88, "/min", future),
            _observation("8867-4", 88, "/min", "2026-11"),
        ),
    )
    report = import_fhir_file(db, nurse, path)
    assert (report.sets_added, report.values_added) == (1, 1)
    assert report.skipped == {
        "no value (data absent): pulse": 1,
        "unit '1' is not a percentage: spo2": 1,
        "impossible value refused: temperature": 1,
        "not imported: LOINC 2093-3": 1,
        "impossible value refused: weight_kg": 1,
        "status 'entered-in-error' (not a usable result)": 1,
        "time in the future": 1,
        "no usable time (none, or coarser than a day)": 1,
    }
    with db.read() as session:
        row = session.scalars(select(ObservationSetRow)).one()
    assert row.respiration_rate == 16 and row.pulse is None and row.temperature is None
    assert row.missing_reasons["pulse"] == "not_in_source"


def test_the_import_audit_stays_small_whatever_the_file_skips(
    db: Database, nurse: Actor, admission: int, recent: str, tmp_path: Path
) -> None:
    """3,000 codes the ward does not import are each reported to the nurse, but the append-only
    audit keeps the most frequent reasons and a count of the rest."""
    unknown = [_observation(f"{90000 + i}-1", 1, "1", recent) for i in range(3000)]
    path = _write(tmp_path, _bundle(_good(recent), *unknown))
    report = import_fhir_file(db, nurse, path)
    assert len(report.skipped) == 3000
    with db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "import")).one()
    skipped = audit.detail["skipped"]
    assert len(skipped) == 41 and skipped["2960 other reasons"] == 2960
    assert sum(skipped.values()) == 3000
    assert len(json.dumps(audit.detail)) < 4000


def test_an_import_is_audited_with_its_counts(
    db: Database, nurse: Actor, admission: int, recent: str, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        _bundle(
            _good(recent),
            _observation("8302-2", 180, "cm", recent),
            _observation("2093-3", 180, "mg/dL", recent),
        ),
    )
    import_fhir_file(db, nurse, path)
    with db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "import")).one()
    assert audit.staff_id == nurse.staff_id and audit.detail["label"] == "in.json"
    assert (audit.detail["sets_added"], audit.detail["weighings_added"]) == (1, 1)
    assert audit.detail["skipped"] == {"not imported: LOINC 2093-3": 1}
