"""What the services do for any simple kind of entry, shown with a kind no service names (a
test-only kind, ``tests/support/testkinds.py``): its history values are its spec's columns and
it can be corrected in place."""

from __future__ import annotations

import pytest
from testkinds import TEST_KIND, register_simple_kind

from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.history import HistoryService
from wardconsole.services.recording import RecordingService
from wardconsole.store.history import ENTRY_COLUMNS, entry_columns


def test_the_history_shows_a_simple_kinds_values_by_its_specs_columns(
    db: Database, nurse: Actor, admission: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = register_simple_kind(monkeypatch)
    assert entry_columns(TEST_KIND) == spec.columns == ("bristol_type",)
    recording = RecordingService(db)
    saved = recording.record_entry(nurse, admission, TEST_KIND, {"bristol_type": 3}, note="dark")
    (entry,) = HistoryService(db).entries(admission, types=(TEST_KIND.value,))
    assert (entry.id, dict(entry.values), entry.note) == (
        saved.entry_id,
        {"bristol_type": 3},
        "dark",
    )
    assert entry.can_amend

    recording.amend_entry(nurse, TEST_KIND, saved.entry_id, {"bristol_type": 1}, reason="misread")
    newest, original = HistoryService(db).entries(admission, types=(TEST_KIND.value,))
    assert dict(newest.values) == {"bristol_type": 1} and newest.can_amend
    assert not original.can_amend


def test_meals_and_bowels_keep_their_history_columns() -> None:
    assert ENTRY_COLUMNS["meal"] == (
        "occasion",
        "offered",
        "portion",
        "reason",
        "supplement",
        "supplement_outcome",
        "supplement_reason",
    )
    assert ENTRY_COLUMNS["bowel"] == entry_columns("bowel") == ("bristol_type",)
    assert entry_columns("fluid") == ENTRY_COLUMNS["fluid"]
    assert entry_columns("observation") is None
