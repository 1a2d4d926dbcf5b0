"""The station queue for simple kinds of entry: any simple kind is checked, queued during an
outage under its own persisted name and replayed exactly once through the one recording use
case — a kind no queue code names included (a test-only kind) — and a meal or a bowel entry
queued with the payload the console has always written replays exactly once."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from outage import Outage
from sqlalchemy import func, select
from testkinds import TEST_KIND, register_simple_kind
from wardfakes import Clock

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.meals import MealInput
from wardconsole.services.context import Actor, InvalidInput
from wardconsole.services.db import Database
from wardconsole.services.outbox import Outbox, QueueKind, UnknownQueueKind, queue_kind
from wardconsole.services.recording import RecordingService, SaveResult
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.store.models import AuditRow, BowelEntryRow, MealEntryRow


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.sqlite", "test database")


@pytest.fixture
def saves(db: Database, outbox: Outbox) -> SafeSaves:
    return SafeSaves(db, outbox)


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch, db: Database) -> Outage:
    """The database is unavailable until the test sets ``outage.down = False``."""
    return Outage(monkeypatch, db, down=True)


def _bowel_rows(db: Database) -> list[tuple[int | None, datetime, str]]:
    with db.read() as session:
        rows = session.scalars(select(BowelEntryRow).order_by(BowelEntryRow.id)).all()
        return [(r.bristol_type, r.taken_at, r.note or "") for r in rows]


def test_a_simple_kind_is_saved_at_once_when_the_database_answers(
    db: Database, saves: SafeSaves, nurse: Actor, admission: int
) -> None:
    saved = saves.save_entry(
        nurse, admission, "bowel", {"bristol_type": 4}, note="after lunch", save_key="b1"
    )
    assert isinstance(saved, SaveResult)
    assert _bowel_rows(db) == [(4, db.clock(), "after lunch")]
    assert saves.outbox.all_entries() == []


def test_a_bad_simple_entry_is_refused_naming_the_field_and_never_queued(
    saves: SafeSaves, nurse: Actor, admission: int, outage: Outage
) -> None:
    with pytest.raises(InvalidInput) as refused:
        saves.save_entry(nurse, admission, "bowel", {"bristol_type": 9}, save_key="b1")
    assert set(refused.value.problems) == {"bristol_type"}
    with pytest.raises(InvalidInput) as not_simple:
        saves.save_entry(nurse, admission, "fluid", {"volume_ml": 200}, save_key="f1")
    assert set(not_simple.value.problems) == {"entry_type"}
    assert saves.outbox.all_entries() == []


def test_a_simple_kind_queued_in_an_outage_replays_once_at_its_time(
    db: Database, saves: SafeSaves, nurse: Actor, admission: int, clock: Clock, outage: Outage
) -> None:
    queued = saves.save_entry(
        nurse, admission, EntryKind.BOWEL, {"bristol_type": None}, note=" own report ", save_key="b"
    )
    assert isinstance(queued, QueuedSave)
    assert queued.entry.kind is QueueKind.BOWEL  # the member meals and bowels always had
    assert queued.entry.summary == "Bowels opened — type not seen"
    assert dict(queued.entry.payload) == {
        "bristol_type": None,
        "note": " own report ",
        "taken_at": clock.now,
    }
    pressed = clock.now
    outage.down = False
    clock.advance(minutes=15)
    assert saves.replay().sent == 1
    assert _bowel_rows(db) == [(None, pressed, "own report")]


def test_a_kind_no_queue_code_names_is_queued_and_replayed_exactly_once(
    db: Database,
    saves: SafeSaves,
    outbox: Outbox,
    nurse: Actor,
    admission: int,
    clock: Clock,
    outage: Outage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register_simple_kind(monkeypatch)
    queued = saves.save_entry(
        nurse, admission, TEST_KIND, {"bristol_type": 2}, note="cloudy", save_key="t1"
    )
    assert isinstance(queued, QueuedSave)
    assert queued.entry.kind is TEST_KIND and queued.entry.summary == "Test reading trace"
    with sqlite3.connect(outbox.path) as connection:
        (stored,) = connection.execute("SELECT kind FROM outbox").fetchone()
    assert stored == TEST_KIND.value
    assert [e.kind for e in Outbox(outbox.path).waiting()] == [TEST_KIND]  # read back as such

    pressed = clock.now
    outage.down = False
    clock.advance(minutes=5)
    assert saves.replay().sent == 1
    for entry in saves.outbox.all_entries():  # as if the station never heard it was sent
        saves.outbox._update(entry.seq, "state = 'waiting'", ())
    assert saves.replay().sent == 1  # under its save key: found, not written again
    assert _bowel_rows(db) == [(2, pressed, "cloudy")]
    with db.read() as session:
        replayed = session.scalars(
            select(AuditRow.entity).where(AuditRow.action == "outbox_replayed")
        ).all()
        recorded = session.scalar(
            select(func.count()).where(AuditRow.action == f"record_{TEST_KIND.value}")
        )
    assert replayed == [TEST_KIND.value] * 2 and recorded == 1


def test_a_queue_row_of_a_kind_this_version_does_not_know_is_refused_naming_it(
    outbox: Outbox, nurse: Actor
) -> None:
    assert queue_kind("meal") is QueueKind.MEAL and queue_kind("round") is QueueKind.ROUND
    with pytest.raises(UnknownQueueKind, match="'observation'"):
        queue_kind("observation")  # an entry kind, but not simple and never queued
    with pytest.raises(UnknownQueueKind):
        outbox.enqueue(
            kind=EntryKind.OBSERVATION,
            save_key="x",
            actor=nurse,
            payload={},
            queued_at=datetime(2026, 11, 25, 21, 0, tzinfo=UTC),
        )
    outbox.enqueue(
        kind=QueueKind.BOWEL,
        save_key="from-a-later-release",
        actor=nurse,
        payload={"taken_at": datetime(2026, 11, 25, 21, 0, tzinfo=UTC)},
        queued_at=datetime(2026, 11, 25, 21, 0, tzinfo=UTC),
    )
    with sqlite3.connect(outbox.path) as connection:
        connection.execute("UPDATE outbox SET kind = 'dipstick_from_the_future'")
    with pytest.raises(UnknownQueueKind, match=r"from-a-later-release.*'dipstick_from_the_future'"):
        outbox.waiting()


# -- queues written before simple kinds: the payloads save_meal/save_bowel have always written --


def test_a_meal_and_a_bowel_entry_queued_as_before_replay_exactly_once(
    db: Database, outbox: Outbox, saves: SafeSaves, nurse: Actor, admission: int, clock: Clock
) -> None:
    pressed = clock.now
    outbox.enqueue(
        kind=QueueKind.MEAL,
        save_key="queued-meal-0001",
        actor=nurse,
        payload={
            "occasion": "lunch",
            "offered": " Soup and bread ",
            "portion": "quarter",
            "reason": "Nausea or vomiting",
            "supplement": "nutritional_drink",
            "supplement_outcome": "declined",
            "supplement_reason": "Says it tastes of metal ",
            "note": "",
            "taken_at": pressed,
        },
        queued_at=pressed,
        admission_id=admission,
        summary="Meal: Lunch ( Soup and bread ): ate ¼ — Nausea or vomiting",
    )
    outbox.enqueue(
        kind=QueueKind.BOWEL,
        save_key="queued-bowel-0001",
        actor=nurse,
        payload={"bristol_type": 6, "note": "urgent", "taken_at": pressed},
        queued_at=pressed,
        admission_id=admission,
        summary="Bowels: Bristol type 6",
    )
    clock.advance(minutes=30)
    assert saves.replay().sent == 2
    for entry in saves.outbox.all_entries():
        saves.outbox._update(entry.seq, "state = 'waiting'", ())
    assert saves.replay().sent == 2
    with db.read() as session:
        meals = session.scalars(select(MealEntryRow)).all()
        audits = session.scalars(
            select(AuditRow.action).where(AuditRow.action.in_(["record_meal", "record_bowel"]))
        ).all()
    assert [
        (m.offered, m.portion, m.supplement_outcome, m.supplement_reason, m.taken_at) for m in meals
    ] == [("Soup and bread", "quarter", "declined", "Says it tastes of metal", pressed)]
    assert _bowel_rows(db) == [(6, pressed, "urgent")]
    assert sorted(audits) == ["record_bowel", "record_meal"]


def test_save_meal_and_save_bowel_queue_the_payloads_they_always_queued(
    saves: SafeSaves, nurse: Actor, admission: int, clock: Clock, outage: Outage
) -> None:
    """The keys a queued meal and bowel entry hold, as an earlier release reads them."""
    from wardconsole.domain.bowels import BowelInput
    from wardconsole.domain.meals import Portion

    meal = MealInput("lunch", "Pasta", Portion.NONE, "Asleep", note="try later")
    saves.save_meal(nurse, admission, meal, save_key="m1")
    saves.save_bowel(nurse, admission, BowelInput(3, "small"), save_key="b1")
    queued_meal, queued_bowel = saves.outbox.waiting()
    assert (queued_meal.kind, queued_bowel.kind) == (QueueKind.MEAL, QueueKind.BOWEL)
    assert dict(queued_meal.payload) == {
        "occasion": "lunch",
        "offered": "Pasta",
        "portion": "none",
        "reason": "Asleep",
        "supplement": "",
        "supplement_outcome": "",
        "supplement_reason": "",
        "note": "try later",
        "taken_at": clock.now,
    }
    assert dict(queued_bowel.payload) == {"bristol_type": 3, "note": "small", "taken_at": clock.now}


def test_a_long_offered_within_its_limit_is_saved_and_queued(
    db: Database, saves: SafeSaves, nurse: Actor, admission: int, outage: Outage
) -> None:
    """What a meal was offered takes 120 characters, as typed into the form."""
    from wardconsole.domain.meals import Portion

    offered = "Shepherd's pie with carrots and peas, gravy on the side, " * 2
    assert 64 < len(offered.strip()) <= 120
    meal = MealInput("lunch", offered, Portion.HALF)
    queued = saves.save_meal(nurse, admission, meal, save_key=uuid.uuid4().hex)
    assert isinstance(queued, QueuedSave)
    outage.down = False
    assert saves.replay().sent == 1
    RecordingService(db).record_meal(nurse, admission, meal)
    with db.read() as session:
        assert session.scalars(select(MealEntryRow.offered)).all() == [offered.strip()] * 2
