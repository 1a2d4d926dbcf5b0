"""Writes ``queue_2026_12.sqlite``: a station queue as the console wrote it in December 2026.

Run once with that release's code on the path (``PYTHONPATH=<checkout> python3 this.py``); the
file is kept so that every later release is tested against a queue it did not write itself
(``tests/services/test_outbox_compat.py``). The database is unreachable, so each save queues.
Staff 1 (rn.test, Station A) and admission 1 are what the service test fixtures create first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine

from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.outbox import Outbox
from wardconsole.services.recording import RoundEntry
from wardconsole.services.safe_saves import QueuedSave, SafeSaves

HERE = Path(__file__).parent
PRESSED = datetime(2026, 11, 25, 21, 40, tzinfo=UTC)

nurse = Actor(1, "rn.test", "Robin Test", Role.NURSE, "Station A")
unreachable = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")
db = Database(unreachable, clock=lambda: PRESSED)
target = HERE / "queue_2026_12.sqlite"
target.unlink(missing_ok=True)
saves = SafeSaves(db, Outbox(target, "test database"))
vitals = {
    "respiration_rate": 15,
    "spo2": 97,
    "on_oxygen": False,
    "systolic_bp": 122,
    "diastolic_bp": 76,
    "pulse": 74,
    "consciousness": "A",
    "temperature": 36.8,
}
made = [
    saves.save_round(
        nurse,
        1,
        RoundEntry(
            vitals=vitals, symptoms=None, assessments={"rass": {"score": 0}}, note="settled"
        ),
        save_key="queued-round-0001",
        bed="B01",
    ),
    saves.save_prn(
        nurse,
        1,
        drug="Diazepam",
        drug_class="benzodiazepine",
        dose="5 mg",
        route="oral",
        reason="agitation",
        save_key="queued-prn-0001",
        bed="B01",
    ),
]
saves.record_audit(nurse, "lock", entity="station")
assert all(isinstance(m, QueuedSave) for m in made), made
print(target, [e.kind.value for e in saves.outbox.waiting()])
