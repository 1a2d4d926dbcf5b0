"""The food chart a MUST screen starts, on both databases: a medium-risk screen starts one for
BAPEN's 3 days in its own transaction (audited, who and where), a second medium screen extends
the same chart, a low or high screen leaves it running, a nurse stops it early with a reason,
and it ends by itself; its days say how many meals were recorded and flag a day with none."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.meals import MealInput, Portion
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor, InvalidInput, ServiceError
from wardconsole.services.db import Database
from wardconsole.services.food_chart import food_chart_views
from wardconsole.services.recording import RecordingService
from wardconsole.store.models import AuditRow, FoodChartRow

MEDIUM = {"weight_kg": "58.5", "height_m": "1.75"}  # BMI 19.1: score 1
LOW = {"weight_kg": "70", "height_m": "1.75"}  # BMI 22.9: score 0
HIGH = {"weight_kg": "52", "height_m": "1.75"}  # BMI 17.0: score 2


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def patient(db: Database, nurse: Actor, clock: Clock) -> int:
    clock.now = at("2026-12-05 09:00")
    service = AdmissionService(db)
    service.ensure_beds(["B01"], "Test ward")
    return service.admit(
        nurse,
        NewPatient("KD000090", "Fen", "Food", date(1991, 3, 1)),
        bed="B01",
        admitted_at=at("2026-12-04 20:00"),
        reason="Ketamine dependence",
        assigned_nurse_id=nurse.staff_id,
    )


def views(db: Database, admission: int, now: datetime):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return food_chart_views(session, [admission], now, UTC).get(admission)


def chart_rows(db: Database) -> list[FoodChartRow]:
    with db.read() as session:
        return list(session.scalars(select(FoodChartRow).order_by(FoodChartRow.id)))


def test_a_medium_screen_starts_a_3_day_food_chart_audited_with_who_and_where(
    db: Database, nurse: Actor, patient: int, clock: Clock
) -> None:
    saved = RecordingService(db).record_assessment(nurse, patient, "must", MEDIUM)
    (row,) = chart_rows(db)
    assert (row.screen_id, row.taken_at, row.ends_at) == (
        saved.entry_id,
        clock.now,
        at("2026-12-08 09:00"),
    )
    assert (row.recorded_by_id, row.station, row.active) == (nurse.staff_id, nurse.station, True)
    with db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.entity == "food_chart")).one()
    assert (audit.action, audit.staff_id, audit.station) == (
        "record_food_chart",
        nurse.staff_id,
        nurse.station,
    )
    assert audit.detail["screen_id"] == saved.entry_id
    view = views(db, patient, clock.now)
    assert view.summary == ("Food chart day 1 of 3 (until Tue 08 Dec 09:00): no meal recorded yet")


def test_a_second_medium_screen_extends_the_same_chart_and_never_duplicates(
    db: Database, nurse: Actor, patient: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.record_assessment(nurse, patient, "must", MEDIUM)
    clock.advance(hours=30)
    recording.record_assessment(nurse, patient, "must", MEDIUM)
    first, second = chart_rows(db)
    assert second.amends_id == first.id and second.taken_at == first.taken_at
    assert second.ends_at == at("2026-12-09 15:00")
    assert "medium risk again" in (second.amend_reason or "")
    view = views(db, patient, clock.now)
    assert view.chart.id == second.id and view.chart.day_count == 5
    assert view.summary.startswith("Food chart day 2 of 5 (until Wed 09 Dec 15:00)")
    recording.record_assessment(
        nurse, patient, "must", MEDIUM, taken_at=clock.now - timedelta(days=1)
    )
    assert len(chart_rows(db)) == 2  # an older screen ends no later: nothing written


def test_low_and_high_screens_start_nothing_and_leave_a_running_chart_alone(
    db: Database, nurse: Actor, patient: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.record_assessment(nurse, patient, "must", LOW)
    recording.record_assessment(nurse, patient, "must", HIGH)
    assert chart_rows(db) == []
    recording.record_assessment(nurse, patient, "must", MEDIUM)
    clock.advance(hours=20)
    recording.record_assessment(nurse, patient, "must", LOW)
    recording.record_assessment(nurse, patient, "must", HIGH)
    (row,) = chart_rows(db)
    assert row.active and views(db, patient, clock.now).running


def test_a_nurse_stops_the_chart_early_with_a_reason_and_it_is_audited(
    db: Database, nurse: Actor, patient: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    with pytest.raises(ServiceError, match="not on a food chart"):
        recording.stop_food_chart(nurse, patient, reason="eating well")
    recording.record_assessment(nurse, patient, "must", MEDIUM)
    clock.advance(hours=26)
    with pytest.raises(InvalidInput, match="reason"):
        recording.stop_food_chart(nurse, patient, reason="  ")
    assert len(chart_rows(db)) == 1
    recording.stop_food_chart(nurse, patient, reason="Dietitian took over the plan")
    first, stop = chart_rows(db)
    assert (stop.amends_id, stop.active, stop.ends_at) == (first.id, False, clock.now)
    assert stop.amend_reason == "Dietitian took over the plan"
    view = views(db, patient, clock.now)
    assert not view.running
    assert view.summary.startswith(
        "Food chart stopped Sun 06 Dec 11:00 — Dietitian took over the plan; ● Day 1 of 2: no"
    )
    with db.read() as session:
        actions = session.scalars(
            select(AuditRow.action).where(AuditRow.entity == "food_chart").order_by(AuditRow.id)
        ).all()
    assert actions == ["record_food_chart", "amend_food_chart"]
    with pytest.raises(ServiceError):
        recording.stop_food_chart(nurse, patient, reason="again")


def test_the_chart_ends_by_itself_and_says_which_days_had_meals(
    db: Database, nurse: Actor, patient: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.record_assessment(nurse, patient, "must", MEDIUM)
    start = clock.now
    clock.now = at("2026-12-08 08:00")
    for hours, portion in ((3, Portion.HALF), (8, Portion.ALL), (10, Portion.QUARTER)):
        meal = MealInput("lunch", "Soup", portion)
        recording.record_meal(nurse, patient, meal, taken_at=start + timedelta(hours=hours))
    toast = MealInput("breakfast", "Toast", Portion.HALF)
    recording.record_meal(nurse, patient, toast, taken_at=at("2026-12-07 10:00"))
    clock.now = at("2026-12-06 10:00")
    running = views(db, patient, clock.now)
    assert running.day_lines == (
        "Day 1 of 3: 3 meals recorded, ½ eaten on average",
        "Day 2 of 3: no meal recorded yet",
    )
    assert running.summary == (
        "Food chart day 2 of 3 (until Tue 08 Dec 09:00): no meal recorded yet"
    )
    clock.now = at("2026-12-08 09:00")
    ended = views(db, patient, clock.now)
    assert not ended.running and ended.gaps == (2,)
    assert ended.day_lines == (
        "Day 1 of 3: 3 meals recorded, ½ eaten on average",
        "● Day 2 of 3: no meal recorded",
        "Day 3 of 3: 1 meal recorded, ½ eaten on average",
    )
    assert ended.summary.startswith("Food chart ended Tue 08 Dec 09:00; Day 1 of 3")
    assert views(db, patient, at("2026-12-09 09:00")) is None  # out of view a day after
    (row,) = chart_rows(db)
    assert row.active  # nothing was written to end it


def test_the_discharge_summary_gives_the_food_chart_and_its_days(
    db: Database, nurse: Actor, patient: int, clock: Clock
) -> None:
    from wardconsole.domain.discharge import Destination
    from wardconsole.services.discharge import DischargeService

    recording = RecordingService(db)
    recording.record_assessment(nurse, patient, "must", MEDIUM)
    clock.now = at("2026-12-08 12:00")
    for taken, portion in (("2026-12-05 13:00", Portion.HALF), ("2026-12-07 13:00", Portion.ALL)):
        meal = MealInput("lunch", "Soup", portion)
        recording.record_meal(nurse, patient, meal, taken_at=at(taken))
    text = DischargeService(db).draft(patient, Destination.RESIDENTIAL, "Hillside").text
    assert ("1 food chart after a medium-risk MUST screen (BAPEN 3 days): day 1, ") in text
    assert (
        ": meals recorded on 2 of 3 days (¾ eaten on average); no meal recorded on day 2"
    ) in text


def test_the_handoff_says_the_chart_day_and_what_was_eaten(
    db: Database, nurse: Actor, patient: int, clock: Clock
) -> None:
    from wardconsole.domain.records import Severity
    from wardconsole.services.handoff import HandoffService

    recording = RecordingService(db)
    recording.record_assessment(nurse, patient, "must", MEDIUM)
    clock.now = at("2026-12-06 19:00")
    for hour, portion in ((10, Portion.HALF), (13, Portion.HALF), (18, Portion.THREE_QUARTERS)):
        meal = MealInput("lunch", "Soup", portion)
        recording.record_meal(nurse, patient, meal, taken_at=at(f"2026-12-06 {hour}:00"))
    handoffs = HandoffService(db)
    draft = handoffs.preview(handoffs.this_shift(clock.now), patient)
    (fact,) = [
        f for facts in draft.sections.values() for f in facts if f.text.startswith("Food chart")
    ]
    assert fact.text == (
        "Food chart day 2 of 3 (until Tue 08 Dec 09:00): 3 meals recorded, ½ eaten on average"
    )
    assert fact.severity is Severity.ADVISORY
