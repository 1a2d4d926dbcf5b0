"""Demo follow-ups: a few patients discharged in the last days, each owed a contact after
discharge — one overdue, one due after a self-discharge, one contacted, one still to call —
with their aftercare plans and the attempts made so far. Written straight to the tables (as the
rest of the demo ward is); nothing is recorded after the moment the ward is built."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from wardconsole.domain.discharge import Destination
from wardconsole.domain.follow_up import AftercarePlan, AttemptOutcome
from wardconsole.services.aftercare import open_follow_up
from wardconsole.services.db import Database
from wardconsole.store.models import (
    Admission,
    AftercarePlanRow,
    FollowUpAttemptRow,
    Patient,
)

CASES: tuple[tuple[str, str, float, Destination, tuple[str, ...], tuple[float, ...]], ...] = (
    # name, hospital no., hours since discharge, destination, risk flags, attempts (hours after)
    ("Keira Ashworth", "KD990001", 60, Destination.AFTERCARE, ("Suicide risk",), (20, 40)),
    ("Tobias Rennard", "KD990002", 30, Destination.AGAINST_ADVICE, (), (6,)),
    ("Mina Halloran", "KD990003", 50, Destination.OUTPATIENT, (), (26,)),
    ("Declan Farrow", "KD990004", 8, Destination.RESIDENTIAL, (), ()),
)


def add_follow_ups(db: Database, nurse_ids: Sequence[int], *, now: datetime) -> list[int]:
    """Add the discharged patients of ``CASES``; returns their admission ids."""
    policy = db.follow_up_policy
    made = []
    with db.transaction() as session:
        for index, (name, number, hours, destination, flags, attempts) in enumerate(CASES):
            given, family = name.split()
            discharged = now - timedelta(hours=hours)
            admitted = discharged - timedelta(days=7 + index)
            nurse = nurse_ids[index % len(nurse_ids)]
            patient = Patient(
                hospital_number=number,
                given_name=given,
                family_name=family,
                date_of_birth=date(1988 + index, 2 + index, 10 + index),
                created_at=admitted,
            )
            session.add(patient)
            session.flush()
            admission = Admission(
                patient_id=patient.id,
                admitted_at=admitted,
                discharged_at=discharged,
                discharge_destination=destination.value,
                discharge_summary="Demo discharge summary.",
                reason="Ketamine dependence: planned detox",
                risk_flags=list(flags),
                intake={"demo": True},
                recorded_at=admitted,
                recorded_by_id=nurse,
                station="demo",
            )
            session.add(admission)
            session.flush()
            follow_up = open_follow_up(session, policy, admission, destination, discharged, "demo")
            assert follow_up is not None
            session.add(
                AftercarePlanRow(
                    admission_id=admission.id,
                    plan=_plan(index).as_json(),
                    recorded_at=discharged,
                    recorded_by_id=nurse,
                    station="demo",
                )
            )
            session.flush()
            for number_of, after in enumerate(attempts, start=1):
                outcome = (
                    AttemptOutcome.CONTACT_MADE
                    if name == "Mina Halloran"
                    else AttemptOutcome.NO_ANSWER
                    if number_of == 1
                    else AttemptOutcome.MESSAGE_LEFT
                )
                at = min(discharged + timedelta(hours=after), now)
                session.add(
                    FollowUpAttemptRow(
                        follow_up_id=follow_up.id,
                        attempted_at=at,
                        outcome=outcome.value,
                        note="" if outcome is AttemptOutcome.NO_ANSWER else "Demo call",
                        recorded_at=at,
                        recorded_by_id=nurse,
                        station="Station A",
                    )
                )
                if outcome.closes:
                    follow_up.closed_at = at
                    follow_up.state = "done"
            made.append(admission.id)
    return made


def _plan(index: int) -> AftercarePlan:
    services = (
        "Eastgate community drug and alcohol team",
        "Hillside outpatient programme",
        "Riverside recovery service",
        "Oakfield residential rehabilitation",
    )
    return AftercarePlan(
        service=services[index % len(services)],
        service_contact="Duty worker, 01632 960" + f"{100 + index:03d}",
        patient_phone=f"07700 900{200 + index:03d}",
        crisis_plan_given=True,
        crisis_plan_detail="Crisis line card given; a named relative aware",
        relapse_prevention="Weekly relapse-prevention group",
        peer_support="SMART Recovery",
    )
