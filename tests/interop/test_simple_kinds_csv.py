"""Any simple kind of entry without columns of its own leaves in the CSV from its spec alone:
one row per entry, the kind's name in ``entry``, its values as JSON in a last ``values``
column that is there only while such a kind is registered; meals and bowels keep their columns
(pinned in ``tests/services/test_meals_and_bowels.py``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import MappingProxyType

import pytest
from interop_support import HOSPITAL_NUMBER
from simple_kind_support import FIRST, SECOND, dipsticks, register

from wardconsole.domain import simple_kinds
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.interop import csv_export
from wardconsole.interop.csv_export import COLUMNS, FIXED_COLUMNS, write_csv


def test_the_csv_gives_the_kind_a_row_with_its_values_in_the_last_column(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    register(monkeypatch)
    out = tmp_path / "ward.csv"
    assert write_csv(dipsticks(), out) == 2
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [*FIXED_COLUMNS, "values"]
    assert [(r["entry"], r["taken_at_utc"], r["recorded_by"], r["note"]) for r in rows] == [
        ("test_dipstick", "2026-11-24T09:30:00+00:00", "rn.test", ""),
        ("test_dipstick", "2026-11-24T13:30:00+00:00", "rn.test", "Repeat: cloudy"),
    ]
    assert [json.loads(r["values"]) for r in rows] == [FIRST, SECOND]
    assert rows[0]["hospital_number"] == HOSPITAL_NUMBER and rows[0]["admission_id"] == "7"
    assert {r["bristol_type"] for r in rows} == {""} and {r["pulse"] for r in rows} == {""}


def test_with_only_kinds_that_have_columns_the_csv_header_is_the_columns_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    own = {kind: simple_kinds.SIMPLE_KINDS[kind] for kind in (EntryKind.MEAL, EntryKind.BOWEL)}
    monkeypatch.setattr(simple_kinds, "SIMPLE_KINDS", MappingProxyType(own))
    assert csv_export.columns() == FIXED_COLUMNS


def test_this_releases_header_ends_in_values_only_with_a_kind_without_columns() -> None:
    generic = set(simple_kinds.SIMPLE_KINDS) - csv_export.KINDS_WITH_COLUMNS
    expected = (*FIXED_COLUMNS, "values") if generic else FIXED_COLUMNS
    assert expected == COLUMNS
