"""The fluid windows on their own: an output passed but not measured makes the balance unknown
on screen; an extreme drink needs the re-measured tick; a patient is put on a fluid chart and
taken off it with a reason; a drink is corrected from the history with a reason."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from wardconsole.domain.fluids import Direction, FluidInput
from wardconsole.services.fluids import FluidService
from wardconsole.services.history import HistoryService
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.physical.correction_dialog import FluidCorrectionDialog
from wardconsole.ui.physical.fluid_dialog import FluidDialog
from wardconsole.ui.physical.plan_dialog import FluidPlanDialog

from . import bedside_support
from .bedside_support import BedsideWard, type_into

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner


def _bedside(make_bedside, ward: BedsideWard):  # type: ignore[no-untyped-def]
    return replace(make_bedside(), fluids=FluidService(ward.db))


def test_an_unmeasured_output_makes_the_balance_unknown_and_a_big_drink_needs_a_tick(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    dialog = FluidDialog(_bedside(make_bedside, bedside_ward), bedside_ward.admission_id, "Bed B01")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.overview is not None)
    assert "0 ml recorded" in dialog.period_label.text()
    dialog.unmeasured_button.click()
    qtbot.waitUntil(lambda: dialog.saved_count == 1)
    qtbot.waitUntil(lambda: "balance unknown" in dialog.period_label.text())
    assert "output not measured (1 time)" in dialog.period_label.text()
    type_into(qtbot, dialog.amount, "1200")
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.REFUSED)
    assert "re-measure" in dialog.status.text() and dialog.confirmed.isVisible()
    dialog.confirmed.setChecked(True)
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.saved_count == 2)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    assert dialog.model.index(0, 3).data() == "1200"
    assert dialog.model.index(1, 3).data() == "not measured"
    dialog.reject()


def test_a_nurse_puts_a_patient_on_a_fluid_chart_and_takes_them_off_it(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    bedside = _bedside(make_bedside, bedside_ward)
    dialog = FluidPlanDialog(bedside, bedside_ward.admission_id, "Bed B01")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.overview is not None)
    assert not dialog.stop_button.isEnabled()
    dialog.reason.setCurrentIndex(dialog.reason.findData("bladder_pain"))
    dialog.target.setValue(1800)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saved)
    plan = FluidService(bedside_ward.db).overview(bedside_ward.admission_id).plan
    assert plan is not None and (plan.reason, plan.target_ml) == ("bladder_pain", 1800)
    dialog.accept()

    again = FluidPlanDialog(bedside, bedside_ward.admission_id, "Bed B01")
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.stop_button.isEnabled())
    assert "Drinking less because of bladder pain" in again.current.text()
    again.stop_button.click()
    assert "say why" in again.status.text()  # a stop needs a reason
    type_into(qtbot, again.change_reason, "drinking well again")
    again.stop_button.click()
    qtbot.waitUntil(lambda: again.saved)
    assert FluidService(bedside_ward.db).overview(bedside_ward.admission_id).plan is None
    again.accept()


def test_a_drink_is_corrected_from_the_history_with_a_reason(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    ward = bedside_ward
    ward.recording.record_fluid(
        ward.nurse, ward.admission_id, FluidInput(Direction.INTAKE, "oral", 900, "Tea")
    )
    (entry,) = [
        e for e in HistoryService(ward.db).entries(ward.admission_id) if e.entry_type == "fluid"
    ]
    assert entry.can_amend
    dialog = FluidCorrectionDialog(_bedside(make_bedside, ward), entry, "Bed B01")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.amount.setValue(90)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.REFUSED)
    assert "reason" in dialog.status.text()
    type_into(qtbot, dialog.reason, "typed 900 for 90")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    assert FluidService(ward.db).overview(ward.admission_id).totals.intake_ml == 90
