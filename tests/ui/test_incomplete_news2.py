"""An incomplete set is shown as "incomplete — at least N (band)", never as a total: on the
bedside entry form while typing and after saving, and on the census it raises.

Runs the real services on a SQLite ward (the bedside dialog saves through the background
worker); the census is built from the real census service's snapshot of that ward.
Set WARDCONSOLE_SHOT_DIR to keep the night screenshots.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from screenshots import grab_census, grab_widget

from wardconsole.domain.handoff_records import HandoffSummary
from wardconsole.domain.records import EscalationKind
from wardconsole.services.census import CensusService
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.bedside.observation_dialog import ObservationDialog
from wardconsole.ui.census.census_model import CensusColumn
from wardconsole.ui.handoff.words import news2_text
from wardconsole.ui.patient.charts import readout
from wardconsole.ui.theme import Theme, apply_theme

from . import bedside_support
from .bedside_support import BedsideWard, type_into
from .factories import FakeWard

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner

RED_PARTIAL = {"respiration_rate": "7", "spo2": "84", "on_oxygen": "A", "pulse": "135"}
"""RR 7, SpO2 84 % on air, HR 135; BP, ACVPU and temperature not taken."""


@pytest.fixture
def dialog(qtbot, qapp, make_bedside, bedside_ward: BedsideWard) -> Iterator[ObservationDialog]:
    apply_theme(qapp, Theme.NIGHT)
    opened = ObservationDialog(
        make_bedside(theme=Theme.NIGHT), bedside_ward.admission_id, "Maya Thornbury — Bed A1"
    )
    opened.discard_confirmed = lambda: True  # type: ignore[method-assign]
    qtbot.addWidget(opened)
    opened.show()
    qtbot.waitUntil(lambda: opened.brief is not None)
    yield opened
    if opened.saver.state is SaveState.SAVING:
        qtbot.waitUntil(lambda: opened.saver.state is not SaveState.SAVING)
    apply_theme(qapp, Theme.DAY)


@pytest.fixture
def shot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


def test_an_incomplete_set_reads_at_least_n_on_the_entry_form_and_the_census(
    qtbot, dialog: ObservationDialog, bedside_ward: BedsideWard, make_window, shot_dir: Path
) -> None:
    for name, text in RED_PARTIAL.items():
        type_into(qtbot, dialog.vitals.rows[name].input, text)
    # While typing: what the values already score, as a floor, never as a total.
    assert dialog.news2_text().startswith("NEWS2 incomplete — at least 9  ▲ HIGH")
    note = dialog._partial_note.text()
    assert "PARTIAL SET" in note and "at least 9 (high)" in note
    assert "NEWS2 9" not in dialog.news2_text()
    dialog.resize(1320, 700)
    grab_widget(dialog, shot_dir / "incomplete-entry-night.png")

    # One reason for every blank value, then save.
    dialog.vitals.all_reason.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(dialog.vitals.all_reason, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.vitals.all_reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED, timeout=5000)
    status = dialog.status_text()
    assert "PARTIAL set" in status and "NEWS2 incomplete — at least 9 (high)" in status
    assert "Deterioration (emergency)" in status

    # The census the nurse sees next.
    snapshot = CensusService(bedside_ward.db).snapshot()
    window = make_window(FakeWard(snapshot))
    window.set_theme(Theme.NIGHT)
    view = window.census_view
    model = view.model()
    [row] = [r for r in range(model.rowCount())]
    news2 = model.index(row, CensusColumn.NEWS2).data()
    assert news2 == "at least 9  ▲ HIGH · incomplete"
    tip = model.index(row, CensusColumn.NEWS2).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("NEWS2 incomplete — at least 9 (high): RR 3, SpO2 3, HR 3")
    escalation = model.index(row, CensusColumn.ESCALATION).data()
    assert EscalationKind.DETERIORATION.label in escalation
    path = grab_census(window, shot_dir / "incomplete-census-night.png")
    assert path.exists()


def test_the_handoff_board_states_a_lower_bound_never_a_total() -> None:
    summary = HandoffSummary(
        news2_now=0, news2_band_now="low", news2_at_least=9, news2_bound_band="high"
    )
    view = SimpleNamespace(draft=SimpleNamespace(summary=summary))
    assert news2_text(view) == "at least 9 HIGH · incomplete; last full 0"  # type: ignore[arg-type]
    complete = SimpleNamespace(
        draft=SimpleNamespace(summary=HandoffSummary(news2_now=5, news2_band_now="medium"))
    )
    assert news2_text(complete) == "5 MED"  # type: ignore[arg-type]


def test_the_chart_readout_states_an_incomplete_sets_lower_bound() -> None:
    """The crosshair read-out of a partial set: its floor, never a total."""
    nan = float("nan")
    columns = {
        "respiration_rate": 7.0,
        "spo2": 84.0,
        "spo2_scale": 1.0,
        "on_oxygen": nan,
        "systolic_bp": nan,
        "pulse": 135.0,
        "consciousness": nan,
        "temperature": nan,
    }
    obs = SimpleNamespace(column=lambda name: [columns[name]])
    bound = readout._lower_bound(obs, 0)
    assert bound is not None and bound.text == "incomplete — at least 9 (high)"
