"""A station queue written by an earlier release replays exactly once on this one.

``tests/data/outbox/queue_2026_12.sqlite`` was written by the December 2026 console during a
database outage (a round with vital signs, RASS and a note; a PRN dose; a station-lock audit
row). The kinds, save keys and payloads in it are persisted identifiers: the code that replays
them may be reorganised, but what a nurse queued must reach the record once, as her, at the
time she pressed Save.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.outbox import Outbox, QueueKind
from wardconsole.services.recording import RecordingService
from wardconsole.services.safe_saves import SafeSaves, _round_entry
from wardconsole.store.models import AssessmentRow, AuditRow, ObservationSetRow, PrnDoseRow

QUEUE = Path(__file__).parents[1] / "data" / "outbox" / "queue_2026_12.sqlite"
PRESSED = datetime(2026, 11, 25, 21, 40, tzinfo=UTC)


@pytest.fixture
def saves(db: Database, tmp_path: Path, nurse: Actor, admission: int) -> SafeSaves:
    assert (nurse.staff_id, admission) == (1, 1), "the queue file names staff 1, admission 1"
    copy = tmp_path / "outbox.sqlite"
    shutil.copyfile(QUEUE, copy)
    return SafeSaves(db, Outbox(copy, "test database"))


def _counts(db: Database) -> tuple[int, int, int, int]:
    with db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(ObservationSetRow)) or 0,
            session.scalar(select(func.count()).select_from(AssessmentRow)) or 0,
            session.scalar(select(func.count()).select_from(PrnDoseRow)) or 0,
            session.scalar(select(func.count()).where(AuditRow.action == "lock")) or 0,
        )


def test_the_earlier_queue_is_read_as_the_nurse_left_it(saves: SafeSaves) -> None:
    waiting = saves.outbox.waiting()
    assert [e.kind for e in waiting] == [QueueKind.ROUND, QueueKind.PRN, QueueKind.AUDIT]
    assert [e.save_key for e in waiting[:2]] == ["queued-round-0001", "queued-prn-0001"]
    assert all(e.actor.staff_code == "rn.test" and e.queued_at == PRESSED for e in waiting)


def test_the_earlier_queue_replays_exactly_once(db: Database, saves: SafeSaves) -> None:
    report = saves.replay()
    assert (report.sent, report.refused, report.waiting) == (3, 0, 0)
    assert _counts(db) == (1, 1, 1, 1)
    with db.read() as session:
        observation = session.scalars(select(ObservationSetRow)).one()
        dose = session.scalars(select(PrnDoseRow)).one()
    assert observation.taken_at == PRESSED and observation.pulse == 74
    assert observation.note == "settled" and observation.recorded_by_id == 1
    assert (dose.drug, dose.dose, dose.taken_at) == ("Diazepam", "5 mg", PRESSED)

    again = saves.replay()
    assert (again.sent, again.waiting) == (0, 0)
    assert _counts(db) == (1, 1, 1, 1)


def test_a_queued_save_that_had_committed_is_not_written_again(
    db: Database, saves: SafeSaves, nurse: Actor, admission: int
) -> None:
    """The station closed while the save was in flight: it committed, but stayed queued."""
    round_entry = saves.outbox.waiting()[0]
    RecordingService(db).record_round(
        nurse,
        admission,
        _round_entry(round_entry.payload["entry"]),
        save_key=round_entry.save_key,
        taken_at=round_entry.payload["taken_at"],
    )
    assert _counts(db)[0] == 1

    report = saves.replay()
    assert (report.sent, report.waiting) == (3, 0)
    assert _counts(db) == (1, 1, 1, 1)
    with db.read() as session:
        replayed = session.scalars(
            select(AuditRow).where(AuditRow.action == "outbox_replayed", AuditRow.entity == "round")
        ).one()
    assert replayed.detail["already_saved"] is True
