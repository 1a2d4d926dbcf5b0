"""Food, fluid, bowel and sleep entries leave one ward as FHIR and come back in another: every
drink, output, meal, supplement, bowel movement and nurse's sleep entry, with its time and author,
recorded at the receiving station by the import; a value the ward's rules refuse is named in the
report; importing the file again adds nothing. The receiving ward runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from interop_support import HOSPITAL_NUMBER, admit, as_ndjson
from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.bowels import BowelInput
from wardconsole.domain.fluids import Direction, FluidInput
from wardconsole.domain.meals import MealInput, Portion
from wardconsole.domain.sleep import SleepInput, SleepQuality
from wardconsole.interop import codes as c
from wardconsole.interop.exporting import export_to_file
from wardconsole.interop.fhir_import import import_fhir_file
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.entries import current
from wardconsole.store.models import (
    AuditRow,
    BowelEntryRow,
    FluidEntryRow,
    MealEntryRow,
    SleepEntryRow,
    Staff,
)

_STAMP = {
    *("id", "admission_id", "recorded_at", "recorded_by_id", "station", "note"),
    *("amends_id", "amend_reason"),  # the export carries current entries, not their history
}
_COLUMNS = {
    model: tuple(col.key for col in model.__table__.columns if col.key not in _STAMP)
    for model in (FluidEntryRow, MealEntryRow, BowelEntryRow, SleepEntryRow)
}
"""Every column that is the entry (its time, status and values), not who wrote it where."""


def _chart(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every current chart entry as a nurse would compare them: time, values, who wrote it."""
    found = {}
    with db.read() as session:
        for model, names in _COLUMNS.items():
            rows = session.execute(
                select(model, Staff.staff_code)
                .join(Staff, Staff.id == model.recorded_by_id)
                .where(current(model))
                .order_by(model.taken_at, model.id)
            ).all()
            found[model.__tablename__] = [
                (*(getattr(row, n) for n in names), code) for row, code in rows
            ]
    return found


@pytest.fixture
def sending_ward(other_db: Database, clock: Clock) -> Iterator[Database]:
    """Another ward (SQLite) whose chart holds one of everything the chart records."""
    staff = StaffService(other_db)
    staff.add("rn.day", "Dana Day", Role.NURSE, None)
    staff.add("rn.night", "Noor Night", Role.NURSE, None)
    day, night = staff.actor("rn.day", "Bay 1"), staff.actor("rn.night", "Bay 2")
    admission = admit(other_db, day, clock)
    recording = RecordingService(other_db)
    at = clock.now - timedelta(hours=20)

    def fluid(
        who: Actor, hours: float, direction: Direction, what: str, ml: int | None, **more: Any
    ) -> None:
        entry = FluidInput(direction, what, ml, **more)
        recording.record_fluid(who, admission, entry, taken_at=at + timedelta(hours=hours))

    fluid(day, 1, Direction.INTAKE, "oral", 200, description="tea")
    fluid(day, 1, Direction.INTAKE, "oral", 200, description="tea")  # two cups at once
    fluid(day, 2, Direction.INTAKE, "iv", 1000)
    fluid(day, 3, Direction.INTAKE, "subcut", 500)
    fluid(day, 4, Direction.OUTPUT, "urine", 1500, confirmed=True)  # re-measured
    fluid(night, 5, Direction.OUTPUT, "urine", None)
    fluid(night, 6, Direction.OUTPUT, "vomit", 150, description="bilious")
    meals = [
        MealInput(
            "breakfast",
            "toast (buttered)",
            Portion.QUARTER,
            "Nausea or vomiting",
            supplement="nutritional_drink",
            supplement_outcome="declined",
            supplement_reason="Not hungry",
        ),
        MealInput("lunch", "soup (leek): ate ½; bread", Portion.HALF),
        # Words that look like a supplement are still the reason, read back as typed.
        MealInput("evening_meal", "fish pie", Portion.NONE, "Asleep; Vitamins given at 20:00"),
        MealInput("snack", "", Portion.ALL, supplement="vitamins", supplement_outcome="given"),
        MealInput(
            "supplement",
            "Fortisip",
            None,
            supplement="nutritional_drink",
            supplement_outcome="given",
        ),
    ]
    for hours, meal in enumerate(meals, start=7):
        recording.record_meal(day, admission, meal, taken_at=at + timedelta(hours=hours))
    recording.record_bowel(day, admission, BowelInput(4), taken_at=at + timedelta(hours=12))
    recording.record_bowel(night, admission, BowelInput(None), taken_at=at + timedelta(hours=13))
    first = recording.record_sleep(
        night, admission, SleepInput(date(2026, 11, 24), 6 * 60, SleepQuality.SETTLED)
    )
    recording.amend_sleep(
        night,
        first.entry_id,
        SleepInput(
            date(2026, 11, 24),
            277,
            SleepQuality.DISTURBED,
            datetime(2026, 11, 25, 5, 30, tzinfo=UTC),
        ),
        reason="read the day sheet by mistake",
    )
    return other_db


def _export(ward: Database, path: Path) -> Path:
    staff = StaffService(ward)
    staff.add("sv.day", "Sam Supervisor", Role.SUPERVISOR, None)
    export_to_file(ward, staff.actor("sv.day", "Bay 1"), path, hospital_number=HOSPITAL_NUMBER)
    return path


def _importer(db: Database) -> Actor:
    staff = StaffService(db)
    staff.add("rn.recv", "Rhys Receiving", Role.NURSE, None)
    return staff.actor("rn.recv", "Receiving station")


def test_every_chart_entry_comes_back_in_a_fresh_ward(
    db: Database, sending_ward: Database, tmp_path: Path
) -> None:
    path = _export(sending_ward, tmp_path / "stay.json")
    report = import_fhir_file(db, _importer(db), path)

    assert report.entries_added == {"fluid": 7, "meal": 5, "bowel": 2, "sleep": 1}
    assert "7 fluid entries, 5 meals or supplements, 2 bowel entries, 1 sleep entry imported" in (
        report.summary()
    )
    assert not [r for r in report.skipped if "fluid" in r or "meal" in r or "sleep" in r]
    assert _chart(db) == _chart(sending_ward)
    with db.read() as session:
        stations = {
            row.station for model in _COLUMNS for row in session.scalars(select(model)).all()
        }
        urine = session.scalars(select(FluidEntryRow).where(FluidEntryRow.volume_ml == 1500)).one()
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "import")).one()
    assert stations == {"Receiving station"}
    assert urine.note == "Extreme value from the source, not re-measured: 1500 ml"
    assert audit.detail["entries_added"] == report.entries_added
    assert audit.staff_id == _staff_id(db, "rn.recv")


def test_an_ndjson_file_brings_back_the_same_entries(
    db: Database, sending_ward: Database, tmp_path: Path
) -> None:
    """A large file is imported through the staging tables; its patient, stay and authors
    are created in the last step, with the entries."""
    ndjson = as_ndjson(_export(sending_ward, tmp_path / "stay.json"), tmp_path / "stay.ndjson")
    importer = _importer(db)
    report = import_fhir_file(db, importer, ndjson)
    again = import_fhir_file(db, importer, ndjson)

    assert (report.patients_created, report.stays_created) == (1, 1)
    assert sum(report.entries_added.values()) == 15
    assert _chart(db) == _chart(sending_ward)
    assert again.entries_added == {} and again.already_present == 15


def _staff_id(db: Database, code: str) -> int:
    with db.read() as session:
        return session.scalars(select(Staff.id).where(Staff.staff_code == code)).one()


def test_importing_the_same_file_again_adds_nothing(
    db: Database, sending_ward: Database, tmp_path: Path
) -> None:
    path = _export(sending_ward, tmp_path / "stay.json")
    importer = _importer(db)
    import_fhir_file(db, importer, path)
    before = _chart(db)

    again = import_fhir_file(db, importer, path)

    assert again.entries_added == {}
    assert again.already_present == 15
    assert _chart(db) == before


def test_a_volume_no_entry_can_have_is_refused_and_named(
    db: Database, sending_ward: Database, tmp_path: Path
) -> None:
    path = _export(sending_ward, tmp_path / "stay.json")
    bundle = json.loads(path.read_text(encoding="utf-8"))
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource.get("valueQuantity", {}).get("value") == 1000:
            resource["valueQuantity"]["value"] = 99999
    path.write_text(json.dumps(bundle), encoding="utf-8")

    report = import_fhir_file(db, _importer(db), path)

    assert report.entries_added["fluid"] == 6
    refused = [r for r in report.skipped if r.startswith("fluid entry refused")]
    assert refused == [
        "fluid entry refused: volume_ml: 99999 ml is not possible for one entry "
        "(1–2000 ml; local policy)"
    ]
    assert any(refused[0] in line for line in report.skipped_lines())
    with db.read() as session:
        assert session.scalars(select(FluidEntryRow.volume_ml)).all().count(99999) == 0


def test_a_sleep_estimate_in_a_file_is_named_as_derived_not_imported(
    db: Database, sending_ward: Database, tmp_path: Path
) -> None:
    path = _export(sending_ward, tmp_path / "stay.json")
    bundle = json.loads(path.read_text(encoding="utf-8"))
    (sleep,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == c.LOCAL_SLEEP[0]
    ]
    estimate = json.loads(json.dumps(sleep))
    estimate["id"] = "estimate-1"
    estimate["code"] = {
        "coding": [
            {"system": c.LOCAL_CODES, "code": "sleep-hours-estimated", "display": "Estimated"}
        ]
    }
    bundle["entry"].append({"fullUrl": "urn:uuid:estimate-1", "resource": estimate})
    path.write_text(json.dumps(bundle), encoding="utf-8")

    report = import_fhir_file(db, _importer(db), path)

    assert report.entries_added["sleep"] == 1
    assert report.summary().endswith(
        "sleep estimates are derived here from the safety checks, not imported"
    )
    assert (
        report.skipped[
            "not imported: estimated sleep (derived here from the safety checks, never imported)"
        ]
        == 1
    )
