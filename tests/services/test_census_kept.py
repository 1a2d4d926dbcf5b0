"""A census kept open for a shift (its sleep flag and fluid totals kept between refreshes) shows
every patient exactly as a census opened fresh does, after each correction made at another
station, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.fluids import Direction, FluidInput, period_of
from wardconsole.domain.safety_checks import Presentation
from wardconsole.domain.sleep import SleepInput, SleepQuality, recent_nights
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.demo import DemoOptions, build_demo_ward
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.store.entries import current
from wardconsole.store.fluids import period_versions
from wardconsole.store.models import FluidEntryRow, SafetyCheckRow
from wardconsole.store.sleep import night_versions


def test_a_kept_census_reads_like_a_fresh_one_after_each_change_at_another_station(
    db: Database, nurse: Actor, clock: Clock, db_url: str
) -> None:
    build_demo_ward(db, DemoOptions(beds=6, days=4, seed=11, occupancy=1.0))
    kept = CensusService(db)
    now = clock.now

    def same_as_fresh() -> None:
        """Every patient's row (what each of their cells is drawn from) equals a fresh
        census's, refreshed twice so that a kept value is compared too."""
        for _ in range(2):
            assert kept.snapshot(now).rows == CensusService(db).snapshot(now).rows

    same_as_fresh()
    other = Database(make_engine(db_url), clock=clock)
    try:
        station_b = StaffService(other).actor("rn.test", "Station B")
        recording = RecordingService(other)
        ids = [row.admission_id for row in kept.snapshot(now).rows]
        period = period_of(now, other.fluid_policy.day_start, other.ward_timezone)
        entries = _current_rows(other, FluidEntryRow, period.start, now)
        assert entries, "the demo ward records fluids this period"
        first, second = entries[0], entries[-1]
        recording.amend_fluid(
            station_b,
            first.id,
            FluidInput(Direction.INTAKE, "oral", (first.volume_ml or 0) + 250, "Water"),
            reason="misread the cup",
        )
        same_as_fresh()
        recording.mark_entered_in_error(station_b, "fluid", second.id, "wrong patient")
        same_as_fresh()
        quiet = ids[-1]
        recording.record_fluid(
            station_b, quiet, FluidInput(Direction.INTAKE, "oral", 150, "Tea"), taken_at=now
        )
        same_as_fresh()
        recording.set_fluid_plan(
            station_b,
            ids[0],
            reason="other",
            reason_text="drinking little since admission",
            target_ml=1800,
            review_at=now + timedelta(hours=8),
        )
        same_as_fresh()
        recording.stop_fluid_plan(station_b, ids[0], reason="drinking well")
        same_as_fresh()
        night = recent_nights(other.shifts, now, other.sleep_policy, 1)[0]
        checks = _current_rows(other, SafetyCheckRow, night.start, night.end)
        assert checks, "the demo ward records safety checks at night"
        ObservationLevelService(other).mark_check_entered_in_error(
            station_b, checks[0].id, "checked the wrong bed"
        )
        same_as_fresh()
        ObservationLevelService(other).record_check(
            station_b, checks[-1].admission_id, Presentation.ASLEEP, "Bedroom"
        )
        same_as_fresh()
        saved = recording.record_sleep(
            station_b, ids[1], SleepInput(night.start_date, 90, SleepQuality.DISTURBED)
        )
        same_as_fresh()
        recording.amend_sleep(
            station_b,
            saved.entry_id,
            SleepInput(night.start_date - timedelta(days=1), 120, SleepQuality.DISTURBED),
            reason="it was the night before",
        )
        same_as_fresh()
    finally:
        other.engine.dispose()


def _current_rows(db: Database, model: type, start: datetime, end: datetime) -> list:
    """The current rows of an entry table taken in [start, end), oldest first."""
    with db.read() as session:
        return list(
            session.scalars(
                select(model)
                .where(model.taken_at >= start, model.taken_at < end, current(model))
                .order_by(model.taken_at, model.id)
            )
        )


def test_a_correction_moved_out_of_its_night_or_period_is_seen_by_a_kept_census(
    db: Database, clock: Clock
) -> None:
    """No screen moves a check or a fluid entry to another time yet (corrections keep the time
    taken), but a kept census must not depend on that: a night or period that loses a row to a
    correction taken elsewhere has a new version, and only that patient's does."""
    build_demo_ward(db, DemoOptions(beds=4, days=3, seed=11, occupancy=1.0))
    kept = CensusService(db)
    now = clock.now
    night = recent_nights(db.shifts, now, db.sleep_policy, 1)[0]
    period = period_of(now, db.fluid_policy.day_start, db.ward_timezone)
    ids = [row.admission_id for row in kept.snapshot(now).rows]

    def versions() -> tuple[dict, dict]:
        with db.read() as session:
            return (
                night_versions(session, ids, [(night.start, night.end, night.start_date)]),
                period_versions(session, ids, period.start, period.end),
            )

    before = versions()
    check = _current_rows(db, SafetyCheckRow, night.start, night.end)[0]
    _moved(db, SafetyCheckRow, check.id, night.start - timedelta(hours=6))
    after = versions()
    changed = {key for key in after[0] if after[0][key] != before[0].get(key)}
    assert changed == {(check.admission_id, 0)}
    assert after[1] == before[1]
    assert kept.snapshot(now).rows == CensusService(db).snapshot(now).rows
    entry = _current_rows(db, FluidEntryRow, period.start, now)[0]
    _moved(db, FluidEntryRow, entry.id, period.start - timedelta(hours=1))
    later = versions()
    assert {i for i in later[1] if later[1][i] != after[1][i]} == {entry.admission_id}
    assert later[0] == after[0]
    assert kept.snapshot(now).rows == CensusService(db).snapshot(now).rows


def _moved(db: Database, model: type, original_id: int, taken_at: datetime) -> None:
    """A correction of a row that moves it to ``taken_at`` (a new row amending it)."""
    with db.transaction() as session:
        original = session.get(model, original_id)
        values = {
            c.key: getattr(original, c.key)
            for c in model.__table__.columns  # type: ignore[attr-defined]
            if c.key not in ("id", "source_ref")
        }
        values.update(amends_id=original_id, taken_at=taken_at, amend_reason="wrong time")
        session.add(model(**values))
