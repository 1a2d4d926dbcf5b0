"""Safety drills shared by the tests and ``bench/safety.py``: kill the writer, stop the server.

Each drill returns a small report; the tests assert on it and the bench prints it as JSON.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.outbox import Outbox
from wardconsole.services.recording import RoundEntry, RoundResult
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine, upgrade
from wardconsole.store.models import AuditRow, ObservationSetRow, SaveReceiptRow

WRITER = Path(__file__).with_name("crash_writer.py")
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


def prepare_ward(db: Database, nurse_code: str = "rn.crash") -> tuple[int, Actor]:
    """One nurse and one admitted patient in an empty, migrated database."""
    staff = StaffService(db)
    staff.add(nurse_code, "Crash Test Nurse", Role.NURSE, None)
    nurse = staff.actor(nurse_code, "Station A")
    admissions = AdmissionService(db)
    admissions.ensure_beds(["B01", "B02"], "Safety ward")
    admission = admissions.admit(
        nurse,
        NewPatient(f"SAFE{uuid.uuid4().hex[:6].upper()}", "Test", "Patient", date(1990, 1, 1)),
        bed="B01",
        admitted_at=db.clock() - timedelta(days=1),
        reason="safety drill",
    )
    return admission, nurse


# -- crash safety: SIGKILL the writer at random moments --------------------------------------


@dataclass
class CrashReport:
    backend: str
    kills: int = 0
    saves_reported: int = 0
    saves_lost: int = 0
    half_saves: int = 0
    integrity: str = ""
    seconds: float = 0.0
    lost_keys: list[str] = field(default_factory=list)


class _Writer:
    """The warm writer process and a thread collecting what its children print."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WRITER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self._pids: list[int] = []
        self._new_pid = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            line = line.strip()
            with self._new_pid:
                if line.startswith("PID "):
                    self._pids.append(int(line[4:]))
                else:
                    self.lines.append(line)
                self._new_pid.notify_all()

    def wait_for_first_save(self, tag: str, timeout: float = 10.0) -> bool:
        """Wait until child ``tag`` has committed once, so the kill lands mid-burst."""
        prefix = f"OK {tag}-"
        with self._new_pid:
            return self._new_pid.wait_for(
                lambda: any(line.startswith(prefix) for line in self.lines[-50:]), timeout
            )

    def spawn(self, db_url: str, admission_id: int, staff_code: str, tag: str) -> int:
        assert self.process.stdin is not None
        with self._new_pid:
            count = len(self._pids)
            self.process.stdin.write(f"WRITE {db_url} {admission_id} {staff_code} {tag}\n")
            self.process.stdin.flush()
            if not self._new_pid.wait_for(lambda: len(self._pids) > count, timeout=30):
                raise RuntimeError("the crash writer did not start a child")
            return self._pids[-1]

    def close(self) -> list[str]:
        assert self.process.stdin is not None
        self.process.stdin.write("QUIT\n")
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return [line[3:] for line in self.lines if line.startswith("OK ")]


def crash_campaign(
    db_url: str, kills: int, *, seed: int = 8, max_delay: float = 0.12, min_delay: float = 0.0
) -> CrashReport:
    """Kill a writing process ``kills`` times at random moments; count what went missing."""
    import os
    import signal

    engine = make_engine(db_url)
    upgrade(engine)
    db = Database(engine)
    admission, nurse = prepare_ward(db)
    rng = random.Random(seed)
    report = CrashReport(backend=engine.dialect.name)
    started = time.perf_counter()
    writer = _Writer()
    try:
        for round_number in range(kills):
            tag = f"k{round_number}"
            pid = writer.spawn(db_url, admission, nurse.staff_code, tag)
            if rng.random() < 0.8:  # most kills mid-burst, some while the child starts up
                writer.wait_for_first_save(tag)
            time.sleep(rng.uniform(min_delay, max_delay))  # the random moment of the crash
            try:
                os.kill(pid, signal.SIGKILL)
                report.kills += 1
            except ProcessLookupError:
                pass
    finally:
        reported = writer.close()
    report.saves_reported = len(reported)
    with db.read() as session:
        keys = set(session.scalars(select(SaveReceiptRow.save_key)))
        receipts = len(keys)
        observations = session.scalar(select(func.count()).select_from(ObservationSetRow))
        audited = session.scalar(
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.action == "record_observation")
        )
        report.integrity = _integrity(session)
    report.lost_keys = [key for key in reported if key not in keys]
    report.saves_lost = len(report.lost_keys)
    # All or nothing: every receipt has its observation and its audit row, and no more.
    report.half_saves = abs(receipts - (observations or 0)) + abs(receipts - (audited or 0))
    report.seconds = round(time.perf_counter() - started, 2)
    engine.dispose()
    return report


def _integrity(session) -> str:  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "sqlite":
        check = session.execute(text("PRAGMA integrity_check")).scalar()
        orphans = session.execute(text("PRAGMA foreign_key_check")).all()
        return "ok" if check == "ok" and not orphans else f"{check}; {len(orphans)} orphans"
    # PostgreSQL: every row the tables point at exists, and the indexes answer.
    orphans = session.execute(
        text(
            "SELECT count(*) FROM observation_sets o LEFT JOIN admissions a "
            "ON a.id = o.admission_id WHERE a.id IS NULL"
        )
    ).scalar()
    unindexed = session.execute(
        text(
            "SELECT count(*) FROM save_receipts r WHERE NOT EXISTS "
            "(SELECT 1 FROM save_receipts x WHERE x.save_key = r.save_key)"
        )
    ).scalar()
    return "ok" if orphans == 0 and unindexed == 0 else f"{orphans} orphans"


# -- outage: stop the server mid-shift, queue, restart, replay ------------------------------


@dataclass
class OutageReport:
    saved_before: int = 0
    queued: int = 0
    outage_seconds: float = 0.0
    replayed: int = 0
    refused: int = 0
    rows_in_order: bool = False
    original_times_kept: bool = False
    authors_kept: bool = False
    duplicates: int = 0


def outage_drill(
    server,
    outbox_dir: Path,
    *,
    entries: int = 6,  # type: ignore[no-untyped-def]
    down_for: float = 1.0,
) -> OutageReport:
    """Against a ``ThrowawayPostgres``: save, stop it, keep saving, restart, replay."""
    clock_base = datetime.now(UTC)
    engine = make_engine(server.url)
    upgrade(engine)
    db = Database(engine)
    admission, nurse = prepare_ward(db, "rn.outage")
    saves = SafeSaves(db, Outbox(outbox_dir / "outbox.sqlite", server.url))
    report = OutageReport()

    def entry(pulse: int) -> RoundEntry:
        return RoundEntry(vitals={**NORMAL, "pulse": pulse}, note=f"pulse {pulse}")

    first = saves.save_round(nurse, admission, entry(70), save_key=uuid.uuid4().hex)
    report.saved_before = int(isinstance(first, RoundResult))
    server.stop()
    went_down = time.perf_counter()
    queued_at = []
    for index in range(entries):
        result = saves.save_round(
            nurse, admission, entry(80 + index), save_key=uuid.uuid4().hex, bed="B01"
        )
        if isinstance(result, QueuedSave):
            report.queued += 1
            queued_at.append(result.entry.queued_at)
    still_down = saves.replay()
    assert still_down.stopped_by is not None and still_down.sent == 0
    time.sleep(max(0.0, down_for - (time.perf_counter() - went_down)))
    server.start()
    report.outage_seconds = round(time.perf_counter() - went_down, 2)
    replay = saves.replay()
    report.replayed, report.refused = replay.sent, replay.refused
    saves.replay()  # a second replay must write nothing
    with db.read() as session:
        rows = session.execute(
            select(
                ObservationSetRow.pulse,
                ObservationSetRow.taken_at,
                ObservationSetRow.recorded_by_id,
            ).order_by(ObservationSetRow.id)
        ).all()
    pulses = [r.pulse for r in rows]
    report.rows_in_order = pulses == [70, *range(80, 80 + entries)]
    report.duplicates = len(pulses) - len(set(pulses))
    report.original_times_kept = [r.taken_at for r in rows[1:]] == queued_at
    report.authors_kept = {r.recorded_by_id for r in rows} == {nurse.staff_id}
    assert clock_base <= rows[0].taken_at
    engine.dispose()
    return report
