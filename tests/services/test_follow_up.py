"""Care after discharge on SQLite and PostgreSQL: the discharge opens the follow-up with its
time limit on elapsed time (72 h across a clock change, 48 h after suicide risk, sooner after a
self-discharge), each attempt is recorded, the contact card is audited, the patient's phone
number never reaches the audit, the change log or a log, and compliance is counted against the
standard."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.configfiles import default_policy_file
from wardconsole.domain.discharge import Destination
from wardconsole.domain.follow_up import (
    AftercarePlan,
    AttemptOutcome,
    Basis,
    FollowUpState,
    follow_up_clock,
    load_follow_up_policy,
)
from wardconsole.domain.intake import OPIOID_WITHDRAWAL
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.context import (
    Actor,
    ConflictError,
    InvalidInput,
    PermissionDenied,
    Role,
    ServiceError,
)
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService, PlanIncomplete
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow, ChangeRow, FollowUpRow

LONDON = ZoneInfo("Europe/London")
PHONE = "07700 900123"
PHONE_DIGITS = "07700900123"


def _admit(
    db: Database, nurse: Actor, clock: Clock, number: str, bed: str, flags: tuple[str, ...] = ()
) -> int:
    service = AdmissionService(db)
    service.ensure_beds(["B01", "B02", "B03", "B04"], "Test ward")
    return service.admit(
        nurse,
        NewPatient(number, "Pat", f"Patient{number[-1]}", date(1990, 3, 4)),
        bed=bed,
        admitted_at=clock.now - timedelta(days=5),
        reason="Ketamine dependence",
        risk_flags=flags,
    )


def _discharge(db: Database, nurse: Actor, admission: int, destination: str) -> None:
    service = DischargeService(db)
    detail = "Advice given, risks explained" if destination.startswith("self") else ""
    service.discharge(
        nurse,
        admission,
        destination=destination,
        detail=detail,
        summary=service.draft(admission).text,
    )


def _plan(**more: object) -> AftercarePlan:
    values: dict[str, object] = {
        "service": "Hillside community drug and alcohol team",
        "first_appointment": datetime(2026, 10, 28, 10, 0, tzinfo=UTC),
        "service_contact": "Duty worker, 01632 960000",
        "patient_phone": PHONE,
        "crisis_plan_given": True,
        "crisis_plan_detail": "Crisis line card given; sister to stay first week",
        "relapse_prevention": "Weekly relapse-prevention group, Tuesdays",
        "peer_support": "SMART Recovery, Thursdays",
    }
    values.update(more)
    return AftercarePlan(**values)  # type: ignore[arg-type]


def test_the_72_hour_follow_up_is_72_hours_of_elapsed_time_across_the_clock_change(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    # Sat 24 Oct 2026, 12:00 in London (BST, UTC+1); the clocks go back on Sun 25 Oct.
    clock.now = datetime(2026, 10, 24, 12, 0, tzinfo=LONDON).astimezone(UTC)
    admission = _admit(db, nurse, clock, "KD000001", "B01")
    _discharge(db, nurse, admission, "outpatient_programme")
    service = AftercareService(db)
    [view] = service.follow_ups(nurse)
    assert view.discharged_at == datetime(2026, 10, 24, 11, 0, tzinfo=UTC)
    assert view.due_at == datetime(2026, 10, 27, 11, 0, tzinfo=UTC)
    assert view.due_at - view.discharged_at == timedelta(hours=72)
    # On the wall clock that is 11:00 on Tuesday, not the 12:00 a calendar sum would give.
    assert view.due_at.astimezone(LONDON).hour == 11
    assert (view.hours, view.basis, view.state) == (72, Basis.STANDARD, FollowUpState.DUE)
    just_before = view.due_at - timedelta(minutes=1)
    just_after = view.due_at + timedelta(minutes=1)
    assert service.follow_ups(nurse, now=just_before)[0].state is FollowUpState.DUE
    assert service.follow_ups(nurse, now=just_after)[0].state is FollowUpState.OVERDUE
    with db.read() as session:
        assert session.scalar(select(ChangeRow.topic).where(ChangeRow.topic == "follow_up"))


def test_suicide_risk_and_self_discharge_shorten_the_limit(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    policy = load_follow_up_policy()
    flagged = _admit(db, nurse, clock, "KD000001", "B01", ("Suicide risk",))
    screened = _admit(db, nurse, clock, "KD000002", "B02")
    RecordingService(db).record_assessment(
        nurse, screened, "cssrs", {"q1": True, "q2": False, "q6": True, "q6_within_3_months": False}
    )
    low = _admit(db, nurse, clock, "KD000003", "B03")
    RecordingService(db).record_assessment(
        nurse, low, "cssrs", {"q1": True, "q2": False, "q6": False}
    )
    left = _admit(db, nurse, clock, "KD000004", "B04")
    for admission in (flagged, screened, low):
        _discharge(db, nurse, admission, "aftercare_peer_support")
    _discharge(db, nurse, left, "self_discharge_against_advice")
    views = {v.admission_id: v for v in AftercareService(db).follow_ups(nurse)}
    assert (views[flagged].hours, views[flagged].basis) == (48, Basis.SUICIDE_RISK)
    assert (views[screened].hours, views[screened].basis) == (48, Basis.SUICIDE_RISK)
    assert (views[low].hours, views[low].basis) == (72, Basis.STANDARD)  # low risk: policy
    assert views[left].hours == policy.self_discharge_hours < 48
    assert views[left].basis is Basis.SELF_DISCHARGE
    assert AftercareService(db).follow_ups(nurse)[0].admission_id == left  # soonest first


def test_a_destination_the_policy_leaves_out_opens_no_follow_up(
    db: Database, nurse: Actor, clock: Clock, tmp_path: Path
) -> None:
    bundled = default_policy_file("follow_up.toml").read_text(encoding="utf-8")
    edited = tmp_path / "follow_up.toml"
    edited.write_text(bundled.replace('    "transfer_to_hospital",\n', ""), encoding="utf-8")
    admission = _admit(db, nurse, clock, "KD000001", "B01")
    station = Database(db.engine, clock=db.clock, follow_up_policy=load_follow_up_policy(edited))
    service = DischargeService(station)
    service.discharge(
        nurse,
        admission,
        destination="transfer_to_hospital",
        detail="City General, chest pain",
        summary=service.draft(admission).text,
    )
    assert AftercareService(db).follow_ups(nurse) == []
    clock_for = follow_up_clock(
        load_follow_up_policy(),
        destination=Destination.HOSPITAL,
        discharged_at=clock.now,
        suicide_risk=False,
    )
    assert clock_for is not None and clock_for.hours == 72  # the bundled policy includes it


def test_each_attempt_is_recorded_until_contact_is_made(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = _admit(db, nurse, clock, "KD000001", "B01")
    _discharge(db, nurse, admission, "outpatient_programme")
    service = AftercareService(db)
    [view] = service.follow_ups(nurse)
    clock.advance(hours=20)
    assert service.record_attempt(nurse, view.id, "no_answer") is FollowUpState.DUE
    clock.advance(hours=3)
    service.record_attempt(nurse, view.id, "message_left", note="Voicemail, asked to call back")
    clock.advance(hours=30)
    assert service.record_attempt(nurse, view.id, "contact_made", note="Well; saw CDAT") is (
        FollowUpState.DONE
    )
    assert service.follow_ups(nurse) == []
    [closed] = service.follow_ups(nurse, closed_since=clock.now - timedelta(days=1))
    assert closed.state is FollowUpState.DONE
    assert [(a.outcome, a.by) for a in closed.attempts] == [
        (AttemptOutcome.NO_ANSWER, "Robin Test"),
        (AttemptOutcome.MESSAGE_LEFT, "Robin Test"),
        (AttemptOutcome.CONTACT_MADE, "Robin Test"),
    ]
    assert closed.attempts[1].note == "Voicemail, asked to call back"
    with pytest.raises(ConflictError):
        service.record_attempt(nurse, view.id, "no_answer")
    with db.read() as session:
        row = session.get(FollowUpRow, view.id)
        assert row is not None and row.state == "done" and row.closed_at == clock.now
        actions = session.scalars(
            select(AuditRow.action).where(AuditRow.entity == "follow_up")
        ).all()
    assert actions.count("record_follow_up_attempt") == 3


def test_unable_to_contact_needs_a_note_and_closes_the_follow_up(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = _admit(db, nurse, clock, "KD000001", "B01")
    _discharge(db, nurse, admission, "outpatient_programme")
    service = AftercareService(db)
    [view] = service.follow_ups(nurse)
    with pytest.raises(InvalidInput) as caught:
        service.record_attempt(nurse, view.id, "unable_to_contact")
    assert set(caught.value.problems) == {"note"}
    with pytest.raises(InvalidInput) as bad:
        service.record_attempt(nurse, view.id, "shrug")
    assert set(bad.value.problems) == {"outcome"}
    clock.advance(hours=80)
    state = service.record_attempt(
        nurse, view.id, "unable_to_contact", note="3 calls, GP and CDAT informed"
    )
    assert state is FollowUpState.UNABLE


def test_the_contact_card_is_audited_and_the_phone_number_reaches_no_log(
    db: Database, nurse: Actor, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admission = _admit(db, nurse, clock, "KD000001", "B01", ("Suicide risk",))
    RecordingService(db).record_assessment(
        nurse, admission, "cssrs", {"q1": True, "q2": False, "q6": False}
    )
    _discharge(db, nurse, admission, "outpatient_programme")
    service = AftercareService(db)
    service.record_plan(nurse, admission, _plan())
    [view] = service.follow_ups(nurse)
    assert view.has_plan
    card = service.contact_card(nurse, view.id)
    assert card.phone == PHONE and card.crisis_plan.startswith("Given: Crisis line card")
    assert card.risk_flags == ("Suicide risk",)
    assert [e.text for e in card.risk_history] == ["C-SSRS: low risk"]
    service.record_attempt(nurse, view.id, "contact_made", note="Spoke at length")
    with pytest.raises(ServiceError, match="closed"):
        service.contact_card(nurse, view.id)
    with db.read() as session:
        audit = session.execute(select(AuditRow.action, AuditRow.detail)).all()
        changes = session.execute(select(ChangeRow.topic, ChangeRow.station)).all()
    assert ("view_follow_up_contact", {"admission_id": admission}) in audit
    written = repr(audit) + repr(changes) + caplog.text
    assert "Aftercare plan" in caplog.text  # the save was logged ...
    assert PHONE not in written and PHONE_DIGITS not in written.replace(" ", "")  # ... not this


def test_a_reader_sees_the_list_but_not_the_contact_card(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = _admit(db, nurse, clock, "KD000001", "B01")
    _discharge(db, nurse, admission, "outpatient_programme")
    staff = StaffService(db)
    staff.add("ro.test", "Rae Reader", Role.READONLY, None)
    reader = staff.actor("ro.test", "Station A")
    service = AftercareService(db)
    [view] = service.follow_ups(reader)
    with pytest.raises(PermissionDenied):
        service.contact_card(reader, view.id)


def test_an_opioid_co_users_plan_states_naloxone(db: Database, nurse: Actor, clock: Clock) -> None:
    admission = _admit(db, nurse, clock, "KD000001", "B01", (OPIOID_WITHDRAWAL.label,))
    _discharge(db, nurse, admission, "outpatient_programme")
    service = AftercareService(db)
    with pytest.raises(InvalidInput) as caught:
        service.record_plan(nurse, admission, _plan())
    assert set(caught.value.problems) == {"naloxone"}
    service.record_plan(nurse, admission, _plan(naloxone="Take-home naloxone kit supplied"))
    plan = service.plan(admission)
    assert plan is not None and plan.opioid_co_user and plan.naloxone.startswith("Take-home")


def test_a_plan_needs_a_service_and_a_discharged_patient(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = _admit(db, nurse, clock, "KD000001", "B01")
    service = AftercareService(db)
    with pytest.raises(ServiceError, match="discharged"):
        service.record_plan(nurse, admission, _plan())
    _discharge(db, nurse, admission, "outpatient_programme")
    with pytest.raises(InvalidInput) as caught:
        service.record_plan(nurse, admission, _plan(service="", crisis_plan_detail=""))
    assert set(caught.value.problems) == {"service", "crisis_plan_detail"}


def test_compliance_counts_follow_ups_past_their_limit_against_the_target(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    start = clock.now - timedelta(hours=1)
    ids = [_admit(db, nurse, clock, f"KD00000{n}", f"B0{n}") for n in (1, 2, 3, 4)]
    for admission in ids:
        _discharge(db, nurse, admission, "outpatient_programme")
    service = AftercareService(db)
    by_admission = {v.admission_id: v.id for v in service.follow_ups(nurse)}
    clock.advance(hours=10)
    service.record_attempt(nurse, by_admission[ids[0]], "contact_made", note="on time")
    clock.advance(hours=70)
    service.record_attempt(nurse, by_admission[ids[1]], "contact_made", note="late")
    staff = StaffService(db)
    staff.add("sn.test", "Sam Super", Role.SUPERVISOR, None)
    supervisor = staff.actor("sn.test", "Station A")
    figures = service.compliance(supervisor, since=start, until=clock.now)
    # On time 1; late 1; overdue 2 (72 h passed without contact).
    assert (figures.counted, figures.on_time, figures.late, figures.overdue) == (4, 1, 1, 2)
    assert figures.percent == 25.0 and figures.meets_target is False
    assert figures.target_percent == 80
    with pytest.raises(PermissionDenied):
        service.compliance(nurse, since=start, until=clock.now)


def test_the_plan_completed_while_discharging_is_saved_with_the_discharge(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = _admit(db, nurse, clock, "KD000001", "B01", (OPIOID_WITHDRAWAL.label,))
    service = DischargeService(db)
    summary = service.draft(admission).text
    # Incomplete: no phone, no naloxone for an opioid co-user. The policy says ask.
    with pytest.raises(PlanIncomplete) as asked:
        service.discharge(
            nurse,
            admission,
            destination="outpatient_programme",
            summary=summary,
            plan=_plan(patient_phone=""),
        )
    assert asked.value.may_confirm
    assert set(asked.value.gaps) == {"patient_phone", "naloxone"}
    assert AftercareService(db).follow_ups(nurse) == []  # nothing saved
    service.discharge(
        nurse,
        admission,
        destination="outpatient_programme",
        summary=summary,
        plan=_plan(naloxone="Kit supplied"),
    )
    plan = AftercareService(db).plan(admission)
    assert plan is not None and plan.naloxone == "Kit supplied" and plan.opioid_co_user
    [view] = AftercareService(db).follow_ups(nurse)
    assert view.has_plan
    with db.read() as session:
        audit = session.scalars(select(AuditRow.detail).where(AuditRow.action == "discharge")).one()
    assert audit["aftercare_plan_missing"] == []


def test_asked_the_nurse_may_discharge_without_a_complete_plan_unless_the_policy_refuses(
    db: Database, nurse: Actor, clock: Clock, tmp_path: Path
) -> None:
    first = _admit(db, nurse, clock, "KD000001", "B01")
    service = DischargeService(db)
    service.discharge(
        nurse,
        first,
        destination="self_discharge_against_advice",
        detail="Left at 02:10; risks explained",
        summary=service.draft(first).text,
        plan=AftercarePlan(crisis_plan_given=False),
        accept_incomplete_plan=True,
    )
    with db.read() as session:
        audit = session.scalars(select(AuditRow.detail).where(AuditRow.action == "discharge")).one()
    assert audit["aftercare_plan_missing"] == ["patient_phone", "service"]
    assert AftercareService(db).plan(first) is None  # an empty form is not a plan

    bundled = default_policy_file("follow_up.toml").read_text(encoding="utf-8")
    strict = tmp_path / "follow_up.toml"
    strict.write_text(bundled.replace('incomplete_plan = "ask"', 'incomplete_plan = "refuse"'))
    station = Database(db.engine, clock=db.clock, follow_up_policy=load_follow_up_policy(strict))
    second = _admit(db, nurse, clock, "KD000002", "B02")
    refusing = DischargeService(station)
    for plan in (None, _plan(patient_phone="")):
        with pytest.raises(PlanIncomplete) as refused:
            refusing.discharge(
                nurse,
                second,
                destination="outpatient_programme",
                summary=refusing.draft(second).text,
                plan=plan,
                accept_incomplete_plan=True,
            )
        assert not refused.value.may_confirm
    assert "patient_phone" in refused.value.gaps
    refusing.discharge(
        nurse,
        second,
        destination="outpatient_programme",
        summary=refusing.draft(second).text,
        plan=_plan(),
    )
