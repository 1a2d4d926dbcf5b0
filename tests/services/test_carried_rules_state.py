"""The rules state the monitor feed carries from one rules pass to the next: after every kind
of change another station can make between passes, what the rules read is exactly what a full
read gives — a carried state never hides a deterioration, a correction or a strike-out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import PatientClinicalState
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store import repository
from wardconsole.store.entry_windows import EntryWindows
from wardconsole.store.models import ObservationSetRow

LOW_SPO2 = {**NORMAL_SET, "spo2": 84, "pulse": 128}


def _read(
    db: Database, stays: Sequence[int], windows: EntryWindows | None
) -> dict[int, PatientClinicalState]:
    with db.transaction() as session:
        return repository.clinical_states(
            session,
            stays,
            since=db.clock() - db.policy.history_window,
            formulary=db.formulary,
            windows=windows,
        )


@pytest.fixture
def second_stay(db: Database, nurse: Actor, clock: Clock, admission: int) -> int:
    """A second patient in the next bed, admitted with the first."""
    patient = NewPatient("KD000002", "Bryn", "Bowen", date(1990, 3, 2))
    since = clock.now - timedelta(hours=30)
    return AdmissionService(db).admit(
        nurse, patient, bed="B02", admitted_at=since, reason="Ketamine dependence"
    )


def test_carried_entries_equal_a_full_read_after_every_change(
    db: Database, nurse: Actor, clock: Clock, admission: int, second_stay: int
) -> None:
    stays = [admission, second_stay]
    windows = EntryWindows()
    elsewhere = StaffService(db).actor("rn.test", "Station B")
    recording = RecordingService(db)

    def same() -> None:
        assert _read(db, stays, windows) == _read(db, stays, None)

    def set_at(stay: int, minutes: int, values: dict[str, object] = NORMAL_SET) -> int:
        taken = clock.now - timedelta(minutes=minutes)
        return recording.record_observation(nurse, stay, values, taken_at=taken).entry_id

    same()  # nothing recorded yet; both stays carried from here on
    first = set_at(admission, 50)
    set_at(second_stay, 50)
    same()
    read_so_far = windows.rows_read
    same()  # nothing changed: nothing read again (PostgreSQL reads the window each time)
    assert windows.rows_read == read_so_far + (0 if db.dialect == "sqlite" else 2)

    # Another station corrects a set into a deterioration, then corrects the correction.
    corrected = recording.record_observation(
        elsewhere,
        admission,
        LOW_SPO2,
        taken_at=clock.now - timedelta(minutes=50),
        amends_id=first,
        amend_reason="Transcribed from the wrong monitor",
    ).entry_id
    same()
    recording.record_observation(
        elsewhere,
        admission,
        {**LOW_SPO2, "spo2": 82},
        taken_at=clock.now - timedelta(minutes=50),
        amends_id=corrected,
        amend_reason="Second reading",
    )
    same()

    # A strike-out, and entries of the other kinds the rules read.
    struck = set_at(second_stay, 40, LOW_SPO2)
    same()
    recording.mark_entered_in_error(elsewhere, "observation", struck, "Probe on the wrong bed")
    same()
    recording.record_symptoms(elsewhere, admission, {"craving": 3})
    recording.record_prn(
        elsewhere,
        second_stay,
        drug="Lorazepam",
        dose="1 mg",
        route="oral",
        reason="Agitation",
    )
    same()

    # A stay not in the pass changes meanwhile; then it is read again.
    set_at(second_stay, 30)
    assert _read(db, [admission], windows) == _read(db, [admission], None)
    same()

    # Time passes: entries leave the window, a late entry recorded now stays in it.
    clock.advance(hours=db.policy.history_window.total_seconds() / 3600 - 0.5)
    set_at(admission, 24 * 60)
    same()
    clock.advance(hours=1)
    same()


def test_a_transaction_that_fails_forgets_what_it_read(
    db: Database, nurse: Actor, clock: Clock, admission: int
) -> None:
    """A set written and read in a transaction that then rolls back was never on record; on
    SQLite the next set may even get its id."""
    windows = EntryWindows()
    recording = RecordingService(db)
    kept = recording.record_observation(
        nurse, admission, NORMAL_SET, taken_at=clock.now - timedelta(minutes=30)
    ).entry_id
    assert _read(db, [admission], windows) == _read(db, [admission], None)
    with pytest.raises(RuntimeError), windows.transaction(), db.transaction() as session:
        original = session.get(ObservationSetRow, kept)
        assert original is not None
        values = {
            c.key: getattr(original, c.key)
            for c in ObservationSetRow.__table__.columns
            if c.key not in ("id", "source_ref")
        }
        session.add(ObservationSetRow(**{**values, "spo2": 80}))
        session.flush()
        read = repository.clinical_states(
            session,
            [admission],
            since=db.clock() - db.policy.history_window,
            formulary=db.formulary,
            windows=windows,
        )
        assert len(read[admission].observations) == 2
        raise RuntimeError("the commit fails")
    assert _read(db, [admission], windows) == _read(db, [admission], None)
    recording.record_observation(
        nurse, admission, LOW_SPO2, taken_at=clock.now - timedelta(minutes=20)
    )
    assert _read(db, [admission], windows) == _read(db, [admission], None)


def test_only_the_stays_most_recently_ruled_are_carried(
    db: Database, nurse: Actor, clock: Clock, admission: int, second_stay: int
) -> None:
    windows = EntryWindows(max_stays=1)
    recording = RecordingService(db)
    recording.record_observation(nurse, admission, NORMAL_SET)
    assert _read(db, [admission], windows) == _read(db, [admission], None)
    assert _read(db, [second_stay], windows) == _read(db, [second_stay], None)
    recording.record_observation(nurse, admission, LOW_SPO2)
    assert _read(db, [admission], windows) == _read(db, [admission], None)
