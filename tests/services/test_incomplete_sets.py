"""Incomplete sets still alarm, never postpone a due set, and worse is louder by grade.

Bedside partial sets, the bedside-monitor feed and imports inside the stay count by their known
values as a NEWS2 lower bound; historic data outside the stay never alarms. Runs on SQLite and
PostgreSQL (the ``engine`` fixture).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationInfo, EscalationKind, EscalationState, Severity
from wardconsole.domain.rules import PROMPT_SEPSIS
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.importing import (
    ImportBatch,
    ImportService,
    PatientRef,
    StayRef,
    VitalGroup,
)
from wardconsole.services.recording import RecordingService, RoundEntry
from wardconsole.services.staff import StaffService
from wardconsole.store.models import EscalationEventRow, EscalationRow

K = EscalationKind
REFUSED = {"systolic_bp": "refused", "temperature": "refused"}
RED_PARTIAL = {
    **NORMAL_SET,
    "respiration_rate": 7,
    "spo2": 84,
    "pulse": 135,
    "systolic_bp": None,
    "diastolic_bp": None,
    "temperature": None,
}
"""The issue's example: RR 7, SpO2 84 %, HR 135, BP and temperature refused."""
MEDIUM = {
    **NORMAL_SET,
    "respiration_rate": 22,
    "systolic_bp": 105,
    "pulse": 95,
    "temperature": 38.5,
}
"""NEWS2 5 (medium): RR 2, SBP 1, HR 1, T 1 — hourly."""
HIGH = {**NORMAL_SET, "respiration_rate": 26, "pulse": 132, "systolic_bp": 95, "temperature": 39.2}


def _open(db: Database, kind: K) -> EscalationInfo | None:
    return next((e for e in EscalationService(db).open() if e.kind is kind), None)


def _events(db: Database, escalation_id: int) -> list[str]:
    with db.read() as session:
        return list(
            session.scalars(
                select(EscalationEventRow.action)
                .where(EscalationEventRow.escalation_id == escalation_id)
                .order_by(EscalationEventRow.id)
            )
        )


def _acknowledge(db: Database, nurse: Actor, kind: K) -> EscalationInfo:
    info = _open(db, kind)
    assert info is not None
    EscalationService(db).acknowledge(nurse, info.id, info.version)
    acknowledged = _open(db, kind)
    assert acknowledged is not None and acknowledged.state is EscalationState.ACKNOWLEDGED
    return acknowledged


# --- item 1: bedside partial sets -----------------------------------------------------------


def test_a_bedside_partial_set_raises_an_emergency_naming_the_values_that_scored(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    service.record_observation(nurse, admission, NORMAL_SET)  # NEWS2 0
    clock.advance(hours=1)
    result = service.record_round(
        nurse,
        admission,
        RoundEntry(vitals=RED_PARTIAL, missing_reasons=REFUSED),
        save_key="partial-1",
    )
    assert result.partial and result.news2 is None
    assert result.news2_bound is not None
    assert result.news2_bound.text == "incomplete — at least 9 (high)"
    assert (K.DETERIORATION, Severity.EMERGENCY) in {
        (c.kind, c.severity) for c in result.escalations
    }
    escalation = _open(db, K.DETERIORATION)
    assert escalation is not None
    assert escalation.explanation == (
        "NEWS2 incomplete — at least 9 (high): RR 3, SpO2 3, HR 3; not taken: SBP, T"
    )
    assert escalation.prompts[0] == "Set incomplete: take the missing values now (SBP, T)"
    assert PROMPT_SEPSIS in escalation.prompts
    assert any(p.startswith("Who to call") for p in escalation.prompts)

    row = CensusService(db).snapshot().rows[0]
    # The last complete NEWS2 0 is kept as what it is, but the risk shown is the bound.
    assert (row.news2_total, row.news2_risk) == (0, "low")
    assert (row.news2_at_least, row.effective_news2_risk) == (9, "high")
    assert row.news2_text == "NEWS2 incomplete — at least 9 (high)"
    # Continuous monitoring from the partial set: due at once.
    assert row.next_obs_due_at == clock.now


def test_acvpu_v_alone_is_a_red_score_from_a_partial_set(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    service.record_observation(nurse, admission, NORMAL_SET)
    clock.advance(hours=1)
    only_acvpu = {name: None for name in NORMAL_SET if name != "spo2_scale"}
    only_acvpu["consciousness"] = "V"
    reasons = {name: "agitated" for name, v in only_acvpu.items() if v is None}
    reasons.pop("diastolic_bp")
    service.record_observation(nurse, admission, only_acvpu, missing_reasons=reasons)
    escalation = _open(db, K.DETERIORATION)
    assert escalation is not None and escalation.severity is Severity.URGENT
    assert escalation.explanation.startswith("NEWS2 incomplete — at least 3 (low-medium): ACVPU 3")
    assert CensusService(db).snapshot().rows[0].effective_news2_risk == "low-medium"


def test_a_partial_set_never_downgrades_or_closes_a_deterioration(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    service.record_observation(nurse, admission, HIGH)
    before = _acknowledge(db, nurse, K.DETERIORATION)
    clock.advance(minutes=10)
    calm = {**NORMAL_SET, "systolic_bp": None, "diastolic_bp": None, "temperature": None}
    service.record_observation(nurse, admission, calm, missing_reasons=REFUSED)
    after = _open(db, K.DETERIORATION)
    assert after is not None
    assert (after.severity, after.state, after.explanation) == (
        Severity.EMERGENCY,
        EscalationState.ACKNOWLEDGED,
        before.explanation,
    )
    row = CensusService(db).snapshot().rows[0]
    assert (row.news2_total, row.effective_news2_risk, row.news2_incomplete) == (10, "high", False)


# --- item 1: the monitor feed and imports ---------------------------------------------------


def _monitor_group(clock: Clock, ref: str, minutes_ago: float = 0, **values: object) -> VitalGroup:
    return VitalGroup(
        source_ref=ref,
        patient=PatientRef("KD000001"),
        taken_at=clock.now - timedelta(minutes=minutes_ago),
        values=values,
        position=ref,
    )


def _monitor(db: Database, clock: Clock, ref: str, **values: object) -> Any:
    gateway = StaffService(db).system_actor("Monitor gateway")
    batch = ImportBatch(
        "monitor", ref, (_monitor_group(clock, ref, **values),), create_records=False
    )
    return ImportService(db).import_batch(gateway, batch)


def test_a_monitor_set_without_acvpu_or_oxygen_alarms(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    clock.advance(minutes=30)
    _monitor(db, clock, "m1", pulse=150, spo2=82, systolic_bp=85, respiration_rate=18)
    escalation = _open(db, K.DETERIORATION)
    assert escalation is not None and escalation.severity is Severity.EMERGENCY
    assert escalation.explanation == (
        "NEWS2 incomplete — at least 9 (high): SpO2 3, SBP 3, HR 3; not taken: O2, ACVPU, T"
    )


def test_a_once_a_minute_monitor_stream_raises_once_per_grade_change(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    clock.advance(minutes=5)
    _monitor(db, clock, "s0", pulse=135, spo2=95, systolic_bp=120, respiration_rate=18)  # red
    first = _acknowledge(db, nurse, K.DETERIORATION)
    assert first.severity is Severity.URGENT
    announced = first.last_announced_at
    pulses = [136, 140, 138, 142, 137]  # still only a red score: the same grade
    for minute, pulse in enumerate(pulses, start=1):
        clock.advance(minutes=1)
        _monitor(db, clock, f"a{minute}", pulse=pulse, spo2=95, systolic_bp=120)
    same = _open(db, K.DETERIORATION)
    assert same is not None
    assert (same.state, same.severity, same.last_announced_at) == (
        EscalationState.ACKNOWLEDGED,
        Severity.URGENT,
        announced,
    )
    # Into the high band: re-opened once, then a minute-by-minute stream stays quiet.
    for minute in range(6):
        clock.advance(minutes=1)
        _monitor(db, clock, f"b{minute}", pulse=140 + minute, spo2=82, systolic_bp=85)
    louder = _open(db, K.DETERIORATION)
    assert louder is not None
    assert (louder.state, louder.severity) == (EscalationState.OPEN, Severity.EMERGENCY)
    actions = _events(db, louder.id)
    assert actions.count("raised") == 1 and actions.count("raise_severity") == 1
    # Back to a red score and up again: never lowered, so nothing is re-announced.
    _acknowledge(db, nurse, K.DETERIORATION)
    for minute, spo2 in enumerate([95, 82, 95, 82]):
        clock.advance(minutes=1)
        _monitor(
            db, clock, f"c{minute}", pulse=135, spo2=spo2, systolic_bp=85 if spo2 < 90 else 120
        )
    settled = _open(db, K.DETERIORATION)
    assert settled is not None and settled.state is EscalationState.ACKNOWLEDGED
    assert _events(db, settled.id).count("raise_severity") == 1


def test_historic_import_outside_the_stay_never_alarms(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    long_ago = clock.now - timedelta(days=40)
    group = VitalGroup(
        source_ref="old-1",
        patient=PatientRef("KD000001"),
        taken_at=long_ago,
        values={"pulse": 150, "spo2": 82, "systolic_bp": 85},
        position="entry 1",
        stay=StayRef(long_ago - timedelta(days=2), long_ago + timedelta(days=3)),
    )
    report = ImportService(db).import_batch(nurse, ImportBatch("import", "old.json", (group,)))
    assert report.sets_added == 1 and report.stays_created == 1
    with db.read() as session:
        assert session.scalars(select(EscalationRow)).all() == []


def test_an_import_inside_the_stay_alarms(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    RecordingService(db).record_observation(nurse, admission, NORMAL_SET)
    clock.advance(minutes=20)
    group = _monitor_group(clock, "file-1", 5, consciousness="U", pulse=80)
    ImportService(db).import_batch(nurse, ImportBatch("import", "in-stay.json", (group,)))
    escalation = _open(db, K.DETERIORATION)
    assert escalation is not None and escalation.severity is Severity.URGENT
    assert "ACVPU 3" in escalation.explanation


# --- item 2: a partial set never postpones a due full set ----------------------------------


def test_partial_sets_every_30_minutes_never_keep_a_news2_5_patient_from_being_overdue(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    service.record_observation(nurse, admission, MEDIUM)  # hourly (Chart 4)
    due = clock.now + timedelta(hours=1)
    asleep = {**NORMAL_SET, "systolic_bp": None, "diastolic_bp": None}
    for _ in range(4):  # 30, 60, 90, 120 minutes
        clock.advance(minutes=30)
        result = service.record_round(
            nurse,
            admission,
            RoundEntry(vitals=asleep, missing_reasons={"systolic_bp": "asleep"}),
            save_key=f"asleep-{clock.now.isoformat()}",
        )
        assert result.next_obs_due_at is not None and result.next_obs_due_at <= due
        assert CensusService(db).snapshot().rows[0].next_obs_due_at <= due
    # Two hours on, the full set due an hour ago is overdue and alarms.
    EscalationService(db).evaluate_ward(nurse)
    overdue = _open(db, K.OVERDUE_OBS)
    assert overdue is not None and "overdue by 1 h" in overdue.explanation


def test_continuous_monitoring_is_never_relaxed_by_a_partial_set(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    service.record_observation(nurse, admission, HIGH)  # NEWS2 >= 7: continuous
    high_at = clock.now
    clock.advance(minutes=10)
    service.record_observation(
        nurse,
        admission,
        {**NORMAL_SET, "systolic_bp": None, "diastolic_bp": None, "temperature": None},
        missing_reasons=REFUSED,
    )
    assert CensusService(db).snapshot().rows[0].next_obs_due_at == high_at


# --- item 6: grades -------------------------------------------------------------------------


def test_a_higher_rass_grade_reopens_and_reannounces_an_acknowledged_escalation(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    service.record_assessment(nurse, admission, "rass", {"score": -2})
    first = _acknowledge(db, nurse, K.OVERSEDATION)
    assert first.severity is Severity.URGENT
    EscalationService(db).mark_announced([first.id], cascade=False, station="Station A")

    clock.advance(minutes=5)
    service.record_assessment(nurse, admission, "rass", {"score": -3})  # same grade
    same = _open(db, K.OVERSEDATION)
    assert same is not None
    assert (same.state, same.severity) == (EscalationState.ACKNOWLEDGED, Severity.URGENT)
    assert same.last_announced_at is not None
    assert "RASS -3" in same.explanation

    clock.advance(minutes=5)
    service.record_assessment(nurse, admission, "rass", {"score": -4})  # deep sedation
    deep = _open(db, K.OVERSEDATION)
    assert deep is not None
    assert (deep.state, deep.severity, deep.last_announced_at) == (
        EscalationState.OPEN,
        Severity.EMERGENCY,
        None,
    )
    assert deep.explanation.startswith("RASS -4") and "deep sedation" in deep.explanation

    _acknowledge(db, nurse, K.OVERSEDATION)
    clock.advance(minutes=5)
    service.record_assessment(nurse, admission, "rass", {"score": -5})  # unarousable
    worst = _open(db, K.OVERSEDATION)
    assert worst is not None
    # The same severity (emergency) but a higher grade: re-opened for a fresh acknowledgement.
    assert (worst.state, worst.severity) == (EscalationState.OPEN, Severity.EMERGENCY)
    assert "unarousable: airway risk after a sedative" in worst.explanation
    assert _events(db, worst.id).count("raise_severity") == 2


def test_news2_low_medium_to_medium_reopens_with_the_medium_response(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = RecordingService(db)
    service.record_observation(nurse, admission, {**NORMAL_SET, "consciousness": "V"})
    red = _acknowledge(db, nurse, K.DETERIORATION)
    assert red.prompts[0].startswith("Urgent ward-based response")
    clock.advance(minutes=30)
    service.record_observation(nurse, admission, MEDIUM)
    medium = _open(db, K.DETERIORATION)
    assert medium is not None
    assert (medium.state, medium.severity) == (EscalationState.OPEN, Severity.URGENT)
    assert medium.prompts[0].startswith("Urgent response (RCP Chart 4, NEWS2 5–6)")
    assert PROMPT_SEPSIS in medium.prompts
