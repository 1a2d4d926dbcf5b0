"""The chart keeps the sets it has read, and never draws them stale.

A nurse at station A has a patient's chart open (or opened it earlier); a colleague at
station B corrects a value, strikes one out or records a new set. When A re-opens the chart,
or it reloads on the change notice, A sees exactly what B saved. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import insert, literal, select
from test_charts import record_every
from wardfakes import NORMAL_SET, Clock

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.chart_cache import PREFETCHED_KEPT
from wardconsole.services.charts import ChartService, EntryState, PatientSeries
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.recording import RecordingService
from wardconsole.store.models import ObservationSetRow


def same_drawing(a: PatientSeries, b: PatientSeries) -> None:
    np.testing.assert_array_equal(a.observations.matrix, b.observations.matrix)
    np.testing.assert_array_equal(a.observations.state, b.observations.state)
    for key, track in a.vitals.items():
        np.testing.assert_array_equal(track.x, b.vitals[key].x)
        np.testing.assert_array_equal(track.y, b.vitals[key].y)
    for key, marks in a.corrections.items():
        np.testing.assert_array_equal(marks.y, b.corrections[key].y)
    assert a.observations.missing_reasons == b.observations.missing_reasons


def test_a_correction_at_station_b_shows_when_station_a_reopens(
    db: Database,
    nurse: Actor,
    admission: int,
    clock: Clock,
    station_b: tuple[Database, Actor],
) -> None:
    record_every(db, nurse, admission, clock, hours=1, count=6, start_hours_ago=7)
    charts_a = ChartService(db)
    before = charts_a.series(admission)
    assert before.vitals["pulse"].y.tolist() == [70, 71, 72, 73, 74, 75]

    db_b, nurse_b = station_b
    wrong = int(before.observations.column("id")[2])
    RecordingService(db_b).amend_observation(
        nurse_b, wrong, {**NORMAL_SET, "pulse": 118}, reason="Pulse typed wrongly"
    )

    after = charts_a.series(admission)
    assert after.vitals["pulse"].y.tolist() == [70, 71, 118, 73, 74, 75]
    assert after.corrections["pulse"].y.tolist() == [72]
    assert after.corrections["pulse"].state.tolist() == [EntryState.CORRECTED]
    same_drawing(after, ChartService(db).series(admission))  # as a fresh read draws it


def test_an_entry_struck_out_elsewhere_leaves_the_line_on_reopen(
    db: Database,
    nurse: Actor,
    admission: int,
    clock: Clock,
    station_b: tuple[Database, Actor],
) -> None:
    record_every(db, nurse, admission, clock, hours=1, count=4, start_hours_ago=5)
    charts_a = ChartService(db)
    ids = charts_a.series(admission).observations.column("id")
    db_b, nurse_b = station_b
    RecordingService(db_b).mark_entered_in_error(
        nurse_b, "observation", int(ids[-1]), "Wrong patient"
    )
    after = charts_a.series(admission)
    assert after.vitals["pulse"].y.tolist() == [70, 71, 72]
    assert after.corrections["pulse"].state.tolist() == [EntryState.ENTERED_IN_ERROR]


def test_new_sets_are_added_without_reading_the_stay_again(
    db: Database,
    nurse: Actor,
    admission: int,
    clock: Clock,
    station_b: tuple[Database, Actor],
) -> None:
    record_every(db, nurse, admission, clock, hours=1, count=5, start_hours_ago=6)
    charts_a = ChartService(db)
    charts_a.series(admission)
    db_b, nurse_b = station_b
    asleep = {k: v for k, v in NORMAL_SET.items() if k not in ("systolic_bp", "diastolic_bp")}
    partial = RecordingService(db_b).record_observation(
        nurse_b,
        admission,
        asleep,
        taken_at=clock.now - timedelta(minutes=20),
        missing_reasons={"systolic_bp": "asleep", "diastolic_bp": "asleep"},
    )
    # Recorded late, for a time between two sets already on the chart.
    RecordingService(db_b).record_observation(
        nurse_b, admission, {**NORMAL_SET, "pulse": 99}, taken_at=clock.now - timedelta(hours=3.5)
    )
    reads = charts_a.cache.full_reads
    after = charts_a.series(admission)
    assert charts_a.cache.full_reads == reads  # only the new sets were read
    assert after.vitals["pulse"].points == 7
    assert after.vitals["systolic_bp"].points == 6
    assert after.observations.missing_reasons[partial.entry_id]["systolic_bp"] == "asleep"
    times = after.observations.times
    assert (np.diff(times) >= 0).all()  # the late set sits where it was taken
    same_drawing(after, ChartService(db).series(admission))


def test_a_set_committed_out_of_id_order_is_not_missed(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """On PostgreSQL a transaction holding a lower id can commit after a higher one."""
    record_every(db, nurse, admission, clock, hours=1, count=3, start_hours_ago=4)
    charts = ChartService(db)
    first = charts.series(admission)
    source = int(first.observations.column("id")[0])
    columns = [c for c in ObservationSetRow.__table__.columns if c.name != "id"]

    def copy_set(new_id: int, pulse: int) -> None:
        values = [literal(pulse) if c.name == "pulse" else c for c in columns]
        rows = select(literal(new_id), *values).where(ObservationSetRow.id == source)
        names = ["id", *(c.name for c in columns)]
        with db.transaction() as session:
            session.execute(insert(ObservationSetRow).from_select(names, rows))

    top = int(first.observations.column("id").max())
    copy_set(top + 10, 101)  # the higher id commits first ...
    assert 101 in charts.series(admission).vitals["pulse"].y.tolist()
    copy_set(top + 5, 55)  # ... then the lower one
    pulses = charts.series(admission).vitals["pulse"].y.tolist()
    assert 55 in pulses and 101 in pulses


def test_any_range_read_from_kept_sets_equals_a_fresh_read(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    record_every(db, nurse, admission, clock, hours=2, count=12, start_hours_ago=25)
    charts = ChartService(db)
    charts.series(admission)  # the whole stay is kept
    for hours in (3, 7, 12, 24):
        kept = charts.series(admission, last=timedelta(hours=hours))
        fresh = ChartService(db).series(admission, last=timedelta(hours=hours))
        same_drawing(kept, fresh)
        assert kept.loaded_from == fresh.loaded_from
    start, end = clock.now - timedelta(hours=15), clock.now - timedelta(hours=5)
    same_drawing(
        charts.series(admission, start, end), ChartService(db).series(admission, start, end)
    )


def test_reading_ahead_keeps_only_the_last_few_and_never_a_window_s_sets_out(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """A nurse stopping on one census row after another: each row's sets are read ahead, but
    only the last ``PREFETCHED_KEPT`` not opened since are kept, and the sets of a patient
    whose window read them stay."""
    admissions = AdmissionService(db)
    admissions.ensure_beds(["B04", "B05"], "Test ward")
    patients = [admission]
    for n, bed in enumerate(("B02", "B03", "B04", "B05")):
        patients.append(
            admissions.admit(
                nurse,
                NewPatient(f"KD00010{n}", "Pat", f"Row{n}", date(1990, 1, 1)),
                bed=bed,
                admitted_at=clock.now - timedelta(hours=10),
                reason="Ketamine dependence",
                assigned_nurse_id=nurse.staff_id,
            )
        )
    for patient in patients:
        record_every(db, nurse, patient, clock, hours=1, count=3, start_hours_ago=4)
    charts = ChartService(db)
    opened = charts.series(patients[0], last=timedelta(hours=90))  # a window is open on it
    for patient in patients[1:]:
        assert charts.read_ahead(patient, timedelta(hours=72)) == 3  # 72 h and a margin
    kept = {patient: charts.cache.kept(patient) for patient in patients}
    assert kept[patients[0]] is not None and not kept[patients[0]].prefetched
    assert [p for p in patients[1:] if kept[p] is not None] == patients[-PREFETCHED_KEPT:]
    assert all(kept[p].prefetched for p in patients[-PREFETCHED_KEPT:])  # type: ignore[union-attr]

    reads = charts.cache.full_reads
    shown = charts.series(patients[-1], last=timedelta(hours=90))  # opened: read ahead
    assert charts.cache.full_reads == reads
    assert not charts.cache.kept(patients[-1]).prefetched  # type: ignore[union-attr]
    same_drawing(shown, ChartService(db).series(patients[-1], last=timedelta(hours=90)))
    same_drawing(opened, ChartService(db).series(patients[0], last=timedelta(hours=90)))


def test_a_discharged_stay_is_not_read_ahead(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """Reading a discharged stay is checked and audited when a nurse opens it; reading ahead
    reads nothing of it."""
    record_every(db, nurse, admission, clock, hours=1, count=3, start_hours_ago=4)
    DischargeService(db).discharge(
        nurse,
        admission,
        destination="outpatient_programme",
        summary="Settled; continues in the outpatient programme.",
    )
    charts = ChartService(db)
    assert charts.read_ahead(admission, None) == 0
    assert charts.cache.kept(admission) is None and charts.cache.full_reads == 0
