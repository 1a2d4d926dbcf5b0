"""Every kind of entry has one table, and every entry table shares the clinical columns."""

from __future__ import annotations

from datetime import UTC, datetime

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.store.entries import ENTRY_TABLES, EntryStamp, new_entry
from wardconsole.store.models import ClinicalEntry, SymptomEntryRow


def test_every_entry_kind_has_a_table_with_the_shared_columns() -> None:
    assert set(ENTRY_TABLES) == set(EntryKind)
    for model in ENTRY_TABLES.values():
        assert issubclass(model, ClinicalEntry)
        assert {"admission_id", "amends_id"} <= set(model.__table__.columns.keys())


def test_a_stamp_fills_the_shared_columns_of_a_new_row() -> None:
    at = datetime(2026, 11, 25, 21, 40, tzinfo=UTC)
    row = new_entry(
        SymptomEntryRow,
        EntryStamp(7, at, at, 3, "Station A", "  restless  ", amends_id=5, amend_reason="typo"),
        chart_version="1",
        item_scores={},
        total=0,
    )
    assert (row.admission_id, row.recorded_by_id, row.station) == (7, 3, "Station A")
    assert (row.note, row.amends_id, row.amend_reason, row.status) == (
        "restless",
        5,
        "typo",
        "final",
    )
