"""Fixtures come from tests/support (dbfixtures, wardfixtures) via tests/conftest.py; the
printed-handoff tests share the seeded night (``ward``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dbfixtures import seed_database
from handoffnight import Ward, at, night_ward, record_night
from wardfakes import Clock

from wardconsole.services.db import Database
from wardconsole.store.engine import make_engine


@pytest.fixture
def ward(sqlite_url: str) -> Iterator[Ward]:
    """The seeded night shift (two patients, a nurse and a supervisor) from 17:00."""
    night = seed_database(sqlite_url, record_night)
    engine = make_engine(sqlite_url)
    clock = Clock(at(17, 0))
    yield night_ward(Database(engine, clock=clock), clock, night)
    engine.dispose()
