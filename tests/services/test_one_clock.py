"""One clock for the ward: times normalised to UTC at the service boundary, naive times refused,
the database server's clock for what is recorded, and every station able to tell when nobody
is running the time-driven checks. Both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from wardfakes import NORMAL_SET, Clock

from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor, InvalidInput
from wardconsole.services.db import Database, utc_now
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService, RoundEntry
from wardconsole.services.staff import StaffService
from wardconsole.store.models import ObservationSetRow, PrnDoseRow

LONDON = ZoneInfo("Europe/London")
SLIGHTLY_UNWELL = {**NORMAL_SET, "pulse": 95}  # NEWS2 1: next set within 4 h


@pytest.fixture
def clock() -> Clock:
    """The night the clocks go back: 01:00–02:00 London time happens twice."""
    return Clock(datetime(2026, 10, 25, 3, 0, tzinfo=UTC))


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(("fold", "utc_hour"), [(0, 0), (1, 1)])
def test_a_london_time_on_the_clock_change_night_gives_the_census_due_time(
    db: Database, nurse: Actor, admission: int, clock: Clock, fold: int, utc_hour: int
) -> None:
    """01:30 happens twice in London on 25 October 2026: BST (00:30 UTC), then GMT."""
    taken = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=fold)
    result = RecordingService(db).record_round(
        nurse, admission, RoundEntry(vitals=SLIGHTLY_UNWELL), save_key=f"dst-{fold}", taken_at=taken
    )
    assert result.taken_at == datetime(2026, 10, 25, utc_hour, 30, tzinfo=UTC)
    assert result.taken_at.utcoffset() == timedelta(0)
    due = datetime(2026, 10, 25, utc_hour + 4, 30, tzinfo=UTC)  # 4 h of elapsed time
    assert result.next_obs_due_at == due
    [row] = CensusService(db).snapshot().rows
    assert row.next_obs_due_at == due


def test_naive_times_are_refused_and_nothing_is_written(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    naive = datetime(2026, 11, 25, 21, 0)
    with pytest.raises(InvalidInput) as caught:
        recording.record_observation(nurse, admission, NORMAL_SET, taken_at=naive)
    assert "time zone missing" in caught.value.problems["taken_at"]
    with pytest.raises(InvalidInput) as caught:
        recording.record_prn(
            nurse,
            admission,
            drug="Diazepam",
            drug_class="benzodiazepine",
            dose="5 mg",
            route="PO",
            reason="Anxiety",
            given_at=naive,
        )
    assert "given_at" in caught.value.problems
    assert _count(db, ObservationSetRow) == _count(db, PrnDoseRow) == 0


def test_recorded_times_come_from_the_database_servers_clock(
    engine: Engine, admission: int
) -> None:
    """A station whose own clock runs 5 minutes fast still records the server's time, and
    says its clock is off."""
    fast = Database(engine, system_clock=lambda: utc_now() + timedelta(minutes=5))
    staff = StaffService(fast)
    staff.add("rn.fast", "Fran Fast", "nurse", None)  # type: ignore[arg-type]
    nurse = staff.actor("rn.fast", "Station F")
    skew = fast.sync_clock()
    assert abs(skew - timedelta(minutes=5)) < timedelta(seconds=5)
    saved = RecordingService(fast).record_observation(nurse, admission, NORMAL_SET)
    server = fast.server_time()
    with fast.read() as session:
        row = session.get_one(ObservationSetRow, saved.entry_id)
    assert abs(row.recorded_at - server) < timedelta(seconds=5)
    assert abs(row.taken_at - server) < timedelta(seconds=5)
    status = EscalationService(fast).ward_checks()
    assert status.clock_off
    assert status.max_clock_skew == timedelta(seconds=60)


def test_a_station_in_step_with_the_server_does_not_warn(engine: Engine) -> None:
    db = Database(engine)
    assert db.clock_skew is None
    assert abs(db.sync_clock()) < timedelta(seconds=5)
    assert not EscalationService(db).ward_checks().clock_off


def test_every_station_sees_when_the_ward_checks_last_ran(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = EscalationService(db)
    never = service.ward_checks()
    assert never.last_ran_at is None and never.stale
    service.evaluate_ward(nurse)
    ran = clock.now
    clock.advance(minutes=5)
    status = service.ward_checks()
    assert (status.last_ran_at, status.station) == (ran, "Station A")
    assert not status.stale  # exactly the policy's 5 minutes: not yet
    clock.advance(seconds=1)
    assert service.ward_checks().stale
    service.evaluate_ward(nurse)
    assert service.ward_checks().last_ran_at == clock.now
    assert not service.ward_checks().stale
