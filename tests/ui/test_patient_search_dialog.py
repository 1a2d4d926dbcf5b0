"""Supervisors find a discharged patient and read the record; nurses are told they cannot."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel

from wardconsole.ui.admissions.discharged_model import DischargedTableModel
from wardconsole.ui.admissions.patient_search_dialog import PatientSearchDialog
from wardconsole.ui.tasks import TaskRunner

from . import admission_support as support
from .admission_support import RealWard, type_into

real_ward = support.real_ward
runner = support.runner


def open_dialog(
    qtbot, ward: RealWard, runner: TaskRunner, *, supervisor: bool = True
) -> PatientSearchDialog:
    acting = ward.acting(ward.supervisor if supervisor else ward.nurse)
    dialog = PatientSearchDialog(ward.discharges, acting, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.searches >= 1)
    return dialog


def test_find_the_discharged_patient_and_read_the_record(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    first = real_ward.admit("KD100001", "Aled", "Abernethy", "A1")
    real_ward.discharge(first, "aftercare_peer_support")
    real_ward.admit("KD100002", "Beth", "Brannigan", "A2")  # still on the ward
    other = real_ward.admit("KD100003", "Cara", "Abbott", "A3")
    real_ward.discharge(other)
    dialog = open_dialog(qtbot, real_ward, runner)
    assert dialog.model.rowCount() == 2  # both discharged, most recent first
    assert dialog.found.text() == "2 discharged patients, most recent first"

    before = dialog.searches
    type_into(qtbot, dialog, "history_search", "aber")
    qtbot.waitUntil(lambda: dialog.searches > before)
    assert [dialog.model.hit(r).name for r in range(dialog.model.rowCount())] == ["Aled Abernethy"]
    assert dialog.model.index(0, 5).data() == "Aftercare and peer support"

    dialog.table.selectionModel().select(
        dialog.model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    qtbot.waitUntil(lambda: dialog.record is not None)
    text = dialog.view.toPlainText()
    assert "Aled Abernethy" in text and "read-only record" in text
    assert "discharged" in text and "Aftercare and peer support" in text
    assert "Ketamine: snorted (intranasal)" in text
    assert "DISCHARGE SUMMARY" in text
    assert dialog.view.isReadOnly()


def test_readmission_shows_both_stays(qtbot, real_ward: RealWard, runner: TaskRunner) -> None:
    first = real_ward.admit("KD100001", "Aled", "Abernethy", "A1", hours_ago=300)
    real_ward.discharge(first)
    from datetime import date

    from wardconsole.services.admissions import NewPatient

    again = real_ward.admissions.admit(
        real_ward.nurse,
        NewPatient("KD100001", "Aled", "Abernethy", date(1990, 3, 4)),
        bed="A2",
        readmission=True,
    )
    real_ward.discharge(again, "residential_treatment")
    dialog = open_dialog(qtbot, real_ward, runner)
    assert dialog.model.index(0, 3).data() == "2"
    dialog.table.selectRow(0)
    qtbot.waitUntil(lambda: dialog.record is not None)
    text = dialog.view.toPlainText()
    assert "Stay 2: admitted" in text and "Stay 1: admitted" in text
    assert "Readmission (linked to the stay below)" in text


def test_nurses_are_told_the_history_is_for_supervisors(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    dialog = open_dialog(qtbot, real_ward, runner, supervisor=False)
    assert dialog.found.text().startswith("Only supervisors can search")
    assert dialog.model.rowCount() == 0


def test_the_model_passes_the_model_tester(qtmodeltester, real_ward: RealWard) -> None:
    stay = real_ward.admit("KD100001", "Aled", "Abernethy", "A1")
    real_ward.discharge(stay)
    model = DischargedTableModel()
    model.set_hits(real_ward.discharges.search(real_ward.supervisor, ""))
    qtmodeltester.check(model)
