"""Meals, supplements and bowels on both databases: a portion and a supplement are recorded
with their reasons and bad input is refused naming the field; a correction replaces the entry
once; the days since the last bowel movement count from it (or the admission) and the ward's
flag comes after the policy's days; both reach the handoff; and an entry saved during a
database outage is replayed exactly once. Also: a handoff drafted for a past shift reads the
fluid chart plan that was in force during that shift."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from wardfakes import Clock

from wardconsole.domain.bowels import BowelInput
from wardconsole.domain.meals import MealInput, Portion
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor, InvalidInput
from wardconsole.services.db import Database
from wardconsole.services.handoff import HandoffService
from wardconsole.services.history import HistoryService
from wardconsole.services.nutrition import NutritionService
from wardconsole.services.outbox import Outbox
from wardconsole.services.recording import RecordingService
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.store.models import AuditRow, BowelEntryRow, MealEntryRow


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def admit(db: Database, nurse: Actor, admitted_at: datetime) -> int:
    service = AdmissionService(db)
    service.ensure_beds(["B01"], "Test ward")
    return service.admit(
        nurse,
        NewPatient("KD000070", "Mo", "Meals", date(1990, 1, 1)),
        bed="B01",
        admitted_at=admitted_at,
        reason="Ketamine dependence",
        assigned_nurse_id=nurse.staff_id,
    )


def handoff_texts(db: Database, admission: int, now: datetime) -> list[str]:
    handoffs = HandoffService(db)
    draft = handoffs.preview(handoffs.this_shift(now), admission)
    return [fact.text for facts in draft.sections.values() for fact in facts]


def test_a_meal_and_a_supplement_are_recorded_with_reasons_and_audited(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    saved = recording.record_meal(
        nurse,
        admission,
        MealInput(
            "lunch",
            "Soup and bread",
            Portion.QUARTER,
            "Nausea or vomiting",
            supplement="nutritional_drink",
            supplement_outcome="declined",
            supplement_reason="Says it tastes of metal",
        ),
    )
    (entry,) = [e for e in HistoryService(db).entries(admission) if e.entry_type == "meal"]
    assert entry.values["portion"] == "quarter"
    with db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "record_meal")).one()
    assert audit.entity_id == saved.entry_id and audit.detail["supplement_outcome"] == "declined"
    overview = NutritionService(db).overview(admission)
    assert overview.meals_text == ("Lunch ¼ (Nausea or vomiting); Nutritional drink declined ×1")


def test_bad_meals_and_bowels_are_refused_naming_the_field_and_nothing_is_written(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    with pytest.raises(InvalidInput) as nothing_eaten:
        recording.record_meal(nurse, admission, MealInput("breakfast", portion=Portion.NONE))
    assert set(nothing_eaten.value.problems) == {"reason"}
    with pytest.raises(InvalidInput) as declined:
        recording.record_meal(
            nurse,
            admission,
            MealInput("supplement", supplement="vitamins", supplement_outcome="declined"),
        )
    assert set(declined.value.problems) == {"supplement_reason"}
    with pytest.raises(InvalidInput) as no_portion:
        recording.record_meal(nurse, admission, MealInput("lunch"))
    assert "portion" in no_portion.value.problems
    with pytest.raises(InvalidInput) as bristol:
        recording.record_bowel(nurse, admission, BowelInput(8))
    assert bristol.value.problems["bristol_type"].startswith("bristol_type: a Bristol stool type")
    with db.read() as session:
        assert not session.scalars(select(MealEntryRow)).all()
        assert not session.scalars(select(BowelEntryRow)).all()


def test_a_corrected_meal_counts_once_and_keeps_the_original_in_history(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    first = recording.record_meal(nurse, admission, MealInput("breakfast", "Toast", Portion.HALF))
    recording.amend_meal(
        nurse,
        first.entry_id,
        MealInput("breakfast", "Toast", Portion.ALL),
        reason="Finished it after the round",
    )
    assert NutritionService(db).overview(admission).meals_text == "Breakfast all"
    meals = [e for e in HistoryService(db).entries(admission) if e.entry_type == "meal"]
    assert len(meals) == 2
    with pytest.raises(InvalidInput):
        recording.amend_meal(
            nurse, first.entry_id, MealInput("breakfast", "", Portion.ALL), reason=" "
        )


def test_days_since_the_last_bowel_movement_and_the_flag_after_the_policy_days(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    clock.now = at("2026-11-20 10:00")
    admission = admit(db, nurse, at("2026-11-18 09:00"))
    service = NutritionService(db)
    status = service.overview(admission).bowels
    assert (status.days, status.flagged, status.last) == (2, False, None)
    assert status.text == "Bowels: none recorded since admission (2 days)"
    RecordingService(db).record_bowel(
        nurse, admission, BowelInput(2), taken_at=at("2026-11-20 08:00")
    )
    clock.now = at("2026-11-23 07:59")  # 2 days 23 h 59 min: not yet the policy's 3 days
    assert not service.overview(admission).bowels.flagged
    clock.now = at("2026-11-23 08:00")
    status = service.overview(admission).bowels
    assert status.flagged and status.days == 3
    assert status.text.startswith(
        "Bowels: last opened 3 days ago (Bristol type 2) — ● not opened for 3 days or more "
        "(local policy, not a published threshold; awaiting governance sign-off)"
    )
    texts = handoff_texts(db, admission, clock.now)
    assert any(t.startswith("Bowels: last opened 3 days ago (Bristol type 2) — ●") for t in texts)


def test_meals_reach_the_handoff_this_shift_and_this_period(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    clock.now = at("2026-11-26 08:00")
    admission = admit(db, nurse, at("2026-11-25 09:00"))
    recording = RecordingService(db)
    recording.record_meal(nurse, admission, MealInput("breakfast", "Porridge", Portion.QUARTER))
    clock.now = at("2026-11-26 20:30")  # the night shift (from 19:30) began after breakfast
    recording.record_meal(nurse, admission, MealInput("snack", "Toast", Portion.NONE, "Not hungry"))
    texts = handoff_texts(db, admission, clock.now)
    assert "Meals this shift: Snack none (Not hungry)" in texts
    assert "Meals this period (from 07:00): Breakfast ¼, Snack none (Not hungry)" in texts
    assert not any(t.startswith("Meals: not recorded") for t in texts)


def test_a_past_shift_handoff_reads_the_fluid_plan_in_force_then(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    clock.now = at("2026-11-26 08:00")
    admission = admit(db, nurse, at("2026-11-25 09:00"))
    recording = RecordingService(db)
    recording.set_fluid_plan(
        nurse, admission, reason="poor_intake", target_ml=1600, review_at=at("2026-11-28 08:00")
    )
    clock.now = at("2026-11-27 10:00")
    recording.set_fluid_plan(
        nurse,
        admission,
        reason="poor_intake",
        target_ml=2000,
        review_at=at("2026-11-29 08:00"),
        change_reason="Still behind",
    )
    handoffs = HandoffService(db)
    past = handoffs.this_shift(at("2026-11-26 12:00"))
    texts = [f.text for fs in handoffs.preview(past, admission).sections.values() for f in fs]
    assert any("target 1600 ml per 24 h" in t for t in texts)
    assert not any("target 2000 ml" in t for t in texts)
    now_texts = handoff_texts(db, admission, clock.now)
    assert any("target 2000 ml per 24 h" in t for t in now_texts)


def test_a_meal_and_a_bowel_entry_saved_during_an_outage_are_replayed_exactly_once(
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
    meal = MealInput(
        "lunch", "Pasta", Portion.HALF, supplement="vitamins", supplement_outcome="given"
    )
    assert isinstance(
        saves.save_meal(nurse, admission, meal, save_key=uuid.uuid4().hex), QueuedSave
    )
    assert isinstance(
        saves.save_bowel(nurse, admission, BowelInput(5), save_key=uuid.uuid4().hex), QueuedSave
    )
    assert [e.summary for e in saves.outbox.visible()] == [
        "Meal: Lunch (Pasta): ate ½; Vitamins given",
        "Bowels: Bristol type 5",
    ]
    pressed = clock.now
    down = False
    clock.advance(minutes=20)
    assert saves.replay().sent == 2
    for entry in saves.outbox.all_entries():
        saves.outbox._update(entry.seq, "state = 'waiting'", ())
    assert saves.replay().sent == 2  # written under their save keys once
    with db.read() as session:
        meals = session.scalars(select(MealEntryRow)).all()
        bowels = session.scalars(select(BowelEntryRow)).all()
    assert [(m.portion, m.supplement_outcome, m.taken_at) for m in meals] == [
        ("half", "given", pressed)
    ]
    assert [(b.bristol_type, b.taken_at) for b in bowels] == [(5, pressed)]


def test_meals_and_bowels_export_to_fhir_with_the_consoles_codes_and_to_csv(
    db: Database, nurse: Actor, admission: int, tmp_path: Path
) -> None:
    import csv

    from fhir.resources.R4B.bundle import Bundle

    from wardconsole.interop.csv_export import COLUMNS, write_csv
    from wardconsole.interop.fhir_export import build_bundle
    from wardconsole.services.context import Role
    from wardconsole.services.interop import ExportService
    from wardconsole.services.staff import StaffService

    staff = StaffService(db)
    staff.add("sup.meals", "Sam Supervisor", Role.SUPERVISOR, None)
    supervisor = staff.actor("sup.meals", "Station A")
    recording = RecordingService(db)
    recording.record_meal(
        nurse,
        admission,
        MealInput(
            "lunch",
            "Soup",
            Portion.HALF,
            supplement="nutritional_drink",
            supplement_outcome="declined",
            supplement_reason="Too full",
        ),
    )
    recording.record_bowel(nurse, admission, BowelInput(2))
    recording.record_bowel(nurse, admission, BowelInput(None))
    record = ExportService(db).collect(supervisor, hospital_number="KD000001")
    bundle = build_bundle(record)
    Bundle.model_validate(bundle)
    local = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["system"] == "urn:wardconsole:codes"
        and e["resource"]["code"]["coding"][0]["code"] in ("meal-portion-eaten", "bowel-movement")
    ]
    meal, hard, unseen = local
    assert meal["valueCodeableConcept"]["coding"][0]["code"] == "portion-half"
    assert meal["component"][0]["valueString"] == "Nutritional drink declined — Too full"
    assert hard["valueCodeableConcept"]["coding"][0] == {
        "system": "urn:wardconsole:codes",
        "code": "bristol-type-2",
        "display": "Bristol type 2: Sausage-shaped but lumpy",
    }
    assert unseen["valueString"] == "bowels opened, type not seen"
    assert all("loinc" not in str(r["code"]) for r in local)  # no LOINC term exists for them
    out = tmp_path / "ward.csv"
    assert write_csv(record, out) == 3
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["entry"], r["portion_eaten"], r["bristol_type"]) for r in rows] == [
        ("meal", "half", ""),
        ("bowels", "", "2"),
        ("bowels", "", ""),
    ]
    assert rows[0]["supplement_outcome"] == "declined" and rows[0]["recorded_by"]


def test_the_discharge_summary_gives_the_eating_and_bowels_course(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    from wardconsole.domain.discharge import Destination
    from wardconsole.services.discharge import DischargeService

    clock.now = at("2026-11-20 10:00")
    admission = admit(db, nurse, at("2026-11-18 09:00"))
    recording = RecordingService(db)
    for taken, portion in (
        ("2026-11-18 12:30", Portion.NONE),
        ("2026-11-18 17:30", Portion.QUARTER),
        ("2026-11-19 12:30", Portion.HALF),
        ("2026-11-20 08:30", Portion.ALL),
    ):
        recording.record_meal(
            nurse,
            admission,
            MealInput("lunch", "Soup", portion, "Nausea or vomiting"),
            taken_at=at(taken),
        )
    recording.record_meal(
        nurse,
        admission,
        MealInput(
            "supplement",
            supplement="nutritional_drink",
            supplement_outcome="declined",
            supplement_reason="Full",
        ),
        taken_at=at("2026-11-19 15:00"),
    )
    recording.record_bowel(nurse, admission, BowelInput(2), taken_at=at("2026-11-19 07:00"))
    text = DischargeService(db).draft(admission, Destination.RESIDENTIAL, "Hillside").text
    assert "Meals and snacks recorded: 4; half or more eaten at 2, a quarter or none at 2" in text
    assert "Meals half or more eaten, by detox day: day 1 0/2, day 2 2/2" in text
    assert "Supplements: Nutritional drink declined ×1" in text
    assert "Bowels: opened 1 time (Bristol types 2); last opened 1 day before discharge" in text


def test_the_handoff_names_the_latest_must_screen_once(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.record_assessment(nurse, admission, "must", {"estimated": "medium"})
    texts = handoff_texts(db, admission, clock.now)
    must_lines = [t for t in texts if t.startswith("MUST")]
    assert len(must_lines) == 1, must_lines
    assert must_lines[0].count("MUST") == 1


def test_a_bowel_movement_struck_out_no_longer_counts(
    db: Database, nurse: Actor, clock: Clock
) -> None:
    clock.now = at("2026-11-22 10:00")
    admission = admit(db, nurse, at("2026-11-18 09:00"))
    recording = RecordingService(db)
    saved = recording.record_bowel(nurse, admission, BowelInput(4), taken_at=at("2026-11-22 08:00"))
    assert not NutritionService(db).overview(admission).bowels.flagged
    recording.mark_entered_in_error(nurse, "bowel", saved.entry_id, "Wrong patient")
    status = NutritionService(db).overview(admission).bowels
    assert status.last is None and status.flagged and status.days == 4
    (entry,) = [e for e in HistoryService(db).entries(admission) if e.entry_type == "bowel"]
    assert not entry.can_amend  # struck out: it stays in the history, marked
