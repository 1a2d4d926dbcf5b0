"""The MUST screen window: the score, the category and BAPEN's advice appear as the nurse
types; the screen is saved as an assessment; an estimated screen saves a category only."""

from __future__ import annotations

import os
from pathlib import Path

from screenshots import grab_widget

from wardconsole.services.history import HistoryService
from wardconsole.ui.physical.must_dialog import MustDialog

from . import bedside_support
from .bedside_support import BedsideWard, type_into

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner


def test_a_nurse_screens_a_patient_with_must(
    qtbot, make_bedside, bedside_ward: BedsideWard, tmp_path: Path
) -> None:
    dialog = MustDialog(make_bedside(), bedside_ward.admission_id, "Bed B01")
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.weight_kg, "54.45")
    type_into(qtbot, dialog.height_m, "1.65")
    assert dialog.outcome.text().startswith("MUST 1 — medium risk (BMI 20.0: 1")
    assert "dietary intake for 3 days" in dialog.advice.text()
    type_into(qtbot, dialog.weight_before, "61")
    assert dialog.outcome.text().startswith("MUST 3 — high risk")
    assert "dietitian" in dialog.advice.text()
    grab_widget(dialog, Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path)) / "must-screen.png")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    (entry,) = [
        e
        for e in HistoryService(bedside_ward.db).entries(bedside_ward.admission_id)
        if e.entry_type == "assessment"
    ]
    assert entry.values["kind"] == "must" and entry.values["total"] == 3


def test_an_estimated_screen_saves_a_category_and_no_score(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    dialog = MustDialog(make_bedside(), bedside_ward.admission_id, "Bed B01")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.unmeasurable.setChecked(True)
    dialog.category.setCurrentIndex(dialog.category.findData("high"))
    assert not dialog.weight_kg.isEnabled()
    assert dialog.outcome.text() == "MUST estimated — high risk, no score"
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    (entry,) = [
        e
        for e in HistoryService(bedside_ward.db).entries(bedside_ward.admission_id)
        if e.entry_type == "assessment"
    ]
    assert entry.values["total"] is None
