"""The meals and bowels window: a portion eaten is one key press; nothing eaten without a reason
is refused naming the field and saves nothing; a supplement declined goes with the meal; a bowel
movement with its Bristol type resets the days since; a meal is corrected from the history."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from wardconsole.domain.bowels import BowelInput
from wardconsole.domain.meals import MealInput, Portion
from wardconsole.services.history import HistoryService
from wardconsole.services.nutrition import NutritionService
from wardconsole.store.models import BowelEntryRow, MealEntryRow
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.physical.meal_dialog import MealDialog
from wardconsole.ui.physical.simple_entry import SimpleCorrectionDialog

from . import bedside_support
from .bedside_support import BedsideWard, type_into

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner


def _bedside(make_bedside, ward: BedsideWard):  # type: ignore[no-untyped-def]
    return replace(make_bedside(), nutrition=NutritionService(ward.db))


def test_a_portion_is_one_key_press_and_nothing_eaten_needs_a_reason(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    ward = bedside_ward
    dialog = MealDialog(_bedside(make_bedside, ward), ward.admission_id, "Bed A1")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.overview is not None)
    assert "none recorded" in dialog.meals_label.text()
    assert dialog.bowels_label.text() == "Bowels: none recorded since admission (1 day)"
    dialog.occasion.setCurrentIndex(dialog.occasion.findData("lunch"))
    type_into(qtbot, dialog.offered, "Soup")
    dialog.supplement.setCurrentIndex(dialog.supplement.findData("nutritional_drink"))
    dialog.supplement_outcome.setCurrentIndex(1)  # declined
    type_into(qtbot, dialog.supplement_reason, "Feels sick")
    dialog.portion_buttons[Portion.QUARTER].setFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_2)  # ¼
    qtbot.waitUntil(lambda: dialog.saved_count == 1)
    qtbot.waitUntil(lambda: "Lunch ¼" in dialog.meals_label.text())
    assert "Nutritional drink declined ×1" in dialog.meals_label.text()
    dialog.portion_buttons[Portion.NONE].click()
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.REFUSED)
    assert "Reason: say why nothing was eaten" in dialog.status.text()
    assert ward.count(MealEntryRow) == 1
    dialog.bristol.setCurrentIndex(dialog.bristol.findData(6))
    dialog.bowel_button.click()
    qtbot.waitUntil(lambda: dialog.saved_count == 2)
    qtbot.waitUntil(lambda: "last opened today (Bristol type 6)" in dialog.bowels_label.text())
    assert ward.count(BowelEntryRow) == 1
    dialog.reject()


def test_a_meal_and_a_bowel_entry_are_corrected_from_the_history_with_a_reason(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    ward = bedside_ward
    ward.recording.record_meal(
        ward.nurse, ward.admission_id, MealInput("breakfast", "Toast", Portion.HALF)
    )
    ward.recording.record_bowel(ward.nurse, ward.admission_id, BowelInput(3))
    entries = HistoryService(ward.db).entries(ward.admission_id)
    (meal,) = [e for e in entries if e.entry_type == "meal"]
    (bowel,) = [e for e in entries if e.entry_type == "bowel"]
    assert meal.can_amend and bowel.can_amend
    dialog = SimpleCorrectionDialog(_bedside(make_bedside, ward), meal, "Bed A1")
    qtbot.addWidget(dialog)
    dialog.show()
    portion = dialog.widget("portion")
    assert isinstance(portion, QComboBox)
    portion.setCurrentIndex(portion.findData("all"))
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.REFUSED)
    assert "reason" in dialog.status.text()
    type_into(qtbot, dialog.reason, "She finished it later")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    assert NutritionService(ward.db).overview(ward.admission_id).meals_text == "Breakfast all"
    fix = SimpleCorrectionDialog(_bedside(make_bedside, ward), bowel, "Bed A1")
    qtbot.addWidget(fix)
    fix.show()
    bristol = fix.widget("bristol_type")
    assert isinstance(bristol, QComboBox)
    bristol.setCurrentIndex(bristol.findData(1))
    type_into(qtbot, fix.reason, "Chose the wrong picture")
    fix.save_button.click()
    qtbot.waitUntil(lambda: fix.result_value is not None)
    status = NutritionService(ward.db).overview(ward.admission_id).bowels
    assert status.last is not None and status.last.bristol_type == 1
