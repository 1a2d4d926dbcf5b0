"""Observation levels and safety checks through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from wardfakes import Clock

from wardconsole.domain.handoff_records import Fact
from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.domain.safety_checks import PROMPT_REVIEW_LEVEL, Presentation, SlotOutcome
from wardconsole.services.census import CensusService
from wardconsole.services.context import (
    Actor,
    ConflictError,
    InvalidInput,
    PermissionDenied,
    Role,
)
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow, ChangeRow, ObservationLevelRow, SafetyCheckRow

MIN = timedelta(minutes=1)
HIGH_RISK = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}


@pytest.fixture
def levels(db: Database) -> ObservationLevelService:
    return ObservationLevelService(db, rng=random.Random(11))


@pytest.fixture
def supervisor(db: Database) -> Actor:
    staff = StaffService(db)
    staff.add("sn.test", "Sam Supervisor", Role.SUPERVISOR, None)
    return staff.actor("sn.test", "Station A")


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _open(db: Database, kind: EscalationKind):
    return [e for e in EscalationService(db).open() if e.kind is kind]


def test_a_level_is_set_by_a_named_nurse_with_a_reason_and_a_review_time(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    change = levels.set_level(
        nurse,
        admission,
        "intermittent_15",
        reason="Low mood, C-SSRS",
        review_at=clock.now + timedelta(hours=12),
        agreed_with="Dr Vance (on call)",
        expected_current=None,
    )
    assert change.next_deadline == clock.now + 15 * MIN
    [current, default] = levels.level_history(admission)
    assert (current.label, current.set_by, current.reason, current.agreed_with) == (
        "Intermittent 15 min",
        "Robin Test",
        "Low mood, C-SSRS",
        "Dr Vance (on call)",
    )
    assert current.review_at == clock.now + timedelta(hours=12) and current.until is None
    assert default.id is None and default.label == "General" and default.until == clock.now
    with db.read() as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.action == "set_observation_level")
        ).one()
        assert audit.detail["previous"] == "general" and audit.staff_id == nurse.staff_id
        assert (
            session.scalar(
                select(func.count())
                .select_from(ChangeRow)
                .where(ChangeRow.topic == "observation_level")
            )
            == 1
        )


def test_a_new_level_supersedes_the_old_one_which_stays_on_record(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    first = levels.set_level(nurse, admission, "intermittent_15", reason="Agitated")
    clock.advance(hours=3)
    levels.set_level(
        nurse, admission, "intermittent_30", reason="Settled", expected_current=first.level_id
    )
    history = levels.level_history(admission)
    assert [v.level for v in history] == ["intermittent_30", "intermittent_15", "general"]
    with db.read() as session:
        rows = session.scalars(select(ObservationLevelRow).order_by(ObservationLevelRow.id)).all()
        assert [r.supersedes_id for r in rows] == [None, first.level_id]
    during = levels.levels_during(
        admission, clock.now - timedelta(hours=4), clock.now - timedelta(hours=2)
    )
    assert [v.level for v in during] == ["general", "intermittent_15"]


def test_a_level_changed_at_another_station_meanwhile_is_not_overwritten(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int
) -> None:
    levels.set_level(nurse, admission, "intermittent_15", reason="Hallucinating")
    with pytest.raises(ConflictError, match="Robin Test changed the level to Intermittent 15"):
        levels.set_level(nurse, admission, "general", reason="Calm", expected_current=None)
    assert _count(db, ObservationLevelRow) == 1


def test_bad_level_input_names_each_field_and_changes_nothing(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    audits = _count(db, AuditRow)
    with pytest.raises(InvalidInput) as raised:
        levels.set_level(
            nurse, admission, "constant", reason=" ", review_at=clock.now - timedelta(hours=1)
        )
    assert set(raised.value.problems) == {"level", "reason", "review_at"}
    assert "intermittent_15" in raised.value.problems["level"]
    assert _count(db, ObservationLevelRow) == 0 and _count(db, AuditRow) == audits


def test_a_check_sets_the_next_deadline_and_an_irregular_prompt(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    levels.set_level(nurse, admission, "intermittent_15", reason="Panic")
    clock.advance(minutes=6)
    result = levels.record_check(nurse, admission, Presentation.ASLEEP, "Bedroom")
    assert result.next_deadline == clock.now + 15 * MIN
    row = levels.patient_checks(admission)
    assert row.last_check is not None and row.last_check.presentation is Presentation.ASLEEP
    assert row.last_check.nurse == "Robin Test"
    assert clock.now + 2 * MIN <= row.prompt_at <= clock.now + 12 * MIN
    assert not row.due_now(clock.now) and row.due_now(row.prompt_at)


def test_bad_check_input_names_each_field(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    with pytest.raises(InvalidInput) as raised:
        levels.record_check(
            nurse, admission, "sleeping", "  ", taken_at=clock.now - timedelta(hours=2)
        )
    assert set(raised.value.problems) == {"presentation", "location", "taken_at"}
    assert "30 min" in raised.value.problems["taken_at"]
    assert _count(db, SafetyCheckRow) == 0


def test_not_found_raises_an_absent_patient_emergency_in_the_same_save(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int
) -> None:
    result = levels.record_check(
        nurse, admission, Presentation.NOT_FOUND, "Bedroom, lounge, garden"
    )
    raised = {c.kind: (c.severity, c.action) for c in result.escalations}
    assert raised[EscalationKind.ABSENT] == (Severity.EMERGENCY, "raise")
    [absent] = _open(db, EscalationKind.ABSENT)
    assert "looked in: Bedroom, lounge, garden" in absent.explanation
    assert "Search the ward and grounds now" in absent.prompts


def test_a_retried_check_save_is_recorded_once(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int
) -> None:
    first = levels.record_check(nurse, admission, "calm", "Lounge", save_key="k-1")
    again = levels.record_check(nurse, admission, "calm", "Lounge", save_key="k-1")
    assert again.already_saved and again.check_id == first.check_id
    assert _count(db, SafetyCheckRow) == 1


def test_a_missed_check_escalates_on_the_first_ward_tick_after_midnight_deadline(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 25, 23, 50, tzinfo=UTC)
    levels.set_level(nurse, admission, "intermittent_15", reason="Suicidal thoughts")
    clock.now = datetime(2026, 11, 25, 23, 55, tzinfo=UTC)
    levels.record_check(nurse, admission, "asleep_breathing", "Bedroom")
    ward = EscalationService(db)
    clock.now = datetime(2026, 11, 26, 0, 9, 50, tzinfo=UTC)  # a tick just before 00:10
    ward.evaluate_ward(nurse)
    assert _open(db, EscalationKind.MISSED_CHECK) == []
    clock.advance(seconds=45)  # the next tick, 35 s after the deadline
    ward.evaluate_ward(nurse)
    [missed] = _open(db, EscalationKind.MISSED_CHECK)
    assert missed.severity is Severity.URGENT
    assert missed.raised_at == clock.now
    assert missed.explanation == (
        "Intermittent 15 min (check at least every 15 min): check due by 00:10 not recorded, "
        "overdue by 1 min; last check 23:55"
    )
    census = {r.admission_id: r for r in CensusService(db).snapshot().rows}[admission]
    assert census.check_overdue_since == datetime(2026, 11, 26, 0, 10, tzinfo=UTC)
    # The late check goes on the escalation's trail for whoever resolves it.
    clock.advance(minutes=2)
    levels.record_check(nurse, admission, "calm", "Lounge")
    trail = EscalationService(db).trail(missed.id)
    assert trail[-1].action == "action" and "Safety check recorded (Awake and calm, Lounge)" in (
        trail[-1].detail
    )


def test_general_observation_never_escalates_a_late_hourly_check_by_default(
    db: Database, nurse: Actor, admission: int
) -> None:
    EscalationService(db).evaluate_ward(nurse)  # 30 h after admission, no check at all
    assert _open(db, EscalationKind.MISSED_CHECK) == []


def test_a_self_harm_escalation_prompts_a_level_review_but_changes_nothing(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int
) -> None:
    RecordingService(db).record_assessment(nurse, admission, "cssrs", HIGH_RISK)
    [self_harm] = _open(db, EscalationKind.SELF_HARM)
    assert PROMPT_REVIEW_LEVEL in self_harm.prompts
    row = levels.patient_checks(admission)
    assert row.level == "general" and row.review_suggested
    census = {r.admission_id: r for r in CensusService(db).snapshot().rows}[admission]
    assert census.observation_level == "General" and census.level_review_suggested


def test_the_census_shows_the_level_and_next_check(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    levels.set_level(nurse, admission, "eyesight", reason="Confused, wandering")
    census = {r.admission_id: r for r in CensusService(db).snapshot().rows}[admission]
    assert census.observation_level == "Within eyesight" and census.observation_raised
    assert census.next_check_due_at == clock.now + 15 * MIN
    assert census.check_overdue_since is None and not census.level_review_suggested


def test_a_check_entered_in_error_no_longer_counts(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    levels.set_level(nurse, admission, "intermittent_30", reason="Anxious")
    wrong = levels.record_check(nurse, admission, "not_found", "Bedroom")
    levels.mark_check_entered_in_error(nurse, wrong.check_id, "Wrong patient")
    assert levels.patient_checks(admission).last_check is None
    assert _count(db, SafetyCheckRow) == 2  # the original stays, struck out


def test_checks_during_a_shift_for_the_handoff_and_compliance_for_supervisors(
    db: Database,
    levels: ObservationLevelService,
    nurse: Actor,
    supervisor: Actor,
    admission: int,
    clock: Clock,
) -> None:
    start = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    end = start + timedelta(hours=12)
    clock.now = start - timedelta(minutes=10)
    levels.set_level(nurse, admission, "intermittent_30", reason="Panic attacks")
    for minutes, who, how in (
        (15, nurse, "calm"),
        (40, supervisor, "distressed"),
        (130, nurse, "not_found"),
        (135, nurse, "calm"),
    ):
        clock.now = start + timedelta(minutes=minutes)
        levels.record_check(who, admission, how, "Bedroom")
    clock.now = start + timedelta(hours=3)
    during = levels.checks_during(admission, start, end)
    assert [c.taken_at.strftime("%H:%M") for c in during.checks] == [
        "19:15",
        "19:40",
        "21:10",
        "21:15",
    ]
    assert [(s.due_at.strftime("%H:%M"), s.outcome) for s in during.slots] == [
        ("19:20", SlotOutcome.ON_TIME),
        ("19:45", SlotOutcome.ON_TIME),
        ("20:10", SlotOutcome.MISSED),
        ("20:40", SlotOutcome.LATE),
        ("21:40", SlotOutcome.ON_TIME),
        ("21:45", SlotOutcome.OVERDUE),
    ]
    assert [c.taken_at.strftime("%H:%M") for c in during.absent] == ["21:10"]
    assert [s.due_at.strftime("%H:%M") for s in during.missed] == ["20:10"]

    with pytest.raises(PermissionDenied):
        levels.compliance(nurse, start, end)
    report = levels.compliance(supervisor, start, end, "Night shift")
    assert not report.complete
    [patient] = report.patients
    assert patient.levels == ("Intermittent 30 min",)
    assert (
        report.totals.due,
        report.totals.on_time,
        report.totals.late,
        report.totals.missed,
        report.totals.overdue,
    ) == (6, 3, 1, 1, 1)
    assert {n.nurse: (n.counts.on_time, n.counts.late) for n in report.nurses} == {
        "Robin Test": (2, 1),
        "Sam Supervisor": (1, 0),
    }


def _handoff_facts(
    db: Database, admission: int, start: datetime, end: datetime, now: datetime
) -> tuple[Fact, ...]:
    """The handoff's safety-check lines for one patient (read as the board reads the ward)."""
    from wardconsole.services.observation_handoff import observation_facts
    from wardconsole.store.handoff_queries import stays_at

    with db.read() as session:
        stays = [s for s in stays_at(session, now) if s.admission_id == admission]
        return observation_facts(db, session, stays, start, end, now, UTC)[admission]


def test_handoff_lines_for_a_shift_with_a_level_change_and_an_absence(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    start = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
    end = start + timedelta(hours=12)
    clock.now = start + timedelta(minutes=30)
    levels.set_level(
        nurse,
        admission,
        "intermittent_15",
        reason="Voices telling him to leave",
        review_at=start + timedelta(hours=14),
    )
    clock.now = start + timedelta(minutes=40)
    levels.record_check(nurse, admission, "not_found", "Bedroom, lounge")
    clock.now = start + timedelta(minutes=44)
    levels.record_check(nurse, admission, "calm", "Garden")
    clock.now = start + timedelta(hours=2)
    facts = _handoff_facts(db, admission, start, end, clock.now)
    texts = [f.text for f in facts]
    assert texts[0] == (
        "Observation level: General at the start of the shift (since admission Tue 16:00), "
        "until 19:30"
    )
    assert texts[1] == (
        "Observation level: Intermittent 15 min from 19:30, set by Robin Test "
        "(Voices telling him to leave); review by Thu 09:00"
    )
    assert texts[2].startswith("Safety checks: ") and "missed" in texts[2]
    not_done = next(t for t in texts if t.startswith("Checks not done: due "))
    assert "19:59, 20:14, 20:29, 20:44, 20:59" in not_done
    absent = next(f for f in facts if f.text.startswith("ABSENT"))
    # Found at the next check: an event of the shift, no longer the emergency it was.
    assert absent.text == (
        "ABSENT: not found at the check at 19:40 by Robin Test (looked in: Bedroom, lounge); "
        "found at 19:44"
    )
    assert absent.severity is Severity.ADVISORY
    assert all(f.alert for f in facts[1:])
    missed = db.observation_levels.missed_check_severity
    assert next(f for f in facts if f.text.startswith("Checks not done")).severity is missed
    # as it stood before the patient was found
    before = _handoff_facts(db, admission, start, end, start + timedelta(minutes=42))
    [still_absent] = [f for f in before if f.text.startswith("ABSENT")]
    assert still_absent.severity is Severity.EMERGENCY
    assert still_absent.line.startswith("▲ EMERGENCY · ABSENT: not found at the check at 19:40")
    assert levels.levels_during(admission, start, end)[-1].level == "intermittent_15"


def test_a_level_set_before_the_shift_is_the_level_the_shift_started_on(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    """A day shift 07:00–19:00: eyesight was set the evening before and stepped down to
    15-minute checks at 07:48. The eyesight line says the shift started on it and until when;
    only a level in force for the whole shift says "all shift"."""
    start = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    end = start + timedelta(hours=12)
    clock.now = datetime(2026, 11, 25, 21, 10, tzinfo=UTC)
    levels.set_level(nurse, admission, "eyesight", reason="Confused at night")
    clock.now = start + timedelta(minutes=48)
    levels.set_level(nurse, admission, "intermittent_15", reason="Settled, oriented")
    clock.now = start + timedelta(hours=3)
    facts = _handoff_facts(db, admission, start, end, clock.now)
    texts = [f.text for f in facts if f.text.startswith("Observation level")]
    assert texts == [
        "Observation level: Within eyesight at the start of the shift (since Wed 21:10), "
        "until 07:48, set by Robin Test (Confused at night)",
        "Observation level: Intermittent 15 min from 07:48, set by Robin Test "
        "(Settled, oriented); review by Fri 07:48",
    ]
    # The next shift starts on 15-minute checks, set during the shift before it.
    clock.now = end + timedelta(hours=1)
    later = _handoff_facts(db, admission, end, end + timedelta(hours=12), clock.now)
    assert later[0].text == (
        "Observation level: Intermittent 15 min all shift (since Thu 07:48), set by Robin "
        "Test (Settled, oriented); review by Fri 07:48"
    )


def test_the_shift_handoff_draft_carries_the_observation_lines(
    db: Database, levels: ObservationLevelService, nurse: Actor, admission: int, clock: Clock
) -> None:
    from wardconsole.domain.handoff_records import Section
    from wardconsole.services.handoff_facts import draft, shift_facts

    shift = db.shifts.this_shift(clock.now)
    levels.set_level(nurse, admission, "eyesight", reason="Confused at night")
    clock.advance(minutes=5)
    levels.record_check(nurse, admission, "asleep_breathing", "Bedroom")
    with db.read() as session:
        [facts] = shift_facts(db, session, shift, clock.now, [admission])
    assessment = [f.text for f in draft(db, facts).sections[Section.ASSESSMENT]]
    assert any(t.startswith("Observation level: Within eyesight from ") for t in assessment)
    # General checks from 19:00 were never recorded; the eyesight check is not due yet.
    assert "Safety checks: 3 due, 0 on time, 0 late, 3 missed" in assessment
    assert "Checks not done: due 19:00, 20:00, 21:00" in assessment
