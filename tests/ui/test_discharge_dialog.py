"""Discharging a patient with a destination and an edited summary, as a nurse does it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from intakefakes import HIGH_RISK
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QRadioButton
from screenshots import grab_widget, size_problems
from wardfakes import NORMAL_SET

from wardconsole.domain.configfiles import default_policy_file
from wardconsole.domain.discharge import FOLLOW_UP_PLACEHOLDER
from wardconsole.domain.follow_up import load_follow_up_policy
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.census import CensusService
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.recording import RecordingService
from wardconsole.ui.admissions.discharge_dialog import DischargeDialog
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme, theme_state

from . import admission_support as support
from .admission_support import RealWard, seed_stay, tick, type_into

real_ward = support.real_ward
runner = support.runner


def open_dialog(
    qtbot, ward: RealWard, runner: TaskRunner, admission_id: int, theme: Theme = Theme.DAY
) -> DischargeDialog:
    theme_state().set(theme)
    dialog = DischargeDialog(ward.discharges, ward.acting(), runner, admission_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "DISCHARGE SUMMARY" in dialog.summary.toPlainText())
    return dialog


def a_stay(ward: RealWard) -> int:
    """Two days with a few rounds and a PRN dose."""
    from datetime import UTC, datetime, timedelta

    admission_id = ward.admit(
        "KD100001", "Aled", "Abernethy", "A1", hours_ago=50, mental_health={"cssrs": HIGH_RISK}
    )
    recording = RecordingService(ward.db)
    now = datetime.now(UTC)
    for hours, pulse, resp in ((48, 104, 20), (30, 118, 22), (12, 88, 16), (1, 76, 14)):
        recording.record_observation(
            ward.nurse,
            admission_id,
            {**NORMAL_SET, "pulse": pulse, "respiration_rate": resp},
            taken_at=now - timedelta(hours=hours),
        )
    recording.record_prn(
        ward.nurse,
        admission_id,
        drug="diazepam",
        drug_class="benzodiazepine",
        dose="5 mg",
        route="oral",
        reason="agitation",
        given_at=now - timedelta(hours=29),
    )
    return admission_id


def test_discharge_with_a_destination_stores_the_edited_summary_and_leaves_the_census(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    stay = a_stay(real_ward)
    dialog = open_dialog(qtbot, real_ward, runner, stay)
    text = dialog.summary.toPlainText()
    assert dialog.title.text() == "Discharge Aled Abernethy (bed A1)"
    assert "Destination: (choose a destination)" in text
    assert "PRN MEDICATION (1 dose)" in text and "NEWS2: " in text
    assert not dialog.discharge_button.isEnabled()  # no destination yet

    tick(qtbot, dialog, "dest_outpatient_programme", QRadioButton)
    type_into(qtbot, dialog, "destination_detail", "Tuesday group 10:00")
    assert "Destination: Outpatient programme — Tuesday group 10:00" in (
        dialog.summary.toPlainText()
    )
    dialog.summary.setTextCursor(dialog.summary.document().find(FOLLOW_UP_PLACEHOLDER))
    qtbot.keyClicks(dialog.summary, "Keyworker: J. Mensah.")
    fill_plan(qtbot, dialog)
    qtbot.mouseClick(dialog.discharge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value is not None)

    assert CensusService(real_ward.db).snapshot().rows == ()
    detail = real_ward.admissions.admission(stay, reader=real_ward.supervisor)
    assert detail.discharge_destination == "outpatient_programme"
    assert detail.discharge_summary is not None
    assert detail.discharge_summary.endswith("Keyworker: J. Mensah.")
    assert "Destination: Outpatient programme — Tuesday group 10:00" in detail.discharge_summary


def fill_plan(qtbot, dialog: DischargeDialog) -> None:
    """What the follow-up call needs: the service and the patient's phone."""
    type_into(qtbot, dialog, "plan_service", "Eastgate community drug and alcohol team")
    type_into(qtbot, dialog, "plan_patient_phone", "07700 900555")


PLAN_GAP = "Aftercare plan — Referred to: name the service the patient is referred to"


def answer_confirmation(button_text: str, seen: list[str]) -> None:
    """Press ``button_text`` on the confirmation once it is showing (it runs its own loop)."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(20, press)


def discharge_answering(
    qtbot, real_ward: RealWard, runner: TaskRunner, answer: str
) -> tuple[int, DischargeDialog, list[str]]:
    """Open a stay's discharge, choose a destination and press Discharge with the draft's
    follow-up line untouched, answering the confirmation with ``answer``."""
    stay = a_stay(real_ward)
    dialog = open_dialog(qtbot, real_ward, runner, stay)
    tick(qtbot, dialog, "dest_outpatient_programme", QRadioButton)
    type_into(qtbot, dialog, "plan_patient_phone", "07700 900555")  # the service left out
    seen: list[str] = []
    answer_confirmation(answer, seen)
    qtbot.mouseClick(dialog.discharge_button, Qt.MouseButton.LeftButton)
    return stay, dialog, seen


def test_a_summary_with_the_follow_up_plan_unfinished_asks_first_and_going_back_saves_nothing(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    stay, dialog, seen = discharge_answering(qtbot, real_ward, runner, "Go back")
    asked = f"The follow-up plan still reads “{FOLLOW_UP_PLACEHOLDER}”.\n{PLAN_GAP}"
    assert seen == [asked]
    assert dialog.result_value is None
    assert len(CensusService(real_ward.db).snapshot().rows) == 1
    assert dialog.summary.textCursor().selectedText() == FOLLOW_UP_PLACEHOLDER
    assert "complete the follow-up plan" in dialog.status.text()

    qtbot.keyClicks(dialog.summary, "GP letter sent; outpatient group Tuesday.")
    type_into(qtbot, dialog, "plan_service", "Eastgate outpatient programme")
    qtbot.mouseClick(dialog.discharge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    assert seen == [asked]  # asked once
    summary = real_ward.admissions.admission(stay, reader=real_ward.supervisor).discharge_summary
    assert summary is not None and FOLLOW_UP_PLACEHOLDER not in summary


def test_discharging_anyway_keeps_the_placeholder_as_written(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    stay, dialog, seen = discharge_answering(qtbot, real_ward, runner, "Discharge anyway")
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    assert len(seen) == 1
    summary = real_ward.admissions.admission(stay, reader=real_ward.supervisor).discharge_summary
    assert summary is not None and FOLLOW_UP_PLACEHOLDER in summary


def test_self_discharge_against_advice_needs_the_advice_given(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    stay = a_stay(real_ward)
    dialog = open_dialog(qtbot, real_ward, runner, stay)
    assert "will be closed" in dialog.open_escalations.text()
    tick(qtbot, dialog, "dest_self_discharge_against_advice", QRadioButton)
    assert dialog.detail_label.text() == "Advice given and risks explained (required):"
    qtbot.mouseClick(dialog.discharge_button, Qt.MouseButton.LeftButton)
    assert "advice given and risks explained is required" in dialog.status.text()
    assert dialog.detail.property("invalid") == "true"
    assert len(CensusService(real_ward.db).snapshot().rows) == 1


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_screenshot_of_a_discharge_summary(
    qtbot, qapp, real_ward: RealWard, runner: TaskRunner, tmp_path: Path, theme: Theme
) -> None:
    apply_theme(qapp, theme)
    dialog = open_dialog(qtbot, real_ward, runner, seed_stay(real_ward), theme)
    tick(qtbot, dialog, "dest_residential_treatment", QRadioButton)
    type_into(qtbot, dialog, "destination_detail", "Hillside House, Monday 10:00")
    type_into(qtbot, dialog, "plan_service", "Hillside House residential programme")
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    name = "discharge-summary.png" if theme is Theme.NIGHT else "discharge-summary-day.png"
    assert grab_widget(dialog, shots / name).exists()
    apply_theme(qapp, Theme.DAY)


TAB_ORDER = [
    "destination_detail",
    "taken_at",
    "plan_service",
    "plan_has_appointment",
    "plan_first_appointment",
    "plan_service_contact",
    "plan_patient_phone",
    "plan_crisis_given",
    "plan_crisis_detail",
    "plan_relapse",
    "plan_peer_support",
    "plan_naloxone",
    "redraft_button",
    "summary",
]


def test_the_nurse_completes_the_aftercare_plan_while_discharging_by_keyboard(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    stay = a_stay(real_ward)
    dialog = open_dialog(qtbot, real_ward, runner, stay)
    tick(qtbot, dialog, "dest_outpatient_programme", QRadioButton)
    assert dialog.plan_note.text() == "The follow-up call needs: referred to, patient's phone."
    dialog.detail.setFocus()
    typed = {
        "plan_service": "Eastgate outpatient programme",
        "plan_service_contact": "Duty worker 01632 960222",
        "plan_patient_phone": "07700 900555",
        "plan_peer_support": "SMART Recovery",
    }
    seen = []
    for _ in TAB_ORDER:
        widget = dialog.focusWidget()
        seen.append(widget.objectName())
        if widget.objectName() in typed:
            qtbot.keyClicks(widget, typed[widget.objectName()])
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    assert seen == TAB_ORDER  # Tab runs through the plan between the time and the summary
    assert dialog.plan_note.text() == "Complete for the follow-up call."
    summary = dialog.summary.toPlainText()
    assert FOLLOW_UP_PLACEHOLDER not in summary
    assert "Aftercare plan: Referred to: Eastgate outpatient programme; " in summary
    assert "07700" not in summary  # the patient's phone is for the call, never printed
    qtbot.mouseClick(dialog.discharge_button, Qt.MouseButton.LeftButton)  # nothing to ask
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    plan = AftercareService(real_ward.db).plan(stay)
    assert plan is not None
    assert (plan.service, plan.patient_phone, plan.peer_support) == (
        "Eastgate outpatient programme",
        "07700 900555",
        "SMART Recovery",
    )


def test_a_policy_that_refuses_an_incomplete_plan_names_it_and_saves_nothing(
    qtbot, real_ward: RealWard, runner: TaskRunner, tmp_path: Path
) -> None:
    bundled = default_policy_file("follow_up.toml").read_text(encoding="utf-8")
    strict = tmp_path / "follow_up.toml"
    strict.write_text(bundled.replace('incomplete_plan = "ask"', 'incomplete_plan = "refuse"'))
    station = Database(real_ward.engine, follow_up_policy=load_follow_up_policy(strict))
    stay = a_stay(real_ward)
    dialog = DischargeDialog(DischargeService(station), real_ward.acting(), runner, stay)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "DISCHARGE SUMMARY" in dialog.summary.toPlainText())
    tick(qtbot, dialog, "dest_aftercare_peer_support", QRadioButton)
    type_into(qtbot, dialog, "plan_service", "Recovery cafe, Thursdays")
    qtbot.mouseClick(dialog.discharge_button, Qt.MouseButton.LeftButton)  # no question asked
    assert dialog.status.text() == (
        "Not discharged: the aftercare plan needs Patient's phone: the patient's phone "
        "number for the follow-up call"
    )
    assert dialog.focusWidget() is dialog.plan_form.patient_phone
    assert len(CensusService(real_ward.db).snapshot().rows) == 1


def test_the_discharge_form_fits_a_1366_by_768_screen(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    dialog = open_dialog(qtbot, real_ward, runner, seed_stay(real_ward))
    assert size_problems(dialog) == []
    # With the aftercare plan filled in and a message showing, it still fits.
    tick(qtbot, dialog, "dest_self_discharge_against_advice", QRadioButton)
    type_into(qtbot, dialog, "plan_service", "Eastgate community drug and alcohol team, duty")
    qtbot.mouseClick(dialog.discharge_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert size_problems(dialog) == []
