"""The Follow-ups list: overdue first, the audited contact card, an attempt recorded from the
list, and the supervisor's compliance line; screenshots day and night at the ward's screen."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from pypdf import PdfReader
from PySide6.QtWidgets import QApplication
from screenshots import grab_widget
from sqlalchemy import select
from ui_context import ui_context
from ui_runner import shared_runner
from wardfakes import Clock

from wardconsole.domain.follow_up import AftercarePlan, AttemptOutcome, FollowUpState
from wardconsole.reports.discharge_letter import build_discharge_letter
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.staff import StaffService
from wardconsole.store.changes import open_change_feed
from wardconsole.store.engine import make_engine
from wardconsole.store.models import AuditRow
from wardconsole.ui.aftercare.follow_ups_dialog import (
    COLUMNS,
    AttemptDialog,
    AttemptEntry,
    FollowUpsDialog,
    LetterPathDialog,
)
from wardconsole.ui.aftercare.plan_dialog import AftercarePlanDialog
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme

NOW = datetime(2026, 11, 26, 15, 10, tzinfo=UTC)
PHONE = "07700 900456"


@dataclass
class Ward:
    db: Database
    nurse: Actor
    supervisor: Actor
    service: AftercareService
    admissions: dict[str, int]


@pytest.fixture
def ward(tmp_path: Path) -> Iterator[Ward]:
    engine = make_engine(migrated_sqlite(tmp_path / "ward.sqlite"))
    clock = Clock(NOW - timedelta(days=6))
    db = Database(engine, clock=clock)
    staff = StaffService(db)
    staff.add("rn.okafor", "Adaeze Okafor", Role.NURSE, None)
    staff.add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, None)
    nurse = staff.actor("rn.okafor", "Nurses' station 1")
    supervisor = staff.actor("sn.harrow", "Nurses' station 1")
    desk = AdmissionService(db)
    desk.ensure_beds(["B01", "B02", "B03", "B04"], "Detox")
    discharge = DischargeService(db)
    service = AftercareService(db)
    admissions: dict[str, int] = {}
    plan = [
        ("Orla Castellan", "B01", 0, "outpatient_programme", ()),
        ("Rhys Lomax", "B02", 50, "aftercare_peer_support", ("Suicide risk",)),
        ("Wren Gorringe", "B03", 95, "self_discharge_against_advice", ()),
        ("Dara Tremayne", "B04", 60, "residential_treatment", ()),
    ]
    for index, (name, bed, hours, destination, flags) in enumerate(plan):
        given, family = name.split()
        clock.now = NOW - timedelta(days=6)
        admission = desk.admit(
            nurse,
            NewPatient(f"KD10000{index}", given, family, date(1990, 1, 1 + index)),
            bed=bed,
            admitted_at=clock.now,
            reason="Ketamine dependence",
            risk_flags=flags,
        )
        clock.now = NOW - timedelta(hours=hours)
        discharge.discharge(
            nurse,
            admission,
            destination=destination,
            detail="Advice given" if destination.startswith("self") else "",
            summary=discharge.draft(admission).text,
        )
        service.record_plan(
            nurse,
            admission,
            AftercarePlan(
                service="Hillside CDAT",
                service_contact="Duty worker 01632 960000",
                patient_phone=PHONE,
                crisis_plan_given=True,
                crisis_plan_detail="Crisis line card; sister staying",
            ),
        )
        admissions[name] = admission
    clock.now = NOW - timedelta(hours=2)
    dara = next(
        v for v in service.follow_ups(nurse) if v.admission_id == admissions["Dara Tremayne"]
    )
    service.record_attempt(nurse, dara.id, "contact_made", note="Settled in at Hillside")
    clock.now = NOW
    yield Ward(db, nurse, supervisor, service, admissions)
    engine.dispose()


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_the_follow_ups_list_puts_overdue_first_and_shows_the_card_on_request(
    qtbot, qtmodeltester, ward: Ward, theme: Theme, tmp_path: Path, monkeypatch
) -> None:
    apply_theme(QApplication.instance(), theme)  # type: ignore[arg-type]
    runner = TaskRunner()
    who = [ward.supervisor]
    dialog = FollowUpsDialog(ward.service, lambda: who[0], runner)
    qtbot.addWidget(dialog)
    try:
        dialog.resize(1366 - 40, 768 - 80)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.rows is not None)
        qtmodeltester.check(dialog.model)
        model = dialog.model
        assert model.columnCount() == len(COLUMNS)
        states = [model.index(r, 0).data() for r in range(model.rowCount())]
        patients = [model.index(r, 1).data().split(" (")[0] for r in range(model.rowCount())]
        # Wren (24 h after self-discharge, 95 h ago) and Rhys (48 h, 50 h ago) are overdue.
        assert states == ["● OVERDUE", "● OVERDUE", "Due", "Done"]
        assert patients == ["Wren Gorringe", "Rhys Lomax", "Orla Castellan", "Dara Tremayne"]
        assert "● 2 OVERDUE" in dialog.summary.text()
        assert "against the 80 % standard" in dialog.compliance.text()
        assert PHONE not in dialog.contact_card_text()
        dialog.table.selectRow(1)
        dialog.card_button.click()
        qtbot.waitUntil(lambda: PHONE in dialog.contact_card_text())
        assert "Suicide risk" in dialog.contact_card_text()
        grab_widget(dialog, _shots(tmp_path) / f"follow-ups-{theme.value}.png")
        with ward.db.read() as session:
            assert session.scalar(
                select(AuditRow.id).where(AuditRow.action == "view_follow_up_contact")
            )
        dialog.table.selectRow(0)
        assert PHONE not in dialog.contact_card_text()  # minimised: gone with the row

        monkeypatch.setattr(
            AttemptDialog,
            "ask",
            classmethod(
                lambda cls, parent, view: AttemptEntry(AttemptOutcome.CONTACT_MADE, "Spoke")
            ),
        )
        rows = dialog.rows
        who[0] = ward.nurse  # the station was locked and the nurse unlocked it
        dialog.attempt_button.click()
        qtbot.waitUntil(lambda: dialog.rows is not rows)
        wren = next(v for v in dialog.rows or () if v.patient_name == "Wren Gorringe")
        assert wren.state is FollowUpState.DONE_LATE
        assert [(a.outcome, a.by) for a in wren.attempts] == [
            (AttemptOutcome.CONTACT_MADE, "Adaeze Okafor")
        ]
    finally:
        runner.shutdown()


def test_a_nurse_sees_no_compliance_line_and_the_attempt_form_names_what_is_missing(
    qtbot, ward: Ward
) -> None:
    runner = TaskRunner()
    dialog = FollowUpsDialog(ward.service, lambda: ward.nurse, runner)
    qtbot.addWidget(dialog)
    try:
        qtbot.waitUntil(lambda: dialog.rows is not None)
        assert dialog.compliance.isHidden()
        view = dialog.rows[0]  # type: ignore[index]
        form = AttemptDialog(view)
        qtbot.addWidget(form)
        form.save_button.click()
        assert form.entry is None and form.error.text().startswith("Outcome:")
        form.outcome.setCurrentIndex(form.outcome.findData("unable_to_contact"))
        form.save_button.click()
        assert form.entry is None and form.error.text().startswith("Note:")
        form.note.setPlainText("Three calls; GP informed")
        form.save_button.click()
        assert form.entry == AttemptEntry(
            AttemptOutcome.UNABLE_TO_CONTACT, "Three calls; GP informed"
        )
    finally:
        runner.shutdown()


def test_the_aftercare_plan_is_entered_from_the_list_and_checked_first(
    qtbot, ward: Ward, monkeypatch, tmp_path: Path
) -> None:
    form = AftercarePlanDialog("Orla Castellan", NOW)
    qtbot.addWidget(form)
    form.crisis_given.setChecked(True)
    form.save_button.click()
    assert form.plan is None
    assert form.error.text().splitlines() == [
        "Referred to: name the service the patient is referred to",
        "Crisis plan: say what the crisis plan is",
    ]
    form.service.setText("Eastgate outpatient programme")
    form.crisis_detail.setPlainText("Crisis card; GP aware")
    form.has_appointment.setChecked(True)
    form.patient_phone.setText("07700 900789")
    assert form.error.isHidden()
    form.show()
    grab_widget(form, _shots(tmp_path) / "aftercare-plan.png")
    form.save_button.click()
    assert form.plan is not None and form.plan.first_appointment == NOW + timedelta(days=2)

    entered = form.plan
    asked: list[AftercarePlan | None] = []
    monkeypatch.setattr(
        AftercarePlanDialog,
        "ask",
        classmethod(lambda cls, parent, name, now, plan: asked.append(plan) or entered),
    )
    runner = TaskRunner()
    dialog = FollowUpsDialog(ward.service, lambda: ward.nurse, runner)
    qtbot.addWidget(dialog)
    try:
        qtbot.waitUntil(lambda: dialog.rows is not None)
        orla = next(
            i for i, v in enumerate(dialog.rows or ()) if v.patient_name == "Orla Castellan"
        )
        dialog.table.selectRow(orla)
        rows = dialog.rows
        dialog.plan_button.click()
        qtbot.waitUntil(lambda: dialog.rows is not rows)
        assert asked and asked[0] is not None and asked[0].service == "Hillside CDAT"
        plan = ward.service.plan(ward.admissions["Orla Castellan"])
        assert plan is not None and plan.service == "Eastgate outpatient programme"
    finally:
        runner.shutdown()


def test_the_discharge_letter_is_exported_from_the_list(
    qtbot, ward: Ward, monkeypatch, tmp_path: Path
) -> None:
    def export(actor: Actor, admission_id: int, path: Path) -> Path:
        return build_discharge_letter(
            ward.db, admission_id, path, actor=actor, ward_name="Ward 7 — Detox"
        )

    target = tmp_path / "letters" / "orla.pdf"
    monkeypatch.setattr(
        LetterPathDialog, "ask", classmethod(lambda cls, parent, name, suggested: target)
    )
    runner = TaskRunner()
    nurse_view = FollowUpsDialog(ward.service, lambda: ward.nurse, runner, export_letter=export)
    qtbot.addWidget(nurse_view)
    assert not nurse_view.letter_button.isEnabled()  # a nurse may not export
    dialog = FollowUpsDialog(ward.service, lambda: ward.supervisor, runner, export_letter=export)
    qtbot.addWidget(dialog)
    try:
        qtbot.waitUntil(lambda: dialog.rows is not None)
        names = [v.patient_name for v in dialog.rows or ()]
        dialog.table.selectRow(names.index("Orla Castellan"))
        dialog.letter_button.click()
        qtbot.waitUntil(lambda: "saved to" in dialog.contact_card_text())
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        text = " ".join(page.extract_text() for page in PdfReader(target).pages)
        assert "Orla Castellan" in text and PHONE not in text
    finally:
        runner.shutdown()


def test_the_plan_is_asked_for_as_soon_as_a_patient_is_discharged(
    qtbot, ward: Ward, monkeypatch
) -> None:
    census = CensusService(ward.db)
    window = MainWindow(
        ui_context(
            load_census=census.snapshot,
            open_change_feed=lambda: open_change_feed(ward.db.engine),
            station="Nurses' station 1",
            ward_name="Ward 7",
            database_label="SQLite (test)",
            runner=shared_runner(),
            signed_in=ward.nurse,
            aftercare=ward.service,
        )
    )
    qtbot.addWidget(window)
    asked: list[str] = []
    plan = AftercarePlan(service="Northfield peer-support hub", patient_phone=PHONE)
    monkeypatch.setattr(
        AftercarePlanDialog,
        "ask",
        classmethod(lambda cls, parent, name, now, given=None: asked.append(name) or plan),
    )
    try:
        window.show()
        qtbot.waitUntil(lambda: window.snapshot is not None)
        admission = ward.admissions["Wren Gorringe"]
        window.admission.discharged.emit(admission)
        qtbot.waitUntil(lambda: "Aftercare plan saved" in window.statusBar().currentMessage())
        assert asked == ["Wren Gorringe"]
        saved = ward.service.plan(admission)
        assert saved is not None and saved.service == "Northfield peer-support hub"
    finally:
        window.shutdown()
