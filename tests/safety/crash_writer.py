"""A writer to be killed: forks children that save bedside rounds and report each commit.

Run as ``python crash_writer.py``; it imports everything once, then for every line
``WRITE <db_url> <admission_id> <staff_code> <tag>`` on stdin it forks a child that saves rounds
through ``RecordingService.record_round`` as fast as it can, printing ``OK <save_key>`` only after
each save has returned (committed). It prints ``PID <pid>`` first so the test can SIGKILL the
child at a random moment. Forking from an already-warm process makes a kill cycle take
milliseconds instead of a full interpreter start.
"""

from __future__ import annotations

import os
import signal
import sys
import uuid

from wardconsole.domain.policy import load_policy
from wardconsole.domain.withdrawal import load_chart
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService, RoundEntry
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine

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


def say(text: str) -> None:
    os.write(1, (text + "\n").encode())  # one write() per line: lines never interleave


POLICY = load_policy()
CHART = load_chart()


def write_forever(db_url: str, admission_id: int, staff_code: str, tag: str) -> None:
    engine = make_engine(db_url)
    db = Database(engine, policy=POLICY, chart=CHART)
    actor = StaffService(db).actor(staff_code, f"crash-{tag}")
    recording = RecordingService(db)
    for index in range(1_000_000):
        pulse = 60 + index % 40
        entry = RoundEntry(
            vitals={**NORMAL, "pulse": pulse}, symptoms=None, note=f"burst {tag} #{index}"
        )
        key = f"{tag}-{index}-{uuid.uuid4().hex[:6]}"
        recording.record_round(actor, admission_id, entry, save_key=key)
        say(f"OK {key}")


def warm_up() -> None:
    """One save against a scratch database, so children start with SQLAlchemy's caches warm."""
    import tempfile
    from datetime import date, timedelta

    from wardconsole.services.admissions import AdmissionService, NewPatient
    from wardconsole.services.context import Role
    from wardconsole.store.engine import upgrade

    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/warm.sqlite")
        upgrade(engine)
        db = Database(engine, policy=POLICY, chart=CHART)
        StaffService(db).add("rn.warm", "Warm", Role.NURSE, None)
        actor = StaffService(db).actor("rn.warm", "warm")
        admissions = AdmissionService(db)
        admissions.ensure_beds(["W1"], "warm")
        admission = admissions.admit(
            actor,
            NewPatient("WARM1", "W", "W", date(1990, 1, 1)),
            bed="W1",
            admitted_at=db.clock() - timedelta(days=1),
        )
        for index in range(3):
            RecordingService(db).record_round(
                actor, admission, RoundEntry(vitals=NORMAL), save_key=f"warm-{index}"
            )
        engine.dispose()


def main() -> None:
    warm_up()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed children are reaped by the kernel
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "QUIT":
            return
        _, db_url, admission_id, staff_code, tag = parts
        pid = os.fork()
        if pid == 0:
            try:
                write_forever(db_url, int(admission_id), staff_code, tag)
            finally:
                os._exit(0)
        say(f"PID {pid}")


if __name__ == "__main__":
    main()
