"""The weight window: a nurse weighs a patient at intake with the weight before admission, sees
the BMI as she types, an impossible weight is refused with the field named and an extreme one
needs the re-measured tick; the MUST screen then starts from that weighing."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from screenshots import grab_widget

from wardconsole.services.weights import WeightService
from wardconsole.ui.physical.must_dialog import MustDialog
from wardconsole.ui.physical.weight_dialog import WeightDialog

from . import bedside_support
from .bedside_support import BedsideWard, type_into

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner


def _bedside(make_bedside, ward: BedsideWard):  # type: ignore[no-untyped-def]
    return replace(make_bedside(), weights=WeightService(ward.db))


def test_a_nurse_weighs_a_patient_at_intake_and_the_must_screen_starts_from_it(
    qtbot, make_bedside, bedside_ward: BedsideWard, tmp_path: Path
) -> None:
    bedside = _bedside(make_bedside, bedside_ward)
    dialog = WeightDialog(bedside, bedside_ward.admission_id, "Bed B01")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.overview is not None)
    assert dialog.last.text().startswith("Weighing due — not weighed this stay")
    type_into(qtbot, dialog.weight_kg, "47.36")
    type_into(qtbot, dialog.height_m, "1.60")
    assert dialog.outcome.text() == "BMI 18.5"
    type_into(qtbot, dialog.before_kg, "52")
    assert "documented or self-reported" in dialog.outcome.text()
    dialog.before_source.setCurrentIndex(dialog.before_source.findData("self_reported"))
    assert dialog.outcome.text() == "BMI 18.5"
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    grab_widget(dialog, shots / "weight-dialog.png")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    assert "Weighing SAVED" in dialog.status.text()

    screen = MustDialog(bedside, bedside_ward.admission_id, "Bed B01")
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.weight_kg.text() != "")
    assert (screen.weight_kg.text(), screen.height_m.text(), screen.weight_before.text()) == (
        "47.36",
        "1.6",
        "52",
    )
    assert screen.outcome.text().startswith("MUST 2 — high risk (BMI 18.5: 1, weight loss 8.9")
    assert "latest weighing" in screen.source.text()


def test_an_impossible_weight_is_refused_and_an_extreme_one_needs_the_tick(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    dialog = WeightDialog(_bedside(make_bedside, bedside_ward), bedside_ward.admission_id, "B01")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.overview is not None)
    type_into(qtbot, dialog.weight_kg, "612")
    assert dialog.outcome.text().startswith("Not ready — weight_kg: 612 kg is not possible")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Not saved" in dialog.status.text())
    assert "weight_kg" in dialog.status.text()
    dialog.weight_kg.clear()
    type_into(qtbot, dialog.weight_kg, "31")
    assert "re-measure" in dialog.outcome.text()
    dialog.confirmed.setChecked(True)
    assert dialog.outcome.text() == "Ready to save"
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.result_value is not None)


def test_a_weighing_is_corrected_with_a_reason_from_the_history(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    from wardconsole.domain.weights import WeightInput
    from wardconsole.services.history import HistoryService

    bedside = _bedside(make_bedside, bedside_ward)
    bedside.recording.record_weight(
        bedside.actor, bedside_ward.admission_id, WeightInput(weight_kg="70.2", height_m="1.75")
    )
    history = HistoryService(bedside_ward.db)
    (entry,) = [e for e in history.entries(bedside_ward.admission_id) if e.entry_type == "weight"]
    assert entry.can_amend
    dialog = WeightDialog(bedside, bedside_ward.admission_id, "Bed B01", amending=entry)
    qtbot.addWidget(dialog)
    dialog.show()
    assert (dialog.weight_kg.text(), dialog.height_m.text()) == ("70.2", "1.75")
    qtbot.waitUntil(lambda: dialog.overview is not None)
    assert dialog.last.text() == "Correcting: Weight 70.2 kg, height 1.75 m"
    dialog.weight_kg.clear()
    type_into(qtbot, dialog.weight_kg, "72.0")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "Not saved" in dialog.status.text())
    assert "reason" in dialog.status.text()
    type_into(qtbot, dialog.reason, "read the wrong scale")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    course = WeightService(bedside_ward.db).overview(bedside_ward.admission_id).course
    assert course.latest is not None and str(course.latest.weight_kg) == "72.0"
    corrected = [e for e in history.entries(bedside_ward.admission_id) if e.entry_type == "weight"]
    assert len(corrected) == 2
