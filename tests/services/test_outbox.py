"""The station's queue: a save made while the database is down is kept and written later,
in order, exactly once, with its original time and author."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from outage import Outage
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from wardfakes import NORMAL_SET, Clock

from wardconsole.services.context import Actor, InvalidInput, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.outbox import Outbox, QueueKind, QueueState, decode, encode
from wardconsole.services.recording import RoundEntry, RoundResult
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.services.unavailable import is_unavailable
from wardconsole.store.engine import DatabaseError
from wardconsole.store.models import AuditRow, ObservationSetRow, PrnDoseRow


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.sqlite", "test database")


@pytest.fixture
def saves(db: Database, outbox: Outbox) -> SafeSaves:
    return SafeSaves(db, outbox)


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch, db: Database) -> Iterator[Outage]:
    yield Outage(monkeypatch, db)


def _round(pulse: int = 72) -> RoundEntry:
    return RoundEntry(vitals={**NORMAL_SET, "pulse": pulse}, note="settled")


def _key() -> str:
    return uuid.uuid4().hex


def _pulses(db: Database) -> list[tuple[int | None, datetime, datetime, int]]:
    with db.read() as session:
        rows = session.execute(select(ObservationSetRow).order_by(ObservationSetRow.id))
        return [(r.pulse, r.taken_at, r.recorded_at, r.recorded_by_id) for (r,) in rows]


def _queue_rounds(
    saves: SafeSaves, nurse: Actor, admission: int, clock: Clock, pulses: tuple[int, ...]
) -> list[QueuedSave]:
    """Rounds saved ten minutes apart while the database is down: each one queued."""
    start = clock.now
    queued = []
    for minute, pulse in enumerate(pulses):
        clock.now = start + timedelta(minutes=minute * 10)
        result = saves.save_round(nurse, admission, _round(pulse), save_key=_key(), bed="B01")
        assert isinstance(result, QueuedSave)
        queued.append(result)
    return queued


def test_with_the_database_up_a_save_is_written_at_once(
    db: Database, saves: SafeSaves, nurse: Actor, admission: int
) -> None:
    result = saves.save_round(nurse, admission, _round(), save_key=_key())
    assert isinstance(result, RoundResult) and result.observation_id is not None
    assert saves.outbox.visible() == []


def test_during_an_outage_saves_queue_and_replay_in_order_exactly_once(
    db: Database,
    saves: SafeSaves,
    nurse: Actor,
    admission: int,
    clock: Clock,
    outage: Outage,
) -> None:
    start = clock.now
    outage.down = True
    queued: list = _queue_rounds(saves, nurse, admission, clock, (81, 82, 83))
    assert "server closed" in queued[0].reason
    assert "still waiting" in queued[1].reason
    queued = [q.entry for q in queued]
    prn = saves.save_prn(
        nurse,
        admission,
        drug="Lorazepam",
        drug_class="benzodiazepine",
        dose="1 mg",
        route="oral",
        reason="panic",
        save_key=_key(),
        bed="B01",
    )
    assert isinstance(prn, QueuedSave)
    shown = saves.outbox.visible()
    assert [e.summary for e in shown] == ["Round: observations"] * 3 + ["PRN: Lorazepam 1 mg"]
    assert {e.actor.staff_code for e in shown} == {"rn.test"}

    # Still down: a replay try changes nothing and keeps everything waiting.
    report = saves.replay()
    assert (report.sent, report.waiting) == (0, 4) and report.stopped_by

    outage.down = False
    clock.now = start + timedelta(hours=1)
    # Back up, but a new save must not overtake the queued ones.
    later = saves.save_round(nurse, admission, _round(84), save_key=_key())
    assert isinstance(later, QueuedSave) and "still waiting" in later.reason
    report = saves.replay()
    assert (report.sent, report.refused, report.waiting) == (5, 0, 0)
    rows = _pulses(db)
    assert [r[0] for r in rows] == [81, 82, 83, 84]
    # Original times and author: taken and recorded when the nurse pressed Save.
    assert [r[1] for r in rows] == [e.queued_at for e in queued] + [start + timedelta(hours=1)]
    assert [r[2] for r in rows[:3]] == [e.queued_at for e in queued]
    assert {r[3] for r in rows} == {nurse.staff_id}
    # A second replay (say, from another window) writes nothing again.
    assert saves.replay().sent == 0
    for entry in saves.outbox.all_entries():
        saves.outbox._update(entry.seq, "state = 'waiting'", ())
    assert saves.replay().sent == 5
    assert [r[0] for r in _pulses(db)] == [81, 82, 83, 84]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(PrnDoseRow)) == 1
        replayed = session.scalars(select(AuditRow).where(AuditRow.action == "outbox_replayed"))
        assert all(r.detail["queued_at"] for r in replayed)


def test_a_commit_whose_outcome_was_unknown_is_not_written_twice(
    db: Database, saves: SafeSaves, nurse: Actor, admission: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection dropped after COMMIT: the save is queued, and replay finds it written."""
    real = saves._recording.record_round

    def commits_then_fails(*args, **kwargs):  # type: ignore[no-untyped-def]
        real(*args, **kwargs)
        raise OperationalError("commit", {}, ConnectionResetError("connection lost"))

    monkeypatch.setattr(saves._recording, "record_round", commits_then_fails)
    key = _key()
    assert isinstance(saves.save_round(nurse, admission, _round(90), save_key=key), QueuedSave)
    report = saves.replay()
    assert report.sent == 1
    assert [r[0] for r in _pulses(db)] == [90]


def test_bad_input_is_refused_at_once_and_never_queued(
    saves: SafeSaves, nurse: Actor, admission: int, outage: Outage
) -> None:
    outage.down = True
    with pytest.raises(InvalidInput) as caught:
        saves.save_round(nurse, admission, _round(400), save_key=_key())
    assert "pulse" in caught.value.problems
    with pytest.raises(InvalidInput) as prn:
        saves.save_prn(
            nurse,
            admission,
            drug=" ",
            drug_class="benzodiazepine",
            dose="1 mg",
            route="oral",
            reason="x",
            save_key=_key(),
        )
    assert "drug" in prn.value.problems
    readonly = Actor(nurse.staff_id, "vc", "Visitor", Role.READONLY, "Station A")
    with pytest.raises(PermissionDenied):
        saves.save_round(readonly, admission, _round(), save_key=_key())
    assert saves.outbox.visible() == []


def test_an_entry_the_database_refuses_on_replay_stays_visible_until_dismissed(
    db: Database, saves: SafeSaves, nurse: Actor, admission: int, outage: Outage
) -> None:
    outage.down = True
    saves.save_round(nurse, admission + 999, _round(), save_key=_key(), bed="B09")
    saves.save_round(nurse, admission, _round(77), save_key=_key(), bed="B01")
    outage.down = False
    report = saves.replay()
    assert (report.sent, report.refused) == (1, 1)
    [refused] = saves.outbox.visible()
    assert refused.state is QueueState.REFUSED and "does not exist" in refused.last_error
    saves.outbox.dismiss(refused.seq)
    assert saves.outbox.visible() == []


def test_audit_events_during_an_outage_are_written_once_later(
    db: Database, saves: SafeSaves, nurse: Actor, outage: Outage
) -> None:
    outage.down = True
    saves.record_audit(
        nurse, "lock", entity="staff", entity_id=nurse.staff_id, detail={"reason": "idle"}
    )
    [entry] = saves.outbox.waiting()
    assert entry.kind is QueueKind.AUDIT
    outage.down = False
    saves.replay()
    saves.outbox._update(entry.seq, "state = 'waiting'", ())
    saves.replay()
    with db.read() as session:
        locks = session.scalars(select(AuditRow).where(AuditRow.action == "lock")).all()
    assert [(r.staff_id, r.detail) for r in locks] == [(nurse.staff_id, {"reason": "idle"})]


def test_the_queue_file_survives_reopening(tmp_path: Path, nurse: Actor) -> None:
    path = tmp_path / "q.sqlite"
    at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    Outbox(path).enqueue(
        kind=QueueKind.ROUND,
        save_key="k1",
        actor=nurse,
        payload={"when": at, "set": {"b", "a"}},
        queued_at=at,
        bed="B02",
    )
    Outbox(path).enqueue(
        kind=QueueKind.ROUND, save_key="k1", actor=nurse, payload={}, queued_at=at
    )  # the same key is kept once
    [entry] = Outbox(path).waiting()
    assert (entry.bed, entry.actor, entry.queued_at) == ("B02", nurse, at)
    assert entry.payload == {"when": at, "set": {"a", "b"}}
    assert decode(encode({"x": [1, "ü", None]})) == {"x": [1, "ü", None]}


def test_what_counts_as_the_database_being_unavailable(engine: Engine) -> None:
    assert is_unavailable(OperationalError("x", {}, Exception("down")))
    assert is_unavailable(DatabaseError("cannot open"))
    assert not is_unavailable(InvalidInput({"pulse": "pulse: bad"}))
    assert not is_unavailable(ValueError("bug"))


def test_a_save_in_flight_when_the_console_closes_is_kept_and_replays_once(
    db: Database, saves: SafeSaves, nurse: Actor, admission: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console closes without waiting for the database while a round is being written:
    the round is parked in the queue with its save key. Its write did commit, so replaying
    it the next day writes nothing more."""
    recording = saves._recording
    real = recording.record_round

    def closing_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert saves.park_in_flight() == 1  # the close, while this save is in flight
        return real(*args, **kwargs)

    monkeypatch.setattr(recording, "record_round", closing_meanwhile)
    result = saves.save_round(nurse, admission, _round(pulse=88), save_key=_key())
    assert isinstance(result, RoundResult)
    assert [e.kind for e in saves.outbox.waiting()] == [QueueKind.ROUND]

    monkeypatch.setattr(recording, "record_round", real)
    report = saves.replay()
    assert (report.sent, report.waiting) == (1, 0)
    assert [pulse for pulse, *_ in _pulses(db)] == [88]
    assert saves.park_in_flight() == 0


def test_an_entry_that_cannot_be_written_is_set_aside_and_the_rest_replay_in_order(
    db: Database,
    saves: SafeSaves,
    nurse: Actor,
    admission: int,
    clock: Clock,
    outage: Outage,
) -> None:
    """A queued entry this station cannot write (here: its payload was damaged on disk) no
    longer blocks the queue for ever: it is set aside, shown with the reason, and never
    dropped; the entries behind it are written in order."""
    outage.down = True
    queued = [q.entry for q in _queue_rounds(saves, nurse, admission, clock, (81, 82, 83))]
    damaged = queued[1]
    with sqlite3.connect(saves.outbox.path) as connection:
        connection.execute(
            "UPDATE outbox SET payload = ? WHERE seq = ?", ('{"entry": {}}', damaged.seq)
        )
    outage.down = False
    report = saves.replay()
    assert (report.sent, report.refused, report.needs_attention, report.waiting) == (2, 0, 1, 0)
    assert report.stopped_by is None
    assert [row[0] for row in _pulses(db)] == [81, 83]
    (shown,) = saves.outbox.visible()
    assert shown.seq == damaged.seq and shown.state is QueueState.NEEDS_ATTENTION
    assert shown.last_error and shown.summary == "Round: observations"
    assert any("needs attention" in m for m in report.refused_messages)
    # It is not tried again by the next replay, and stays listed until a nurse dismisses it.
    assert saves.replay().needs_attention == 0
    assert [e.seq for e in saves.outbox.visible()] == [damaged.seq]
    saves.outbox.dismiss(damaged.seq)
    assert saves.outbox.visible() == []
    assert [e.state for e in saves.outbox.all_entries()][1] is QueueState.DISMISSED


def test_a_constraint_the_entry_breaks_sets_it_aside_but_an_outage_keeps_it_waiting() -> None:
    from sqlalchemy.exc import DataError, IntegrityError

    from wardconsole.services.safe_saves import cannot_be_replayed

    assert cannot_be_replayed(IntegrityError("INSERT", {}, Exception("unique")))
    assert cannot_be_replayed(DataError("INSERT", {}, Exception("out of range")))
    assert cannot_be_replayed(KeyError("entry"))
    assert not cannot_be_replayed(OperationalError("connect", {}, ConnectionRefusedError()))
    assert not cannot_be_replayed(DatabaseError("the ward database is unavailable"))
