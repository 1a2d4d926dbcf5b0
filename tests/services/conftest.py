from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from wardfakes import Clock

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine


@pytest.fixture
def colleague(db: Database, nurse: Actor) -> Actor:
    """A second nurse, for decisions that need two people (declining an emergency)."""
    staff = StaffService(db)
    staff.add("rn.second", "Sam Second", Role.NURSE, None)
    return staff.actor("rn.second", "Station A")


@pytest.fixture
def admission(db: Database, nurse: Actor, clock: Clock) -> int:
    service = AdmissionService(db)
    service.ensure_beds(["B01", "B02", "B03"], "Test ward")
    return service.admit(
        nurse,
        NewPatient("KD000001", "Aled", "Abernethy", date(1994, 5, 1)),
        bed="B01",
        admitted_at=clock.now - timedelta(hours=30),
        reason="Ketamine dependence",
        assigned_nurse_id=nurse.staff_id,
    )


@pytest.fixture
def station_b(db_url: str, clock: Clock) -> Iterator[tuple[Database, Actor]]:
    """The same ward database opened by a second station (its own engine and services)."""
    engine = make_engine(db_url)
    db_b = Database(engine, clock=clock)
    yield db_b, StaffService(db_b).actor("rn.test", "Station B")
    engine.dispose()
