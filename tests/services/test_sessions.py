"""Therapy and support sessions: recorded with who led them and whether the patient took part,
craving ratings before and after kept as craving assessments the rules read, corrected by new
rows, and a day list of who has had no 1:1 key-worker contact (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.handoff_records import Section
from wardconsole.domain.records import EscalationKind
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.charts import ChartService, EventKind
from wardconsole.services.context import Actor, InvalidInput, PermissionDenied, Role, ServiceError
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.escalations import EscalationService
from wardconsole.services.handoff_facts import draft, shift_facts
from wardconsole.services.history import EntryState, HistoryService
from wardconsole.services.recording import RecordingService
from wardconsole.services.sessions import SessionService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AssessmentRow, AuditRow, SaveReceiptRow


def _group(service: SessionService, nurse: Actor, admission: int, **more: object):
    entry: dict[str, object] = {
        "session_type": "group",
        "attendance": "attended",
        "led_by": "Jo Facilitator",
    }
    entry.update(more)
    return service.record_session(nurse, admission, **entry)  # type: ignore[arg-type]


def test_a_session_with_craving_before_and_after_is_three_audited_entries(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = SessionService(db)
    started = clock.now - timedelta(minutes=60)
    result = _group(
        service,
        nurse,
        admission,
        started_at=started,
        ended_at=clock.now - timedelta(minutes=5),
        craving_before=6,
        craving_after=3,
        note="Spoke about triggers",
    )
    with db.read() as session:
        cravings = session.scalars(select(AssessmentRow).order_by(AssessmentRow.id)).all()
        actions = session.scalars(select(AuditRow.action).order_by(AuditRow.id)).all()
    assert [(c.kind, c.total, c.taken_at) for c in cravings] == [
        ("craving", 6, started),
        ("craving", 3, clock.now - timedelta(minutes=5)),
    ]
    assert (result.craving_before_id, result.craving_after_id) == (cravings[0].id, cravings[1].id)
    assert actions[-3:] == ["record_assessment", "record_assessment", "record_session"]
    [entry] = HistoryService(db).entries(admission, types=("session",))
    assert entry.values["session_type"] == "group" and entry.values["attendance"] == "attended"
    assert (entry.values["craving_before"], entry.values["craving_after"]) == (6, 3)
    assert entry.values["led_by"] == "Jo Facilitator" and entry.note == "Spoke about triggers"
    assert entry.recorded_by == "Robin Test" and entry.station == "Station A"
    assert entry.taken_at == started


def test_a_high_craving_rating_taken_at_a_session_raises_the_craving_advisory(
    db: Database, nurse: Actor, admission: int
) -> None:
    result = _group(SessionService(db), nurse, admission, craving_before=8)
    assert EscalationKind.CRAVING in {c.kind for c in result.escalations}
    assert any(e.kind is EscalationKind.CRAVING for e in EscalationService(db).open())


def test_bad_input_names_each_field_and_saves_nothing(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = SessionService(db)
    with pytest.raises(InvalidInput) as caught:
        service.record_session(
            nurse,
            admission,
            session_type="karaoke",
            attendance="maybe",
            started_at=clock.now,
            ended_at=clock.now - timedelta(minutes=1),
            craving_before=11,
        )
    assert set(caught.value.problems) == {
        "session_type",
        "attendance",
        "ended_at",
        "craving_before",
    }
    assert "0 to 10" in caught.value.problems["craving_before"]
    with pytest.raises(InvalidInput) as declined:
        service.record_session(
            nurse, admission, session_type="key_worker", attendance="declined", craving_after=4
        )
    assert set(declined.value.problems) == {"craving_after"}
    with pytest.raises(InvalidInput, match="ended_at: is in the future"):
        _group(service, nurse, admission, ended_at=clock.now + timedelta(hours=1))
    with db.read() as session:
        assert session.scalars(select(AssessmentRow)).all() == []
    assert HistoryService(db).entries(admission) == ()


def test_a_reader_may_not_record_a_session(db: Database, admission: int) -> None:
    staff = StaffService(db)
    staff.add("ro.test", "Rae Reader", Role.READONLY, None)
    reader = staff.actor("ro.test", "Station A")
    with pytest.raises(PermissionDenied):
        _group(SessionService(db), reader, admission)


def test_a_retried_save_records_the_session_once(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = SessionService(db)
    first = _group(service, nurse, admission, craving_before=5, save_key="k-1")
    again = _group(service, nurse, admission, craving_before=5, save_key="k-1")
    assert again.already_saved and again.session_id == first.session_id
    assert again.craving_before_id == first.craving_before_id
    assert len(HistoryService(db).entries(admission, types=("session",))) == 1
    with db.read() as session:
        assert session.scalar(select(SaveReceiptRow.kind)) == "session"
        assert len(session.scalars(select(AssessmentRow)).all()) == 1


def test_a_correction_keeps_the_original_and_corrects_a_changed_craving_rating(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = SessionService(db)
    started = clock.now - timedelta(minutes=45)
    first = _group(service, nurse, admission, started_at=started, craving_before=7)
    clock.advance(minutes=10)
    fixed = service.amend_session(
        nurse,
        first.session_id,
        reason="It was CBT, rated 5",
        session_type="cbt",
        attendance="left_early",
        started_at=started,
        ended_at=clock.now - timedelta(minutes=20),
        led_by="Dr Lee",
        craving_before=5,
    )
    history = {(e.entry_type, e.id): e for e in HistoryService(db).entries(admission)}
    original = history["session", first.session_id]
    correction = history["session", fixed.session_id]
    assert original.state is EntryState.SUPERSEDED and original.values["craving_before"] == 7
    assert (
        correction.state is EntryState.CURRENT and correction.amend_reason == "It was CBT, rated 5"
    )
    assert correction.values["session_type"] == "cbt" and correction.values["craving_before"] == 5
    old_rating = history["assessment", first.craving_before_id]
    new_rating = history["assessment", fixed.craving_before_id]
    assert old_rating.state is EntryState.SUPERSEDED and new_rating.values["total"] == 5
    with pytest.raises(ServiceError, match="already been corrected"):
        service.amend_session(
            nurse,
            first.session_id,
            reason="again",
            session_type="cbt",
            attendance="attended",
            started_at=started,
            ended_at=started,
        )
    with pytest.raises(InvalidInput, match="entered in error"):
        service.amend_session(
            nurse,
            fixed.session_id,
            reason="No rating",
            session_type="cbt",
            attendance="attended",
            started_at=started,
            ended_at=started,
        )


def test_a_session_can_be_struck_out_like_any_entry(
    db: Database, nurse: Actor, admission: int
) -> None:
    result = _group(SessionService(db), nurse, admission)
    RecordingService(db).mark_entered_in_error(nurse, "session", result.session_id, "Wrong bed")
    [entry] = HistoryService(db).entries(admission, types=("session",))
    assert entry.state is EntryState.ENTERED_IN_ERROR and entry.struck_reason == "Wrong bed"
    assert SessionService(db).sessions(admission) == []


def test_the_day_list_puts_patients_without_1to1_contact_first(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    admissions = AdmissionService(db)
    second = admissions.admit(
        nurse,
        NewPatient("KD000002", "Bea", "Brown", date(1990, 1, 2)),
        bed="B02",
        admitted_at=clock.now - timedelta(hours=28),
        reason="Ketamine dependence",
    )
    service = SessionService(db)
    # Ward time zone Europe/London: at 22:00 UTC on 25 Nov the ward day began at 00:00 UTC.
    service.record_session(
        nurse,
        admission,
        session_type="key_worker",
        attendance="attended",
        started_at=clock.now - timedelta(hours=3),
        ended_at=clock.now - timedelta(hours=2, minutes=30),
    )
    service.record_session(
        nurse,
        second,
        session_type="key_worker",
        attendance="attended",
        started_at=clock.now - timedelta(hours=23),  # yesterday: does not count today
        ended_at=clock.now - timedelta(hours=22, minutes=30),
    )
    service.record_session(
        nurse,
        second,
        session_type="key_worker",
        attendance="declined",
        started_at=clock.now - timedelta(hours=1),
        ended_at=clock.now - timedelta(hours=1),
    )
    _group(service, nurse, second, started_at=clock.now - timedelta(hours=2))
    day = service.day(nurse)
    assert day.day_start == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert [p.admission_id for p in day.patients] == [second, admission]
    first, last = day.patients
    assert first.status.no_contact and first.status.declined_one_to_one is not None
    assert [t.value for t in first.status.took_part] == ["group"]
    assert not last.status.no_contact and day.without_contact == 1


def test_the_ward_day_starts_at_local_midnight_after_a_clock_change(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """Summer time: on 30 Mar 2026 the London day starts at 23:00 UTC the evening before."""
    service = SessionService(db)
    now = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert service.day(nurse, now=now).day_start == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)


def test_the_handoff_the_discharge_summary_and_the_chart_show_the_sessions(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = SessionService(db)
    shift = db.shifts.this_shift(clock.now)
    in_shift = shift.start + timedelta(minutes=30)
    _group(service, nurse, admission, started_at=in_shift, craving_before=6, craving_after=4)
    service.record_session(
        nurse,
        admission,
        session_type="key_worker",
        attendance="declined",
        started_at=in_shift + timedelta(minutes=40),
        ended_at=in_shift + timedelta(minutes=40),
    )
    service.record_session(
        nurse,
        admission,
        session_type="group",
        attendance="left_early",
        started_at=shift.start - timedelta(hours=3),  # the shift before: not in this handoff
        ended_at=shift.start - timedelta(hours=2),
    )
    with db.read() as session:
        [facts] = shift_facts(db, session, shift, clock.now)
    assessment = [f.text for f in draft(db, facts).facts(Section.ASSESSMENT)]
    assert "Sessions this shift: engaged in group; declined 1:1" in assessment
    assert "Group therapy: craving 6 → 4" in assessment

    summary = DischargeService(db).draft(admission).text
    block = summary.split("THERAPY AND SUPPORT SESSIONS (2 attended)\n")[1].split("\n\n")[0]
    assert block.splitlines() == [
        "- 1:1 key-worker time: attended 0, declined 1",
        "- Group therapy: attended 1, left early 1",
        "- Took part in 2 of 3 sessions offered.",
    ]

    events = ChartService(db).series(admission).events
    lane = [(e.kind, e.title, e.detail) for e in events if e.kind.startswith("session")]
    assert lane == [
        (EventKind.SESSION, "Group therapy — left early", ""),
        (EventKind.SESSION, "Group therapy — attended", "led by Jo Facilitator; craving 6 → 4"),
        (EventKind.SESSION_DECLINED, "1:1 key-worker time — declined", ""),
    ]
