"""Co-used substances at intake change care: a prescriber review for regular benzodiazepines,
CIWA-Ar on a schedule from the last drink, CIWA-Ar and COWS recorded, banded, escalated, struck
out and charted through the ordinary machinery. Both databases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from intakefakes import intake_data
from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.assessments import CIWA_AR_ITEMS, COWS_ITEMS
from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.charts import ChartService
from wardconsole.services.context import Actor, InvalidInput
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.history import EntryState, HistoryService
from wardconsole.services.recording import RecordingService, RoundEntry
from wardconsole.store.models import AssessmentRow, AuditRow

HOUR = timedelta(hours=1)


def ciwa(total: int) -> dict[str, Any]:
    answers = {item.key: 0 for item in CIWA_AR_ITEMS}
    for item in CIWA_AR_ITEMS:
        answers[item.key] = min(item.max_score, total)
        total -= answers[item.key]
    return answers


def cows(**items: int) -> dict[str, Any]:
    return {item.key: 0 for item in COWS_ITEMS} | items


def admit(db: Database, nurse: Actor, clock: Clock, **substance_use: Any) -> int:
    service = AdmissionService(db)
    service.ensure_beds(["B01", "B02"], "Test ward")
    admitted_at = clock.now - HOUR
    return service.admit(
        nurse,
        NewPatient("KD000101", "Cai", "Drinkwater", date(1990, 2, 3)),
        bed="B01",
        admitted_at=admitted_at,
        reason="Ketamine dependence",
        intake=intake_data(admitted_at, substance_use=substance_use),
    )


def open_of(db: Database, kind: EscalationKind) -> list[Any]:
    return [e for e in EscalationService(db).open() if e.kind is kind]


DRINKER = {
    "other_substances": ["alcohol", "benzodiazepines"],
    "alcohol_recent": True,
    "benzodiazepines_regular": True,
}


def test_regular_benzodiazepines_raise_one_prescriber_review_at_admission(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = admit(db, nurse, clock, **DRINKER)
    [review] = open_of(db, EscalationKind.BENZODIAZEPINE_REVIEW)
    assert review.admission_id == admission and review.severity is Severity.ADVISORY
    EscalationService(db).resolve(nurse, review.id, review.version, "Prescriber reviewed")
    clock.advance(minutes=10)
    RecordingService(db).record_assessment(nurse, admission, "ciwa_ar", ciwa(2))
    EscalationService(db).evaluate_ward(nurse)
    assert open_of(db, EscalationKind.BENZODIAZEPINE_REVIEW) == []


def test_a_ciwa_ar_from_the_bedside_form_is_banded_by_policy_and_escalates(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = admit(
        db, nurse, clock, **DRINKER, last_drink_at=(clock.now - 20 * HOUR).isoformat()
    )
    result = RecordingService(db).record_round(
        nurse, admission, RoundEntry(assessments={"ciwa_ar": ciwa(15)}), save_key="ciwa-1"
    )
    with db.read() as session:
        row = session.scalars(select(AssessmentRow).where(AssessmentRow.kind == "ciwa_ar")).one()
        audit = session.scalars(
            select(AuditRow).where(AuditRow.action == "record_assessment")
        ).all()
    assert row.answers["band_scheme"] == "camcops"
    assert (row.total, row.label) == (15, "CIWA-Ar 15/67: severe (CamCOPS bands)")
    assert row.recorded_by_id == nurse.staff_id and row.station == "Station A"
    assert audit
    [alarm] = open_of(db, EscalationKind.ALCOHOL_WITHDRAWAL)
    assert alarm.severity is Severity.EMERGENCY
    assert "last drink" in alarm.explanation and "(20 h ago)" in alarm.explanation
    assert (EscalationKind.ALCOHOL_WITHDRAWAL, "raise") in {
        (c.kind, c.action) for c in result.escalations
    }


def test_a_wrong_ciwa_ar_is_struck_out_and_stops_counting(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = admit(db, nurse, clock, **DRINKER)
    recording = RecordingService(db)
    wrong = recording.record_assessment(nurse, admission, "ciwa_ar", ciwa(9))
    clock.advance(minutes=2)
    recording.mark_entered_in_error(nurse, "assessment", wrong.entry_id, "Wrong patient")
    entries = [e for e in HistoryService(db).entries(admission) if e.entry_type == "assessment"]
    struck = next(e for e in entries if e.id == wrong.entry_id)
    assert struck.state is EntryState.ENTERED_IN_ERROR
    clock.advance(minutes=1)
    recording.record_assessment(nurse, admission, "ciwa_ar", ciwa(4))
    track = ChartService(db).series(admission).assessment_tracks["ciwa_ar"]
    assert track.points == 1 and 4.0 in list(track.y)


def test_ciwa_ar_falls_due_on_its_schedule_and_recording_it_ends_the_alarm(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = admit(db, nurse, clock, **DRINKER)  # admitted an hour ago, none recorded yet
    [first] = open_of(db, EscalationKind.CIWA_AR_DUE)
    assert first.explanation == (
        "No CIWA-Ar recorded yet: due 1 h ago (within 96 h of admission (last drink not known))"
    )
    recording = RecordingService(db)
    escalations = EscalationService(db)
    recording.record_assessment(nurse, admission, "ciwa_ar", ciwa(3))
    escalations.resolve(nurse, first.id, first.version, "CIWA-Ar recorded")
    clock.advance(hours=4, minutes=10)
    escalations.evaluate_ward(nurse)
    assert open_of(db, EscalationKind.CIWA_AR_DUE) == []  # inside the 15-minute grace
    clock.advance(minutes=10)
    escalations.evaluate_ward(nurse)
    [due] = open_of(db, EscalationKind.CIWA_AR_DUE)
    assert due.admission_id == admission and due.severity is Severity.URGENT
    assert due.explanation.startswith("CIWA-Ar: due 20 min ago (within 96 h of admission")
    recording.record_assessment(nurse, admission, "ciwa_ar", ciwa(2))
    escalations.resolve(nurse, due.id, due.version, "CIWA-Ar recorded")
    clock.advance(minutes=30)
    escalations.evaluate_ward(nurse)
    assert open_of(db, EscalationKind.CIWA_AR_DUE) == []


def test_cows_records_only_allowed_values_and_escalates_by_policy(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = admit(db, nurse, clock, other_substances=["opioids"], opioids_recent=True)
    recording = RecordingService(db)
    with pytest.raises(InvalidInput) as refused:
        recording.record_assessment(nurse, admission, "cows", cows(gooseflesh=4))
    assert "gooseflesh: 4 is not allowed" in refused.value.problems["cows"]
    assert HistoryService(db).entries(admission, types=("assessment",)) == () or all(
        e.values["kind"] != "cows" for e in HistoryService(db).entries(admission)
    )
    saved = recording.record_assessment(
        nurse,
        admission,
        "cows",
        cows(pulse=2, sweating=2, restlessness=3, gooseflesh=3, yawning=2, anxiety=1),
    )
    assert saved.entry_id
    [alarm] = open_of(db, EscalationKind.OPIOID_WITHDRAWAL)
    assert alarm.severity is Severity.URGENT
    assert alarm.explanation == "COWS 13/48: moderate withdrawal"
    series = ChartService(db).series(admission)
    track = series.assessment_tracks["cows"]
    assert list(track.y) == [13.0]


def test_recent_drinking_added_by_an_intake_amendment_starts_the_schedule(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    admission = admit(db, nurse, clock)
    EscalationService(db).evaluate_ward(nurse)
    assert open_of(db, EscalationKind.CIWA_AR_DUE) == []
    service = AdmissionService(db)
    content = service.intake(admission).current
    assert content is not None
    section = content.to_json()["substance_use"] | {"alcohol_recent": True}
    flags = service.amend_intake(
        nurse, admission, "substance_use", section, reason="Disclosed daily drinking"
    )
    assert "Alcohol withdrawal risk" in flags
    clock.advance(minutes=20)
    EscalationService(db).evaluate_ward(nurse)
    [due] = open_of(db, EscalationKind.CIWA_AR_DUE)
    assert "No CIWA-Ar recorded yet" in due.explanation
