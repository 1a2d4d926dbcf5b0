"""The food and fluid chart on both databases: entries belong to the 07:00 → 07:00 period of
their taken time (across midnight and on clock-change days), the balance exists only when every
output was measured, corrections count once, a review behind target and a bladder patient with
no urine escalate through the normal workflow, and a drink saved during an outage is replayed
exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from statements import statements_during
from wardfakes import Clock

from wardconsole.domain.fluids import Direction, FluidInput
from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor, InvalidInput, Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.fluids import FluidService
from wardconsole.services.history import HistoryService
from wardconsole.services.outbox import Outbox
from wardconsole.services.recording import RecordingService
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow, FluidEntryRow


def drink(ml: int, what: str = "Water") -> FluidInput:
    return FluidInput(Direction.INTAKE, "oral", ml, what)


def urine(ml: int | None) -> FluidInput:
    return FluidInput(Direction.OUTPUT, "urine", ml)


def at(text: str) -> datetime:
    """A UTC instant from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def admit(db: Database, nurse: Actor, admitted_at: datetime, number: str = "KD000090") -> int:
    service = AdmissionService(db)
    service.ensure_beds(["B01", "B02", "B03"], "Test ward")
    free = next(b for b in ("B02", "B03") if b not in _occupied(db))
    return service.admit(
        nurse,
        NewPatient(number, "Fen", "Fluids", date(1990, 1, 1)),
        bed=free,
        admitted_at=admitted_at,
        reason="Ketamine dependence",
        assigned_nurse_id=nurse.staff_id,
    )


def _occupied(db: Database) -> set[str]:
    return {row.bed for row in CensusService(db, with_fluids=False).snapshot().rows}


def test_an_entry_belongs_to_the_period_of_its_taken_time_across_midnight(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    """Europe/London in November is UTC: the period runs 07:00 → 07:00 UTC."""
    clock.now = at("2026-11-24 08:00")
    admission = admit(db, nurse, at("2026-11-24 07:30"))
    recording = RecordingService(db)
    clock.now = at("2026-11-26 09:00")
    for taken, ml in (
        ("2026-11-25 06:59", 100),  # the period that started on the 24th
        ("2026-11-25 07:00", 200),  # first minute of the 25th's period
        ("2026-11-25 23:30", 150),  # across midnight: still the 25th's
        ("2026-11-26 00:30", 250),
        ("2026-11-26 06:59", 50),
        ("2026-11-26 07:00", 300),  # the 26th's
    ):
        recording.record_fluid(nurse, admission, drink(ml), taken_at=at(taken))
    views = FluidService(db).periods(admission, at("2026-11-24 07:30"), clock.now)
    assert [(v.period.day, v.totals.intake_ml, v.totals.intake_count) for v in views] == [
        (date(2026, 11, 24), 100, 1),
        (date(2026, 11, 25), 650, 4),
        (date(2026, 11, 26), 300, 1),
    ]
    assert [v.period.hours for v in views] == [24, 24, 24]
    overview = FluidService(db).overview(admission)
    assert overview.period.start == at("2026-11-26 07:00")
    assert overview.intake_text == "300 ml in 1 entry"


def test_clock_change_days_last_23_and_25_hours_and_say_so(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    clock.now = at("2027-03-27 08:00")
    spring = admit(db, nurse, at("2027-03-27 07:30"), "KD000091")
    recording = RecordingService(db)
    clock.now = at("2027-03-28 12:00")
    # Clocks go forward at 01:00 UTC on 28 March 2027: 07:00 BST is 06:00 UTC.
    recording.record_fluid(nurse, spring, drink(120), taken_at=at("2027-03-28 05:59"))
    recording.record_fluid(nurse, spring, drink(180), taken_at=at("2027-03-28 06:00"))
    views = FluidService(db).periods(spring, at("2027-03-27 07:30"), clock.now)
    assert [(v.period.hours, v.totals.intake_ml) for v in views] == [(23, 120), (24, 180)]
    assert views[0].period.label.endswith("(23 h: the clocks went forward)")
    assert views[1].period.start == at("2027-03-28 06:00")

    clock.now = at("2026-10-24 08:00")
    autumn = admit(db, nurse, at("2026-10-24 06:30"), "KD000092")
    clock.now = at("2026-10-25 12:00")
    # Clocks go back at 01:00 UTC on 25 October 2026: 07:00 GMT is 07:00 UTC, a 25-hour day.
    recording.record_fluid(nurse, autumn, drink(90), taken_at=at("2026-10-25 06:59"))
    recording.record_fluid(nurse, autumn, drink(60), taken_at=at("2026-10-25 07:00"))
    views = FluidService(db).periods(autumn, at("2026-10-24 06:30"), clock.now)
    assert [(v.period.hours, v.totals.intake_ml) for v in views] == [(25, 90), (24, 60)]
    assert "25 h: the clocks went back" in views[0].period.label


def test_the_balance_is_unknown_while_any_output_was_not_measured(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    overview = FluidService(db).overview(admission)
    assert overview.intake_text == "0 ml recorded · no intake entry yet this stay"
    recording.record_fluid(nurse, admission, drink(250), taken_at=clock.now - timedelta(hours=6))
    clock.advance(hours=10)  # 08:00 next day: a new period with nothing in it yet
    overview = FluidService(db).overview(admission)
    assert overview.totals.intake_count == 0
    assert overview.intake_text == "0 ml recorded · last entry 16 h ago"
    recording.record_fluid(nurse, admission, drink(400))
    recording.record_fluid(nurse, admission, urine(300))
    totals = FluidService(db).overview(admission).totals
    assert (totals.balance_ml, totals.balance_text) == (100, "balance +100 ml")
    recording.record_fluid(nurse, admission, urine(None))
    totals = FluidService(db).overview(admission).totals
    assert totals.balance_ml is None
    assert totals.balance_text == "balance unknown — output not measured (1 time)"
    assert (totals.output_ml, totals.urine_count) == (300, 2)


def test_a_correction_counts_once_and_a_strike_out_not_at_all(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    first = recording.record_fluid(nurse, admission, drink(900, "Jug"), save_key=None)
    recording.record_fluid(nurse, admission, drink(100))
    corrected = recording.amend_fluid(nurse, first.entry_id, drink(200, "Jug"), reason="typo")
    assert FluidService(db).overview(admission).totals.intake_ml == 300
    recording.mark_entered_in_error(nurse, "fluid", corrected.entry_id, "wrong patient")
    assert FluidService(db).overview(admission).totals.intake_ml == 100
    history = HistoryService(db).entries(admission)
    fluids = [e for e in history if e.entry_type == "fluid"]
    # The original (superseded), its correction (struck out, with why) and the other drink.
    assert len(fluids) == 3
    assert [e.struck_reason for e in fluids if e.struck_reason] == ["wrong patient"]
    with db.read() as session:
        actions = session.scalars(
            select(AuditRow.action).where(AuditRow.entity == "fluid").order_by(AuditRow.id)
        ).all()
    assert actions == ["record_fluid", "record_fluid", "amend_fluid", "entered_in_error"]


def test_impossible_volumes_are_refused_naming_the_field_and_extreme_ones_need_a_tick(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    limit = db.fluid_policy.intake_max_ml
    with pytest.raises(InvalidInput) as refused:
        recording.record_fluid(nurse, admission, drink(limit + 1))
    assert "volume_ml" in refused.value.problems
    with pytest.raises(InvalidInput) as refused:
        recording.record_fluid(nurse, admission, FluidInput(Direction.INTAKE, "oral", None))
    assert "volume_ml" in refused.value.problems
    with pytest.raises(InvalidInput) as refused:
        recording.record_fluid(nurse, admission, FluidInput(Direction.OUTPUT, "sweat", 10))
    assert "output" in refused.value.problems
    big = db.fluid_policy.intake_confirm_above_ml + 100
    with pytest.raises(InvalidInput) as refused:
        recording.record_fluid(nurse, admission, drink(big))
    assert "re-measure" in refused.value.problems["volume_ml"]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(FluidEntryRow)) == 0
    ticked = FluidInput(Direction.INTAKE, "iv", big, "Sodium chloride 0.9%", confirmed=True)
    recording.record_fluid(nurse, admission, ticked)
    assert FluidService(db).overview(admission).totals.intake_ml == big


def test_intake_behind_at_the_review_raises_an_advisory_fluid_review(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    clock.now = at("2026-11-25 07:30")
    admission = admit(db, nurse, at("2026-11-25 07:10"))
    recording = RecordingService(db)
    recording.set_fluid_plan(
        nurse,
        admission,
        reason="poor_intake",
        target_ml=1600,
        review_at=clock.now + timedelta(days=3),
    )
    recording.record_fluid(nurse, admission, drink(300))
    clock.now = at("2026-11-25 14:59")
    EscalationService(db).evaluate_ward(nurse)
    assert not _open(db, EscalationKind.FLUID_INTAKE)
    clock.now = at("2026-11-25 15:01")  # the 15:00 review expects 50 % of 1600 ml (policy)
    EscalationService(db).evaluate_ward(nurse)
    (raised,) = _open(db, EscalationKind.FLUID_INTAKE)
    assert raised.severity is Severity.ADVISORY
    assert "300 ml of 800 ml expected by then" in raised.explanation
    assert "not an NHS standard" in raised.explanation
    row = CensusService(db).snapshot().rows
    fluid = next(r.fluid for r in row if r.admission_id == admission)
    assert fluid is not None and fluid.behind and fluid.on_chart


def test_a_patient_drinking_enough_or_not_on_a_chart_is_not_escalated(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    clock.now = at("2026-11-26 07:30")
    recording = RecordingService(db)
    recording.record_fluid(nurse, admission, drink(100))
    clock.now = at("2026-11-26 15:30")
    EscalationService(db).evaluate_ward(nurse)  # not on a chart: no review
    assert not _open(db, EscalationKind.FLUID_INTAKE)
    recording.set_fluid_plan(
        nurse,
        admission,
        reason="poor_intake",
        target_ml=1000,
        review_at=clock.now + timedelta(days=1),
    )
    clock.now = at("2026-11-27 06:30")  # the 06:00 review expects 100 % of the target
    recording.record_fluid(nurse, admission, drink(850), taken_at=at("2026-11-26 20:00"))
    EscalationService(db).evaluate_ward(nurse)
    review = FluidService(db).overview(admission).review
    assert review is not None and review.clock == "06:00" and review.expected_ml == 1000
    assert review.intake_ml == 950 and review.behind  # the whole period's intake counts
    assert _open(db, EscalationKind.FLUID_INTAKE)
    recording.record_fluid(nurse, admission, drink(100), taken_at=at("2026-11-26 21:00"))
    review = FluidService(db).overview(admission).review
    assert review is not None and not review.behind


def test_no_urine_on_a_bladder_pain_chart_prompts_the_bladder_assessment(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.set_fluid_plan(
        nurse,
        admission,
        reason="bladder_pain",
        target_ml=1500,
        review_at=clock.now + timedelta(days=2),
    )
    recording.record_fluid(nurse, admission, urine(None))
    clock.advance(hours=db.fluid_policy.no_urine.total_seconds() / 3600 - 0.5)
    EscalationService(db).evaluate_ward(nurse)
    assert not _open(db, EscalationKind.BLADDER)
    clock.advance(hours=1)
    EscalationService(db).evaluate_ward(nurse)
    (raised,) = _open(db, EscalationKind.BLADDER)
    assert "No urine passed recorded for 8 h 30 min" in raised.explanation
    info = EscalationService(db).get(raised.id)
    assert any("bladder assessment" in p for p in info.prompts)


def test_a_plan_change_amends_the_plan_in_force_and_needs_a_reason(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    review = clock.now + timedelta(days=2)
    recording.set_fluid_plan(nurse, admission, reason="vomiting", target_ml=1500, review_at=review)
    with pytest.raises(InvalidInput) as refused:
        recording.set_fluid_plan(
            nurse, admission, reason="vomiting", target_ml=2000, review_at=review
        )
    assert "change_reason" in refused.value.problems
    recording.set_fluid_plan(
        nurse,
        admission,
        reason="vomiting",
        target_ml=2000,
        review_at=review,
        change_reason="dietitian advice",
    )
    assert FluidService(db).overview(admission).plan.target_ml == 2000  # type: ignore[union-attr]
    recording.stop_fluid_plan(nurse, admission, reason="eating and drinking well")
    assert FluidService(db).overview(admission).plan is None
    plans = [e for e in HistoryService(db).entries(admission) if e.entry_type == "fluid_plan"]
    assert len(plans) == 3 and plans[0].values["active"] is False
    with pytest.raises(InvalidInput) as refused:
        recording.set_fluid_plan(nurse, admission, reason="other", target_ml=5, review_at=review)
    assert {"reason_text", "target_ml"} <= set(refused.value.problems)


def test_a_drink_saved_during_an_outage_is_replayed_exactly_once(
    db: Database,
    nurse: Actor,
    admission: int,
    clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saves = SafeSaves(db, Outbox(tmp_path / "outbox.sqlite", "test database"))
    real = db.transaction
    down = True

    def transaction():  # type: ignore[no-untyped-def]
        if down:
            raise OperationalError("connect", {}, ConnectionRefusedError("server closed"))
        return real()

    monkeypatch.setattr(db, "transaction", transaction)
    key = uuid.uuid4().hex
    queued = saves.save_fluid(nurse, admission, drink(200, "Tea"), save_key=key, bed="B01")
    assert isinstance(queued, QueuedSave)
    assert [e.summary for e in saves.outbox.visible()] == ["Fluids: in Tea 200 ml"]
    pressed = clock.now
    down = False
    clock.advance(minutes=20)
    assert saves.replay().sent == 1
    for entry in saves.outbox.all_entries():
        saves.outbox._update(entry.seq, "state = 'waiting'", ())
    assert saves.replay().sent == 1  # written under its save key once
    with db.read() as session:
        rows = session.scalars(select(FluidEntryRow)).all()
    assert [(r.volume_ml, r.taken_at, r.recorded_by_id) for r in rows] == [
        (200, pressed, nurse.staff_id)
    ]


def test_the_census_reads_fluids_with_a_fixed_number_of_statements(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    census, without = CensusService(db), CensusService(db, with_fluids=False)

    def statements(service: CensusService) -> int:
        return len(statements_during(db.engine, service.snapshot))

    def fresh() -> int:
        """What the fluid column adds to a census's first refresh."""
        return statements(CensusService(db)) - statements(CensusService(db, with_fluids=False))

    def kept() -> int:
        """What it adds to a refresh of a census that has read the ward before."""
        return statements(census) - statements(without)

    recording = RecordingService(db)
    recording.record_fluid(nurse, admission, drink(200))
    one = fresh()
    census.snapshot()
    without.snapshot()
    assert kept() == 3  # nothing new: whether the stays' fluids changed, last drinks, food
    for number in ("KD000093", "KD000094"):
        other = admit(db, nurse, clock.now - timedelta(hours=2), number)
        for ml in (100, 150, 200):
            recording.record_fluid(nurse, other, drink(ml))
    # Four for the fluids (whether they changed, then the totals and plans of those that did,
    # the last drink of those with none this period), one for the food charts (and one for
    # their meals once one runs).
    assert fresh() == one == 5
    assert kept() == 5  # two new stays: their totals and plans, in the same two statements
    assert kept() == 3
    recording.record_assessment(nurse, admission, "must", {"weight_kg": "58.5", "height_m": "1.75"})
    assert fresh() == 6


def _open(db: Database, kind: EscalationKind) -> list:
    return [e for e in EscalationService(db).open() if e.kind is kind]


@pytest.fixture(autouse=True)
def _staff(db: Database) -> None:
    StaffService(db)  # the nurse fixture adds the staff member; nothing else is needed


def test_the_handoff_gives_fluid_facts_this_shift_and_this_period(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    from wardconsole.services.handoff import HandoffService

    clock.now = at("2026-11-26 08:00")
    admission = admit(db, nurse, at("2026-11-25 09:00"))
    recording = RecordingService(db)
    recording.set_fluid_plan(
        nurse, admission, reason="bladder_pain", target_ml=1600, review_at=at("2026-11-28 08:00")
    )
    recording.record_fluid(nurse, admission, drink(300), taken_at=at("2026-11-26 07:45"))
    clock.now = at("2026-11-26 16:00")
    recording.record_fluid(nurse, admission, drink(200, "Tea"))
    recording.record_fluid(nurse, admission, urine(None))
    handoffs = HandoffService(db)
    draft = handoffs.preview(handoffs.this_shift(clock.now), admission)
    texts = [fact.text for facts in draft.sections.values() for fact in facts]
    assert "Nutrition and fluids: not recorded in the console this shift" not in texts
    shift = next(t for t in texts if t.startswith("Fluids this shift:"))
    period = next(t for t in texts if t.startswith("Fluids this period (from 07:00):"))
    assert "balance unknown — output not measured (1 time)" in shift
    assert "in 500 ml in 2 entries" in period
    alerts = [f for facts in draft.sections.values() for f in facts if f.alert]
    assert any("behind at the 15:00 review: 500 ml of 800 ml" in f.text for f in alerts)


def test_fluids_are_exported_to_fhir_with_the_verified_oral_code_and_words_for_unmeasured(
    db: Database, nurse: Actor, admission: int
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    from wardconsole.interop.fhir_export import build_bundle
    from wardconsole.services.interop import ExportService

    supervisor = StaffService(db)
    supervisor.add("sup.fhir", "Sam Supervisor", Role.SUPERVISOR, None)
    actor = supervisor.actor("sup.fhir", "Station A")
    recording = RecordingService(db)
    recording.record_fluid(nurse, admission, drink(200, "Tea"))
    recording.record_fluid(
        nurse, admission, FluidInput(Direction.INTAKE, "iv", 500, "Sodium chloride 0.9%")
    )
    recording.record_fluid(nurse, admission, urine(None))
    bundle = build_bundle(ExportService(db).collect(actor, hospital_number="KD000001"))
    Bundle.model_validate(bundle)
    fluids = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"].startswith(("9000-1", "fluid-"))
    ]
    codes = [r["code"]["coding"][0]["code"] for r in fluids]
    assert codes == ["9000-1", "fluid-intake-iv", "fluid-output-urine"]
    assert fluids[0]["valueQuantity"] == {
        "value": 200,
        "unit": "mL",
        "system": "http://unitsofmeasure.org",
        "code": "mL",
    }
    assert fluids[2]["valueString"] == "passed, not measured"
    assert "valueQuantity" not in fluids[2]


def test_a_fluid_chart_past_its_review_time_asks_for_a_review(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.set_fluid_plan(
        nurse,
        admission,
        reason="vomiting",
        target_ml=1000,
        review_at=clock.now + timedelta(hours=2),
    )
    recording.record_fluid(nurse, admission, drink(1000))
    clock.advance(hours=1)
    EscalationService(db).evaluate_ward(nurse)
    assert not _open(db, EscalationKind.FLUID_INTAKE)
    clock.advance(hours=1, minutes=5)
    EscalationService(db).evaluate_ward(nurse)
    (raised,) = _open(db, EscalationKind.FLUID_INTAKE)
    assert raised.explanation.startswith("Fluid chart review due since")
