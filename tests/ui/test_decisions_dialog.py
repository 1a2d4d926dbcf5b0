"""Clinical decisions at the bedside: a clinician records SpO2 Scale 2 with its fixed reason and
a review date; a nurse may make rapid-tranquillisation checks more frequent but is told, in
words, that only a clinician records Scale 2."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QDialog
from screenshots import grab_widget

from wardconsole.services.context import Role
from wardconsole.services.decisions import DecisionService
from wardconsole.services.history import HistoryService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.ui.bedside.decisions_dialog import DecisionsDialog

from . import bedside_support
from .bedside_support import BedsideWard

bedside_ward = bedside_support.bedside_ward
runner = bedside_support.runner


def _dialog(qtbot, ward: BedsideWard, runner, actor) -> DecisionsDialog:
    dialog = DecisionsDialog(
        DecisionService(ward.db), runner, lambda: actor, ward.admission_id, "Maya Thornbury"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _choose(dialog: DecisionsDialog, key: str) -> None:
    dialog.choice.setCurrentIndex(dialog.choice.findData(key))


def test_a_clinician_records_scale_2_with_the_fixed_reason_and_a_review_date(
    qtbot, bedside_ward: BedsideWard, runner
) -> None:
    staff = StaffService(bedside_ward.db)
    staff.add("dr.khan", "Amir Khan", Role.CLINICIAN, None)
    clinician = staff.actor("dr.khan", "Nurses' station 1")
    dialog = _dialog(qtbot, bedside_ward, runner, clinician)
    _choose(dialog, "scale2")
    assert dialog.hypercapnic.isVisible() and dialog.review.isEnabled()
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "only for confirmed hypercapnic respiratory failure" in dialog.error.text()
    dialog.hypercapnic.setChecked(True)
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.buttons.accepted.emit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    brief = HistoryService(bedside_ward.db).patient(bedside_ward.admission_id)
    assert (brief.spo2_scale, brief.scale2_prescribed_by) == (2, "Amir Khan")


def test_a_nurse_chooses_fifteen_minute_rt_checks_but_is_told_scale_2_is_for_clinicians(
    qtbot, bedside_ward: BedsideWard, runner
) -> None:
    nurse = bedside_ward.nurse
    RecordingService(bedside_ward.db).record_prn(
        nurse,
        bedside_ward.admission_id,
        drug="Lorazepam",
        drug_class="benzodiazepine",
        dose="2 mg",
        route="IM",
        reason="Rapid tranquillisation",
    )
    dialog = _dialog(qtbot, bedside_ward, runner, nurse)
    _choose(dialog, "scale2")
    dialog.hypercapnic.setChecked(True)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "may not record decision" in dialog.error.text()
    _choose(dialog, "rt_close")
    dialog.reason.setText("Appears asleep after the dose")
    if os.environ.get("WARDCONSOLE_SCREENSHOTS"):
        grab_widget(dialog, Path(os.environ["WARDCONSOLE_SCREENSHOTS"]) / "decisions.png")
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.buttons.accepted.emit()
    status = DecisionService(bedside_ward.db).rt_status(bedside_ward.admission_id)
    assert status is not None and status.interval.total_seconds() == 15 * 60
    assert status.interval_reason == "Appears asleep after the dose"
