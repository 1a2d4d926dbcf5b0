"""A patient's whole chart, kept between reads, is never drawn stale.

The census row a nurse stops on is read ahead whole, and a re-open within the minute is
served from what was kept. A colleague at station B records, corrects or strikes out
anything the chart draws (observations, withdrawal ratings, PRN doses, escalations, fluids,
sleep, weights, a urine dipstick): station A's next read draws exactly what a fresh read
draws. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import event
from test_charts import record_every
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.fluids import Direction, FluidInput
from wardconsole.domain.records import EscalationKind
from wardconsole.domain.sleep import SleepInput, SleepQuality
from wardconsole.domain.weights import WeightInput
from wardconsole.services.chart_cache import SERIES_AGE_S
from wardconsole.services.charts import ChartService, PatientSeries
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService

SICK = {**NORMAL_SET, "respiration_rate": 26, "spo2": 90, "pulse": 128}


def same(a: Any, b: Any, where: str = "series") -> None:
    """Equal field by field, arrays included (NaN equal to NaN)."""
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for item in dataclasses.fields(a):
            same(getattr(a, item.name), getattr(b, item.name), f"{where}.{item.name}")
    elif isinstance(a, Mapping):
        assert list(a) == list(b), where
        for key in a:
            same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), where
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{n}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    else:
        assert a == b, where


def statements(db: Database, read: Callable[[], object]) -> int:
    """How many statements ``read`` sends the database."""
    sent: list[str] = []

    def count(*_args: object) -> None:
        sent.append("")

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        read()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(sent)


def test_a_chart_read_ahead_opens_without_reading_it_again(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    record_every(db, nurse, admission, clock, hours=1, count=6, start_hours_ago=7)
    RecordingService(db).record_symptoms(nurse, admission, {"craving": 3})
    charts = ChartService(db)
    assert charts.read_ahead(admission, None) == 6
    fresh_statements = statements(db, lambda: ChartService(db).series(admission))
    opened: list[PatientSeries] = []
    kept_statements = statements(db, lambda: opened.append(charts.series(admission)))
    assert charts.kept_series.served == 1
    assert kept_statements <= 6 < fresh_statements  # the access check and the two markers
    same(opened[0], ChartService(db).series(admission))
    assert not charts.cache.kept(admission).prefetched  # type: ignore[union-attr]  # a window's


def test_a_chart_kept_a_minute_is_read_again_so_it_never_opens_on_an_old_time(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    charts = ChartService(db)
    first = charts.series(admission)
    clock.advance(seconds=SERIES_AGE_S - 1)
    assert charts.series(admission) is first
    clock.advance(seconds=2)
    later = charts.series(admission)
    assert later is not first and later.as_of == first.as_of + SERIES_AGE_S + 1
    same(later, ChartService(db).series(admission))
    assert charts.series(admission, last=timedelta(hours=12)) is not later  # another range


def test_a_kept_chart_draws_what_station_b_saved_of_every_kind(
    db: Database,
    nurse: Actor,
    admission: int,
    clock: Clock,
    station_b: tuple[Database, Actor],
) -> None:
    record_every(db, nurse, admission, clock, hours=1, count=8, start_hours_ago=9)
    symptoms = RecordingService(db).record_symptoms(nurse, admission, {"craving": 2})
    charts_a = ChartService(db)
    db_b, nurse_b = station_b
    at_b = RecordingService(db_b)
    escalations_b = EscalationService(db_b)

    def shown_as_fresh() -> None:
        """Station A's next read, whole stay then the last 12 h, each twice (the second from
        what was kept), draws what a fresh read draws."""
        for last in (None, timedelta(hours=12)):
            for _ in range(2):
                same(
                    charts_a.series(admission, last=last),
                    ChartService(db).series(admission, last=last),
                )

    shown_as_fresh()
    served = charts_a.kept_series.served
    assert served >= 2  # the second of each pair was kept

    ids = charts_a.series(admission).observations.column("id")
    writes: list[Callable[[], object]] = [
        lambda: at_b.amend_observation(
            nurse_b, int(ids[2]), {**NORMAL_SET, "pulse": 118}, reason="Pulse typed wrongly"
        ),
        lambda: at_b.mark_entered_in_error(nurse_b, "observation", int(ids[-1]), "Wrong bed"),
        lambda: at_b.record_symptoms(nurse_b, admission, {"craving": 5}),
        lambda: at_b.mark_entered_in_error(nurse_b, "symptoms", symptoms.entry_id, "Wrong bed"),
        lambda: at_b.record_prn(
            nurse_b, admission, drug="Lorazepam", dose="1 mg", route="oral", reason="Anxiety"
        ),
        lambda: at_b.record_observation(nurse_b, admission, SICK),
        lambda: escalations_b.acknowledge(nurse_b, *deterioration(escalations_b)),
        lambda: at_b.record_fluid(
            nurse_b, admission, FluidInput(Direction.INTAKE, "oral", 250, "Water")
        ),
        lambda: at_b.record_sleep(
            nurse_b,
            admission,
            SleepInput((clock.now - timedelta(days=1)).date(), 300, SleepQuality.DISTURBED),
        ),
        lambda: at_b.record_weight(nurse_b, admission, WeightInput(weight_kg="61.5")),
        lambda: at_b.record_entry(
            nurse_b, admission, "urine_dipstick", {"blood": "1+", "nitrites": "negative"}
        ),
    ]
    for write in writes:
        clock.advance(minutes=1)
        charts_a.series(admission)  # kept as of now, nothing changed since
        write()
        shown_as_fresh()
    assert charts_a.kept_series.served > served


def deterioration(escalations: EscalationService) -> tuple[int, int]:
    """The open deterioration escalation's id and the version a nurse would have seen."""
    [raised] = [e for e in escalations.open() if e.kind is EscalationKind.DETERIORATION]
    return raised.id, escalations.get(raised.id).version
