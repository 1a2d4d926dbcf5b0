"""A nurse records a capillary glucose with the bedside set, including the meter's LO: it is
stored, needs no "why not taken" when left blank, and a LO raises the hypoglycaemia emergency
in the same save."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from screenshots import grab_widget
from sqlalchemy import select

from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.store.models import EscalationRow, ObservationSetRow
from wardconsole.ui.theme import Theme, apply_theme

from . import bedside_support, test_observation_dialog
from .bedside_support import BedsideWard, type_into

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner
open_dialog = test_observation_dialog.open_dialog
NORMAL = test_observation_dialog.NORMAL


def test_a_full_set_with_a_glucose_reading(qtbot, open_dialog, bedside_ward: BedsideWard) -> None:
    dialog = open_dialog()
    test_observation_dialog.enter_vitals(qtbot, dialog, {**NORMAL, "glucose": "5.4"})
    assert not dialog.vitals.rows["glucose"].reason.isVisible()
    test_observation_dialog.press_enter(qtbot, dialog)
    result = test_observation_dialog.wait_saved(qtbot, dialog)
    with bedside_ward.db.read() as session:
        saved = session.get_one(ObservationSetRow, result.observation_id)
    assert (saved.glucose_mmol, saved.glucose_flag) == (5.4, None)


def test_a_blank_glucose_needs_no_reason(qtbot, open_dialog, bedside_ward: BedsideWard) -> None:
    dialog = open_dialog()
    test_observation_dialog.enter_vitals(qtbot, dialog, NORMAL)
    assert not dialog.vitals.rows["glucose"].reason.isVisible()
    test_observation_dialog.press_enter(qtbot, dialog)
    result = test_observation_dialog.wait_saved(qtbot, dialog)
    assert result.news2 is not None  # a complete set: glucose is not a NEWS2 parameter


def test_a_meter_lo_is_recorded_and_raises_the_emergency(
    qtbot, qapp, open_dialog, make_bedside, bedside_ward: BedsideWard, tmp_path: Path
) -> None:
    apply_theme(qapp, Theme.NIGHT)
    dialog = open_dialog(make_bedside(theme=Theme.NIGHT))
    test_observation_dialog.enter_vitals(qtbot, dialog, {**NORMAL, "glucose": "lo"})
    assert dialog.vitals.rows["glucose"].message.text() == ""
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    grab_widget(dialog, shot_dir / "glucose-entry-night.png")
    type_into(qtbot, dialog.note, "Sweaty and shaky")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    result = test_observation_dialog.wait_saved(qtbot, dialog)
    assert "Hypoglycaemia (emergency)" in dialog.status_text()
    with bedside_ward.db.read() as session:
        saved = session.get_one(ObservationSetRow, result.observation_id)
        [alarm] = session.scalars(select(EscalationRow)).all()
    assert (saved.glucose_mmol, saved.glucose_flag) == (None, "LO")
    assert (alarm.kind, alarm.severity) == (EscalationKind.HYPOGLYCAEMIA, Severity.EMERGENCY)
