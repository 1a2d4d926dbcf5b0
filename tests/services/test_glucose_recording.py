"""Capillary glucose is part of the bedside set: stored, never dropped, and a low reading
escalates in the same save. Both databases."""

from __future__ import annotations

from sqlalchemy import select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.domain.validation import ACCEPTED_FIELDS
from wardconsole.services.charts import ChartService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService, RoundEntry
from wardconsole.store import repository
from wardconsole.store.models import AuditRow, ObservationSetRow
from wardconsole.store.series import GLUCOSE_FLAGS

NEWS2_BLANK = {
    name: None
    for name in (
        "respiration_rate",
        "spo2",
        "on_oxygen",
        "systolic_bp",
        "diastolic_bp",
        "pulse",
        "consciousness",
        "temperature",
    )
}
ASLEEP = {name: "asleep" for name in NEWS2_BLANK if name != "diastolic_bp"}


def _stored(db: Database, entry_id: int) -> ObservationSetRow:
    with db.read() as session:
        return session.get_one(ObservationSetRow, entry_id)


def _hypo(db: Database) -> list:
    return [e for e in EscalationService(db).open() if e.kind is EscalationKind.HYPOGLYCAEMIA]


def test_every_value_a_set_accepts_is_stored(db: Database, nurse: Actor, admission: int) -> None:
    values = {**NORMAL_SET, "glucose": "5.6"}
    assert set(values) == set(ACCEPTED_FIELDS)  # this test covers every accepted field
    saved = RecordingService(db).record_observation(nurse, admission, values)
    with db.read() as session:
        row = session.get_one(ObservationSetRow, saved.entry_id)
        stored = repository.to_observation(row)
    for name in NORMAL_SET:
        if name != "spo2_scale":
            assert getattr(stored.vitals, name) == NORMAL_SET[name], name
    assert stored.glucose == 5.6
    assert stored.glucose_flag is None


def test_a_glucose_only_round_at_night_is_stored_and_a_lo_is_an_emergency(
    db: Database, nurse: Actor, admission: int
) -> None:
    entry = RoundEntry(vitals={**NEWS2_BLANK, "glucose": "LO"}, missing_reasons=ASLEEP)
    result = RecordingService(db).record_round(nurse, admission, entry, save_key="cbg-1")
    assert result.partial
    row = _stored(db, result.observation_id or 0)
    assert (row.glucose_mmol, row.glucose_flag) == (None, "LO")
    [hypo] = _hypo(db)
    assert hypo.severity is Severity.EMERGENCY
    assert "LO" in hypo.explanation
    assert {(c.kind, c.action) for c in result.escalations} >= {
        (EscalationKind.HYPOGLYCAEMIA, "raise")
    }
    with db.read() as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.action == "record_observation")
        ).one()
    assert audit.detail["glucose"] == "LO"


def test_a_low_reading_on_a_full_set_is_urgent_and_a_lower_one_raises_it(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    recording.record_observation(nurse, admission, {**NORMAL_SET, "glucose": 3.6})
    [hypo] = _hypo(db)
    assert hypo.severity is Severity.URGENT
    assert hypo.explanation == "Capillary glucose 3.6 mmol/L: below 4.0 (hypoglycaemia)"
    recording.record_observation(
        nurse, admission, {**NORMAL_SET, "glucose": 1.8}, confirmed=("glucose",)
    )
    [worse] = _hypo(db)
    assert worse.id == hypo.id and worse.severity is Severity.EMERGENCY


def test_hi_is_stored_and_shown_but_raises_no_hypoglycaemia(
    db: Database, nurse: Actor, admission: int
) -> None:
    saved = RecordingService(db).record_observation(
        nurse, admission, {**NORMAL_SET, "glucose": "HI"}
    )
    assert _stored(db, saved.entry_id).glucose_flag == "HI"
    assert _hypo(db) == []


def test_glucose_is_charted_and_a_lo_is_labelled_not_read_as_a_number(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.record_observation(nurse, admission, {**NORMAL_SET, "glucose": "5.2"})
    clock.advance(hours=1)
    recording.record_observation(nurse, admission, NORMAL_SET)  # no glucose: no point
    clock.advance(hours=1)
    recording.record_observation(nurse, admission, {**NORMAL_SET, "glucose": "LO"})
    track = ChartService(db).series(admission).vitals["glucose"]
    assert list(track.y) == [5.2, 0.6]
    assert track.codes is not None
    assert [GLUCOSE_FLAGS[int(c)] if c >= 0 else None for c in track.codes] == [None, "LO"]
