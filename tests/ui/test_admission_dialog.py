"""Admitting a patient with the intake, as a nurse does it, against a real (SQLite) ward."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from intakefakes import MODERATE_RISK
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QLineEdit
from screenshots import grab_widget, size_problems

from wardconsole.services.census import CensusService
from wardconsole.ui.admissions.admission_dialog import AdmissionDialog
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme, theme_state

from . import admission_support as support
from .admission_support import RealWard, child, choose, combo_items, fill_intake, tick, type_into

real_ward = support.real_ward
runner = support.runner


def open_dialog(qtbot, ward: RealWard, runner: TaskRunner, **kwargs) -> AdmissionDialog:
    dialog = AdmissionDialog(ward.admissions, ward.acting(), runner, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "loading" not in dialog.bed.itemText(0))
    return dialog


def type_identity(
    qtbot, dialog: AdmissionDialog, number: str = "KD100200", bed: str = "A2"
) -> None:
    type_into(qtbot, dialog, "hospital_number", number)
    qtbot.waitUntil(lambda: dialog.number_check is not None)
    type_into(qtbot, dialog, "given_name", "Nia")
    type_into(qtbot, dialog, "family_name", "Nettleford")
    type_into(qtbot, dialog, "date_of_birth", "03/02/1991")
    choose(dialog, "bed", bed)
    choose(dialog, "assigned_nurse", "R. Okafor")


def status(dialog: AdmissionDialog) -> str:
    return child(dialog, QLabel, "save_status").text()


def test_admit_with_intake_shows_the_flags_and_puts_the_patient_on_the_census(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    dialog = open_dialog(qtbot, real_ward, runner)
    assert combo_items(dialog.bed) == ["— choose a bed —", "A1", "A2", "A3", "A4"]
    type_identity(qtbot, dialog)
    assert dialog.number_check is not None and dialog.number_check.message == "New patient"
    assert child(dialog, QLabel, "age").text().startswith("age ")
    fill_intake(qtbot, dialog, cssrs={k: v for k, v in MODERATE_RISK.items()})
    tick(qtbot, dialog, "falls_risk")
    type_into(qtbot, dialog, "falls_reason", "unsteady after a fall at home")
    assert dialog.flag_preview.text() == "⚑ Suicide risk: moderate   ⚑ Falls risk"
    assert child(dialog, QLabel, "cssrs_result").text() == "Result: Moderate risk"

    qtbot.mouseClick(dialog.admit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    assert not dialog.isVisible()
    row = CensusService(real_ward.db).snapshot().rows[0]
    assert (row.bed, row.patient_name, row.assigned_nurse) == ("A2", "Nia Nettleford", "R. Okafor")
    assert row.risk_flags == ("Suicide risk: moderate", "Falls risk")
    intake = real_ward.admissions.intake(row.admission_id).current
    assert intake is not None and intake.physical.falls_reason == "unsteady after a fall at home"


def test_an_incomplete_form_is_refused_naming_each_field(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    dialog = open_dialog(qtbot, real_ward, runner)
    qtbot.mouseClick(dialog.admit_button, Qt.MouseButton.LeftButton)
    text = status(dialog)
    assert text.startswith("Not admitted: 12 answers need attention (tabs marked ⚠).")
    for words in (
        "Hospital number: required",
        "Name: given and family name are required",
        "Date of birth: type it as DD/MM/YYYY",
        "Bed: choose a free bed",
    ):
        assert words in text
    assert dialog.intake.currentIndex() == 0  # identity first
    assert child(dialog, QLineEdit, "hospital_number").property("invalid") == "true"
    tabs = [dialog.intake.tabText(n) for n in range(dialog.intake.count())]
    assert tabs[:4] == [
        "Patient && bed  ⚠ 4",
        "Substance use  ⚠ 6",
        "Physical  ⚠ 1",
        "Mental health  ⚠ 1",
    ]
    dialog.intake.setCurrentIndex(1)  # the nurse looks at the next marked tab
    assert "Typical amount: required" in status(dialog)
    assert "Hospital number" not in status(dialog)
    dialog.intake.setCurrentIndex(3)
    assert "C-SSRS: answer the C-SSRS screener" in status(dialog)
    assert real_ward.counts() == (0, 0)


def test_a_duplicate_hospital_number_is_refused_with_a_clear_message(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    real_ward.admit("KD100200", "Aled", "Abernethy", "A1")
    dialog = open_dialog(qtbot, real_ward, runner)
    type_identity(qtbot, dialog, "kd100200")
    assert dialog.number_check is not None and dialog.number_check.status == "admitted"
    assert "Aled Abernethy" in child(dialog, QLabel, "number_status").text()
    assert "already admitted (bed A1)" in child(dialog, QLabel, "number_status").text()
    fill_intake(qtbot, dialog)
    qtbot.mouseClick(dialog.admit_button, Qt.MouseButton.LeftButton)
    assert "Hospital number: Aled Abernethy" in status(dialog)
    assert dialog.isVisible() and real_ward.counts() == (1, 1)


def test_a_number_belonging_to_someone_discharged_is_refused_unless_a_readmission(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    earlier = real_ward.admit("KD100200", "Aled", "Abernethy", "A1")
    real_ward.discharge(earlier)
    dialog = open_dialog(qtbot, real_ward, runner)
    type_identity(qtbot, dialog)  # typed Nia Nettleford: a different person
    assert dialog.readmission.isVisible()
    fill_intake(qtbot, dialog)
    qtbot.mouseClick(dialog.admit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not admitted" in status(dialog))
    assert (
        "hospital number KD100200 already belongs to Aled Abernethy (born 04 Mar 1990); "
        "if this is the same person, admit as a readmission"
    ) in status(dialog)
    assert "Your entries are kept" not in status(dialog) and "Nothing was saved" in status(dialog)
    assert real_ward.counts() == (1, 1)
    assert child(dialog, QLineEdit, "given_name").text() == "Nia"  # nothing typed was lost


def test_readmission_links_to_the_earlier_stay(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    earlier = real_ward.admit("KD100200", "Aled", "Abernethy", "A1")
    real_ward.discharge(earlier)
    dialog = open_dialog(qtbot, real_ward, runner)
    type_into(qtbot, dialog, "hospital_number", "KD100200")
    qtbot.waitUntil(lambda: dialog.readmission.isVisible())
    tick(qtbot, dialog, "readmission")
    assert child(dialog, QLineEdit, "family_name").text() == "Abernethy"
    assert child(dialog, QLineEdit, "date_of_birth").isReadOnly()
    choose(dialog, "bed", "A3")
    fill_intake(qtbot, dialog)
    qtbot.mouseClick(dialog.admit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    result = dialog.result_value
    assert result is not None
    assert real_ward.admissions.admission(result.admission_id).previous_admission_id == earlier
    assert real_ward.counts() == (1, 2)


def test_an_occupied_bed_is_refused_with_a_clear_message(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    dialog = open_dialog(qtbot, real_ward, runner)
    # Another station admits into A2 after this form listed it as free.
    real_ward.admit("KD999001", "Cara", "Cole", "A2")
    type_identity(qtbot, dialog, bed="A2")
    fill_intake(qtbot, dialog)
    qtbot.mouseClick(dialog.admit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not admitted" in status(dialog))
    assert "bed A2 is occupied by Cara Cole; choose a free bed" in status(dialog)
    assert real_ward.counts() == (1, 1)


@pytest.mark.parametrize("theme", [Theme.NIGHT])
def test_screenshot_of_the_admission_dialog(
    qtbot, qapp, real_ward: RealWard, runner: TaskRunner, tmp_path: Path, theme: Theme
) -> None:
    apply_theme(qapp, theme)
    theme_state().set(theme)
    dialog = open_dialog(qtbot, real_ward, runner, baseline_available=True)
    type_identity(qtbot, dialog)
    type_into(qtbot, dialog, "reason", "Planned ketamine detox, referred by the community team")
    fill_intake(qtbot, dialog, cssrs={k: v for k, v in MODERATE_RISK.items()})
    tick(qtbot, dialog, "psychosis_history")
    dialog.intake.setCurrentIndex(3)  # mental health, where the flags come from
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    path = grab_widget(dialog, shots / "admission-intake.png")
    assert path.exists()
    dialog.intake.setCurrentIndex(0)
    grab_widget(dialog, shots / "admission-identity.png")


def test_the_admission_form_fits_a_1366_by_768_screen(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    dialog = open_dialog(qtbot, real_ward, runner)
    assert size_problems(dialog) == []


def test_the_admission_form_opens_with_the_cursor_in_hospital_number(
    qtbot, real_ward: RealWard, runner: TaskRunner
) -> None:
    dialog = open_dialog(qtbot, real_ward, runner)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert QApplication.focusWidget() is dialog.hospital_number


def test_co_use_at_intake_raises_its_flags_and_a_benzodiazepine_review(
    qtbot, real_ward: RealWard, runner: TaskRunner, tmp_path: Path
) -> None:
    from wardconsole.domain.records import EscalationKind
    from wardconsole.services.escalations import EscalationService

    dialog = open_dialog(qtbot, real_ward, runner)
    type_identity(qtbot, dialog)
    fill_intake(qtbot, dialog)
    dialog.intake.setCurrentIndex(1)
    recent = child(dialog, QCheckBox, "alcohol_recent")
    assert not recent.isEnabled()  # only once alcohol is ticked
    tick(qtbot, dialog, "other_alcohol")
    tick(qtbot, dialog, "alcohol_recent")
    type_into(qtbot, dialog, "last_drink_at", "25/11/2026 23:30")
    tick(qtbot, dialog, "other_benzodiazepines")
    tick(qtbot, dialog, "benzodiazepines_regular")
    assert "⚑ Alcohol withdrawal risk" in dialog.flag_preview.text()
    assert "⚑ Regular benzodiazepine use" in dialog.flag_preview.text()
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    grab_widget(dialog, shots / "admission-co-use.png")
    qtbot.mouseClick(dialog.admit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_value is not None)
    row = CensusService(real_ward.db).snapshot().rows[0]
    assert "Alcohol withdrawal risk" in row.risk_flags
    intake = real_ward.admissions.intake(row.admission_id).current
    assert intake is not None and intake.substance_use.last_drink_at is not None
    kinds = {e.kind for e in EscalationService(real_ward.db).open()}
    assert EscalationKind.BENZODIAZEPINE_REVIEW in kinds
