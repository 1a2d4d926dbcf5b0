"""Two stations writing the same patient at the same moment never lose either write."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from campaigns import NORMAL, prepare_ward
from sqlalchemy import func, select

from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.outbox import Outbox
from wardconsole.services.recording import RoundEntry, RoundResult
from wardconsole.services.safe_saves import SafeSaves
from wardconsole.store.engine import make_engine
from wardconsole.store.models import EscalationRow, ObservationSetRow, PrnDoseRow

SAVES_PER_STATION = 12


def _at_once(*work: Callable[[], None]) -> list[BaseException]:
    """Run each callable on its own thread, released together; return what they raised."""
    gate = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(fn: Callable[[], None]) -> None:
        gate.wait()
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _station(db_url: str, tmp: str, nurse: Actor, name: str) -> tuple[SafeSaves, Actor]:
    """A station: its own engine (own connections) and its own queue file."""
    from pathlib import Path

    db = Database(make_engine(db_url))
    actor = Actor(nurse.staff_id, nurse.staff_code, nurse.display_name, nurse.role, name)
    return SafeSaves(db, Outbox(Path(tmp) / f"{name}.sqlite")), actor


def test_two_stations_saving_the_same_patient_keep_both_writes(db_url: str, tmp_path) -> None:
    engine = make_engine(db_url)
    admission, nurse = prepare_ward(Database(engine))
    (left, left_actor), (right, right_actor) = (
        _station(db_url, str(tmp_path), nurse, "Station A"),
        _station(db_url, str(tmp_path), nurse, "Station B"),
    )
    results: dict[str, list[object]] = {"Station A": [], "Station B": []}

    def burst(saves: SafeSaves, actor: Actor, pulse: int) -> Callable[[], None]:
        def work() -> None:
            for index in range(SAVES_PER_STATION):
                # Deranged vitals raise escalations, so both stations race on those too.
                vitals = {**NORMAL, "pulse": pulse, "respiration_rate": 26 + index % 3}
                results[actor.station].append(
                    saves.save_round(
                        actor, admission, RoundEntry(vitals=vitals), save_key=uuid.uuid4().hex
                    )
                )
                saves.save_prn(
                    actor,
                    admission,
                    drug="Lorazepam",
                    drug_class="benzodiazepine",
                    dose="1 mg",
                    route="oral",
                    reason="anxiety",
                    save_key=uuid.uuid4().hex,
                )

        return work

    try:
        errors = _at_once(burst(left, left_actor, 131), burst(right, right_actor, 132))
    finally:
        for station in (left, right):
            station._db.engine.dispose()
    assert errors == []
    assert all(isinstance(r, RoundResult) for rs in results.values() for r in rs)
    with Database(engine).read() as session:
        pulses = session.scalars(select(ObservationSetRow.pulse)).all()
        doses = session.scalar(select(func.count()).select_from(PrnDoseRow))
        open_kinds = session.scalars(
            select(EscalationRow.kind).where(EscalationRow.resolved_at.is_(None))
        ).all()
    assert sorted(pulses) == [131] * SAVES_PER_STATION + [132] * SAVES_PER_STATION
    assert doses == 2 * SAVES_PER_STATION
    assert len(open_kinds) == len(set(open_kinds))  # one open escalation per kind, not two
    engine.dispose()
