"""A patient's history keeps every entry visible: corrections, strike-outs and PRN effects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from wardfakes import NORMAL_SET, Clock

from wardconsole.services.context import Actor, NotFound
from wardconsole.services.db import Database
from wardconsole.services.history import EntryState, HistoryService
from wardconsole.services.recording import RecordingService

LORAZEPAM = {
    "drug": "Lorazepam",
    "drug_class": "benzodiazepine",
    "dose": "1 mg",
    "route": "oral",
    "reason": "Anxiety",
}


def test_a_correction_keeps_the_original_visible_and_superseded(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    first = recording.record_observation(nurse, admission, {**NORMAL_SET, "pulse": 115})
    clock.advance(minutes=5)
    fixed = recording.amend_observation(
        nurse, first.entry_id, {**NORMAL_SET, "pulse": 75}, reason="Pulse misread; recounted"
    )
    entries = HistoryService(db).entries(admission)
    by_id = {e.id: e for e in entries}
    original, correction = by_id[first.entry_id], by_id[fixed.entry_id]
    assert original.state is EntryState.SUPERSEDED and original.replaced_by == fixed.entry_id
    assert original.values["pulse"] == 115 and not original.can_amend
    assert correction.state is EntryState.CURRENT and correction.is_correction
    assert correction.amend_reason == "Pulse misread; recounted"
    assert correction.recorded_by == "Robin Test" and correction.station == "Station A"
    assert correction.can_amend
    # Same time taken: the correction (written later) is listed first.
    assert [e.id for e in entries] == [fixed.entry_id, first.entry_id]


def test_a_strike_out_marks_the_entry_and_is_not_a_row_of_its_own(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    wrong = recording.record_assessment(nurse, admission, "rass", {"score": 2})
    clock.advance(minutes=3)
    recording.mark_entered_in_error(nurse, "assessment", wrong.entry_id, "Wrong patient")
    [entry] = HistoryService(db).entries(admission)
    assert entry.id == wrong.entry_id and entry.state is EntryState.ENTERED_IN_ERROR
    assert entry.struck_reason == "Wrong patient" and entry.struck_by == "Robin Test"
    assert entry.struck_at == clock.now
    assert not entry.can_strike_out and not entry.can_amend


def test_history_lists_every_kind_of_entry_newest_first(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.record_observation(nurse, admission, NORMAL_SET)
    clock.advance(minutes=1)
    recording.record_symptoms(nurse, admission, {"craving": 3})
    clock.advance(minutes=1)
    recording.record_prn(nurse, admission, **LORAZEPAM)
    types = [e.entry_type for e in HistoryService(db).entries(admission)]
    assert types == ["prn", "symptoms", "observation"]
    only_obs = HistoryService(db).entries(admission, types=("observation",))
    assert [e.entry_type for e in only_obs] == ["observation"]


def test_the_prn_summary_counts_sedatives_in_the_window_only(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    old = recording.record_prn(
        nurse, admission, **LORAZEPAM, given_at=clock.now - timedelta(hours=25)
    )
    assert old.entry_id
    for _ in range(3):
        clock.advance(minutes=30)
        recording.record_prn(nurse, admission, **LORAZEPAM)
    clock.advance(minutes=5)
    paracetamol = recording.record_prn(
        nurse,
        admission,
        drug="Paracetamol",
        dose="1 g",
        route="oral",
        reason="Headache",
    )
    recording.record_prn_effect(nurse, paracetamol.entry_id, "Headache eased")
    summary = HistoryService(db).prn_summary(admission)
    assert summary.window == timedelta(hours=24)
    assert [d.drug for d in summary.doses] == ["Paracetamol"] + ["Lorazepam"] * 3
    assert summary.counted == 3 and summary.review_above == 3 and not summary.review_due
    assert summary.doses[0].effects[0].effect == "Headache eased"
    clock.advance(minutes=5)
    fourth = recording.record_prn(nurse, admission, **LORAZEPAM)
    assert HistoryService(db).prn_summary(admission).review_due
    recording.mark_entered_in_error(nurse, "prn", fourth.entry_id, "Dose not given")
    assert not HistoryService(db).prn_summary(admission).review_due


def test_the_patient_brief_carries_the_spo2_scale(db: Database, admission: int) -> None:
    brief = HistoryService(db).patient(admission)
    assert brief.spo2_scale == 1 and brief.bed == "B01" and not brief.discharged
    assert brief.patient_name == "Aled Abernethy"
    with pytest.raises(NotFound):
        HistoryService(db).patient(admission + 100)
