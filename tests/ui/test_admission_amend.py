"""Correcting an admission's intake with a reason; the intake as first saved is kept."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QRadioButton

from wardconsole.services.census import CensusService
from wardconsole.ui.admissions.intake_amend_dialog import IntakeAmendDialog
from wardconsole.ui.tasks import TaskRunner

from . import admission_support as support
from .admission_support import RealWard, tick, type_into

real_ward = support.real_ward
runner = support.runner


def open_dialog(qtbot, ward: RealWard, runner: TaskRunner, admission_id: int) -> IntakeAmendDialog:
    dialog = IntakeAmendDialog(ward.admissions, ward.acting(), runner, admission_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded)
    return dialog


def test_an_amendment_needs_a_reason_and_keeps_the_original(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    stay = real_ward.admit("KD100001", "Aled", "Abernethy", "A1", hours_ago=1)
    dialog = open_dialog(qtbot, real_ward, runner, stay)
    assert dialog.title.text() == "Amend intake — Aled Abernethy (bed A1)"
    assert dialog.intake.amount.text() == "2–3 g a day"  # the intake as it stands
    assert dialog.flag_preview.text() == "none"

    # The nurse learns overnight that Aled has had thoughts of killing himself, with intent.
    for question, yes in (("q1", True), ("q2", True), ("q3", True), ("q4", True), ("q5", False)):
        tick(qtbot, dialog, f"cssrs_{question}_{'yes' if yes else 'no'}", QRadioButton)
    assert dialog.flag_preview.text() == "⚑ Suicide risk: high"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "Reason: say why the intake is being corrected" in dialog.status.text()
    assert dialog.reason.property("invalid") == "true"

    type_into(qtbot, dialog, "amend_reason", "disclosed intent to the night nurse")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    assert dialog.result_value == ("Suicide risk: high",)

    record = real_ward.admissions.intake(stay)
    assert record.original is not None and record.original.cssrs_score().label == (
        "No risk identified"
    )
    assert record.current is not None and record.current.cssrs_score().label == "High risk"
    assert [(a.section, a.reason) for a in record.amendments] == [
        ("mental_health", "disclosed intent to the night nurse")
    ]
    row = CensusService(real_ward.db).snapshot().rows[0]
    assert row.risk_flags == ("Suicide risk: high",)

    again = open_dialog(qtbot, real_ward, runner, stay)
    assert "Mental health amended" in again.history.text()
    assert "disclosed intent to the night nurse" in again.history.text()
