"""A simple kind no release has, for the tests of what any simple kind gets from its spec
(a ``SIMPLE_KINDS`` entry with no table: registered for a test with ``register``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from interop_support import HOSPITAL_NUMBER

from wardconsole.domain import simple_kinds
from wardconsole.domain.admission_records import AdmissionDetail
from wardconsole.domain.entry_kinds import EntryWords
from wardconsole.domain.entry_specs import Choice, EntryField, EntrySpec
from wardconsole.interop import codes as c
from wardconsole.interop import fhir_import
from wardconsole.services.interop import (
    Author,
    ExportedEntry,
    PatientRecord,
    StayRecord,
    WardRecord,
)


class StandInKind(str):
    """Stands in for an ``EntryKind`` member no release has (an enum gains none in a test)."""

    @property
    def value(self) -> str:
        return str(self)

    @property
    def words(self) -> EntryWords:
        return EntryWords("Dipstick", "Dipsticks", "Test dipstick", "Recorded a test dipstick")


KIND = StandInKind("test_dipstick")
SPEC = EntrySpec(
    KIND,  # type: ignore[arg-type]
    (
        EntryField(
            "leucocytes",
            "&Leucocytes:",
            tuple(Choice(v, v.title()) for v in ("negative", "trace", "small", "large")),
            absent="Not read",
        ),
        EntryField("blood", "&Blood:", tuple(Choice(n, f"{n}+", f"{n}+") for n in range(4))),
        EntryField(
            "nitrite",
            "&Nitrite:",
            (Choice("negative", "Negative"), Choice("positive", "Positive")),
            absent="Not read",
            absent_value="",
        ),
        EntryField("comment", "&Comment:"),
    ),
    text=lambda values: f"Test dipstick: blood {values.get('blood')}",
)
TAKEN = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
FIRST: dict[str, Any] = {"leucocytes": "trace", "blood": 2, "nitrite": "", "comment": "clear"}
SECOND: dict[str, Any] = {"leucocytes": None, "blood": 0, "nitrite": "positive", "comment": ""}


def register(monkeypatch: pytest.MonkeyPatch) -> EntrySpec:
    """The test-only kind registered beside meals and bowels, and known to the import."""
    monkeypatch.setattr(
        simple_kinds, "SIMPLE_KINDS", MappingProxyType({**simple_kinds.SIMPLE_KINDS, KIND: SPEC})
    )
    monkeypatch.setattr(
        fhir_import, "KIND_FIELDS", {**fhir_import.KIND_FIELDS, KIND: (None, SPEC.columns)}
    )
    return SPEC


def record(entries: dict[str, tuple[ExportedEntry, ...]]) -> WardRecord:
    admitted = TAKEN - timedelta(days=1)
    detail = AdmissionDetail(
        7,
        3,
        HOSPITAL_NUMBER,
        "Aled",
        "Abernethy",
        date(1994, 5, 1),
        "male",
        "B01",
        admitted,
        None,
        None,
        None,
        "Ketamine dependence",
        "inpatient",
        "rn.test",
        None,
        (),
        {},
        1,
        1,
    )
    stay = StayRecord(detail, (), (), (), (), entries=entries)
    patient = PatientRecord(HOSPITAL_NUMBER, "Aled", "Abernethy", date(1994, 5, 1), "male", (stay,))
    return WardRecord(TAKEN + timedelta(hours=1), "Test ward", (patient,))


def dipsticks() -> WardRecord:
    nurse = Author("rn.test", "Robin Test")
    first = ExportedEntry(SPEC, 11, TAKEN, nurse, FIRST)
    second = ExportedEntry(SPEC, 12, TAKEN + timedelta(hours=4), nurse, SECOND, "Repeat: cloudy")
    return record({KIND: (first, second)})


def observations(bundle: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["system"] == c.LOCAL_CODES
        and e["resource"]["code"]["coding"][0]["code"] == code
    ]
