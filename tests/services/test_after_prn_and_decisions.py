"""After a PRN dose and per-patient clinician decisions, through the services on both backends:
the route recorded, the post-PRN RASS and the rapid-tranquillisation schedule on the census,
Scale 2 and other decisions recorded only by a clinician, and NEWS2 flagged where it is not
validated without ever suppressing a score."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import (
    CensusService,
    after_prn_fields,
    after_prn_inputs,
    doses_read,
)
from wardconsole.services.context import Actor, InvalidInput, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.decisions import DecisionService
from wardconsole.services.escalations import EscalationService
from wardconsole.services.history import HistoryService
from wardconsole.services.recording import RecordingService, RoundEntry
from wardconsole.services.staff import StaffService
from wardconsole.store import repository


@pytest.fixture
def clinician(db: Database) -> Actor:
    staff = StaffService(db)
    staff.add("dr.khan", "Amir Khan", Role.CLINICIAN, None)
    return staff.actor("dr.khan", "Station A")


def _dose(db: Database, nurse: Actor, admission: int, **changes: str) -> int:
    values = {
        "drug": "Haloperidol",
        "drug_class": "antipsychotic",
        "dose": "5 mg",
        "route": "oral",
        "reason": "Agitation",
    } | changes
    return RecordingService(db).record_prn(nurse, admission, **values).entry_id


def _row(db: Database, admission: int):  # type: ignore[no-untyped-def]
    return next(r for r in CensusService(db).snapshot().rows if r.admission_id == admission)


def _open(db: Database, kind: EscalationKind) -> list:  # type: ignore[type-arg]
    return [e for e in EscalationService(db).open() if e.kind is kind]


def test_the_route_of_every_prn_dose_is_recorded_from_a_known_list(
    db: Database, nurse: Actor, admission: int
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _dose(db, nurse, admission, route="up the nose")
    assert "route: one of oral" in caught.value.problems["route"]
    dose_id = _dose(db, nurse, admission, route="IM")
    [dose] = HistoryService(db).prn_summary(admission).doses
    assert (dose.id, dose.route, dose.rapid_tranquillisation) == (dose_id, "im", True)


def test_an_oral_antipsychotic_puts_a_rass_due_on_the_census_and_escalates_when_overdue(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    _dose(db, nurse, admission)
    row = _row(db, admission)
    assert row.post_prn_rass_due_at == clock.now + db.policy.rass_after_prn
    summary = HistoryService(db).prn_summary(admission)
    assert (summary.oral_antipsychotics, summary.counted) == (1, 0)  # its own count
    clock.advance(minutes=75)
    EscalationService(db).evaluate_ward(nurse)
    [overdue] = _open(db, EscalationKind.POST_PRN_RASS)
    assert overdue.severity is Severity.URGENT
    assert overdue.explanation == "RASS after PRN Haloperidol 5 mg oral overdue by 15 min"
    RecordingService(db).record_round(
        nurse, admission, RoundEntry(assessments={"rass": {"score": 0}}), save_key=uuid4().hex
    )
    assert _row(db, admission).post_prn_rass_due_at is None


def test_an_im_dose_starts_rapid_tranquillisation_hourly_until_a_clinician_ends_it(
    db: Database, nurse: Actor, clinician: Actor, admission: int, clock: Clock
) -> None:
    _dose(db, nurse, admission, route="IM", drug="Lorazepam", drug_class="benzodiazepine")
    row = _row(db, admission)
    assert row.rt_interval_minutes == 60
    assert row.rt_next_due_at == clock.now + timedelta(hours=1)
    assert row.post_prn_rass_due_at is None  # the RT schedule covers the RASS
    # A nurse may make the checks more frequent, with a reason ...
    DecisionService(db).set_rt_interval(
        nurse, admission, minutes=15, reason="Appears asleep after the dose"
    )
    assert _row(db, admission).rt_next_due_at == clock.now + timedelta(minutes=15)
    # ... but not less frequent, nor end the schedule.
    with pytest.raises(PermissionDenied):
        DecisionService(db).set_rt_interval(nurse, admission, minutes=60, reason="Settled")
    with pytest.raises(PermissionDenied):
        DecisionService(db).end_rt(nurse, admission, reason="Settled")
    clock.advance(minutes=25)
    EscalationService(db).evaluate_ward(nurse)
    [overdue] = _open(db, EscalationKind.RAPID_TRANQUILLISATION)
    assert "NEWS2 set, RASS, hydration and side effects overdue by 10 min" in overdue.explanation
    # Asleep, observations not possible: recorded as such, and still not a normal check.
    RecordingService(db).record_round(
        nurse,
        admission,
        RoundEntry(assessments={"rt_check": {"status": "asleep_not_possible"}}),
        save_key=uuid4().hex,
    )
    row = _row(db, admission)
    assert row.rt_not_possible and row.rt_next_due_at is not None
    assert row.rt_next_due_at < clock.now  # still overdue
    DecisionService(db).end_rt(clinician, admission, reason="No further physical concerns")
    row = _row(db, admission)
    assert (row.rt_next_due_at, row.rt_interval_minutes) == (None, None)


def test_a_side_effect_after_rapid_tranquillisation_escalates_with_its_name(
    db: Database, nurse: Actor, admission: int
) -> None:
    _dose(db, nurse, admission, route="IM")
    RecordingService(db).record_round(
        nurse,
        admission,
        RoundEntry(
            vitals=NORMAL_SET,
            assessments={
                "rass": {"score": 0},
                "rt_check": {
                    "status": "done",
                    "hydration": "adequate",
                    "side_effects": ["acute_dystonia"],
                },
            },
        ),
        save_key=uuid4().hex,
    )
    [alarm] = _open(db, EscalationKind.RAPID_TRANQUILLISATION)
    assert "side effects: acute dystonia" in alarm.explanation


def test_only_a_clinician_sets_scale_2_with_the_reason_and_a_review_date(
    db: Database, nurse: Actor, clinician: Actor, admission: int, clock: Clock
) -> None:
    decisions = DecisionService(db)
    review = clock.now + timedelta(days=3)
    with pytest.raises(PermissionDenied):
        decisions.set_spo2_scale(
            nurse, admission, scale=2, review_at=review, confirmed_hypercapnic_failure=True
        )
    with pytest.raises(InvalidInput) as caught:
        decisions.set_spo2_scale(clinician, admission, scale=2, review_at=None)
    assert {"reason", "review_at"} <= set(caught.value.problems)
    decisions.set_spo2_scale(
        clinician, admission, scale=2, review_at=review, confirmed_hypercapnic_failure=True
    )
    brief = HistoryService(db).patient(admission)
    assert (brief.spo2_scale, brief.scale2_target, brief.scale2_prescribed_by) == (
        2,
        "88–92 %",
        "Amir Khan",
    )
    assert _row(db, admission).clinical_decisions == ("SpO2 Scale 2 (target 88–92 %, Amir Khan)",)
    # The review date falling due raises an advisory.
    clock.advance(days=3, minutes=1)
    EscalationService(db).evaluate_ward(nurse)
    [review_due] = _open(db, EscalationKind.DECISION_REVIEW)
    assert review_due.severity is Severity.ADVISORY
    assert review_due.explanation.startswith("SpO2 Scale 2 (target 88–92 %, Amir Khan): review")


def test_a_supervisor_is_not_a_clinician(db: Database, admission: int) -> None:
    staff = StaffService(db)
    staff.add("sn.boss", "Sue Boss", Role.SUPERVISOR, None)
    boss = staff.actor("sn.boss", "Station A")
    with pytest.raises(PermissionDenied):
        DecisionService(db).set_modified_response(
            boss, admission, response="GP first", reason="Known", review_at=None
        )


def test_a_modified_response_shows_beside_chart_4_and_never_stops_the_escalation(
    db: Database, nurse: Actor, clinician: Actor, admission: int, clock: Clock
) -> None:
    DecisionService(db).set_modified_response(
        clinician,
        admission,
        response="Known chronic tachycardia: call the on-call GP before 999",
        reason="Cardiology letter 2026",
        review_at=clock.now + timedelta(days=2),
    )
    sick = {**NORMAL_SET, "respiration_rate": 25, "spo2": 93, "pulse": 111}
    RecordingService(db).record_observation(nurse, admission, sick)
    [alarm] = _open(db, EscalationKind.DETERIORATION)
    assert alarm.severity is Severity.EMERGENCY
    assert any("Modified response (Amir Khan): Known chronic" in p for p in alarm.prompts)


def test_under_16_and_pregnant_patients_are_flagged_and_still_scored(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    from intakefakes import intake_data

    admissions = AdmissionService(db)
    admissions.ensure_beds(["B05", "B06"], "Test ward")
    young = admissions.admit(
        nurse,
        NewPatient("KD000005", "Tia", "Young", date(2011, 6, 1)),
        bed="B05",
        admitted_at=clock.now - timedelta(hours=1),
        reason="Ketamine dependence",
    )
    pregnant = admissions.admit(
        nurse,
        NewPatient("KD000006", "Pia", "Expecting", date(1996, 6, 1)),
        bed="B06",
        admitted_at=clock.now - timedelta(hours=1),
        reason="Ketamine dependence",
        intake=intake_data(clock.now - timedelta(hours=1), physical={"pregnant": True}),
    )
    assert _row(db, young).news2_not_validated == ("under 16",)
    assert _row(db, pregnant).news2_not_validated == ("pregnant",)
    sick = {**NORMAL_SET, "respiration_rate": 25, "spo2": 93, "pulse": 111}
    result = RecordingService(db).record_observation(nurse, young, sick)
    assert result.news2 is not None and result.news2.total >= 7
    assert any(e.admission_id == young for e in _open(db, EscalationKind.DETERIORATION))


def test_the_census_after_prn_cells_match_each_patients_full_week(
    db: Database, nurse: Actor, clinician: Actor, admission: int, clock: Clock
) -> None:
    """The census reads only the checks that can change these cells (each patient's latest
    RASS and the checks of a running RT episode); what a nurse sees matches the cells worked
    out from the whole week of the patient's record."""
    admissions = AdmissionService(db)
    others = [
        admissions.admit(
            nurse,
            NewPatient(f"KD00010{n}", "Test", f"Patient{n}", date(1990, 1, n)),
            bed=bed,
            admitted_at=clock.now - timedelta(days=4),
            reason="Ketamine dependence",
        )
        for n, bed in ((1, "B02"), (2, "B03"))
    ]
    recording = RecordingService(db)

    def rass(at: int, score: int = 0) -> int:
        saved = recording.record_round(
            nurse, at, RoundEntry(assessments={"rass": {"score": score}}), save_key=uuid4().hex
        )
        return saved.assessment_ids["rass"]

    # The first patient: a RASS days ago followed an earlier dose, not today's.
    _dose(db, nurse, admission)
    clock.advance(hours=2)
    rass(admission)
    # The second: IM lorazepam starts rapid tranquillisation; a RASS before it never counts.
    rass(others[0])
    clock.advance(hours=40)
    _dose(db, nurse, others[0], route="IM", drug="Lorazepam", drug_class="benzodiazepine")
    clock.advance(minutes=20)
    _dose(db, nurse, admission)
    # The third: an oral dose, a RASS after it, then that RASS struck out as entered in error.
    _dose(db, nurse, others[1])
    clock.advance(minutes=10)
    struck = rass(others[1])
    recording.mark_entered_in_error(nurse, "assessment", struck, "Wrong patient")
    clock.advance(minutes=15)
    rass(others[0])  # part of the second patient's RT check
    rows = {r.admission_id: r for r in CensusService(db).snapshot().rows}
    assert rows[admission].post_prn_rass_due_at == clock.now - timedelta(minutes=25) + (
        db.policy.rass_after_prn
    )
    assert rows[others[1]].post_prn_rass_due_at == clock.now - timedelta(minutes=25) + (
        db.policy.rass_after_prn
    )
    assert rows[others[0]].post_prn_rass_due_at is None
    assert rows[others[0]].rt_next_due_at == clock.now - timedelta(minutes=45) + timedelta(hours=1)
    with db.read() as session:
        for admission_id, row in rows.items():
            state = repository.clinical_state(
                session,
                admission_id,
                since=clock.now - db.policy.history_window,
                formulary=db.formulary,
            )
            detail = repository.admission(session, admission_id)
            assert detail is not None
            latest = repository.latest_observations(session, [admission_id], complete_only=True)
            expected = after_prn_fields(
                detail,
                (state.prn_doses, state.assessments),
                state.decisions,
                latest.get(admission_id),
                clock.now,
                db,
            )
            assert {key: getattr(row, key) for key in expected} == expected


def test_the_census_builds_only_the_doses_its_after_prn_cells_read(
    db: Database, nurse: Actor, clinician: Actor, admission: int, clock: Clock
) -> None:
    """The census builds the rapid-tranquillisation doses of the rule's look-back and the latest
    other dose of a post-PRN RASS class; every cell matches the one worked out from the week."""
    admissions = AdmissionService(db)
    first = admission
    second, third = (
        admissions.admit(
            nurse,
            NewPatient(f"KD00020{n}", "Test", f"Dosed{n}", date(1985, 2, n)),
            bed=bed,
            admitted_at=clock.now,
            reason="Ketamine dependence",
        )
        for n, bed in ((1, "B02"), (2, "B03"))
    )
    im = {"route": "IM", "drug": "Lorazepam", "drug_class": "benzodiazepine"}
    paracetamol = {"drug": "Paracetamol", "drug_class": "non_opioid_analgesic", "dose": "1 g"}
    _dose(db, nurse, first)  # oral haloperidol, days before the rest
    _dose(db, nurse, second, drug="Olanzapine", dose="5 mg")
    clock.advance(hours=30)
    _dose(db, nurse, second, **im)  # RT long before the look-back ends it
    _dose(db, nurse, third, **im)
    clock.advance(hours=50)
    _dose(db, nurse, first, **im)
    DecisionService(db).set_rt_interval(nurse, first, minutes=15, reason="Asleep after the dose")
    _dose(db, nurse, first, **paracetamol)
    DecisionService(db).end_rt(clinician, third, reason="No further physical concerns")
    clock.advance(hours=20)
    _dose(db, nurse, first, drug="Zopiclone", drug_class="z_drug", dose="7.5 mg")
    _dose(db, nurse, third, **im)  # a new episode after the clinician ended the last
    clock.advance(hours=10)
    _dose(db, nurse, first, route="IM")
    for dosed in (first, second, third):
        _dose(db, nurse, dosed, **paracetamol)
    clock.advance(minutes=30)
    for later in (timedelta(0), timedelta(hours=12), timedelta(days=2)):
        now = clock.now + later
        since = now - db.policy.history_window
        with db.read() as session:
            ids = [first, second, third]
            full = repository.prn_doses_since(session, ids, since=since, formulary=db.formulary)
            rows = repository.prn_dose_rows_since(session, ids, since=since)
            decisions = repository.decisions_by_admission(session, ids)
            checks = after_prn_inputs(session, db, ids, decisions, now)
            for admission_id in ids:
                detail = repository.admission(session, admission_id)
                assert detail is not None
                kept = doses_read(rows[admission_id], db.formulary, db.policy, now)
                assert set(kept) <= set(full[admission_id])
                assert len(kept) < len(full[admission_id])
                assert checks[admission_id][0] == tuple(kept)

                cells = [
                    after_prn_fields(
                        detail,
                        (tuple(doses), checks[admission_id][1]),
                        decisions.get(admission_id, ()),
                        None,
                        now,
                        db,
                    )
                    for doses in (kept, full[admission_id])
                ]
                assert cells[0] == cells[1]
    rows_now = {r.admission_id: r for r in CensusService(db).snapshot().rows}
    assert rows_now[first].rt_interval_minutes == 15  # chosen after the episode's first dose
    assert rows_now[first].rt_next_due_at == clock.now - timedelta(minutes=15)
    assert rows_now[first].post_prn_rass_due_at == clock.now - timedelta(hours=10, minutes=30) + (
        db.policy.rass_after_prn
    )
    assert rows_now[second].rt_next_due_at is None
    assert rows_now[second].post_prn_rass_due_at is not None
    assert rows_now[third].rt_next_due_at == clock.now - timedelta(hours=10, minutes=30) + (
        timedelta(hours=1)
    )
