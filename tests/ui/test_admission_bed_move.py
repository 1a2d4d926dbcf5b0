"""Moving a patient to another bed from the console: free beds only, history kept."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from wardconsole.services.census import CensusService
from wardconsole.ui.admissions.bed_move_dialog import BedMoveDialog
from wardconsole.ui.tasks import TaskRunner

from . import admission_support as support
from .admission_support import RealWard, child, choose, combo_items, type_into

real_ward = support.real_ward
runner = support.runner


def open_dialog(qtbot, ward: RealWard, runner: TaskRunner, admission_id: int) -> BedMoveDialog:
    dialog = BedMoveDialog(ward.admissions, ward.acting(), runner, admission_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded)
    return dialog


def test_a_move_offers_free_beds_and_keeps_the_history(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    aled = real_ward.admit("KD100001", "Aled", "Abernethy", "A1")
    real_ward.admit("KD100002", "Beth", "Brannigan", "A2")
    dialog = open_dialog(qtbot, real_ward, runner, aled)
    assert dialog.title.text() == "Move Aled Abernethy (bed A1)"
    assert combo_items(dialog.bed) == ["A3", "A4"]
    choose(dialog, "new_bed", "A4")
    type_into(qtbot, dialog, "move_reason", "nearer the nursing station")
    qtbot.mouseClick(dialog.move_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value == "A4")
    rows = {r.patient_name: r.bed for r in CensusService(real_ward.db).snapshot().rows}
    assert rows == {"Aled Abernethy": "A4", "Beth Brannigan": "A2"}
    assert [s.bed for s in real_ward.admissions.bed_history(aled)] == ["A1", "A4"]

    again = open_dialog(qtbot, real_ward, runner, aled)
    history = child(again, QLabel, "bed_history").text()
    assert history.startswith("A1 from ") and "(on admission) → A4 from " in history
    assert history.endswith("(moved by R. Okafor)")


def test_a_bed_taken_meanwhile_is_refused_and_the_beds_are_read_again(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    aled = real_ward.admit("KD100001", "Aled", "Abernethy", "A1")
    dialog = open_dialog(qtbot, real_ward, runner, aled)
    choose(dialog, "new_bed", "A3")
    real_ward.admit("KD100009", "Cara", "Cole", "A3")  # at another station
    qtbot.mouseClick(dialog.move_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not moved" in dialog.status.text())
    assert "bed A3 is occupied by Cara Cole" in dialog.status.text()
    qtbot.waitUntil(lambda: combo_items(dialog.bed) == ["A2", "A4"])
    assert dialog.result_value is None
    assert [s.bed for s in real_ward.admissions.bed_history(aled)] == ["A1"]
