"""Sleep on both databases: the estimate from the safety checks nurses record, the nurse's
sleep entry (history, correction with a reason, audit, outage queue), the withdrawal chart's
sleep item beside them, and the "little sleep two nights running" flag."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from statements import statements_during
from wardfakes import Clock

from wardconsole.domain.safety_checks import Presentation
from wardconsole.domain.sleep import SleepInput, SleepQuality
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor, InvalidInput
from wardconsole.services.db import Database
from wardconsole.services.history import HistoryService
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.outbox import Outbox
from wardconsole.services.recording import RecordingService
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.services.sleep import SleepReader, SleepService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.store.models import AuditRow, SafetyCheckRow, SleepEntryRow


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def patient(db: Database, nurse: Actor, clock: Clock) -> int:
    clock.now = at("2026-11-24 12:00")
    service = AdmissionService(db)
    service.ensure_beds(["B01", "B02"], "Test ward")
    return service.admit(
        nurse,
        NewPatient("KD000070", "Sol", "Sleeper", date(1990, 1, 1)),
        bed="B01",
        admitted_at=at("2026-11-24 11:00"),
        reason="Ketamine dependence",
        assigned_nurse_id=nurse.staff_id,
    )


def night_of_checks(
    db: Database, nurse: Actor, clock: Clock, patient: int, day: str, asleep_hours: int
) -> None:
    """Hourly checks 19:30 … 06:30 (GMT): asleep at the last ``asleep_hours`` of them."""
    levels = ObservationLevelService(db)
    first = at(f"{day} 19:30")
    for hour in range(12):
        taken = first + timedelta(hours=hour)
        clock.now = taken
        how = Presentation.ASLEEP if hour >= 12 - asleep_hours else Presentation.CALM
        levels.record_check(nurse, patient, how, "Bedroom", taken_at=taken)


def test_last_night_reads_as_an_estimate_from_checks_and_4_h_is_not_under_4_h(
    db: Database, nurse: Actor, clock: Clock, patient: int
) -> None:
    night_of_checks(db, nurse, clock, patient, "2026-11-24", 3)
    night_of_checks(db, nurse, clock, patient, "2026-11-25", 4)
    clock.now = at("2026-11-26 09:00")
    reader = SleepReader(db)
    with db.read() as session:
        flags = reader.flags(session, [patient], clock.now)
        last = reader.last_night(session, [patient], clock.now)[patient]
    assert flags == {}  # 3 h then 4 h: the policy's "under 4 h" is not met on the second
    assert last.fact() == ("slept ≈ 4 h last night (estimate from 12 checks; checks are samples)")


def test_the_nurses_entry_wins_is_corrected_with_a_reason_and_is_in_history_and_audit(
    db: Database, nurse: Actor, clock: Clock, patient: int
) -> None:
    night_of_checks(db, nurse, clock, patient, "2026-11-24", 3)
    night_of_checks(db, nurse, clock, patient, "2026-11-25", 3)
    clock.now = at("2026-11-26 07:30")
    recording = RecordingService(db)
    entry = SleepInput(date(2026, 11, 25), 6 * 60, SleepQuality.SETTLED, at("2026-11-26 06:45"))
    reader = SleepReader(db)
    with db.read() as session:
        assert (
            reader.flags(session, [patient], clock.now)[patient].text == "● little sleep 3 h, 3 h"
        )
    saved = recording.record_sleep(nurse, patient, entry)
    with db.read() as session:
        assert reader.flags(session, [patient], clock.now) == {}
        night = reader.last_night(session, [patient], clock.now)[patient]
    assert night.fact().startswith("last night: slept 6 h, settled, woke 06:45 (nurse's entry)")
    assert "checks: ≈ 3 h (estimate from 12 checks)" in night.fact()
    with pytest.raises(InvalidInput, match="reason"):
        recording.amend_sleep(nurse, saved.entry_id, entry, reason=" ")
    fixed = SleepInput(date(2026, 11, 25), 2 * 60, SleepQuality.DISTURBED)
    recording.amend_sleep(nurse, saved.entry_id, fixed, reason="wrong patient's sheet read")
    with db.read() as session:
        flags = reader.flags(session, [patient], clock.now)
        actions = session.scalars(select(AuditRow.action).where(AuditRow.entity == "sleep")).all()
    assert flags[patient].text == "● little sleep 3 h, 2 h"
    history = HistoryService(db).entries(patient, types=("sleep",))
    assert [(e.values["minutes_slept"], e.state.value) for e in history] == [
        (120, "current"),
        (360, "superseded"),
    ]
    assert history[0].amend_reason == "wrong patient's sheet read"
    assert len(actions) == 2


def test_impossible_hours_and_a_night_to_come_are_refused_with_nothing_written(
    db: Database, nurse: Actor, clock: Clock, patient: int
) -> None:
    clock.now = at("2026-11-25 10:00")
    recording = RecordingService(db)
    with pytest.raises(InvalidInput) as too_long:
        recording.record_sleep(
            nurse, patient, SleepInput(date(2026, 11, 24), 13 * 60, SleepQuality.SETTLED)
        )
    assert "hours slept: 13 h is not possible in a 12-hour night" in str(too_long.value)
    with pytest.raises(InvalidInput, match="night: that night has not begun"):
        recording.record_sleep(
            nurse, patient, SleepInput(date(2026, 11, 25), 60, SleepQuality.SETTLED)
        )
    with db.read() as session:
        assert session.scalars(select(SleepEntryRow)).all() == []


def test_a_sleep_entry_saved_during_an_outage_is_replayed_exactly_once(
    db: Database,
    nurse: Actor,
    clock: Clock,
    patient: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.now = at("2026-11-25 07:30")
    saves = SafeSaves(db, Outbox(tmp_path / "outbox.sqlite", "test database"))
    real = db.transaction
    down = True

    def transaction():  # type: ignore[no-untyped-def]
        if down:
            raise OperationalError("connect", {}, ConnectionRefusedError("server closed"))
        return real()

    monkeypatch.setattr(db, "transaction", transaction)
    entry = SleepInput(date(2026, 11, 24), 270, SleepQuality.DISTURBED, at("2026-11-25 05:10"))
    queued = saves.save_sleep(nurse, patient, entry, save_key=uuid.uuid4().hex, bed="B01")
    assert isinstance(queued, QueuedSave)
    assert [e.summary for e in saves.outbox.visible()] == [
        "Sleep: night of Tue 24 Nov, 4.5 h, disturbed"
    ]
    down = False
    clock.advance(minutes=20)
    assert saves.replay().sent == 1
    for item in saves.outbox.all_entries():
        saves.outbox._update(item.seq, "state = 'waiting'", ())
    assert saves.replay().sent == 1
    with db.read() as session:
        rows = session.scalars(select(SleepEntryRow)).all()
    assert [(r.minutes_slept, r.woke_at, r.taken_at) for r in rows] == [
        (270, at("2026-11-25 05:10"), at("2026-11-25 07:30"))
    ]


def test_the_morning_withdrawal_chart_sleep_rating_is_shown_with_the_night(
    db: Database, nurse: Actor, clock: Clock, patient: int
) -> None:
    night_of_checks(db, nurse, clock, patient, "2026-11-24", 5)
    clock.now = at("2026-11-25 08:15")
    chart = db.chart
    scores = {item.key: 0 for item in chart.items}
    scores["sleep_disturbance"] = 4
    RecordingService(db).record_symptoms(nurse, patient, scores)
    with db.read() as session:
        night = SleepReader(db).last_night(session, [patient], clock.now)[patient]
    assert night.chart is not None and night.chart.score == 4
    assert night.fact().endswith(
        "withdrawal chart sleep 4/7 (Broken sleep, awake for long periods or nightmares)"
    )


def test_the_census_shows_the_flag_and_reads_it_in_one_statement_whatever_the_ward(
    db: Database, nurse: Actor, clock: Clock, patient: int
) -> None:
    census, without = CensusService(db), CensusService(db, with_sleep=False)

    def statements(service: CensusService) -> int:
        return len(statements_during(db.engine, service.snapshot))

    def fresh() -> int:
        """What the sleep flag adds to a census's first refresh."""
        return statements(CensusService(db)) - statements(CensusService(db, with_sleep=False))

    night_of_checks(db, nurse, clock, patient, "2026-11-24", 2)
    night_of_checks(db, nurse, clock, patient, "2026-11-25", 3)
    clock.now = at("2026-11-26 09:00")
    (row,) = census.snapshot().rows
    assert row.sleep is not None and row.sleep.text == "● little sleep 2 h, 3 h"
    without.snapshot()  # both kept censuses have read the ward once
    # A census seeing the nights for the first time reads their checks and entries (3); the
    # next refresh only asks whether they changed (1).
    assert fresh() == 3
    assert statements(census) - statements(without) == 1
    AdmissionService(db).admit(
        nurse,
        NewPatient("KD000071", "Wen", "Wakeful", date(1991, 1, 1)),
        bed="B02",
        admitted_at=at("2026-11-24 11:00"),
        reason="Ketamine dependence",
        assigned_nurse_id=nurse.staff_id,
    )
    assert fresh() == 3
    assert statements(census) - statements(without) == 3  # the new patient's nights
    assert statements(census) - statements(without) == 1


def test_a_correction_at_another_station_changes_the_census_flag_at_the_next_refresh(
    db: Database, nurse: Actor, clock: Clock, patient: int, db_url: str
) -> None:
    census = CensusService(db)

    def flag() -> str | None:
        (row,) = census.snapshot().rows
        return row.sleep.text if row.sleep else None

    night_of_checks(db, nurse, clock, patient, "2026-11-24", 2)
    night_of_checks(db, nurse, clock, patient, "2026-11-25", 3)
    clock.now = at("2026-11-26 09:00")
    assert flag() == "● little sleep 2 h, 3 h"
    assert flag() == "● little sleep 2 h, 3 h"  # kept, not read again
    other = Database(make_engine(db_url), clock=clock)
    try:
        station_b = StaffService(other).actor("rn.test", "Station B")
        with other.read() as session:
            asleep_at_0530 = session.scalar(
                select(SafetyCheckRow.id).where(SafetyCheckRow.taken_at == at("2026-11-25 05:30"))
            )
        assert asleep_at_0530 is not None
        ObservationLevelService(other).mark_check_entered_in_error(
            station_b, asleep_at_0530, "checked the wrong bed"
        )
        assert flag() == "● little sleep 1 h, 3 h"  # the first night lost an asleep check
        recording = RecordingService(other)
        saved = recording.record_sleep(
            station_b, patient, SleepInput(date(2026, 11, 25), 5 * 60, SleepQuality.SETTLED)
        )
        assert flag() is None  # the nurse's 5 h last night breaks the run
        recording.amend_sleep(
            station_b,
            saved.entry_id,
            SleepInput(date(2026, 11, 25), 150, SleepQuality.DISTURBED),
            reason="read from the wrong sheet",
        )
        assert flag() == "● little sleep 1 h, 2.5 h"
        # Moved to the night before, the entry (5 h) breaks the run there.
        recording.amend_sleep(
            station_b,
            recording_entry_id(other, patient),
            SleepInput(date(2026, 11, 24), 5 * 60, SleepQuality.SETTLED),
            reason="it was the night before",
        )
        assert flag() is None
    finally:
        other.engine.dispose()


def recording_entry_id(db: Database, patient: int) -> int:
    """The newest sleep entry's id."""
    with db.read() as session:
        found = session.scalar(
            select(SleepEntryRow.id)
            .where(SleepEntryRow.admission_id == patient)
            .order_by(SleepEntryRow.id.desc())
            .limit(1)
        )
    assert found is not None
    return found


def test_the_day_handoff_says_how_last_nights_sleep_was_known(
    db: Database, nurse: Actor, clock: Clock, patient: int
) -> None:
    from wardconsole.domain.handoff_records import Section
    from wardconsole.services.handoff_facts import draft, shift_facts

    night_of_checks(db, nurse, clock, patient, "2026-11-24", 3)
    night_of_checks(db, nurse, clock, patient, "2026-11-25", 3)
    clock.now = at("2026-11-26 15:00")
    with db.read() as session:
        [facts] = shift_facts(db, session, db.shifts.this_shift(clock.now), clock.now, [patient])
    texts = [f.text for f in draft(db, facts).sections[Section.ASSESSMENT]]
    assert "Sleep: slept ≈ 3 h last night (estimate from 12 checks; checks are samples)" in texts
    flag = next(
        f for f in draft(db, facts).sections[Section.ASSESSMENT] if "nights running" in f.text
    )
    assert flag.text.startswith("Little sleep 2 nights running: 3 h (estimate from 12 checks)")
    assert flag.severity is not None


def test_the_discharge_summary_gives_the_sleep_course(
    db: Database, nurse: Actor, clock: Clock, patient: int
) -> None:
    from wardconsole.services.discharge import DischargeService

    night_of_checks(db, nurse, clock, patient, "2026-11-24", 2)
    night_of_checks(db, nurse, clock, patient, "2026-11-25", 7)
    clock.now = at("2026-11-26 10:00")
    text = DischargeService(db).draft(patient).text
    assert (
        "Sleep: 2 nights; night 1 ≈ 2 h, night 2 ≈ 7 h; under 4 h on 1 night (night 1; "
        "local policy, not a published standard). ≈: estimated from the safety checks "
        "(checks are samples)."
    ) in text


def test_the_sleep_course_ends_at_the_discharge_not_at_the_end_of_that_night(
    db: Database, nurse: Actor, clock: Clock, patient: int
) -> None:
    from wardconsole.domain.discharge import Destination
    from wardconsole.services.discharge import DischargeService

    night_of_checks(db, nurse, clock, patient, "2026-11-24", 2)
    levels = ObservationLevelService(db)
    for taken, how in [
        ("19:30", Presentation.CALM),
        ("20:30", Presentation.CALM),
        ("21:30", Presentation.ASLEEP),
        ("22:30", Presentation.ASLEEP),
    ]:
        clock.now = at(f"2026-11-25 {taken}")
        levels.record_check(nurse, patient, how, "Bedroom", taken_at=clock.now)
    clock.now = at("2026-11-26 10:00")
    service = DischargeService(db)
    left = at("2026-11-25 23:00")
    # The patient left at 23:00: the four hours on the ward that night are covered by checks,
    # so the night is not "too few checks" for the nine hours after the patient had gone.
    draft = service.draft(patient, Destination.AGAINST_ADVICE, discharged_at=left)
    course = (
        "Sleep: 2 nights; night 1 ≈ 2 h, night 2 ≈ 2 h; under 4 h on 2 nights (nights 1, 2; "
        "local policy, not a published standard). ≈: estimated from the safety checks "
        "(checks are samples)."
    )
    assert course in draft.text
    # Left as the night began (19:00): that night is not one of the stay's.
    early = service.draft(patient, Destination.AGAINST_ADVICE, discharged_at=at("2026-11-25 19:00"))
    assert "Sleep: 1 night; night 1 ≈ 2 h; under 4 h on 1 night" in early.text
    # Discharging now (10:00, after the night ended) leaves the night whole: too few checks.
    now = service.draft(patient, Destination.AGAINST_ADVICE)
    assert "Sleep: 2 nights; night 1 ≈ 2 h; under 4 h on 1 night" in now.text
    assert "1 night with too few checks to say" in now.text
    service.discharge(
        nurse,
        patient,
        destination=Destination.AGAINST_ADVICE,
        detail="Left at 23:00, declined to stay",
        summary=draft.text,
        discharged_at=left,
    )
    # Read again after the discharge (the chart page, the stay's summary): the same nights.
    nights = SleepService(db).overview(patient).nights
    assert [n.hours for n in nights] == [2, 2]
    assert "not covered" not in nights[-1].detail
    assert nights[-1].estimate.on_ward == timedelta(hours=4)


def test_a_handoff_drafted_in_the_night_reads_sleep_so_far_without_the_hours_to_come(
    db: Database, nurse: Actor, clock: Clock, patient: int
) -> None:
    levels = ObservationLevelService(db)
    for hour in range(5):  # hourly checks 19:30 … 23:30, asleep at each
        clock.now = at("2026-11-24 19:30") + timedelta(hours=hour)
        levels.record_check(nurse, patient, Presentation.ASLEEP, "Bedroom", taken_at=clock.now)
    clock.now = at("2026-11-25 00:00")
    with db.read() as session:
        facts = SleepReader(db).handoff_facts(
            session, [(patient, at("2026-11-24 11:00"), None)], clock.now
        )[patient]
        (night,) = SleepService(db).overview(patient, clock.now).nights
    words = facts[0].text
    assert words.startswith("Sleep: slept ≈ 5 h tonight so far (estimate from 5 checks")
    assert "not covered" not in words and "too few checks" not in words
    assert night.hours == 5
