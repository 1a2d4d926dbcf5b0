"""Exporting a stay: a valid FHIR R4 bundle in the vital-signs profile, CSV for audit, and an
audit row for every export; only staff allowed to export can."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from interop_support import HOSPITAL_NUMBER
from sqlalchemy import select

from wardconsole.interop import codes as c
from wardconsole.interop.exporting import export_to_file
from wardconsole.interop.fhir_export import build_bundle
from wardconsole.services.context import Actor, InvalidInput, NotFound, PermissionDenied
from wardconsole.services.db import Database
from wardconsole.services.interop import ExportService
from wardconsole.store.models import AuditRow


def _bundle(db: Database, actor: Actor) -> dict:
    record = ExportService(db).collect(actor, hospital_number=HOSPITAL_NUMBER)
    return build_bundle(record)


def _observations(bundle: dict, category: str) -> list[dict]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["category"][0]["coding"][0]["code"] == category
    ]


def _loinc(resource: dict) -> str:
    return resource["code"]["coding"][0]["code"]


def test_the_bundle_is_valid_fhir_r4(db: Database, supervisor: Actor, seeded_stay: int) -> None:
    bundle = _bundle(db, supervisor)
    parsed = Bundle.model_validate(bundle)  # structure and types, as R4 (R4B classes)
    assert parsed.type == "collection"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {"Patient", "Encounter", "Observation", "Practitioner", "Flag"}
    patient = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    assert patient["identifier"][0] == {
        "type": patient["identifier"][0]["type"],
        "system": c.HOSPITAL_NUMBER_SYSTEM,
        "value": HOSPITAL_NUMBER,
    }
    assert patient["birthDate"] == "1994-05-01"


def test_vital_signs_follow_the_profile(db: Database, supervisor: Actor, seeded_stay: int) -> None:
    vitals = _observations(_bundle(db, supervisor), "vital-signs")
    valued = [o for o in vitals if "valueQuantity" in o]
    assert {_loinc(o) for o in valued} == {"9279-1", "2708-6", "8867-4", "8310-5"}
    units = {_loinc(o): (o["valueQuantity"]["system"], o["valueQuantity"]["code"]) for o in valued}
    assert units == {
        "9279-1": (c.UCUM, "/min"),
        "2708-6": (c.UCUM, "%"),
        "8867-4": (c.UCUM, "/min"),
        "8310-5": (c.UCUM, "Cel"),
    }
    for observation in vitals:
        assert observation["meta"]["profile"] == [c.VITAL_SIGNS_PROFILE]
        assert observation["subject"]["reference"].startswith("urn:uuid:")
        assert observation["effectiveDateTime"]
    bp = [o for o in vitals if _loinc(o) == "85354-9"]
    complete_bp = [o for o in bp if "dataAbsentReason" not in o]
    assert complete_bp and all("valueQuantity" not in o for o in bp)
    for observation in complete_bp:
        codes = [comp["code"]["coding"][0]["code"] for comp in observation["component"]]
        assert codes == ["8480-6", "8462-4"]
        assert {comp["valueQuantity"]["code"] for comp in observation["component"]} == {"mm[Hg]"}


def test_current_entries_only_and_corrections_marked(
    db: Database, supervisor: Actor, seeded_stay: int
) -> None:
    vitals = _observations(_bundle(db, supervisor), "vital-signs")
    pulses = sorted(o["valueQuantity"]["value"] for o in vitals if _loinc(o) == "8867-4")
    # 4 current sets (the struck-out one and the superseded pulse of 140 are not exported).
    assert pulses == [72, 72, 104, 118]
    amended = [o for o in vitals if _loinc(o) == "8867-4" and o["valueQuantity"]["value"] == 104]
    assert amended[0]["status"] == "amended"


def test_values_not_taken_carry_a_data_absent_reason(
    db: Database, supervisor: Actor, seeded_stay: int
) -> None:
    vitals = _observations(_bundle(db, supervisor), "vital-signs")
    absent = {_loinc(o): o["dataAbsentReason"] for o in vitals if "dataAbsentReason" in o}
    assert set(absent) == {"8310-5", "85354-9"}
    assert absent["8310-5"]["coding"][0]["code"] == "asked-declined"
    assert absent["8310-5"]["text"] == "Refused"
    assert absent["85354-9"]["text"] == "Asleep"


def test_news2_is_a_survey_score_derived_from_the_set(
    db: Database, supervisor: Actor, seeded_stay: int
) -> None:
    bundle = _bundle(db, supervisor)
    scores = [
        o
        for o in _observations(bundle, "survey")
        if o["code"]["coding"][0]["code"] == c.NEWS2_TOTAL_SNOMED
    ]
    # Three complete sets are scored; the partial set has no NEWS2.
    assert len(scores) == 3
    worst = max(scores, key=lambda o: o["valueQuantity"]["value"])
    assert worst["code"]["coding"][0]["system"] == c.SNOMED
    assert worst["valueQuantity"]["code"] == "{score}"
    assert worst["valueQuantity"]["value"] >= 7
    assert "High" in worst["interpretation"][0]["text"]
    urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    sources = [urls[ref["reference"]] for ref in worst["derivedFrom"]]
    assert {s["effectiveDateTime"] for s in sources} == {worst["effectiveDateTime"]}
    assert len(sources) == 7  # RR, SpO2, HR, temperature, BP, ACVPU, oxygen


def test_assessments_and_escalations_have_clear_codes(
    db: Database, supervisor: Actor, seeded_stay: int
) -> None:
    bundle = _bundle(db, supervisor)
    survey = {o["code"]["coding"][0]["code"]: o for o in _observations(bundle, "survey")}
    assert survey["44261-6"]["valueQuantity"]["value"] == 9  # PHQ-9 total, LOINC
    assert survey["457441000124102"]["code"]["coding"][0]["system"] == c.SNOMED  # RASS
    assert survey["assessment-craving"]["code"]["coding"][0]["system"] == c.LOCAL_CODES
    chart = survey[c.LOCAL_WITHDRAWAL_TOTAL]
    assert "not validated" in chart["code"]["text"]
    flags = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert flags and all(f["status"] == "active" for f in flags)
    assert any("Deterioration" in f["code"]["text"] for f in flags)


def test_each_flag_carries_the_digest_of_the_policy_that_raised_it(
    db: Database, supervisor: Actor, seeded_stay: int
) -> None:
    flags = [
        e["resource"]
        for e in _bundle(db, supervisor)["entry"]
        if e["resource"]["resourceType"] == "Flag"
    ]
    assert flags
    for flag in flags:
        assert flag["meta"]["tag"] == [{"system": c.POLICY_DIGEST, "code": db.policy_digest}]


def test_every_export_is_audited(
    db: Database, supervisor: Actor, seeded_stay: int, tmp_path: Path
) -> None:
    result = export_to_file(db, supervisor, tmp_path / "stay.json", hospital_number=HOSPITAL_NUMBER)
    assert result.export_format == "fhir" and result.patients == 1
    json.loads((tmp_path / "stay.json").read_text(encoding="utf-8"))
    assert (tmp_path / "stay.json").stat().st_mode & 0o077 == 0  # owner-only
    with db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "export")).one()
    assert (audit.staff_id, audit.station) == (supervisor.staff_id, "Station A")
    assert audit.detail["hospital_numbers"] == [HOSPITAL_NUMBER]
    assert audit.detail["format"] == "fhir"


def test_a_nurse_may_not_export_and_nothing_is_written(
    db: Database, nurse: Actor, seeded_stay: int, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDenied):
        export_to_file(db, nurse, tmp_path / "stay.json")
    assert not (tmp_path / "stay.json").exists()


def test_unknown_patient_and_bad_file_name_are_refused(
    db: Database, supervisor: Actor, tmp_path: Path
) -> None:
    with pytest.raises(NotFound, match="ZZ999"):
        export_to_file(db, supervisor, tmp_path / "x.json", hospital_number="ZZ999")
    with pytest.raises(InvalidInput, match=r"\.json"):
        export_to_file(db, supervisor, tmp_path / "x.txt")


def test_csv_has_one_row_per_current_set(
    db: Database, supervisor: Actor, seeded_stay: int, tmp_path: Path
) -> None:
    from wardfakes import NORMAL_SET

    from wardconsole.services.recording import RecordingService

    RecordingService(db).record_observation(
        supervisor, seeded_stay, NORMAL_SET, note='=HYPERLINK("http://x")'
    )
    export_to_file(db, supervisor, tmp_path / "obs.csv", hospital_number=HOSPITAL_NUMBER)
    with (tmp_path / "obs.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5
    partial = next(r for r in rows if r["complete"] == "no")
    assert partial["news2_total"] == "" and partial["temperature"] == ""
    assert "temperature: Refused" in partial["missing"]
    assert partial["recorded_by"] == "rn.night"
    assert rows[-1]["note"].startswith("'=")  # never run as a spreadsheet formula
    assert rows[0]["taken_at_utc"].endswith("+00:00")
