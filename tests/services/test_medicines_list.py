"""The medicines list is a monitoring copy of the drug chart: who transcribed each line, a
second check by someone else, regular doses given or omitted with a reason, the watch counting
regular doses too, and a planned reducing regimen that alerts only when it overruns. Both
databases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from wardfakes import Clock

from wardconsole.domain.medicines import MONITORING_COPY
from wardconsole.domain.records import EscalationKind
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor, ConflictError, InvalidInput, Role, ServiceError
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.history import HistoryService
from wardconsole.services.medicines import MedicinesService
from wardconsole.services.outbox import Outbox
from wardconsole.services.recording import RecordingService
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.services.staff import StaffService
from wardconsole.store.models import (
    AuditRow,
    MedicineLineCheckRow,
    MedicineLineRow,
    RegularDoseRow,
)

LONDON = ZoneInfo("Europe/London")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def ward(engine: Engine) -> tuple[Database, Clock, Actor, Actor, int]:
    clock = Clock(local("2026-11-02 09:00"))
    db = Database(engine, clock=clock, ward_timezone="Europe/London")
    staff = StaffService(db)
    staff.add("rn.one", "Ola One", Role.NURSE, None)
    staff.add("rn.two", "Tam Two", Role.NURSE, None)
    one, two = staff.actor("rn.one", "Station A"), staff.actor("rn.two", "Station B")
    admissions = AdmissionService(db)
    admissions.ensure_beds(["B01"], "Test ward")
    admission = admissions.admit(
        one,
        NewPatient("KD000400", "Ren", "Reducing", date(1985, 6, 7)),
        bed="B01",
        admitted_at=clock.now - timedelta(hours=2),
        reason="Ketamine and alcohol dependence",
    )
    return db, clock, one, two, admission


def reviews(db: Database) -> list:
    return [e for e in EscalationService(db).open() if e.kind is EscalationKind.DEPENDENCY_REVIEW]


def test_a_line_shows_who_transcribed_it_and_is_checked_by_someone_else(ward) -> None:
    db, clock, one, two, admission = ward
    medicines = MedicinesService(db)
    line_id = medicines.add_line(
        one,
        admission,
        drug="zopiclone",
        dose="7.5 mg",
        route="PO",
        schedule="regular",
        frequency="at night",
    )
    [line] = medicines.view(admission).lines
    assert (line.drug, line.drug_class, line.transcribed_by) == ("zopiclone", "z_drug", "Ola One")
    assert line.transcribed_at == clock.now and not line.checked
    with pytest.raises(ServiceError, match="someone other than the person who transcribed"):
        medicines.check_line(one, line_id)
    clock.advance(minutes=10)
    medicines.check_line(two, line_id)
    [line] = medicines.view(admission).lines
    assert (line.checked_by, line.checked_at) == ("Tam Two", clock.now)
    assert MONITORING_COPY == (
        "As recorded on the ward console — confirm against the prescription."
    )
    with db.read() as session:
        actions = session.scalars(select(AuditRow.action).where(AuditRow.entity == "medicine_line"))
        assert set(actions) == {"add_medicine_line", "check_medicine_line"}


def test_bad_lines_and_doses_are_refused_by_field_and_nothing_is_saved(ward) -> None:
    db, _clock, one, _two, admission = ward
    medicines = MedicinesService(db)
    with pytest.raises(InvalidInput) as refused:
        medicines.add_line(
            one, admission, drug="Somnofix", dose="", route="mouth", schedule="daily"
        )
    assert set(refused.value.problems) == {"dose", "drug_class", "route", "schedule"}
    assert "not in the formulary" in refused.value.problems["drug_class"]
    line_id = medicines.add_line(
        one,
        admission,
        drug="Somnofix",
        drug_class="other_hypnotic",
        dose="10 mg",
        route="PO",
        schedule="regular",
        frequency="at night",
    )
    with pytest.raises(InvalidInput) as refused:
        medicines.record_regular_dose(one, line_id, outcome="omitted", omitted_reason="forgot")
    assert "omitted_reason: one of refused" in refused.value.problems["omitted_reason"]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(RegularDoseRow)) == 0


def test_regular_doses_given_or_omitted_are_in_the_history_and_count_in_the_watch(ward) -> None:
    db, clock, one, two, admission = ward
    medicines = MedicinesService(db)
    line_id = medicines.add_line(
        one,
        admission,
        drug="Zopiclone",
        dose="7.5 mg",
        route="PO",
        schedule="regular",
        frequency="at night",
        starts_at=local("2026-11-02 08:00"),
    )
    for day in range(2, 8):  # six nights, given across midnight twice
        at = local(f"2026-11-{day:02d} 23:30") if day % 3 else local(f"2026-11-{day + 1:02d} 00:20")
        clock.now = at + timedelta(minutes=5)
        medicines.record_regular_dose(one, line_id, outcome="given", given_at=at)
    clock.now = local("2026-11-08 22:05")
    omitted = medicines.record_regular_dose(
        two, line_id, outcome="omitted", omitted_reason="asleep", given_at=local("2026-11-08 22:00")
    )
    [review] = reviews(db)
    assert review.explanation == "zopiclone 6 of 7 nights, 6 in a row — review due"
    entries = HistoryService(db).entries(admission, types=("regular_dose",))
    assert [e.values["outcome"] for e in entries][:2] == ["omitted", "given"]
    assert entries[0].id == omitted.entry_id and entries[0].values["omitted_reason"] == "asleep"
    RecordingService(db).mark_entered_in_error(two, "regular_dose", entries[1].id, "Wrong line")
    watch = medicines.view(admission).watch
    assert watch is not None
    [z] = watch.classes
    assert (z.nights_in_row, z.today) == (0, 0)  # tonight omitted, last night struck out


def test_a_planned_reducing_regimen_alerts_only_when_it_overruns(ward) -> None:
    db, clock, one, _two, admission = ward
    medicines = MedicinesService(db)
    line_id = medicines.add_line(
        one,
        admission,
        drug="Chlordiazepoxide",
        dose="20 mg",
        route="PO",
        schedule="regular",
        frequency="four times a day, reducing",
        starts_at=local("2026-11-02 08:00"),
        reducing_until=local("2026-11-06 22:00"),
    )
    for day in range(2, 7):
        clock.now = local(f"2026-11-{day:02d} 12:05")
        medicines.record_regular_dose(one, line_id, outcome="given", given_at=clock.now)
    EscalationService(db).evaluate_ward(one)
    assert reviews(db) == []  # on plan
    clock.now = local("2026-11-07 12:05")
    medicines.record_regular_dose(one, line_id, outcome="given", given_at=clock.now)
    [review] = reviews(db)
    assert review.explanation.startswith(
        "Chlordiazepoxide given after the planned end of its reduction"
    )


def test_a_reduction_stopped_on_time_never_alerts_and_one_left_on_the_list_does(ward) -> None:
    db, clock, one, _two, admission = ward
    medicines = MedicinesService(db)
    kept = medicines.add_line(
        one,
        admission,
        drug="Diazepam",
        dose="5 mg",
        route="PO",
        schedule="regular",
        frequency="twice a day",
        reducing_until=local("2026-11-04 20:00"),
    )
    stopped = medicines.add_line(
        one,
        admission,
        drug="Lorazepam",
        dose="1 mg",
        route="PO",
        schedule="regular",
        frequency="at night",
        reducing_until=local("2026-11-04 20:00"),
    )
    clock.now = local("2026-11-04 21:00")
    medicines.stop_line(one, stopped, reason="Reduction complete", stop_at=clock.now)
    clock.now = local("2026-11-05 19:00")
    EscalationService(db).evaluate_ward(one)
    assert reviews(db) == []
    clock.now = local("2026-11-05 20:30")
    EscalationService(db).evaluate_ward(one)
    [review] = reviews(db)
    assert review.explanation.startswith(
        "Diazepam reduction still on the list past its planned end"
    )
    assert "Lorazepam" not in review.explanation and kept


def test_a_correction_is_a_new_version_with_its_reason_and_needs_a_fresh_check(ward) -> None:
    db, clock, one, two, admission = ward
    medicines = MedicinesService(db)
    first = medicines.add_line(
        one,
        admission,
        drug="Zopiclone",
        dose="7.5 mg",
        route="PO",
        schedule="regular",
        frequency="at night",
    )
    medicines.check_line(two, first)
    with pytest.raises(InvalidInput) as refused:
        medicines.amend_line(
            two,
            first,
            reason="",
            drug="Zopiclone",
            dose="",
            route="PO",
            schedule="regular",
            frequency="at night",
        )
    assert set(refused.value.problems) == {"reason", "dose"}
    clock.advance(minutes=5)
    corrected = medicines.amend_line(
        two,
        first,
        reason="Chart says 3.75 mg",
        drug="Zopiclone",
        dose="3.75 mg",
        route="PO",
        schedule="regular",
        frequency="at night",
    )
    [line] = medicines.view(admission).lines
    assert (line.id, line.dose, line.change_reason) == (corrected, "3.75 mg", "Chart says 3.75 mg")
    assert line.transcribed_by == "Tam Two" and not line.checked
    with pytest.raises(ServiceError, match="changed since"):
        medicines.stop_line(one, first, reason="Stopped on the chart", stop_at=clock.now)
    with pytest.raises(ServiceError, match="someone other than"):
        medicines.check_line(two, corrected)
    medicines.check_line(one, corrected)
    with db.read() as session:
        actions = list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))
    assert "amend_medicine_line" in actions


def test_a_regular_dose_saved_twice_under_one_key_is_recorded_once(ward) -> None:
    db, clock, one, _two, admission = ward
    medicines = MedicinesService(db)
    line_id = medicines.add_line(
        one,
        admission,
        drug="Diazepam",
        dose="5 mg",
        route="PO",
        schedule="regular",
        frequency="twice a day",
    )
    clock.advance(minutes=30)
    key = "dose-key-1"
    first = medicines.record_regular_dose(
        one, line_id, outcome="omitted", omitted_reason="withheld_sedated", save_key=key
    )
    again = medicines.record_regular_dose(
        one, line_id, outcome="omitted", omitted_reason="withheld_sedated", save_key=key
    )
    assert again.entry_id == first.entry_id
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(RegularDoseRow)) == 1


def line_counts(db: Database) -> tuple[int, int, dict[str, int]]:
    """Lines (every version), second checks, and audit rows by action on the list."""
    with db.read() as session:
        lines = session.scalar(select(func.count()).select_from(MedicineLineRow))
        checks = session.scalar(select(func.count()).select_from(MedicineLineCheckRow))
        audit = Counter(
            session.scalars(select(AuditRow.action).where(AuditRow.entity == "medicine_line"))
        )
    return int(lines or 0), int(checks or 0), dict(audit)


def test_adding_checking_correcting_and_stopping_a_line_retried_under_one_key_write_once(
    ward,
) -> None:
    db, clock, one, two, admission = ward
    medicines = MedicinesService(db)
    fields = {
        "drug": "Diazepam",
        "dose": "5 mg",
        "route": "PO",
        "schedule": "regular",
        "frequency": "twice a day",
    }
    first = medicines.add_line(one, admission, **fields, save_key="add-1")
    assert medicines.add_line(one, admission, **fields, save_key="add-1") == first
    assert line_counts(db) == (1, 0, {"add_medicine_line": 1})

    medicines.check_line(two, first, save_key="check-1")
    medicines.check_line(two, first, save_key="check-1")
    assert line_counts(db) == (1, 1, {"add_medicine_line": 1, "check_medicine_line": 1})

    clock.advance(minutes=5)
    correction = {**fields, "dose": "2 mg", "reason": "Chart says 2 mg"}
    corrected = medicines.amend_line(one, first, **correction, save_key="amend-1")
    assert medicines.amend_line(one, first, **correction, save_key="amend-1") == corrected
    clock.advance(minutes=5)
    stopped = medicines.stop_line(
        one, corrected, reason="Stopped on the chart", stop_at=clock.now, save_key="stop-1"
    )
    again = medicines.stop_line(
        one, corrected, reason="Stopped on the chart", stop_at=clock.now, save_key="stop-1"
    )
    assert again == stopped
    assert line_counts(db) == (
        3,
        1,
        {
            "add_medicine_line": 1,
            "check_medicine_line": 1,
            "amend_medicine_line": 1,
            "stop_medicine_line": 1,
        },
    )
    [line] = medicines.view(admission).lines
    assert (line.id, line.dose, line.stop_at) == (stopped, "2 mg", clock.now)


def test_a_new_key_is_a_new_line_and_a_key_is_never_reused_for_another_change(ward) -> None:
    db, clock, one, _two, admission = ward
    medicines = MedicinesService(db)
    fields = {"drug": "Lorazepam", "dose": "1 mg", "route": "PO", "schedule": "prn"}
    fields["max_per_24h"] = "4 mg"
    first = medicines.add_line(one, admission, **fields, save_key="add-a")
    second = medicines.add_line(one, admission, **fields, save_key="add-b")
    assert first != second and len(medicines.view(admission).lines) == 2
    with pytest.raises(ConflictError, match="another save"):
        medicines.stop_line(
            one, first, reason="Stopped on the chart", stop_at=clock.now, save_key="add-a"
        )
    with pytest.raises(InvalidInput) as refused:
        medicines.add_line(one, admission, **fields, save_key=" ")
    assert set(refused.value.problems) == {"save_key"}
    assert line_counts(db)[0] == 2


def test_a_regular_dose_saved_during_an_outage_is_replayed_once_with_its_time(
    ward, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, clock, one, _two, admission = ward
    line_id = MedicinesService(db).add_line(
        one,
        admission,
        drug="Diazepam",
        dose="5 mg",
        route="PO",
        schedule="regular",
        frequency="twice a day",
    )
    saves = SafeSaves(db, Outbox(tmp_path / "outbox.sqlite", "test database"))
    real_read, real_transaction = db.read, db.transaction
    down = True

    def refuse(real):  # type: ignore[no-untyped-def]
        def call():  # type: ignore[no-untyped-def]
            if down:
                raise OperationalError("connect", {}, ConnectionRefusedError("server closed"))
            return real()

        return call

    monkeypatch.setattr(db, "read", refuse(real_read))
    monkeypatch.setattr(db, "transaction", refuse(real_transaction))
    clock.advance(minutes=15)
    pressed = clock.now
    queued = saves.save_regular_dose(
        one,
        admission,
        line_id,
        outcome="given",
        save_key="regular-1",
        summary="Diazepam 5 mg: given",
        bed="B01",
    )
    assert isinstance(queued, QueuedSave)
    assert [e.summary for e in saves.outbox.visible()] == ["Diazepam 5 mg: given"]
    down = False
    clock.advance(minutes=20)
    assert saves.replay().sent == 1
    for entry in saves.outbox.all_entries():
        saves.outbox._update(entry.seq, "state = 'waiting'", ())
    assert saves.replay().sent == 1  # written under its save key once
    with db.read() as session:
        rows = session.scalars(select(RegularDoseRow)).all()
    assert [(r.outcome, r.taken_at, r.recorded_by_id) for r in rows] == [
        ("given", pressed, one.staff_id)
    ]
