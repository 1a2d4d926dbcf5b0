"""The nurse's sleep entries leave the console in its own code system (LOINC 93832-4 is not
verified in REFERENCE-2.md §12.11): one FHIR Observation per current entry, hours in UCUM, settled
or disturbed and the waking time as components; and one CSV row each with the night's columns."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from interop_support import HOSPITAL_NUMBER

from wardconsole.domain.sleep import SleepInput, SleepQuality
from wardconsole.interop import codes as c
from wardconsole.interop.exporting import export_to_file
from wardconsole.interop.fhir_export import build_bundle
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.interop import ExportService
from wardconsole.services.recording import RecordingService


def _night(db: Database, nurse: Actor, admission: int) -> None:
    recording = RecordingService(db)
    first = recording.record_sleep(
        nurse,
        admission,
        SleepInput(date(2026, 11, 24), 6 * 60, SleepQuality.SETTLED),
    )
    woke = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
    recording.amend_sleep(
        nurse,
        first.entry_id,
        SleepInput(date(2026, 11, 24), 270, SleepQuality.DISTURBED, woke),
        reason="read the day sheet by mistake",
    )


def test_a_sleep_entry_is_an_observation_in_the_consoles_own_codes(
    db: Database, supervisor: Actor, nurse: Actor, seeded_stay: int
) -> None:
    _night(db, nurse, seeded_stay)
    bundle = build_bundle(ExportService(db).collect(supervisor, hospital_number=HOSPITAL_NUMBER))
    Bundle.model_validate(bundle)
    sleep = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == c.LOCAL_SLEEP[0]
    ]
    assert len(sleep) == 1  # the corrected entry only
    (found,) = sleep
    assert found["code"]["coding"][0]["system"] == c.LOCAL_CODES
    assert found["valueQuantity"] == {"value": 4.5, "unit": "h", "system": c.UCUM, "code": "h"}
    quality, woke = found["component"]
    assert quality["valueCodeableConcept"]["coding"][0]["code"] == "sleep-quality-disturbed"
    assert woke["valueDateTime"].startswith("2026-11-25T05:30:00")
    assert found["note"] == [{"text": "Night of Tue 24 Nov 2026"}]


def test_csv_has_a_row_per_sleep_entry_with_the_nights_columns(
    db: Database, supervisor: Actor, nurse: Actor, seeded_stay: int, tmp_path: Path
) -> None:
    _night(db, nurse, seeded_stay)
    export_to_file(db, supervisor, tmp_path / "obs.csv", hospital_number=HOSPITAL_NUMBER)
    with (tmp_path / "obs.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["entry"] == "sleep"]
    assert [
        (r["night_of"], r["hours_slept"], r["sleep_quality"], r["woke_at_utc"]) for r in rows
    ] == [("2026-11-24", "4.5", "disturbed", "2026-11-25T05:30:00+00:00")]
    assert rows[0]["recorded_by"] == nurse.staff_code and rows[0]["news2_total"] == ""
