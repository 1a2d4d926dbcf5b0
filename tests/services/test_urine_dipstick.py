"""A urine dipstick on both databases, recorded through the simple-kind path alone: the pads
are kept as read (a pad not read stays "not read", never negative), a wrong value is refused
naming the pad and writes nothing, a correction keeps the original in the history, a strike-out
says so, and every write is audited with who and which station."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from outage import Outage
from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.services.context import Actor, InvalidInput
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.history import EntryState, HistoryService
from wardconsole.services.outbox import Outbox
from wardconsole.services.recording import RecordingService
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.store.models import AuditRow, UrineDipstickRow

DIPSTICK = EntryKind.URINE_DIPSTICK


def dipsticks(db: Database, admission: int) -> list:
    history = HistoryService(db).entries(admission)
    return [e for e in history if e.entry_type == "urine_dipstick"]


def test_a_dipstick_is_recorded_as_read_and_audited(
    db: Database, nurse: Actor, admission: int
) -> None:
    saved = RecordingService(db).record_entry(
        nurse, admission, DIPSTICK, {"blood": "1+", "leucocytes": "trace"}, note="Cloudy"
    )
    (entry,) = dipsticks(db, admission)
    assert entry.values == {"blood": "1+", "leucocytes": "trace", "nitrites": None}
    assert entry.note == "Cloudy" and entry.recorded_by and entry.station == nurse.station
    with db.read() as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.action == "record_urine_dipstick")
        ).one()
    assert audit.entity_id == saved.entry_id and audit.station == nurse.station
    assert audit.detail == {"blood": "1+", "leucocytes": "trace"}


def test_a_wrong_pad_value_is_refused_naming_the_pad_and_nothing_is_written(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    with pytest.raises(InvalidInput) as wrong:
        recording.record_entry(nurse, admission, DIPSTICK, {"blood": "4+", "nitrites": "neg"})
    assert set(wrong.value.problems) == {"blood", "nitrites"}
    assert wrong.value.problems["blood"].startswith("blood: one of negative, trace, 1+, 2+, 3+")
    with pytest.raises(InvalidInput) as unknown:
        recording.record_entry(nurse, admission, DIPSTICK, {"protein": "1+"})
    assert unknown.value.problems == {"protein": "protein: not a field of a urine dipstick"}
    with pytest.raises(InvalidInput) as nothing:
        recording.record_entry(nurse, admission, DIPSTICK, {"blood": None, "nitrites": None})
    assert nothing.value.problems == {
        "blood": "blood: no pad was read: read at least one, or do not record the strip"
    }
    with db.read() as session:
        assert not session.scalars(select(UrineDipstickRow)).all()


def test_a_correction_replaces_it_once_and_the_original_stays_in_history(
    db: Database, nurse: Actor, colleague: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    first = recording.record_entry(nurse, admission, DIPSTICK, {"blood": "negative"})
    with pytest.raises(InvalidInput):
        recording.amend_entry(colleague, DIPSTICK, first.entry_id, {"blood": "2+"}, reason=" ")
    fixed = recording.amend_entry(
        colleague,
        DIPSTICK,
        first.entry_id,
        {"blood": "2+", "leucocytes": "negative", "nitrites": "negative"},
        reason="Read the blood pad against the wrong row",
    )
    entries = {e.id: e for e in dipsticks(db, admission)}
    assert entries[first.entry_id].state is EntryState.SUPERSEDED
    assert entries[fixed.entry_id].values["blood"] == "2+"
    assert entries[fixed.entry_id].amend_reason == "Read the blood pad against the wrong row"
    assert entries[fixed.entry_id].recorded_by != entries[first.entry_id].recorded_by


def test_a_dipstick_entered_in_error_is_struck_out_not_removed(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    saved = recording.record_entry(nurse, admission, DIPSTICK, {"nitrites": "positive"})
    recording.mark_entered_in_error(nurse, "urine_dipstick", saved.entry_id, "Wrong patient")
    (entry,) = dipsticks(db, admission)
    assert entry.state is EntryState.ENTERED_IN_ERROR and entry.values["nitrites"] == "positive"


def test_a_retried_save_records_the_dipstick_once(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    values = {"blood": "trace", "leucocytes": "negative", "nitrites": "negative"}
    first = recording.record_entry(nurse, admission, DIPSTICK, values, save_key="k-dip-1")
    again = recording.record_entry(nurse, admission, DIPSTICK, values, save_key="k-dip-1")
    assert again.entry_id == first.entry_id
    assert len(dipsticks(db, admission)) == 1


def test_a_dipstick_saved_during_an_outage_is_replayed_exactly_once(
    db: Database,
    nurse: Actor,
    admission: int,
    clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saves = SafeSaves(db, Outbox(tmp_path / "outbox.sqlite", "test database"))
    outage = Outage(monkeypatch, db, down=True)
    with pytest.raises(InvalidInput):  # refused at once, never queued
        saves.save_entry(nurse, admission, DIPSTICK, {"blood": "5+"}, save_key=uuid.uuid4().hex)
    values = {"blood": "1+", "leucocytes": "negative", "nitrites": "negative"}
    queued = saves.save_entry(
        nurse, admission, DIPSTICK, values, note="Pink urine", save_key=uuid.uuid4().hex
    )
    assert isinstance(queued, QueuedSave)
    assert [e.summary for e in saves.outbox.visible()] == [
        "Urine dipstick — blood 1+, leucocytes negative, nitrites negative"
    ]
    pressed = clock.now
    outage.down = False
    clock.advance(minutes=20)
    assert saves.replay().sent == 1
    for entry in saves.outbox.all_entries():
        saves.outbox._update(entry.seq, "state = 'waiting'", ())
    assert saves.replay().sent == 1  # written under its save key once
    with db.read() as session:
        rows = session.scalars(select(UrineDipstickRow)).all()
    assert [(r.blood, r.note, r.taken_at) for r in rows] == [("1+", "Pink urine", pressed)]


def test_the_discharge_summary_lists_the_stay_s_dipsticks_latest_first(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """Ketamine harms the bladder: whoever takes the patient on reads what the strips showed."""
    recording = RecordingService(db)
    summary = DischargeService(db).draft(admission).text
    assert "Urine dipstick" not in summary  # nothing said when no strip was read
    readings = ["negative", "trace", "1+", "2+", "3+"]
    for hours_ago, blood in zip((25, 20, 15, 10, 5), readings, strict=True):
        recording.record_entry(
            nurse,
            admission,
            DIPSTICK,
            {"blood": blood},
            taken_at=clock.now - timedelta(hours=hours_ago),
        )
    struck = recording.record_entry(
        nurse, admission, DIPSTICK, {"blood": "3+", "nitrites": "positive"}
    )
    recording.mark_entered_in_error(
        nurse, "urine_dipstick", struck.entry_id, "Wrong patient's strip"
    )
    summary = DischargeService(db).draft(admission).text
    [line] = [text for text in summary.splitlines() if "Urine dipstick" in text]
    assert line.startswith("- Urine dipstick (5 recorded), latest first: blood 3+")
    assert line.index("blood 3+") < line.index("blood 2+") < line.index("blood 1+")
    assert line.endswith("; and 2 earlier")
    assert "positive" not in line  # the strike-out is not the record
