"""Any simple kind of entry leaves as FHIR and comes back from its spec alone.

A kind registered in ``SIMPLE_KINDS`` with no mapping of its own is one Observation coded from
its spec (a component per field); the import reads it back to the same values and note, and
refuses — naming it — a field or a value the spec does not know. No third simple kind exists
yet, so a test-only kind stands in (``simple_kind_support``); bowels, which keep their own
mapping (pinned in ``tests/services/test_meals_and_bowels.py``), go through the generic path
too, end to end into a ward's table, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from interop_support import HOSPITAL_NUMBER
from simple_kind_support import (
    FIRST,
    KIND,
    SECOND,
    SPEC,
    TAKEN,
    dipsticks,
    observations,
    register,
)
from sqlalchemy import select
from testkinds import TEST_KIND, register_simple_kind
from wardfakes import Clock

from wardconsole.domain import simple_kinds
from wardconsole.domain.bowels import BOWEL_SPEC, BowelInput
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import EntrySpec
from wardconsole.domain.meals import MealInput, Portion
from wardconsole.interop import codes as c
from wardconsole.interop import fhir_export, fhir_import
from wardconsole.interop.fhir_export import build_bundle
from wardconsole.interop.fhir_import import import_fhir_file, parse_fhir
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.interop import ExportService, WardRecord
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.entries import current
from wardconsole.store.models import BowelEntryRow


@pytest.fixture
def test_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[EntrySpec]:
    yield register(monkeypatch)


def test_an_entry_of_a_kind_without_a_mapping_is_coded_from_its_spec(
    test_kind: EntrySpec,
) -> None:
    bundle = build_bundle(dipsticks())
    Bundle.model_validate(bundle)
    first, second = observations(bundle, "test_dipstick")
    assert first["code"]["coding"] == [
        {"system": c.LOCAL_CODES, "code": "test_dipstick", "display": "Test dipstick"}
    ]
    assert first["category"][0]["coding"][0]["code"] == "exam"
    assert first["effectiveDateTime"] == TAKEN.isoformat()
    assert first["performer"][0]["display"] == "Robin Test"
    assert [comp["code"]["coding"][0] for comp in first["component"]] == [
        {"system": c.LOCAL_CODES, "code": "test_dipstick-leucocytes", "display": "Leucocytes"},
        {"system": c.LOCAL_CODES, "code": "test_dipstick-blood", "display": "Blood"},
        {"system": c.LOCAL_CODES, "code": "test_dipstick-nitrite", "display": "Nitrite"},
        {"system": c.LOCAL_CODES, "code": "test_dipstick-comment", "display": "Comment"},
    ]
    leucocytes, blood, nitrite, comment = first["component"]
    assert leucocytes["valueCodeableConcept"]["coding"] == [
        {"system": c.LOCAL_CODES, "code": "test_dipstick-leucocytes-trace", "display": "Trace"}
    ]
    assert blood["valueCodeableConcept"]["coding"][0]["code"] == "test_dipstick-blood-2"
    assert nitrite["dataAbsentReason"]["text"] == "Not read"  # the nurse said: not read
    assert "valueCodeableConcept" not in nitrite
    assert comment["valueString"] == "clear"
    assert "note" not in first
    # An empty text field has no component (a FHIR string is never empty); the note is a note.
    assert [comp["code"]["coding"][0]["code"] for comp in second["component"]] == [
        "test_dipstick-leucocytes",
        "test_dipstick-blood",
        "test_dipstick-nitrite",
    ]
    assert second["component"][0]["dataAbsentReason"]["coding"][0] == {
        "system": c.DATA_ABSENT_REASON,
        "code": "unknown",
    }
    assert second["component"][1]["valueCodeableConcept"]["text"] == "0+"
    assert second["note"] == [{"text": "Repeat: cloudy"}]


def test_the_import_reads_the_same_values_and_note_back(test_kind: EntrySpec) -> None:
    data = json.dumps(build_bundle(dipsticks())).encode()
    batch = parse_fhir(data, label="dipsticks.json")

    assert batch.skipped == {}
    first, second = batch.entries
    assert (first.kind, first.taken_at, first.note) == (KIND, TAKEN, "")
    assert first.values == FIRST  # every field was stated
    assert second.values == {"leucocytes": None, "blood": 0, "nitrite": "positive"}
    assert SPEC.values(second.values) == SECOND  # the empty comment left out, read as empty
    assert second.note == "Repeat: cloudy"
    assert first.patient.hospital_number == HOSPITAL_NUMBER


def test_a_kind_the_import_has_no_checks_for_is_counted_not_imported(
    test_kind: EntrySpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.dumps(build_bundle(dipsticks())).encode()
    known = {k: v for k, v in fhir_import.KIND_FIELDS.items() if k != KIND}
    monkeypatch.setattr(fhir_import, "KIND_FIELDS", known)
    batch = parse_fhir(data, label="dipsticks.json")
    assert batch.entries == ()
    assert batch.skipped == {"not imported: test_dipstick (no import checks for this kind)": 2}


def _parse_changed(change: Any) -> dict[str, int]:
    bundle = build_bundle(dipsticks())
    first = observations(bundle, "test_dipstick")[0]
    change(first)
    batch = parse_fhir(json.dumps(bundle).encode(), label="changed.json")
    assert len(batch.entries) == 1  # the second entry still comes in
    return dict(batch.skipped)


def test_a_value_the_spec_does_not_hold_is_refused_naming_it(test_kind: EntrySpec) -> None:
    def nine(obs: dict[str, Any]) -> None:
        obs["component"][1]["valueCodeableConcept"]["coding"][0]["code"] = "test_dipstick-blood-9"

    assert _parse_changed(nine) == {
        "test dipstick: blood: value 'test_dipstick-blood-9' not understood": 1
    }


def test_a_field_the_spec_does_not_have_is_refused_naming_it(test_kind: EntrySpec) -> None:
    def colour(obs: dict[str, Any]) -> None:
        obs["component"][3]["code"]["coding"][0]["code"] = "test_dipstick-colour"

    assert _parse_changed(colour) == {
        "test dipstick: component 'test_dipstick-colour' not understood": 1
    }

    def uncoded(obs: dict[str, Any]) -> None:
        obs["component"][0]["code"]["coding"][0]["system"] = "http://loinc.org"

    assert _parse_changed(uncoded) == {
        "test dipstick: component without the console's code not understood": 1
    }


def test_a_stated_field_without_a_value_or_given_twice_is_refused(test_kind: EntrySpec) -> None:
    def bare(obs: dict[str, Any]) -> None:
        del obs["component"][1]["valueCodeableConcept"]  # blood must be answered

    def twice(obs: dict[str, Any]) -> None:
        obs["component"].append(obs["component"][0])

    def absent_blood(obs: dict[str, Any]) -> None:
        component = obs["component"][1]
        component["dataAbsentReason"] = component.pop("valueCodeableConcept")

    assert _parse_changed(bare) == {"test dipstick: blood: no value": 1}
    assert _parse_changed(twice) == {"test dipstick: leucocytes given twice": 1}
    assert _parse_changed(absent_blood) == {"test dipstick: blood: no value": 1}


def test_a_note_that_cannot_be_stored_is_refused(test_kind: EntrySpec) -> None:
    def control(obs: dict[str, Any]) -> None:
        obs["note"] = [{"text": "bad\x07bell"}]

    (reason,) = _parse_changed(control)
    assert reason.startswith("test dipstick: note: contains a control character")


def test_the_kinds_codes_are_its_persisted_names_and_clash_with_no_fixed_code(
    test_kind: EntrySpec,
) -> None:
    fixed = {
        value[0] if isinstance(value, tuple) else value
        for name, value in vars(c).items()
        if name.startswith("LOCAL_") and name != "LOCAL_CODES"
    }
    prefixes = {code for code in fixed if code.endswith("-")}
    for spec in simple_kinds.SIMPLE_KINDS.values():
        made = [c.kind_code(spec)[0]]
        for field in spec.fields:
            made.append(c.field_code(spec, field)[0])
            made += [c.choice_code(spec, field, choice)[0] for choice in field.choices]
        assert len(set(made)) == len(made), spec.kind
        assert not set(made) & fixed, spec.kind
        assert not [m for m in made if any(m.startswith(p) for p in prefixes)], spec.kind
        assert c.spec_of_code(c.kind_code(spec)[0]) is spec
    assert c.kind_code(SPEC) == ("test_dipstick", "Test dipstick")
    assert c.spec_of_code("bowel-movement") is None


# -- bowels, through the generic path and on a real table (SQLite and PostgreSQL) ------------


def _bowels_and_a_meal(db: Database, nurse: Actor, admission: int, clock: Clock) -> WardRecord:
    recording = RecordingService(db)
    at = clock.now - timedelta(hours=5)
    recording.record_bowel(nurse, admission, BowelInput(4), taken_at=at)
    recording.record_bowel(nurse, admission, BowelInput(None, "patient's report"), taken_at=at)
    recording.record_meal(nurse, admission, MealInput("lunch", "soup", Portion.HALF))
    staff = StaffService(db)
    staff.add("sv.kinds", "Sam Supervisor", Role.SUPERVISOR, None)
    return ExportService(db).collect(
        staff.actor("sv.kinds", "Station A"), hospital_number=HOSPITAL_NUMBER
    )


def test_the_export_record_carries_every_simple_kind_with_its_values(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    (stay,) = _bowels_and_a_meal(db, nurse, admission, clock).patients[0].stays
    assert list(stay.entries) == list(simple_kinds.SIMPLE_KINDS)
    bowels = stay.entries[EntryKind.BOWEL]
    assert [(e.values, e.note) for e in bowels] == [
        ({"bristol_type": 4}, ""),
        ({"bristol_type": None}, "patient's report"),
    ]
    assert [e.id for e in bowels] == [b.entry.id for b in stay.bowels]
    assert [e.author for e in bowels] == [b.author for b in stay.bowels]
    (meal,) = stay.entries[EntryKind.MEAL]
    assert meal.values == stay.meals[0].entry.values() and meal.kind is EntryKind.MEAL


def test_bowels_coded_from_their_spec_come_back_into_a_wards_table(
    db: Database,
    nurse: Actor,
    admission: int,
    clock: Clock,
    other_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = _bowels_and_a_meal(db, nurse, admission, clock)
    (patient,) = record.patients
    (stay,) = patient.stays
    # Bowels exported as a kind without a mapping of its own would be:
    monkeypatch.setattr(fhir_export, "_OWN_MAPPING", frozenset({EntryKind.MEAL}))
    generic = dataclasses.replace(stay, bowels=(), meals=())
    bundle = build_bundle(
        dataclasses.replace(record, patients=(dataclasses.replace(patient, stays=(generic,)),))
    )
    Bundle.model_validate(bundle)
    coded = observations(bundle, "bowel")
    assert [o["component"][0]["code"]["coding"][0]["code"] for o in coded] == [
        "bowel-bristol_type",
        "bowel-bristol_type",
    ]
    assert coded[0]["component"][0]["valueCodeableConcept"]["coding"][0] == {
        "system": c.LOCAL_CODES,
        "code": "bowel-bristol_type-4",
        "display": BOWEL_SPEC.fields[0].choices[3].label,
    }
    assert coded[1]["component"][0]["dataAbsentReason"]["text"] == "Type not seen"
    assert not observations(bundle, "bowel-movement")
    path = tmp_path / "bowels.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")

    staff = StaffService(other_db)
    staff.add("rn.recv", "Rhys Receiving", Role.NURSE, None)
    report = import_fhir_file(other_db, staff.actor("rn.recv", "Receiving station"), path)
    assert report.entries_added == {"bowel": 2}
    with other_db.read() as session:
        rows = session.scalars(
            select(BowelEntryRow).where(current(BowelEntryRow)).order_by(BowelEntryRow.id)
        ).all()
    assert [(r.bristol_type, r.taken_at) for r in rows] == [
        (e.values["bristol_type"], e.taken_at) for e in stay.entries[EntryKind.BOWEL]
    ]
    assert rows[1].note.startswith("patient's report")


def test_a_kind_registered_at_the_ward_leaves_from_its_table_and_reads_back(
    db: Database,
    nurse: Actor,
    admission: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The shared test-only kind (stored in the bowel table's columns, so its rows are read as
    bowels too: only its own Observations are looked at here), recorded and exported."""
    spec = register_simple_kind(monkeypatch)
    monkeypatch.setattr(
        fhir_import, "KIND_FIELDS", {**fhir_import.KIND_FIELDS, TEST_KIND: (None, spec.columns)}
    )
    recording = RecordingService(db)
    read = recording.record_entry(nurse, admission, TEST_KIND, {"bristol_type": 2}, note="dark")
    unread = recording.record_entry(nurse, admission, TEST_KIND, {"bristol_type": None})
    staff = StaffService(db)
    staff.add("sv.kinds", "Sam Supervisor", Role.SUPERVISOR, None)
    record = ExportService(db).collect(
        staff.actor("sv.kinds", "Station A"), hospital_number=HOSPITAL_NUMBER
    )
    (stay,) = record.patients[0].stays
    assert [(e.id, e.values, e.note) for e in stay.entries[TEST_KIND]] == [
        (read.entry_id, {"bristol_type": 2}, "dark"),
        (unread.entry_id, {"bristol_type": None}, ""),
    ]
    bundle = build_bundle(record)
    Bundle.model_validate(bundle)
    first, second = observations(bundle, TEST_KIND.value)
    assert first["component"] == [
        {
            "code": {
                "coding": [
                    {
                        "system": c.LOCAL_CODES,
                        "code": f"{TEST_KIND.value}-bristol_type",
                        "display": "Reading",
                    }
                ],
                "text": "Reading",
            },
            "valueCodeableConcept": {
                "coding": [
                    {
                        "system": c.LOCAL_CODES,
                        "code": f"{TEST_KIND.value}-bristol_type-2",
                        "display": "Trace",
                    }
                ],
                "text": "Trace",
            },
        }
    ]
    assert first["note"] == [{"text": "dark"}] and "note" not in second
    assert second["component"][0]["dataAbsentReason"]["text"] == "Not read"

    batch = parse_fhir(json.dumps(bundle).encode(), label="ward.json")
    back = [(e.values, e.note) for e in batch.entries if e.kind == TEST_KIND.value]
    assert back == [({"bristol_type": 2}, "dark"), ({"bristol_type": None}, "")]


def test_a_kind_registered_at_one_ward_comes_back_into_anothers_table(
    db: Database,
    nurse: Actor,
    admission: int,
    other_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """End to end: recorded, exported from its spec, imported and checked by its spec."""
    register_simple_kind(monkeypatch)
    recording = RecordingService(db)
    recording.record_entry(nurse, admission, TEST_KIND, {"bristol_type": 3}, note="dark")
    recording.record_entry(nurse, admission, TEST_KIND, {"bristol_type": None})
    staff = StaffService(db)
    staff.add("sv.kinds", "Sam Supervisor", Role.SUPERVISOR, None)
    record = ExportService(db).collect(
        staff.actor("sv.kinds", "Station A"), hospital_number=HOSPITAL_NUMBER
    )
    (patient,) = record.patients
    (stay,) = patient.stays
    # Its rows are in the bowel table's columns: leave the bowels' own Observations out.
    only = dataclasses.replace(stay, bowels=())
    path = tmp_path / "ward.json"
    bundle = build_bundle(
        dataclasses.replace(record, patients=(dataclasses.replace(patient, stays=(only,)),))
    )
    path.write_text(json.dumps(bundle), encoding="utf-8")

    receiving = StaffService(other_db)
    receiving.add("rn.recv", "Rhys Receiving", Role.NURSE, None)
    importer = receiving.actor("rn.recv", "Receiving station")
    report = import_fhir_file(other_db, importer, path)
    assert report.entries_added == {TEST_KIND.value: 2}
    with other_db.read() as session:
        rows = session.scalars(
            select(BowelEntryRow).where(current(BowelEntryRow)).order_by(BowelEntryRow.id)
        ).all()
    assert [(r.bristol_type, r.taken_at) for r in rows] == [
        (e.values["bristol_type"], e.taken_at) for e in stay.entries[TEST_KIND]
    ]
    assert rows[0].note.startswith("dark")
    assert import_fhir_file(other_db, importer, path).already_present == 2
