"""Weight and height on both databases: a weighing is recorded, corrected with a reason and
audited; impossible values are refused with the field named and extreme ones need the re-measure
tick (policy limits); BMI and the change over the stay follow; weighing falls due after the
policy's interval; the MUST screen starts from the latest weighing and the weight before
admission; a medium-risk screen starts a 3-day food chart prompt and a high-risk one with no
intake the ward's refeeding prompt."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.assessments import score_assessment
from wardconsole.domain.records import EscalationKind
from wardconsole.domain.weights import WeightInput
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor, InvalidInput
from wardconsole.services.db import Database
from wardconsole.services.history import HistoryService
from wardconsole.services.nutrition import NutritionService
from wardconsole.services.recording import RecordingService
from wardconsole.services.weights import WeightService
from wardconsole.store.models import AuditRow


def test_a_weighing_is_recorded_corrected_with_a_reason_and_audited(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    first = recording.record_weight(
        nurse,
        admission,
        WeightInput(weight_kg="62.4", height_m="1.72", before_kg="70", before_source="documented"),
    )
    recording.amend_weight(
        nurse,
        first.entry_id,
        WeightInput(weight_kg="61.4", height_m="1.72", before_kg="70", before_source="documented"),
        reason="scale not zeroed",
    )
    course = WeightService(db).overview(admission).course
    assert course.latest is not None and course.latest.weight_kg == Decimal("61.4")
    assert course.summary() == "61.4 kg, BMI 20.8"
    history = [e for e in HistoryService(db).entries(admission) if e.entry_type == "weight"]
    assert len(history) == 2
    with db.read() as session:
        actions = session.scalars(
            select(AuditRow.action).where(AuditRow.entity == "weight").order_by(AuditRow.id)
        ).all()
    assert actions == ["record_weight", "amend_weight"]


@pytest.mark.parametrize(
    ("typed", "field", "words"),
    [
        (WeightInput(weight_kg="612"), "weight_kg", "is not possible"),
        (WeightInput(weight_kg="6,2.1"), "weight_kg", "not a number"),
        (WeightInput(height_m="172"), "height_m", "type metres"),
        (WeightInput(), "weight_kg", "enter the weight"),
        (WeightInput(weight_kg="60", before_kg="70"), "before_source", "documented or self"),
    ],
)
def test_impossible_values_are_refused_with_the_field_named(
    db: Database, nurse: Actor, admission: int, typed: WeightInput, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        RecordingService(db).record_weight(nurse, admission, typed)
    assert words in refused.value.problems[field]
    assert WeightService(db).overview(admission).course.entries == ()


def test_extreme_values_and_a_large_change_need_the_re_measure_tick(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    low = db.weight_policy.weight_confirm_below_kg - 1
    with pytest.raises(InvalidInput) as refused:
        recording.record_weight(nurse, admission, WeightInput(weight_kg=str(low)))
    assert "re-measure" in refused.value.problems["weight_kg"]
    recording.record_weight(nurse, admission, WeightInput(weight_kg=str(low), confirmed=True))
    jump = low + db.weight_policy.change_confirm_kg + 1
    with pytest.raises(InvalidInput) as refused:
        recording.record_weight(nurse, admission, WeightInput(weight_kg=str(jump)))
    assert "from the last weight" in refused.value.problems["weight_kg"]
    recording.record_weight(nurse, admission, WeightInput(weight_kg=str(jump), confirmed=True))
    assert len(WeightService(db).overview(admission).course.weighings) == 2


def test_weighing_falls_due_and_the_change_over_the_stay_is_shown(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    service = WeightService(db)
    assert service.overview(admission).due_text == "Weighing due — not weighed this stay"
    recording = RecordingService(db)
    recording.record_weight(nurse, admission, WeightInput(weight_kg="64.0", height_m="1.70"))
    assert service.overview(admission).due_text.startswith("Next weighing")
    clock.now += db.weight_policy.interval + timedelta(days=1)
    overview = service.overview(admission)
    assert overview.is_due and overview.due_text == "Weighing due — last weighed 8 days ago"
    recording.record_weight(nurse, admission, WeightInput(weight_kg="61.5"))
    course = service.overview(admission).course
    assert course.change_text().startswith("−2.5 kg (−3.9 %) since")
    assert course.bmi is not None and f"{course.bmi:.2f}" == "21.28"  # the latest height stays
    assert not service.overview(admission).is_due


def test_the_must_screen_starts_from_the_latest_weighing_and_the_weight_before(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    recording.record_weight(
        nurse,
        admission,
        WeightInput(
            weight_kg="47.36", height_m="1.60", before_kg="52", before_source="self_reported"
        ),
    )
    answers = WeightService(db).must_prefill(admission)
    assert answers == {
        "weight_kg": "47.36",
        "height_m": "1.6",
        "weight_before_kg": "52",
        "loss_planned": False,
    }
    # BMI exactly 18.5 scores 1 and the 8.9 % unplanned loss scores 1: high risk, as BAPEN.
    assert score_assessment("must", answers).total == 2


def test_medium_risk_starts_a_food_chart_for_the_policy_days(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    recording.record_assessment(
        nurse,
        admission,
        "must",
        {"weight_kg": "58", "height_m": "1.72"},  # BMI 19.6: 1
    )
    service = WeightService(db)
    (prompt,) = service.overview(admission).prompts
    assert prompt.startswith("Food chart day 1 of 3 (until ")
    # The meals window, where the food chart is kept, shows the chart itself.
    chart = NutritionService(db).overview(admission).food_chart
    assert chart is not None and chart.summary == prompt
    clock.now += db.weight_policy.food_chart + timedelta(minutes=1)
    assert service.overview(admission).prompts == ()
    ended = NutritionService(db).overview(admission).food_chart
    assert ended is not None and ended.summary.startswith("Food chart ended")


def test_high_risk_with_no_intake_shows_the_wards_refeeding_prompt(
    db: Database, nurse: Actor, admission: int
) -> None:
    recording = RecordingService(db)
    recording.record_assessment(
        nurse,
        admission,
        "must",
        {"weight_kg": "50", "height_m": "1.72"},  # BMI 16.9: 2
    )
    assert WeightService(db).overview(admission).prompts == ()
    recording.record_assessment(
        nurse,
        admission,
        "must",
        {"weight_kg": "50", "height_m": "1.72", "acute_no_intake": True},
    )
    (prompt,) = WeightService(db).overview(admission).prompts
    assert prompt.startswith(db.weight_policy.refeeding_prompt)
    assert "awaiting governance sign-off" in prompt


def test_the_demo_ward_weighs_everyone_and_one_patient_is_losing_weight(db: Database) -> None:
    from wardconsole.domain.must import MustRisk
    from wardconsole.services.census import CensusService
    from wardconsole.services.demo import DemoOptions, build_demo_ward

    build_demo_ward(db, DemoOptions(beds=12, days=10, seed=3))
    rows = CensusService(db).snapshot().rows
    overviews = WeightService(db).overviews([r.admission_id for r in rows]).values()
    assert all(o.course.latest is not None and o.course.bmi is not None for o in overviews)
    assert all(o.screen is not None for o in overviews)
    losing = [o for o in overviews if (o.course.change_kg or 0) < -2]
    assert len(losing) == 1 and losing[0].screen is not None
    assert losing[0].screen.risk is MustRisk.HIGH
    kinds = {e.kind for r in rows for e in r.open_escalations}
    assert EscalationKind.DIETITIAN_REFERRAL in kinds
    assert any(p.startswith("Food chart") for o in overviews for p in o.prompts)


def test_the_handoff_states_weight_trend_what_is_due_and_the_latest_screen(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    from wardconsole.services.handoff import HandoffService

    recording = RecordingService(db)
    recording.record_weight(nurse, admission, WeightInput(weight_kg="64.0", height_m="1.70"))
    clock.now += timedelta(days=8)
    handoffs = HandoffService(db)

    def texts() -> list[tuple[str, bool]]:
        draft = handoffs.preview(handoffs.this_shift(clock.now), admission)
        return [(f.text, f.alert) for facts in draft.sections.values() for f in facts]

    (due,) = [(t, a) for t, a in texts() if t.startswith("Weight:")]
    assert due == ("Weight: 64 kg, BMI 22.1; weighing due — last weighed 8 days ago", True)
    assert ("Malnutrition screening: no MUST screen this stay", False) in texts()
    recording.record_weight(nurse, admission, WeightInput(weight_kg="61.5"))
    recording.record_assessment(nurse, admission, "must", WeightService(db).must_prefill(admission))
    facts = texts()
    (weight,) = [t for t, _a in facts if t.startswith("Weight:")]
    assert weight.startswith("Weight: 61.5 kg, BMI 21.3, −2.5 kg (−3.9 %) since")
    assert "next weighing" in weight
    (screen,) = [t for t, _a in facts if t.startswith("MUST at")]
    assert screen.endswith("low risk (score 0)") and screen.count("MUST") == 1


def test_the_discharge_summary_states_the_weight_change_over_the_stay(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    from wardconsole.domain.discharge import Destination
    from wardconsole.services.discharge import DischargeService

    recording = RecordingService(db)
    recording.record_weight(nurse, admission, WeightInput(weight_kg="64.0", height_m="1.70"))
    recording.record_assessment(nurse, admission, "must", WeightService(db).must_prefill(admission))
    clock.now += timedelta(days=7)
    recording.record_weight(nurse, admission, WeightInput(weight_kg="58.2", confirmed=True))
    recording.record_assessment(nurse, admission, "must", WeightService(db).must_prefill(admission))
    text = DischargeService(db).draft(admission, Destination.RESIDENTIAL, "").text
    weight = next(line for line in text.splitlines() if line.startswith("- Weight:"))
    assert weight.startswith("- Weight: 64 kg at first (day 2,")
    assert "→ 58.2 kg at last (day 9," in weight
    assert "change −5.8 kg (−9.1 %); 2 weighings; BMI at last 20.1" in weight
    screens = next(line for line in text.splitlines() if line.startswith("- MUST screens (2):"))
    assert "low risk (score 0)" in screens and "at last" in screens
    assert screens.count("MUST") == 1


def test_a_weighing_saved_during_an_outage_is_replayed_exactly_once(
    db: Database,
    nurse: Actor,
    admission: int,
    clock: Clock,
    tmp_path,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uuid

    from sqlalchemy.exc import OperationalError

    from wardconsole.services.outbox import Outbox
    from wardconsole.services.safe_saves import QueuedSave, SafeSaves
    from wardconsole.store.models import WeightEntryRow

    saves = SafeSaves(db, Outbox(tmp_path / "outbox.sqlite", "test database"))
    real = db.transaction
    down = True

    def transaction():  # type: ignore[no-untyped-def]
        if down:
            raise OperationalError("connect", {}, ConnectionRefusedError("server closed"))
        return real()

    monkeypatch.setattr(db, "transaction", transaction)
    typed = WeightInput(
        weight_kg="63.2", height_m="1.68", before_kg="66", before_source="documented"
    )
    queued = saves.save_weight(nurse, admission, typed, save_key=uuid.uuid4().hex, bed="B01")
    assert isinstance(queued, QueuedSave)
    (summary,) = [e.summary for e in saves.outbox.visible()]
    assert summary.startswith("Weighing: Weight 63.2 kg, height 1.68 m, 3–6 months ago 66 kg")
    pressed = clock.now
    down = False
    clock.advance(minutes=20)
    assert saves.replay().sent == 1
    for entry in saves.outbox.all_entries():
        saves.outbox._update(entry.seq, "state = 'waiting'", ())
    assert saves.replay().sent == 1  # written under its save key once
    with db.read() as session:
        rows = session.scalars(select(WeightEntryRow)).all()
    assert [(r.weight_kg, r.before_source, r.taken_at) for r in rows] == [
        ("63.2", "documented", pressed)
    ]


def test_the_census_says_what_the_weight_course_says_from_the_last_weighing_alone(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """The census reads only each stay's last weighing time (one grouped statement); its flag
    and words are the weight course's at every step: never weighed, weighed, due, corrected."""
    service, recording = WeightService(db), RecordingService(db)

    def census_says() -> tuple[bool, str]:
        (row,) = [r for r in CensusService(db).snapshot().rows if r.admission_id == admission]
        return row.weighing_due, row.weighing_text

    def course_says() -> tuple[bool, str]:
        overview = service.overview(admission)
        return overview.is_due, overview.due_text

    assert census_says() == course_says() == (True, "Weighing due — not weighed this stay")
    first = recording.record_weight(nurse, admission, WeightInput(weight_kg="64.0"))
    assert census_says() == course_says() and not census_says()[0]
    clock.now += db.weight_policy.interval + timedelta(days=1)
    assert census_says() == course_says() == (True, "Weighing due — last weighed 8 days ago")
    recording.record_weight(nurse, admission, WeightInput(weight_kg="63.0"))
    assert census_says() == course_says() and not census_says()[0]
    # Correcting the older weighing changes nothing; the newest decides.
    recording.amend_weight(nurse, first.entry_id, WeightInput(weight_kg="64.5"), reason="misread")
    assert census_says() == course_says()
