"""Discharging a patient with a destination and an edited summary, as a nurse does it."""

from __future__ import annotations

import os
from pathlib import Path

from intakefakes import HIGH_RISK
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QRadioButton
from screenshots import grab_widget, size_problems
from wardfakes import NORMAL_SET

from wardconsole.domain.discharge import FOLLOW_UP_PLACEHOLDER
from wardconsole.services.census import CensusService
from wardconsole.services.recording import RecordingService
from wardconsole.ui.admissions.discharge_dialog import DischargeDialog
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme

from . import admission_support as support
from .admission_support import RealWard, seed_stay, tick, type_into

real_ward = support.real_ward
runner = support.runner


def open_dialog(
    qtbot, ward: RealWard, runner: TaskRunner, admission_id: int, theme: Theme = Theme.DAY
) -> DischargeDialog:
    dialog = DischargeDialog(ward.discharges, ward.acting(), runner, admission_id, theme=theme)
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
    qtbot.mouseClick(dialog.discharge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value is not None)

    assert CensusService(real_ward.db).snapshot().rows == ()
    detail = real_ward.admissions.admission(stay, reader=real_ward.supervisor)
    assert detail.discharge_destination == "outpatient_programme"
    assert detail.discharge_summary is not None
    assert detail.discharge_summary.endswith("Keyworker: J. Mensah.")
    assert "Destination: Outpatient programme — Tuesday group 10:00" in detail.discharge_summary


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
    seen: list[str] = []
    answer_confirmation(answer, seen)
    qtbot.mouseClick(dialog.discharge_button, Qt.MouseButton.LeftButton)
    return stay, dialog, seen


def test_a_summary_with_the_follow_up_plan_unfinished_asks_first_and_going_back_saves_nothing(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    stay, dialog, seen = discharge_answering(qtbot, real_ward, runner, "Go back")
    assert seen == [f"The follow-up plan still reads “{FOLLOW_UP_PLACEHOLDER}”."]
    assert dialog.result_value is None
    assert len(CensusService(real_ward.db).snapshot().rows) == 1
    assert dialog.summary.textCursor().selectedText() == FOLLOW_UP_PLACEHOLDER
    assert "complete the follow-up plan" in dialog.status.text()

    qtbot.keyClicks(dialog.summary, "GP letter sent; outpatient group Tuesday.")
    qtbot.mouseClick(dialog.discharge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    assert seen == [f"The follow-up plan still reads “{FOLLOW_UP_PLACEHOLDER}”."]  # asked once
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


def test_screenshot_of_a_discharge_summary(
    qtbot, qapp, real_ward: RealWard, runner: TaskRunner, tmp_path: Path
) -> None:
    apply_theme(qapp, Theme.NIGHT)
    dialog = open_dialog(qtbot, real_ward, runner, seed_stay(real_ward), Theme.NIGHT)
    tick(qtbot, dialog, "dest_residential_treatment", QRadioButton)
    type_into(qtbot, dialog, "destination_detail", "Hillside House, Monday 10:00")
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    assert grab_widget(dialog, shots / "discharge-summary.png").exists()


def test_the_discharge_form_fits_a_1366_by_768_screen(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    dialog = open_dialog(qtbot, real_ward, runner, a_stay(real_ward))
    assert size_problems(dialog) == []
