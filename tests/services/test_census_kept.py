"""A census kept open for a shift (its sleep flag, fluid totals, latest observation sets, symptom
chart and RASS kept between refreshes) shows
every patient exactly as a census opened fresh does, after each correction made at another
station, on both databases: refreshed whole, and refreshed as the console refreshes it when the
change feed reports a change (``scoped``: only the patients the changes name are read again, the
others' rows worked out again from what was kept)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.changes import Change
from wardconsole.domain.fluids import Direction, FluidInput, period_of
from wardconsole.domain.safety_checks import Presentation
from wardconsole.domain.sleep import SleepInput, SleepQuality, recent_nights
from wardconsole.services import census as census_module
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.demo import DemoOptions, build_demo_ward
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.services.views import CensusRow
from wardconsole.store import fluids as store_fluids
from wardconsole.store import repository
from wardconsole.store import sleep as store_sleep
from wardconsole.store.changes import open_change_feed, record_change
from wardconsole.store.engine import make_engine
from wardconsole.store.entries import current
from wardconsole.store.fluids import period_versions
from wardconsole.store.models import (
    FluidEntryRow,
    ObservationSetRow,
    PrnDoseRow,
    SafetyCheckRow,
    SymptomEntryRow,
)
from wardconsole.store.sleep import night_versions


class _StationA:
    """The census kept open at station A, refreshed as the console refreshes it: whole, or
    (``scoped``) after noting what the change feed reported since the last refresh."""

    def __init__(self, db: Database, scoped: bool) -> None:
        self.census = CensusService(db)
        self.scoped = scoped
        self._feed = self.census.watch(open_change_feed(db.engine)) if scoped else None

    def snapshot(self, now: datetime) -> object:
        return self.census.snapshot(now, scoped=self.scoped)

    def heard(self) -> None:
        """What another station just wrote reaches the feed, which the census watches."""
        if self._feed is not None:
            changes = self._feed.wait(10.0)
            assert changes, "a write at another station is reported by the change feed"

    def close(self) -> None:
        if self._feed is not None:
            self._feed.close()


@pytest.mark.parametrize("scoped", [False, True], ids=["whole", "scoped"])
def test_a_kept_census_reads_like_a_fresh_one_after_each_change_at_another_station(
    db: Database, nurse: Actor, clock: Clock, db_url: str, scoped: bool
) -> None:
    build_demo_ward(db, DemoOptions(beds=6, days=4, seed=11, occupancy=1.0))
    station_a = _StationA(db, scoped)
    now = clock.now

    def same_as_fresh(at: datetime | None = None) -> None:
        """Every patient's row (what each of their cells is drawn from) equals a fresh
        census's, refreshed twice so that a kept value is compared too."""
        station_a.heard()
        for _ in range(2):
            rows = station_a.snapshot(at or now).rows  # type: ignore[attr-defined]
            assert rows == CensusService(db).snapshot(at or now).rows

    for _ in range(2):
        assert station_a.snapshot(now) == CensusService(db).snapshot(now)
    other, station_b, recording = _station_b(db_url, clock)
    try:
        ids = [row.admission_id for row in station_a.snapshot(now).rows]  # type: ignore[attr-defined]
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
        ObservationLevelService(other).record_check(station_b, ids[2], Presentation.CALM, "Lounge")
        station_a.heard()
        for later in (
            now + timedelta(minutes=20),
            now + timedelta(hours=9),
            now + timedelta(days=2),
        ):
            # Nothing new: overdue checks, fluid reviews, nights and "ago" worked out again at a
            # later time from what was kept (a new fluid period and new nights are read again).
            for _ in range(2):
                assert station_a.snapshot(later) == CensusService(db).snapshot(later)
        assert station_a.snapshot(now) == CensusService(db).snapshot(now)  # and back
    finally:
        other.engine.dispose()
        station_a.close()


def _station_b(db_url: str, clock: Clock) -> tuple[Database, Actor, RecordingService]:
    """Another station on the same database (its own engine), signed in, and its recording."""
    other = Database(make_engine(db_url), clock=clock)
    return other, StaffService(other).actor("rn.test", "Station B"), RecordingService(other)


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


def _moved(
    db: Database, model: type, original_id: int, taken_at: datetime, *, reported: bool = False
) -> None:
    """A correction of a row that moves it to ``taken_at`` (a new row amending it); with
    ``reported``, its change-log row too, as every write through a service has."""
    with db.transaction() as session:
        original = session.get(model, original_id)
        values = {
            c.key: getattr(original, c.key)
            for c in model.__table__.columns  # type: ignore[attr-defined]
            if c.key not in ("id", "source_ref")
        }
        values.update(amends_id=original_id, taken_at=taken_at, amend_reason="wrong time")
        session.add(model(**values))
        if reported:
            record_change(session, "observation", original.admission_id, "Station B")


@pytest.mark.parametrize("scoped", [False, True], ids=["whole", "scoped"])
def test_a_kept_census_reads_observations_symptoms_and_rass_like_a_fresh_one(
    db: Database, nurse: Actor, clock: Clock, db_url: str, scoped: bool
) -> None:
    """Corrections, strike-outs (of the latest complete set too, so an older one is latest
    again), a new partial set, a new complete set, a set moved to an earlier time, symptom
    charts and RASS entered at another station: each patient reads as a fresh census reads
    them, and so do the times due later on, worked out again from the kept sets."""
    build_demo_ward(db, DemoOptions(beds=6, days=4, seed=11, occupancy=1.0))
    station_a = _StationA(db, scoped)
    now = clock.now

    def same_as_fresh(at: datetime | None = None, *, written: bool = True) -> None:
        """Refreshed three times: a stay read afresh, then with its versions, then kept;
        ``written``: after a write at station B."""
        if written:
            station_a.heard()
        for _ in range(3):
            rows = station_a.snapshot(at or now).rows  # type: ignore[attr-defined]
            assert rows == CensusService(db).snapshot(at or now).rows

    same_as_fresh(written=False)
    other, station_b, recording = _station_b(db_url, clock)
    try:
        ids = [row.admission_id for row in station_a.snapshot(now).rows]  # type: ignore[attr-defined]
        start = now - timedelta(days=30)
        sets = {i: _of(_current_rows(other, ObservationSetRow, start, now), i) for i in ids}
        latest = sets[ids[0]][-1]
        recording.amend_observation(
            station_b, latest.id, {**NORMAL_SET, "pulse": 131}, reason="counted twice"
        )
        same_as_fresh()
        complete = [o for o in sets[ids[1]] if o.is_complete][-1]
        recording.mark_entered_in_error(station_b, "observation", complete.id, "wrong patient")
        station_a.heard()
        station_a.snapshot(now)  # the older complete set is read: its rows start earlier
        asleep = {k: v for k, v in NORMAL_SET.items() if k not in ("systolic_bp", "diastolic_bp")}
        earlier = [o for o in sets[ids[1]] if o.is_complete][-2]
        recording.record_observation(  # entered late, after the complete set now latest
            station_b,
            ids[1],
            {**asleep, "respiration_rate": 27},
            taken_at=earlier.taken_at + (complete.taken_at - earlier.taken_at) / 2,
            missing_reasons={"systolic_bp": "asleep", "diastolic_bp": "asleep"},
        )
        same_as_fresh()
        assert _row(station_a, now, ids[1]).news2_at_least is not None
        recording.record_observation(
            station_b,
            ids[2],
            {**asleep, "respiration_rate": 27},
            taken_at=now,
            missing_reasons={"systolic_bp": "asleep", "diastolic_bp": "asleep"},
        )
        same_as_fresh()
        assert _row(station_a, now, ids[2]).latest_set_partial
        recording.record_observation(station_b, ids[2], NORMAL_SET, taken_at=now)
        same_as_fresh()
        assert not _row(station_a, now, ids[2]).latest_set_partial
        moved = [o for o in sets[ids[3]] if o.is_complete][-1]
        _moved(
            other, ObservationSetRow, moved.id, moved.taken_at - timedelta(days=2), reported=scoped
        )
        same_as_fresh()
        recording.record_observation(
            station_b, ids[4], NORMAL_SET, taken_at=sets[ids[4]][-1].taken_at - timedelta(hours=1)
        )
        same_as_fresh()
        recording.record_symptoms(station_b, ids[0], {"craving": 3})
        same_as_fresh()
        charts = _of(_current_rows(other, SymptomEntryRow, start, now), ids[1])
        assert charts, "the demo ward records symptom charts"
        recording.mark_entered_in_error(station_b, "symptoms", charts[-1].id, "wrong patient")
        same_as_fresh()
        dosed = _current_rows(other, PrnDoseRow, start, now)
        assert dosed, "the demo ward gives PRN doses"
        rass = recording.record_assessment(
            station_b, dosed[-1].admission_id, "rass", {"score": -2}, taken_at=now
        )
        same_as_fresh()
        recording.mark_entered_in_error(station_b, "assessment", rass.entry_id, "wrong patient")
        same_as_fresh()
        for later in (now + timedelta(hours=2), now + timedelta(days=8)):
            # Overdue and due times worked out again from kept sets.
            same_as_fresh(later, written=False)
        same_as_fresh(written=False)  # and back: the history window's start moved earlier again
    finally:
        other.engine.dispose()
        station_a.close()


def test_a_kept_census_reads_again_only_the_stays_whose_entries_changed(
    db: Database, nurse: Actor, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_demo_ward(db, DemoOptions(beds=4, days=2, seed=11, occupancy=1.0))
    kept = CensusService(db)
    now = clock.now
    read: list[list[int]] = []
    real = repository.latest_and_complete_observations

    def counted(session: object, admission_ids: list[int]) -> object:
        read.append(sorted(admission_ids))
        return real(session, admission_ids)  # type: ignore[arg-type]

    monkeypatch.setattr(repository, "latest_and_complete_observations", counted)
    ids = sorted(row.admission_id for row in kept.snapshot(now).rows)
    kept.snapshot(now)
    read.clear()
    kept.snapshot(now)
    assert read == []
    RecordingService(db).record_observation(nurse, ids[1], NORMAL_SET, taken_at=now)
    kept.snapshot(now)
    assert read == [[ids[1]]]


def test_a_scoped_refresh_reads_again_only_the_patients_the_changes_name(
    db: Database, nurse: Actor, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change naming a patient: only that patient's rows are read again, and only those that
    can be written under the change's topic (a stay's own change: all of them); nothing
    noted: none; a change naming no patient (the ward's policy), a refresh asked for whole,
    or one at an earlier time than the last: everyone's."""
    build_demo_ward(db, DemoOptions(beds=4, days=2, seed=11, occupancy=1.0))
    census = CensusService(db)
    now = clock.now
    read: list[tuple[str, list[int]]] = []

    def counted(name: str, real: Any) -> Any:
        def reads(session: object, admission_ids: list[int], *args: Any, **kwargs: Any) -> Any:
            if admission_ids:
                read.append((name, sorted(admission_ids)))
            return real(session, admission_ids, *args, **kwargs)

        return reads

    for name in ("level_periods", "latest_checks"):
        monkeypatch.setattr(census_module, name, counted(name, getattr(census_module, name)))
    for name in ("decisions_by_admission", "prn_dose_rows_since"):
        monkeypatch.setattr(repository, name, counted(name, getattr(repository, name)))
    for module, name in (
        (census_module.weights, "last_weighed"),
        (store_fluids, "period_versions"),
        (store_sleep, "night_versions"),
    ):
        monkeypatch.setattr(module, name, counted(name, getattr(module, name)))
    every = ["decisions_by_admission", "last_weighed", "latest_checks", "level_periods"]
    every += ["night_versions", "period_versions", "prn_dose_rows_since"]
    ids = sorted(row.admission_id for row in census.snapshot(now, scoped=True).rows)
    # The first refresh reads everyone.
    assert sorted(read) == [(name, ids) for name in sorted(every)]
    read.clear()
    census.snapshot(now, scoped=True)
    assert read == []
    ObservationLevelService(db).record_check(nurse, ids[2], Presentation.CALM, "Bedroom")
    read.clear()  # what the write itself read (its rules)
    census.note_changes([Change(seq=1, topic="safety_check", admission_id=ids[2])])
    census.snapshot(now, scoped=True)
    # The check's night may be one the sleep flag reads.
    assert sorted(read) == [("latest_checks", [ids[2]]), ("night_versions", [ids[2]])]
    read.clear()
    RecordingService(db).record_observation(nurse, ids[1], NORMAL_SET, taken_at=now)
    read.clear()
    census.note_changes([Change(seq=2, topic="observation", admission_id=ids[1])])
    census.snapshot(now, scoped=True)
    assert read == []
    census.note_changes([Change(seq=3, topic="admission", admission_id=ids[1])])
    census.snapshot(now, scoped=True)
    assert sorted(read) == [(name, [ids[1]]) for name in sorted(every)]
    for whole in (
        lambda: census.note_changes([Change(seq=2, topic="ward_policy", admission_id=None)]),
        lambda: census.note_changes(None),
    ):
        read.clear()
        whole()
        census.snapshot(now, scoped=True)
        assert sorted(read) == [(name, ids) for name in sorted(every)]
    read.clear()
    census.snapshot(now, scoped=False)
    assert sorted(read) == [(name, ids) for name in sorted(every)]
    read.clear()
    census.snapshot(now - timedelta(minutes=1), scoped=True)
    assert sorted(read) == [(name, ids) for name in sorted(every)]


class _Feed:
    """A change feed that reports the batches it is given, one per wait."""

    def __init__(self, *batches: list[Change]) -> None:
        self.batches = list(batches)
        self.woken = self.closed = 0

    def wait(self, timeout: float) -> list[Change]:
        return self.batches.pop(0) if self.batches else []

    def wake(self) -> None:
        self.woken += 1

    def close(self) -> None:
        self.closed += 1


def test_a_feed_the_census_watches_notes_its_opening_and_each_batch_it_reports(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening it may have missed what was committed before ("anything may have changed");
    each batch is noted as it is read, before the station hears of it, and passed on as it
    came; waking and closing reach the feed."""
    census = CensusService(db)
    noted: list[list[Change] | None] = []
    monkeypatch.setattr(
        census,
        "note_changes",
        lambda changes: noted.append(None if changes is None else list(changes)),
    )
    batch = [Change(seq=7, topic="observation", admission_id=3)]
    feed = _Feed(batch, [])
    watched = census.watch(feed)
    assert noted == [None]
    assert watched.wait(1.0) == batch
    assert watched.wait(1.0) == []  # nothing reported: nothing noted
    assert noted == [None, batch]
    watched.wake()
    watched.close()
    assert (feed.woken, feed.closed) == (1, 1)


def _of(rows: list, admission_id: int) -> list:
    return [r for r in rows if r.admission_id == admission_id]


def _row(station: _StationA, now: datetime, admission_id: int) -> CensusRow:
    rows = station.snapshot(now).rows  # type: ignore[attr-defined]
    return next(r for r in rows if r.admission_id == admission_id)
