"""A MUST screen is recorded as an assessment on both databases: the typed measurements are
kept as typed (text), so a band edge scores the same when it is re-read; an estimated screen
is stored as a category with no score."""

from __future__ import annotations

from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.history import HistoryService
from wardconsole.services.recording import RecordingService
from wardconsole.store.models import AssessmentRow


def test_a_screen_at_a_band_edge_is_stored_and_rescored_the_same(
    db: Database, nurse: Actor, admission: int
) -> None:
    answers = {"weight_kg": "66.785", "height_m": "1.90", "weight_before_kg": "70.3"}
    saved = RecordingService(db).record_assessment(nurse, admission, "must", answers)
    with db.read() as session:
        row = session.get_one(AssessmentRow, saved.entry_id)
    # BMI exactly 18.5 scores 1 and a loss of exactly 5 % scores 1, read back from either
    # database as the digits typed (the float traps themselves: tests/domain/test_must.py).
    assert (row.total, row.answers["weight_kg"]) == (2, "66.785")
    assert row.label == "MUST 2 — high risk (BMI 18.5: 1, weight loss 5.0 %: 1, acute disease: 0)"
    (entry,) = [e for e in HistoryService(db).entries(admission) if e.entry_type == "assessment"]
    assert entry.values["label"] == row.label


def test_an_estimated_screen_is_a_category_without_a_score(
    db: Database, nurse: Actor, admission: int
) -> None:
    saved = RecordingService(db).record_assessment(
        nurse, admission, "must", {"estimated": "medium"}
    )
    with db.read() as session:
        row = session.get_one(AssessmentRow, saved.entry_id)
    assert row.total is None and row.label == "MUST estimated — medium risk, no score"


def test_a_high_risk_screen_raises_an_advisory_dietitian_referral(
    db: Database, nurse: Actor, admission: int
) -> None:
    from wardconsole.domain.records import EscalationKind, Severity
    from wardconsole.services.escalations import EscalationService

    recording = RecordingService(db)
    recording.record_assessment(
        nurse, admission, "must", {"weight_kg": "61.25", "height_m": "1.75"}
    )
    assert not [
        e for e in EscalationService(db).open() if e.kind is EscalationKind.DIETITIAN_REFERRAL
    ]
    saved = recording.record_assessment(
        nurse, admission, "must", {"weight_kg": "47.35", "height_m": "1.60"}
    )
    (raised,) = [c for c in saved.escalations if c.kind is EscalationKind.DIETITIAN_REFERRAL]
    assert raised.severity is Severity.ADVISORY
    (open_one,) = [
        e for e in EscalationService(db).open() if e.kind is EscalationKind.DIETITIAN_REFERRAL
    ]
    assert open_one.explanation.startswith("MUST 2 — high risk")
