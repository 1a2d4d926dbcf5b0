"""Fixtures for the interop tests: a ward with one seeded stay, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from interop_support import admit
from wardfakes import NORMAL_SET, Clock

from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine


@pytest.fixture
def other_db(sqlite_url: str, clock: Clock) -> Iterator[Database]:
    """A second, empty SQLite database (the other side of a round trip)."""
    eng = make_engine(sqlite_url)
    yield Database(eng, clock=clock)
    eng.dispose()


@pytest.fixture
def supervisor(db: Database) -> Actor:
    staff = StaffService(db)
    staff.add("sv.test", "Sam Supervisor", Role.SUPERVISOR, None)
    return staff.actor("sv.test", "Station A")


@pytest.fixture
def admission(db: Database, nurse: Actor, clock: Clock) -> int:
    return admit(db, nurse, clock)


@pytest.fixture
def seeded_stay(db: Database, nurse: Actor, clock: Clock, admission: int) -> int:
    """A stay with what a real night holds: complete and partial sets, a corrected set, one
    struck out, a deteriorating set (raising an escalation), charts and assessments."""
    recording = RecordingService(db)
    second = StaffService(db)
    second.add("rn.night", "Noor Night", Role.NURSE, None)
    night = second.actor("rn.night", "Station B")
    start = clock.now - timedelta(hours=24)
    recording.record_observation(
        nurse, admission, NORMAL_SET, taken_at=start, note="Settled on arrival"
    )
    recording.record_observation(
        night,
        admission,
        {**NORMAL_SET, "systolic_bp": None, "diastolic_bp": None, "temperature": None},
        taken_at=start + timedelta(hours=4, microseconds=250_000),
        missing_reasons={"systolic_bp": "asleep", "temperature": "refused"},
    )
    wrong = recording.record_observation(
        nurse,
        admission,
        {**NORMAL_SET, "pulse": 140},
        taken_at=start + timedelta(hours=8),
        confirmed=(),
    )
    recording.amend_observation(
        nurse, wrong.entry_id, {**NORMAL_SET, "pulse": 104}, reason="Pulse mistyped"
    )
    struck = recording.record_observation(
        nurse, admission, NORMAL_SET, taken_at=start + timedelta(hours=10)
    )
    recording.mark_entered_in_error(nurse, "observation", struck.entry_id, "Wrong patient")
    recording.record_observation(
        night,
        admission,
        {
            "respiration_rate": 26,
            "spo2": 91,
            "on_oxygen": True,
            "systolic_bp": 98,
            "diastolic_bp": 60,
            "pulse": 118,
            "consciousness": "C",
            "temperature": 38.6,
        },
        taken_at=start + timedelta(hours=20),
        confirmed=("pulse",),
    )
    recording.record_symptoms(
        nurse, admission, {"craving": 2, "anxiety": 1}, taken_at=start + timedelta(hours=2)
    )
    recording.record_assessment(
        nurse,
        admission,
        "phq9",
        {f"q{i}": 1 for i in range(1, 10)},
        taken_at=start + timedelta(hours=3),
    )
    recording.record_assessment(
        nurse, admission, "rass", {"score": 1}, taken_at=start + timedelta(hours=3)
    )
    recording.record_assessment(
        night, admission, "craving", {"score": 6}, taken_at=start + timedelta(hours=5)
    )
    return admission
