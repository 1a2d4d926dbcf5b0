"""The observation sets read as columns of text are exactly the sets read row by row.

A patient's first chart reads every set of the stay as one text per column (parsed by numpy)
instead of one Python row per set. Whatever the records hold (corrections, entries struck out,
partial sets, missing values, meter LO / HI, sets taken at the same moment, awkward decimals),
the matrix is the one the row-by-row read gives. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import update
from test_charts import SICK, record_every
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.news2 import ACVPU
from wardconsole.services.charts import RISKS, ChartService, EntryState
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.store import series
from wardconsole.store.models import ObservationSetRow

CODES = {"consciousness_codes": ACVPU, "risk_codes": RISKS}


def both_reads(
    db: Database,
    admission: int,
    start: datetime | None = None,
    end: datetime | None = None,
    after_id: int | None = None,
    *,
    by_columns: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(the column read, the row read); ``by_columns``: the column read must not fall back."""
    with db.read() as session:
        with pytest.MonkeyPatch.context() as patch:
            if by_columns:
                patch.setattr(series, "observation_rows_matrix", _no_fallback)
            columns = series.observation_matrix(
                session, admission, start, end, after_id=after_id, **CODES
            )
        rows = series.observation_rows_matrix(
            session, admission, start, end, after_id=after_id, **CODES
        )
    return columns, rows


def _no_fallback(*_args: object, **_kwargs: object) -> np.ndarray:
    raise AssertionError("the column read fell back to the row read")


def assert_same(columns: np.ndarray, rows: np.ndarray) -> None:
    assert columns.shape == rows.shape
    assert columns.dtype == rows.dtype == np.float64
    np.testing.assert_array_equal(columns, rows)  # NaN where NaN, every number to the bit


def a_varied_stay(db: Database, nurse: Actor, admission: int, clock: Clock) -> dict[str, int]:
    """Sets of every kind the chart has to draw honestly; the ids of the notable ones."""
    recording = RecordingService(db)
    record_every(db, nurse, admission, clock, hours=1, count=6, start_hours_ago=20)
    sick = recording.record_observation(
        nurse, admission, SICK, taken_at=clock.now - timedelta(hours=12), confirmed=tuple(SICK)
    )
    asleep = {k: v for k, v in NORMAL_SET.items() if k not in ("systolic_bp", "diastolic_bp")}
    partial = recording.record_observation(
        nurse,
        admission,
        asleep,
        taken_at=clock.now - timedelta(hours=11),
        missing_reasons={"systolic_bp": "asleep", "diastolic_bp": "asleep"},
    )
    typo = recording.record_observation(
        nurse, admission, {**NORMAL_SET, "pulse": 140}, taken_at=clock.now - timedelta(hours=10)
    )
    recording.amend_observation(
        nurse, typo.entry_id, {**NORMAL_SET, "pulse": 104}, reason="Pulse typed wrongly"
    )
    wrong = recording.record_observation(
        nurse, admission, {**NORMAL_SET, "spo2": 88}, taken_at=clock.now - timedelta(hours=9)
    )
    recording.mark_entered_in_error(nurse, "observation", wrong.entry_id, "Wrong patient")
    same_moment = clock.now - timedelta(hours=8)
    for pulse in (81, 79):  # two sets at the same moment: oldest first, then by id
        recording.record_observation(
            nurse, admission, {**NORMAL_SET, "pulse": pulse}, taken_at=same_moment
        )
    on_oxygen = {**NORMAL_SET, "on_oxygen": True, "spo2": 95, "consciousness": "C"}
    recording.record_observation(
        nurse,
        admission,
        on_oxygen,
        taken_at=clock.now - timedelta(hours=7),
        confirmed=("consciousness",),
    )
    for hours, glucose in ((6, "5.6"), (5, "LO"), (4, "HI")):
        recording.record_observation(
            nurse,
            admission,
            {**NORMAL_SET, "glucose": glucose},
            taken_at=clock.now - timedelta(hours=hours, seconds=0.25),
            confirmed=("glucose",),
        )
    return {"sick": sick.entry_id, "partial": partial.entry_id, "typo": typo.entry_id}


def test_the_column_read_equals_the_row_read_over_a_varied_stay(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    ids = a_varied_stay(db, nurse, admission, clock)
    columns, rows = both_reads(db, admission)
    assert_same(columns, rows)
    assert len(columns) == 18
    column = series.OBSERVATION_COLUMNS.index
    partial = columns[columns[:, column("id")] == ids["partial"]][0]
    assert np.isnan(partial[column("systolic_bp")]) and np.isnan(partial[column("news2_total")])
    assert partial[column("news2_risk")] == -1  # never scored as 0
    assert np.nansum(columns[:, column("glucose_flag")] >= 0) == 2  # LO and HI, labelled
    # Any range, and a cached read catching up (only the sets stored after one).
    for start, end in (
        (clock.now - timedelta(hours=12), clock.now - timedelta(hours=6)),
        (clock.now - timedelta(hours=8), None),
        (None, clock.now - timedelta(hours=15)),
    ):
        assert_same(*both_reads(db, admission, start, end))
    assert_same(*both_reads(db, admission, after_id=ids["sick"]))


def test_the_chart_draws_the_same_from_the_column_read(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    a_varied_stay(db, nurse, admission, clock)
    drawn = ChartService(db).series(admission)
    _columns, rows = both_reads(db, admission)
    assert_same(np.asarray(drawn.observations.matrix), rows)
    assert 140 not in drawn.vitals["pulse"].y.tolist()  # the corrected value left the line
    assert 104 in drawn.vitals["pulse"].y.tolist()
    assert drawn.corrections["pulse"].state.tolist() == [
        EntryState.CORRECTED,  # the typo
        EntryState.ENTERED_IN_ERROR,  # the set struck out
    ]
    assert 88 not in drawn.vitals["spo2"].y.tolist()


def test_no_sets_is_an_empty_matrix(db: Database, admission: int) -> None:
    columns, rows = both_reads(db, admission)
    assert columns.shape == rows.shape == (0, len(series.OBSERVATION_COLUMNS))


def test_an_awkward_decimal_reads_back_to_the_bit(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """A real that 15 significant digits would not carry (e.g. converted from Fahrenheit)."""
    record_every(db, nurse, admission, clock, hours=1, count=3, start_hours_ago=4)
    awkward = 37.000000000000007
    with db.transaction() as session:
        session.execute(update(ObservationSetRow).values(temperature=awkward))
    columns, rows = both_reads(db, admission)
    assert_same(columns, rows)
    assert columns[:, series.OBSERVATION_COLUMNS.index("temperature")].tolist() == [awkward] * 3


def test_a_fraction_in_a_whole_number_column_is_read_row_by_row(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """Another program stored 98.5 where a whole number belongs (SQLite keeps it as it is):
    the column read cannot carry it as an integer, so the row read gives the matrix."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL stores only whole numbers in an integer column")
    record_every(db, nurse, admission, clock, hours=1, count=3, start_hours_ago=4)
    with db.transaction() as session:
        session.execute(update(ObservationSetRow).values(pulse=98.5))
    with pytest.raises(AssertionError, match="fell back"):
        both_reads(db, admission)
    columns, rows = both_reads(db, admission, by_columns=False)
    assert_same(columns, rows)
    assert columns[:, series.OBSERVATION_COLUMNS.index("pulse")].tolist() == [98.5] * 3
