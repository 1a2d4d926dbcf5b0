"""A patient's chart series: what the trend view draws, read straight into numpy arrays.

Runs on SQLite and PostgreSQL (the ``db`` fixture): the epoch conversion is done in SQL.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationKind
from wardconsole.services.charts import (
    ChartService,
    EntryState,
    EventKind,
    make_track,
    usual_intervals,
)
from wardconsole.services.context import Actor, NotFound
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService

SICK = {
    **NORMAL_SET,
    "respiration_rate": 26,
    "pulse": 132,
    "systolic_bp": 95,
    "diastolic_bp": 60,
    "temperature": 39.2,
}


def record_every(
    db: Database,
    nurse: Actor,
    admission: int,
    clock: Clock,
    *,
    hours: float,
    count: int,
    start_hours_ago: float,
    values: dict | None = None,
) -> list[float]:
    """Record ``count`` normal sets ``hours`` apart; return their times (epoch seconds)."""
    service = RecordingService(db)
    times = []
    for n in range(count):
        taken = clock.now - timedelta(hours=start_hours_ago - n * hours)
        service.record_observation(
            nurse, admission, {**(values or NORMAL_SET), "pulse": 70 + n}, taken_at=taken
        )
        times.append(taken.timestamp())
    return times


def test_every_current_set_is_a_point_on_every_track(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    times = record_every(db, nurse, admission, clock, hours=4, count=6, start_hours_ago=24)
    series = ChartService(db).series(admission)
    assert len(series.observations) == 6
    for name in (
        "news2_total",
        "respiration_rate",
        "spo2",
        "systolic_bp",
        "diastolic_bp",
        "pulse",
        "temperature",
        "consciousness",
    ):
        track = series.vitals[name]
        assert track.points == 6 and track.breaks == 0, name
    np.testing.assert_allclose(series.vitals["pulse"].x, times, atol=0.01)
    assert series.vitals["pulse"].y.tolist() == [70, 71, 72, 73, 74, 75]
    assert series.vitals["news2_total"].codes.tolist() == [0] * 6  # all 'low'
    assert series.admitted_at == pytest.approx((clock.now - timedelta(hours=30)).timestamp())
    assert series.as_of == pytest.approx(clock.now.timestamp())


def test_a_missed_night_is_a_gap_not_a_line(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    before = record_every(db, nurse, admission, clock, hours=4, count=4, start_hours_ago=29)
    after = record_every(db, nurse, admission, clock, hours=4, count=3, start_hours_ago=8)
    series = ChartService(db).series(admission)
    rr = series.vitals["respiration_rate"]
    assert rr.points == 7 and rr.breaks == 1
    gap = int(np.flatnonzero(np.isnan(rr.y))[0])
    assert rr.x[gap - 1] == pytest.approx(before[-1], abs=0.01)
    assert rr.x[gap + 1] == pytest.approx(after[0], abs=0.01)
    assert rr.latest_at(before[-1] + 3600) is None  # inside the gap: nothing carried over
    assert rr.latest_at(after[0] + 60)[1] == NORMAL_SET["respiration_rate"]


def test_a_partial_set_leaves_only_the_missing_values_out(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    record_every(db, nurse, admission, clock, hours=4, count=3, start_hours_ago=12)
    asleep = {k: v for k, v in NORMAL_SET.items() if k not in ("systolic_bp", "diastolic_bp")}
    result = RecordingService(db).record_observation(
        nurse,
        admission,
        asleep,
        taken_at=clock.now - timedelta(minutes=30),
        missing_reasons={"systolic_bp": "asleep", "diastolic_bp": "asleep"},
    )
    series = ChartService(db).series(admission)
    assert series.vitals["pulse"].points == 4
    assert series.vitals["systolic_bp"].points == 3
    assert series.vitals["news2_total"].points == 3  # a partial set never makes a score
    assert series.observations.missing_reasons[result.entry_id] == {
        "systolic_bp": "asleep",
        "diastolic_bp": "asleep",
    }


def test_a_corrected_value_is_kept_beside_the_correction(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    first = recording.record_observation(
        nurse, admission, {**NORMAL_SET, "pulse": 140}, taken_at=clock.now - timedelta(hours=2)
    )
    recording.amend_observation(
        nurse, first.entry_id, {**NORMAL_SET, "pulse": 104}, reason="Pulse typed wrongly"
    )
    series = ChartService(db).series(admission)
    assert series.vitals["pulse"].y.tolist() == [104]
    marks = series.corrections["pulse"]
    assert marks.y.tolist() == [140]
    assert marks.state.tolist() == [EntryState.CORRECTED]
    assert marks.current_y.tolist() == [104]
    [event] = [e for e in series.events if e.kind is EventKind.CORRECTION]
    assert event.title == "Observation set corrected"
    assert event.detail == "Pulse typed wrongly" and event.by == "Robin Test"


def test_an_entry_in_error_leaves_the_line_and_says_so(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    record_every(db, nurse, admission, clock, hours=4, count=2, start_hours_ago=8)
    wrong = recording.record_observation(
        nurse, admission, {**NORMAL_SET, "spo2": 88}, taken_at=clock.now - timedelta(hours=1)
    )
    recording.mark_entered_in_error(nurse, "observation", wrong.entry_id, "Wrong patient")
    series = ChartService(db).series(admission)
    assert 88 not in series.vitals["spo2"].y.tolist()
    assert series.corrections["spo2"].y.tolist() == [88]
    assert series.corrections["spo2"].state.tolist() == [EntryState.ENTERED_IN_ERROR]
    states = series.observations.state.tolist()
    assert states.count(EntryState.ERROR_RECORD) == 1
    assert any(
        e.kind is EventKind.ENTERED_IN_ERROR and e.detail == "Wrong patient" for e in series.events
    )


def test_escalation_steps_and_prn_doses_are_events(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.record_observation(nurse, admission, SICK)
    escalations = EscalationService(db)
    [esc] = [e for e in escalations.open() if e.kind is EscalationKind.DETERIORATION]
    clock.advance(minutes=4)
    escalations.acknowledge(nurse, esc.id, escalations.get(esc.id).version)
    clock.advance(minutes=30)
    escalations.resolve(nurse, esc.id, escalations.get(esc.id).version, "Doctor reviewed")
    recording.record_prn(
        nurse,
        admission,
        drug="Lorazepam",
        dose="1 mg",
        route="oral",
        reason="Acute anxiety",
    )
    events = ChartService(db).series(admission).events
    kinds = [e.kind for e in events]
    assert (
        kinds.index(EventKind.ESCALATION_RAISED)
        < kinds.index(EventKind.ESCALATION_ACKNOWLEDGED)
        < kinds.index(EventKind.ESCALATION_RESOLVED)
    )
    resolved = next(e for e in events if e.kind is EventKind.ESCALATION_RESOLVED)
    assert resolved.title.startswith("Deterioration escalation resolved")
    assert resolved.by == "Robin Test" and resolved.station == "Station A"
    prn = next(e for e in events if e.kind is EventKind.PRN)
    assert prn.title == "PRN Lorazepam 1 mg oral"
    assert prn.detail == "Benzodiazepine: Acute anxiety"
    assert prn.at == pytest.approx(clock.now.timestamp(), abs=0.01)


def test_only_the_asked_range_of_sets_is_read(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    record_every(db, nurse, admission, clock, hours=2, count=12, start_hours_ago=24)
    service = ChartService(db)
    series = service.series(admission, last=timedelta(hours=7))
    assert len(series.observations) == 3  # taken 6, 4 and 2 hours ago
    assert series.loaded_from == pytest.approx((clock.now - timedelta(hours=7)).timestamp())
    assert series.covers(series.as_of - 3600, series.as_of)
    assert not series.covers(series.admitted_at, series.as_of)
    whole = service.series(admission)
    assert len(whole.observations) == 12 and whole.covers(whole.admitted_at, whole.as_of)


def test_symptoms_and_assessments_are_series_too(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.record_symptoms(
        nurse,
        admission,
        {"anxiety": 4, "hallucinations_auditory": 5},
        taken_at=clock.now - timedelta(hours=1),
    )
    recording.record_assessment(nurse, admission, "rass", {"score": 2})
    recording.record_assessment(
        nurse, admission, "hallucination", {"score": 6, "modalities": ["auditory"]}
    )
    series = ChartService(db).series(admission)
    assert series.symptom_tracks["total"].y.tolist() == [9]
    assert series.symptom_tracks["hallucinations_auditory"].y.tolist() == [5]
    assert series.assessment_tracks["rass"].y.tolist() == [2]
    hallucination = next(e for e in series.events if e.kind is EventKind.HALLUCINATION)
    assert hallucination.detail.startswith("6/7 Severe")
    references = {(r.track, r.value) for r in series.references}
    assert ("4at", 4) in references and ("hallucinations_auditory", 4) in references


def test_an_unknown_admission_is_refused(db: Database) -> None:
    with pytest.raises(NotFound):
        ChartService(db).series(9999)


# -- pure helpers (no database) -----------------------------------------------------------


def test_the_usual_interval_ignores_one_long_gap() -> None:
    times = np.cumsum([0] + [3600] * 5 + [12 * 3600] + [3600] * 5).astype(float)
    usual = usual_intervals(times)
    assert set(usual.tolist()) == {3600.0}


def test_a_break_sits_just_after_the_last_value_before_the_gap() -> None:
    times = np.array([0, 60, 120, 180, 3600, 3660, 3720], dtype=float)
    values = np.array([1, 2, 3, 4, 5, 6, 7], dtype=float)
    track = make_track(times, values, usual_intervals(times))
    assert track.breaks == 1
    assert np.isnan(track.y[4]) and track.x[4] == 181.0
    assert track.points == 7


def test_missing_values_are_left_out_not_zero() -> None:
    times = np.arange(6, dtype=float) * 3600
    values = np.array([1, np.nan, 3, 4, np.nan, 6])
    track = make_track(times, values, usual_intervals(times))
    assert track.y.tolist() == [1, 3, 4, 6] and track.breaks == 0


def test_oxygen_periods_are_a_track_of_their_own(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    for hours, oxygen in ((6, False), (4, True), (2, True), (0.5, False)):
        recording.record_observation(
            nurse,
            admission,
            {**NORMAL_SET, "on_oxygen": oxygen},
            taken_at=clock.now - timedelta(hours=hours),
        )
    series = ChartService(db).series(admission)
    on = series.oxygen
    assert on.points == 2
    assert on.x[~np.isnan(on.y)].tolist() == pytest.approx(
        [(clock.now - timedelta(hours=h)).timestamp() for h in (4, 2)]
    )
    assert series.vitals["news2_total"].y.tolist() == [0, 2, 2, 0]  # oxygen scores 2
