"""How fast an escalation raised on one nursing station appears on another station's panel.

Station A (a writer thread with its own engine and connection pool) saves an observation set
that raises a deterioration escalation. Station B is the console's own machinery in a Qt event
loop: the real ``ChangeWatcher`` on its own database connection (PostgreSQL LISTEN/NOTIFY or
SQLite change-log polling), the real ``EscalationController`` reading the board on the real
``TaskRunner``, and the real panel model. The figure is the time from A's commit returning to
the escalation's row being in B's model. After each write A resolves the escalation (so the
next one is new) and waits a random 0–500 ms, so writes do not fall in step with the poll.

    python bench/propagation.py [--writes 200] [--skip-postgres]

PostgreSQL: ``WARDCONSOLE_BENCH_PG_URL`` (default postgresql://postgres@127.0.0.1:5432/test);
the run uses a schema of its own and drops it afterwards.
Targets: PostgreSQL p95 <= 1 s, SQLite p95 <= 3 s.

Last line: {"pg_p50_ms": ..., "pg_p95_ms": ..., "sqlite_p50_ms": ..., "sqlite_p95_ms": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import create_engine, text

from wardconsole.domain.records import EscalationKind
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.changes import open_change_feed
from wardconsole.store.engine import make_engine, upgrade
from wardconsole.ui.escalations.alerts import SilentAlertSound
from wardconsole.ui.escalations.centre import EscalationController
from wardconsole.ui.tasks import ChangeWatcher, TaskRunner

PG_URL = os.environ.get("WARDCONSOLE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PATIENTS = 20
WARM_UP = 5
NORMAL = {
    "respiration_rate": 15,
    "spo2": 97,
    "spo2_scale": 1,
    "on_oxygen": False,
    "systolic_bp": 122,
    "diastolic_bp": 76,
    "pulse": 72,
    "consciousness": "A",
    "temperature": 36.8,
}
SICK = {
    **NORMAL,
    "respiration_rate": 26,
    "pulse": 132,
    "systolic_bp": 95,
    "diastolic_bp": 60,
    "temperature": 39.2,
}


def prepare_ward(url: str) -> list[int]:
    """Beds, a nurse and patients with a normal set each (so nothing is overdue)."""
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine)
    staff = StaffService(db)
    staff.add("rn.bench", "Bench Nurse", Role.NURSE, None)
    nurse = staff.actor("rn.bench", "Station A")
    admissions = AdmissionService(db)
    beds = [f"B{i:02d}" for i in range(1, PATIENTS + 1)]
    admissions.ensure_beds(beds, "Bench ward")
    ids = []
    for number, bed in enumerate(beds, start=1):
        admission = admissions.admit(
            nurse,
            NewPatient(f"KD{number:06d}", "Bench", f"Patient{number}", date(1990, 1, 1)),
            bed=bed,
            admitted_at=db.clock() - timedelta(hours=30),
            assigned_nurse_id=nurse.staff_id,
        )
        RecordingService(db).record_observation(nurse, admission, NORMAL)
        ids.append(admission)
    engine.dispose()
    return ids


class StationA(threading.Thread):
    """Writes, one at a time: raise an escalation, wait until B shows it, resolve it."""

    def __init__(self, url: str, admissions: list[int], writes: int) -> None:
        super().__init__(name="station-a", daemon=True)
        self.engine = make_engine(url)
        self.db = Database(self.engine)
        self.admissions = admissions
        self.writes = writes
        self.lock = threading.Lock()
        self.committed: dict[int, float] = {}
        self.shown: dict[int, float] = {}
        """When each escalation was first in B's model (B's UI thread writes it)."""
        self.waiting: dict[int, threading.Event] = {}
        self.failures: list[str] = []
        self.rng = random.Random(4)

    def run(self) -> None:
        try:
            nurse = StaffService(self.db).actor("rn.bench", "Station A")
            recording, escalations = RecordingService(self.db), EscalationService(self.db)
            for number in range(self.writes):
                admission = self.admissions[number % len(self.admissions)]
                result = recording.record_observation(nurse, admission, SICK)
                committed = time.perf_counter()
                [change] = [
                    c
                    for c in result.escalations
                    if c.kind is EscalationKind.DETERIORATION and c.action == "raise"
                ]
                event = threading.Event()
                with self.lock:  # B may have shown it already (LISTEN/NOTIFY is that quick)
                    self.committed[change.escalation_id] = committed
                    if change.escalation_id in self.shown:
                        event.set()
                    else:
                        self.waiting[change.escalation_id] = event
                if not event.wait(30):
                    self.failures.append(f"escalation {change.escalation_id} never appeared")
                    return
                info = escalations.get(change.escalation_id)
                escalations.resolve(nurse, info.id, info.version, "Bench: reviewed")
                time.sleep(self.rng.uniform(0.0, 0.5))
        except Exception as exc:  # reported by the main thread
            self.failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.engine.dispose()


def measure(url: str, writes: int, app: QApplication) -> list[float]:
    admissions = prepare_ward(url)
    engine_b = make_engine(url)
    db_b = Database(engine_b)
    nurse_b: Actor = StaffService(db_b).actor("rn.bench", "Station B")
    runner = TaskRunner()
    watcher = ChangeWatcher(lambda: open_change_feed(engine_b))
    centre = EscalationController(
        EscalationService(db_b), lambda: nurse_b, "Station B", runner, SilentAlertSound("bench")
    )
    watcher.changes_arrived.connect(centre.on_changes)

    writer = StationA(url, admissions, writes + WARM_UP)

    def on_board_changed(_board: object) -> None:
        now = time.perf_counter()
        with writer.lock:
            for escalation in centre.model.escalations:
                writer.shown.setdefault(escalation.id, now)
                event = writer.waiting.pop(escalation.id, None)
                if event is not None:
                    event.set()

    centre.board_changed.connect(on_board_changed)
    centre.start()
    watcher.start()
    started = time.perf_counter()
    ready = threading.Event()
    centre.board_changed.connect(lambda _b: ready.set())

    def check() -> None:
        if ready.is_set() and not writer.is_alive() and writer.ident is None:
            writer.start()
        if writer.ident is not None and not writer.is_alive():
            app.quit()
        elif time.perf_counter() - started > 60 + writes * 3:
            writer.failures.append("timed out")
            app.quit()

    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(check)
    poll.start()
    app.exec()
    poll.stop()
    centre.shutdown()
    watcher.stop()
    runner.shutdown()
    engine_b.dispose()
    if writer.failures:
        raise SystemExit(
            f"propagation bench failed on {url.split(':', 1)[0]}: {writer.failures[0]}"
        )
    ordered = sorted(writer.committed, key=writer.committed.get)  # type: ignore[arg-type]
    # Shown before A's thread read the clock after its commit returned: count it as 0 ms.
    return [max(0.0, (writer.shown[i] - writer.committed[i]) * 1000) for i in ordered[WARM_UP:]]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def report(name: str, times: list[float]) -> tuple[float, float]:
    median, high = statistics.median(times), p95(times)
    print(
        f"{name}: median {median:.0f} ms, p95 {high:.0f} ms, max {max(times):.0f} ms "
        f"over {len(times)} writes",
        file=sys.stderr,
    )
    return round(median, 1), round(high, 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    figures: dict[str, float | None] = {"pg_p50_ms": None, "pg_p95_ms": None}
    if not args.skip_postgres:
        admin = create_engine(
            PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )
        schema = f"wcbench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in PG_URL else "?"
        try:
            times = measure(f"{PG_URL}{sep}options=-csearch_path%3D{schema}", args.writes, app)
            figures["pg_p50_ms"], figures["pg_p95_ms"] = report("PostgreSQL", times)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    work = Path(tempfile.mkdtemp(prefix="wardbench-"))
    times = measure(f"sqlite:///{work / 'propagation.sqlite'}", args.writes, app)
    figures["sqlite_p50_ms"], figures["sqlite_p95_ms"] = report("SQLite", times)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
