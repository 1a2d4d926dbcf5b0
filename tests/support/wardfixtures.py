"""Fixtures every database-backed test package shares (store, services, interop, reports,
safety): the ward's clock, a ``Database`` on each backend, and a signed-in nurse.

Registered once for the whole suite through ``pytest_plugins`` in ``tests/conftest.py``; a
package that needs a different one (a patient admitted differently, say) defines its own in
its conftest, which takes precedence.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from wardfakes import Clock

from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.staff import StaffService


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 25, 22, 0, tzinfo=UTC))


@pytest.fixture
def db(engine: Engine, clock: Clock) -> Iterator[Database]:
    yield Database(engine, clock=clock)


@pytest.fixture
def nurse(db: Database) -> Actor:
    staff = StaffService(db)
    staff.add("rn.test", "Robin Test", Role.NURSE, None)
    return staff.actor("rn.test", "Station A")
