"""What the services do for any simple kind of entry, shown with a kind no service names (a
test-only kind, ``tests/support/testkinds.py``): its history values are its spec's columns and
it can be corrected in place; an imported entry is checked by its spec and named in the report
by its kind's words (meals and bowels keep the words they were always refused in); and the
handoff lists this shift's entries of a kind that has no facts of its own, read with one
statement per kind for the whole ward."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from testkinds import TEST_KIND, register_simple_kind
from wardfakes import Clock

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.chart_import import KIND_FIELDS, KIND_WORDS
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.handoff import HandoffService
from wardconsole.services.history import HistoryService
from wardconsole.services.importing import ChartEntry, ImportBatch, ImportService, PatientRef
from wardconsole.services.recording import RecordingService
from wardconsole.store.history import entry_columns
from wardconsole.store.models import MealEntryRow


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
    assert entry_columns("meal") == (
        "occasion",
        "offered",
        "portion",
        "reason",
        "supplement",
        "supplement_outcome",
        "supplement_reason",
    )
    assert entry_columns("bowel") == ("bristol_type",)
    assert entry_columns("fluid") == ("direction", "what", "volume_ml", "description")
    assert entry_columns("observation") is None


def _entry(kind: str, clock: Clock, position: str, **values: object) -> ChartEntry:
    return ChartEntry(
        kind, PatientRef("KD000001"), clock.now - timedelta(hours=1), values, position
    )


def test_an_imported_simple_kind_is_checked_by_its_spec_and_named_by_its_words(
    db: Database, nurse: Actor, admission: int, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_simple_kind(monkeypatch)
    assert TEST_KIND in KIND_FIELDS and KIND_WORDS[TEST_KIND] == ("food chart", "food charts")
    batch = ImportBatch(
        "import",
        "file.json",
        (),
        entries=(
            _entry(TEST_KIND, clock, "e1", bristol_type=2),
            _entry(TEST_KIND, clock, "e2", bristol_type=9),
        ),
    )
    report = ImportService(db).import_batch(nurse, batch)
    assert report.entries_added == {TEST_KIND: 1}
    assert "1 food chart imported" in report.summary()
    assert dict(report.skipped) == {
        "food chart refused: bristol_type: one of negative, trace, positive, or 'not read'": 1
    }
    again = ImportService(db).import_batch(nurse, batch)
    assert (again.entries_added.get(TEST_KIND, 0), again.already_present) == (0, 1)
    (entry,) = HistoryService(db).entries(admission, types=(TEST_KIND.value,))
    assert dict(entry.values) == {"bristol_type": 2}


def test_imported_meals_and_bowels_are_refused_in_the_words_they_always_were(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    batch = ImportBatch(
        "import",
        "file.json",
        (),
        entries=(
            _entry("meal", clock, "m1", occasion="lunch", portion="lots"),
            _entry("meal", clock, "m2", occasion="lunch", portion="none"),
            _entry("meal", clock, "m3", occasion="snack", portion="half", offered=" Scones "),
            _entry("bowel", clock, "b1", bristol_type=8),
            _entry("bowel", clock, "b2", bristol_type=None),
        ),
    )
    report = ImportService(db).import_batch(nurse, batch)
    assert report.entries_added == {"meal": 1, "bowel": 1}
    assert dict(report.skipped) == {
        "meal or supplement refused: portion: how much was eaten (none, ¼, ½, ¾ or all)": 1,
        "meal or supplement refused: reason: say why nothing was eaten": 1,
        "bowel entry refused: bristol_type: a Bristol stool type 1–7, or 'type not seen'": 1,
    }
    assert "1 meal or supplement, 1 bowel entry imported" in report.summary()
    with db.read() as session:
        assert session.scalars(select(MealEntryRow.offered)).all() == [" Scones "]


def _handoff_texts(db: Database, admission: int, now: datetime) -> list[str]:
    handoffs = HandoffService(db)
    draft = handoffs.preview(handoffs.this_shift(now), admission)
    return [fact.text for facts in draft.sections.values() for fact in facts]


def _second_patient(db: Database, nurse: Actor, clock: Clock, number: str, bed: str) -> int:
    return AdmissionService(db).admit(
        nurse,
        NewPatient(number, "Bo", "Second", date(1980, 2, 2)),
        bed=bed,
        admitted_at=clock.now - timedelta(hours=10),
        reason="Alcohol dependence",
        assigned_nurse_id=nurse.staff_id,
    )


def test_the_handoff_lists_this_shifts_entries_of_a_kind_without_facts_of_its_own(
    db: Database, nurse: Actor, admission: int, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_simple_kind(monkeypatch)
    shift = HandoffService(db).this_shift(clock.now)
    recording = RecordingService(db)
    before_shift = shift.start - timedelta(minutes=5)
    for minutes, reading in ((-1, 1), (30, 2), (60, 3), (90, None), (120, 2)):
        taken = before_shift if minutes < 0 else shift.start + timedelta(minutes=minutes)
        recording.record_entry(
            nurse, admission, TEST_KIND, {"bristol_type": reading}, taken_at=taken
        )
    clock.advance(minutes=150)

    texts = _handoff_texts(db, admission, clock.now)
    lines = [t for t in texts if t.startswith("Food chart this shift")]
    at = [(shift.start + timedelta(minutes=m)).astimezone(shift.zone) for m in (120, 90, 60)]
    assert lines == [
        "Food chart this shift: "
        f"Test reading trace ({at[0]:%H:%M}); Test reading not read ({at[1]:%H:%M}); "
        f"Test reading positive ({at[2]:%H:%M}); and 1 earlier"
    ]
    other = _second_patient(db, nurse, clock, "KD000002", "B02")
    assert not [t for t in _handoff_texts(db, other, clock.now) if "Test reading" in t]


def test_the_kinds_line_costs_the_same_statements_for_a_bigger_ward(
    db: Database, nurse: Actor, admission: int, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from statements import statements_during

    register_simple_kind(monkeypatch)
    recording = RecordingService(db)
    recording.record_entry(nurse, admission, TEST_KIND, {"bristol_type": 1})
    handoffs = HandoffService(db)
    shift = handoffs.this_shift(clock.now)
    one = statements_during(db.engine, lambda: handoffs.board(shift))
    for n, bed in ((2, "B02"), (3, "B03")):
        other = _second_patient(db, nurse, clock, f"KD00000{n}", bed)
        recording.record_entry(nurse, other, TEST_KIND, {"bristol_type": 2})
    assert len(statements_during(db.engine, lambda: handoffs.board(shift))) == len(one)


def test_every_entry_kinds_table_is_append_only_for_the_stations() -> None:
    """A new kind's table is granted to the stations by its line in ENTRY_TABLES."""
    from wardconsole.store.entries import ENTRY_TABLES
    from wardconsole.store.privileges import APP_PRIVILEGES, APPEND

    for kind, model in ENTRY_TABLES.items():
        assert APP_PRIVILEGES[model.__tablename__] == APPEND, kind
