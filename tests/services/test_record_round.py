"""A bedside round is saved whole or not at all, and a retried save is never recorded twice."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationKind
from wardconsole.services import recording
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor, ConflictError, InvalidInput
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService, RoundEntry
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    AuditRow,
    ObservationSetRow,
    PrnDoseRow,
    SymptomEntryRow,
)

CLINICAL = (ObservationSetRow, SymptomEntryRow, AssessmentRow)
FOUR_AT_NORMAL = {
    "alertness": "normal",
    "amt4_mistakes": 0,
    "attention": "seven_or_more",
    "acute_change": False,
}
NO_SCALE = {k: v for k, v in NORMAL_SET.items() if k != "spo2_scale"}


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _key() -> str:
    return uuid.uuid4().hex


def full_round(**changes: object) -> RoundEntry:
    values = {
        "vitals": NO_SCALE,
        "symptoms": {"craving": 4, "anxiety": 3, "sleep_disturbance": 2},
        "assessments": {"rass": {"score": 0}, "4at": FOUR_AT_NORMAL},
        "note": "Settled, watching TV",
    }
    values.update(changes)
    return RoundEntry(**values)  # type: ignore[arg-type]


def test_a_full_round_is_one_save_with_one_time(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    taken = clock.now - timedelta(minutes=10)
    result = RecordingService(db).record_round(
        nurse, admission, full_round(), save_key=_key(), taken_at=taken
    )
    assert result.news2 is not None and result.news2.total == 0
    assert result.symptom_total == 9 and not result.partial and not result.already_saved
    assert set(result.assessment_ids) == {"rass", "4at"}
    assert result.saved_at == clock.now
    assert result.next_obs_due_at == taken + timedelta(hours=12)
    with db.read() as session:
        rows = [
            session.get_one(ObservationSetRow, result.observation_id),
            session.get_one(SymptomEntryRow, result.symptom_entry_id),
            *(session.get_one(AssessmentRow, i) for i in result.assessment_ids.values()),
        ]
        audits = session.scalars(select(AuditRow).where(AuditRow.entity_id.is_not(None))).all()
    assert {row.taken_at for row in rows} == {taken}
    assert {row.station for row in rows} == {"Station A"}
    assert [row.note for row in rows] == ["Settled, watching TV", "", "", ""]
    round_audits = [a for a in audits if "save_key" in a.detail]
    assert {a.action for a in round_audits} == {
        "record_observation",
        "record_symptoms",
        "record_assessment",
    }


def test_a_problem_anywhere_saves_nothing_and_every_problem_is_named(
    db: Database, nurse: Actor, admission: int
) -> None:
    bad = full_round(
        vitals={**NO_SCALE, "pulse": 400},
        symptoms={"craving": 9},
        assessments={"rass": {"score": 0}, "4at": {"alertness": "normal"}},
    )
    with pytest.raises(InvalidInput) as caught:
        RecordingService(db).record_round(nurse, admission, bad, save_key=_key())
    assert {"pulse", "symptoms", "4at"} <= set(caught.value.problems)
    assert "craving" in caught.value.problems["symptoms"]
    assert all(_count(db, model) == 0 for model in CLINICAL)


def test_a_failure_late_in_the_save_leaves_no_half_round(
    db: Database, nurse: Actor, admission: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_rules(*_args: object, **_kwargs: object) -> list[object]:
        raise RuntimeError("connection lost while evaluating rules")

    monkeypatch.setattr(recording, "apply_rules", broken_rules)
    with pytest.raises(RuntimeError):
        RecordingService(db).record_round(nurse, admission, full_round(), save_key=_key())
    assert all(_count(db, model) == 0 for model in CLINICAL)


def test_a_retried_save_returns_the_first_result_and_writes_nothing_twice(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    key = _key()
    first = service.record_round(nurse, admission, full_round(), save_key=key)
    clock.advance(minutes=1)
    again = service.record_round(nurse, admission, full_round(), save_key=key)
    assert again.already_saved
    assert again.observation_id == first.observation_id
    assert again.assessment_ids == first.assessment_ids
    assert again.saved_at == first.saved_at and again.news2 == first.news2
    assert [_count(db, model) for model in CLINICAL] == [1, 1, 2]


def test_a_save_key_cannot_be_reused_for_another_patient(
    db: Database, nurse: Actor, admission: int
) -> None:
    from datetime import date

    from wardconsole.services.admissions import AdmissionService, NewPatient

    other = AdmissionService(db).admit(
        nurse,
        NewPatient("KD000002", "Bea", "Brown", date(1990, 1, 2)),
        bed="B02",
        admitted_at=db.clock() - timedelta(hours=2),
        reason="Detox",
    )
    service = RecordingService(db)
    key = _key()
    service.record_round(nurse, admission, full_round(), save_key=key)
    with pytest.raises(ConflictError):
        service.record_round(nurse, other, full_round(), save_key=key)


def test_a_partial_round_is_marked_and_reschedules_a_recheck(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    service.record_round(nurse, admission, RoundEntry(vitals=NO_SCALE), save_key=_key())
    clock.advance(hours=2)
    asleep = {**NO_SCALE, "systolic_bp": None, "diastolic_bp": None, "temperature": None}
    result = service.record_round(
        nurse,
        admission,
        RoundEntry(
            vitals=asleep, missing_reasons={"systolic_bp": "asleep", "temperature": "asleep"}
        ),
        save_key=_key(),
    )
    assert result.partial and result.news2 is None
    recheck = db.policy.partial_recheck["low"]
    assert result.next_obs_due_at == clock.now + recheck
    row = CensusService(db).snapshot().rows[0]
    assert row.news2_total == 0 and row.latest_set_partial


def test_a_round_without_vitals_needs_no_reasons(
    db: Database, nurse: Actor, admission: int
) -> None:
    result = RecordingService(db).record_round(
        nurse, admission, RoundEntry(assessments={"rass": {"score": -3}}), save_key=_key()
    )
    assert result.observation_id is None and result.next_obs_due_at is None
    assert EscalationKind.OVERSEDATION in {c.kind for c in result.escalations}


def test_an_empty_round_is_refused(db: Database, nurse: Actor, admission: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        RecordingService(db).record_round(nurse, admission, RoundEntry(note="hi"), save_key=_key())
    assert "round" in caught.value.problems


def test_the_patients_own_spo2_scale_is_used(db: Database, nurse: Actor, admission: int) -> None:
    with db.transaction() as session:
        session.get_one(Admission, admission).spo2_scale = 2
    on_air_90 = {**NO_SCALE, "spo2": 90}
    result = RecordingService(db).record_round(
        nurse, admission, RoundEntry(vitals=on_air_90), save_key=_key()
    )
    assert result.news2 is not None and result.news2.parameter_scores["spo2"] == 0
    with db.read() as session:
        assert session.get_one(ObservationSetRow, result.observation_id).spo2_scale == 2


def test_every_formulary_class_can_be_chosen_for_a_drug_not_in_it(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = RecordingService(db)
    for key in db.formulary.classes:
        service.record_prn(
            nurse,
            admission,
            drug="Unlisted remedy",
            drug_class=key,
            class_reason="Pharmacist advised",
            dose="1 unit",
            route="oral",
            reason="Test",
        )
    with db.read() as session:
        stored = session.scalars(select(PrnDoseRow.drug_class)).all()
    assert sorted(stored) == sorted(db.formulary.classes)


def test_a_retried_prn_save_records_the_dose_once(
    db: Database, nurse: Actor, admission: int
) -> None:
    service = RecordingService(db)
    key = _key()
    dose = {
        "drug": "Lorazepam",
        "drug_class": "benzodiazepine",
        "dose": "1 mg",
        "route": "oral",
        "reason": "Anxiety",
    }
    first = service.record_prn(nurse, admission, **dose, save_key=key)
    again = service.record_prn(nurse, admission, **dose, save_key=key)
    assert again.entry_id == first.entry_id
    assert _count(db, PrnDoseRow) == 1
