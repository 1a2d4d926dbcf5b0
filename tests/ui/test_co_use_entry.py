"""A nurse records CIWA-Ar and COWS from the bedside form for a patient whose intake records
recent drinking and opioid use; a patient without them is never offered either scale."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from intakefakes import intake_data
from PySide6.QtWidgets import QScrollArea
from screenshots import grab_widget
from sqlalchemy import select

from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.store.models import AssessmentRow, EscalationRow
from wardconsole.ui.bedside.observation_dialog import ObservationDialog
from wardconsole.ui.theme import Theme, apply_theme

from . import bedside_support, test_observation_dialog
from .bedside_support import BedsideWard, type_into

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner
open_dialog = test_observation_dialog.open_dialog

CIWA_15 = {  # 4 + 4 + 3 + 4 + 0 ... = 15
    "nausea_vomiting": "4",
    "tremor": "4",
    "paroxysmal_sweats": "3",
    "anxiety": "4",
}


def admit_co_user(ward: BedsideWard) -> int:
    admitted_at = ward.clock.now - timedelta(hours=6)
    return AdmissionService(ward.db).admit(
        ward.nurse,
        NewPatient("KD100002", "Owen", "Castell", date(1987, 9, 12)),
        bed="A2",
        admitted_at=admitted_at,
        reason="Ketamine dependence",
        intake=intake_data(
            admitted_at,
            substance_use={
                "other_substances": ["alcohol", "opioids"],
                "alcohol_recent": True,
                "last_drink_at": (admitted_at - timedelta(hours=14)).isoformat(),
                "opioids_recent": True,
            },
        ),
    )


def open_for(qtbot, bedside, admission_id: int) -> ObservationDialog:
    dialog = ObservationDialog(bedside, admission_id, "Owen Castell — Bed A2")
    dialog.discard_confirmed = lambda: True  # type: ignore[method-assign]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.brief is not None)
    return dialog


def show_in(scroll: QScrollArea, widget) -> None:
    """Scroll the form down (only down) until ``widget`` is in view."""
    bottom = widget.mapTo(scroll.widget(), widget.rect().bottomLeft()).y()
    scroll.verticalScrollBar().setValue(bottom - scroll.viewport().height() + 12)


def rate_ciwa(qtbot, dialog: ObservationDialog, answers: dict[str, str]) -> None:
    for key, combo in dialog.co_use.ciwa_ar.combos.items():
        type_into(qtbot, combo, answers.get(key, "0"))


def test_a_patient_without_co_use_is_offered_neither_scale(qtbot, open_dialog) -> None:
    dialog = open_dialog()
    box = dialog.findChild(QScrollArea, "entry_left").widget().findChild(object, "co_use_box")
    assert box is not None and box.isHidden()
    assert dialog.co_use.answers() == {}


def test_ciwa_ar_half_done_is_refused_naming_the_scale_and_nothing_is_saved(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    dialog = open_for(qtbot, make_bedside(), admit_co_user(bedside_ward))
    before = bedside_ward.count(AssessmentRow)  # the intake's own screens
    type_into(qtbot, dialog.co_use.ciwa_ar.combos["tremor"], "4")
    assert dialog.co_use.ciwa_ar.result.text() == "CIWA-Ar: 1 of 10 answered"
    dialog.save()
    assert "CIWA-Ar: answer all 10 items, or none" in dialog.status_text()
    assert bedside_ward.count(AssessmentRow) == before


def test_ciwa_ar_and_cows_are_scored_as_typed_saved_and_escalate(
    qtbot, qapp, make_bedside, bedside_ward: BedsideWard, tmp_path: Path
) -> None:
    admission_id = admit_co_user(bedside_ward)
    before = bedside_ward.count(AssessmentRow)
    dialog = open_for(qtbot, make_bedside(), admission_id)
    assert not dialog.co_use.ciwa_ar.isHidden() and not dialog.co_use.cows.isHidden()
    assert dialog.co_use.timing.text().startswith("Alcohol: last drink ")
    assert "(20 h ago): within the 48 h when withdrawal seizures" in dialog.co_use.timing.text()
    rate_ciwa(qtbot, dialog, CIWA_15)
    assert dialog.co_use.ciwa_ar.result.text() == "<b>CIWA-Ar 15/67: severe (CamCOPS bands)</b>"
    cows = dialog.co_use.cows.combos
    for key in cows:
        type_into(qtbot, cows[key], {"pulse": "2", "gooseflesh": "3"}.get(key, "0"))
    assert dialog.co_use.cows.result.text() == "<b>COWS 5/48: mild withdrawal</b>"
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    scroll = dialog.findChild(QScrollArea, "entry_left")
    show_in(scroll, dialog.co_use.ciwa_ar.result)
    grab_widget(dialog, shots / "co-use-entry-day.png")
    dialog.save()
    result = test_observation_dialog.wait_saved(qtbot, dialog)
    assert "Alcohol withdrawal (CIWA-Ar) (emergency)" in dialog.status_text()
    with bedside_ward.db.read() as session:
        rows = session.scalars(
            select(AssessmentRow).where(AssessmentRow.kind.in_(("ciwa_ar", "cows")))
        ).all()
        alarms = session.scalars(select(EscalationRow)).all()
    assert {(r.kind, r.total) for r in rows} == {("ciwa_ar", 15), ("cows", 5)}
    assert bedside_ward.count(AssessmentRow) == before + 2
    assert result.saved_at == bedside_ward.clock.now
    alcohol = [a for a in alarms if a.kind == EscalationKind.ALCOHOL_WITHDRAWAL.value]
    assert [a.severity for a in alcohol] == [Severity.EMERGENCY.value]


def test_night_screenshot_of_the_co_use_scales(
    qtbot, qapp, make_bedside, bedside_ward: BedsideWard, tmp_path: Path
) -> None:
    apply_theme(qapp, Theme.NIGHT)
    dialog = open_for(qtbot, make_bedside(theme=Theme.NIGHT), admit_co_user(bedside_ward))
    rate_ciwa(qtbot, dialog, {"tremor": "2", "anxiety": "3", "headache": "1"})
    scroll = dialog.findChild(QScrollArea, "entry_left")
    show_in(scroll, dialog.co_use.cows.result)
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    grab_widget(dialog, shots / "co-use-entry-night.png")
    assert (
        dialog.co_use.ciwa_ar.result.text() == "<b>CIWA-Ar 6/67: mild/minimal (CamCOPS bands)</b>"
    )
    apply_theme(qapp, Theme.DAY)
