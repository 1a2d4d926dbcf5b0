"""Amend, never delete: a nurse corrects or strikes out an entry and the original stays visible."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select
from wardfakes import NORMAL_SET

from wardconsole.services.history import EntryState
from wardconsole.services.recording import SaveResult
from wardconsole.store.models import ObservationSetRow
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.bedside.observation_dialog import ObservationDialog
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.patient import history_dialog
from wardconsole.ui.patient.history_dialog import HistoryDialog, ReasonDialog
from wardconsole.ui.patient.history_model import (
    ENTRY_ROLE,
    HistoryColumn,
    HistoryFilterProxy,
    HistoryTableModel,
)

from . import bedside_support
from .bedside_support import BedsideWard, type_into

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner


@pytest.fixture
def open_history(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> Iterator[Callable[..., HistoryDialog]]:
    dialogs: list[HistoryDialog] = []

    def open_(bedside: Bedside | None = None) -> HistoryDialog:
        dialog = HistoryDialog(
            bedside or make_bedside(), bedside_ward.admission_id, "Maya Thornbury — Bed A1"
        )
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.model.rowCount() > 0)
        dialogs.append(dialog)
        return dialog

    yield open_
    for dialog in dialogs:
        qtbot.waitUntil(lambda d=dialog: d.saver.state is not SaveState.SAVING)


def cell(dialog: HistoryDialog, row: int, column: HistoryColumn) -> str:
    return str(dialog.proxy.index(row, column).data())


def test_a_correction_keeps_the_original_visible_and_marked(
    qtbot, open_history, make_bedside, bedside_ward: BedsideWard
) -> None:
    first = bedside_ward.recording.record_observation(
        bedside_ward.nurse, bedside_ward.admission_id, {**NORMAL_SET, "pulse": 115}
    )
    [original] = bedside_ward.history.entries(bedside_ward.admission_id)

    # The nurse corrects the set: the observation dialog opens on the original values.
    amend = ObservationDialog(
        make_bedside(), bedside_ward.admission_id, "Maya Thornbury", amending=original
    )
    qtbot.addWidget(amend)
    amend.show()
    pulse = amend.vitals.rows["pulse"].input
    assert pulse.text() == "115"
    pulse.selectAll()
    type_into(qtbot, pulse, "75")
    qtbot.keyClick(pulse, Qt.Key.Key_Return)
    assert "Reason for correction" in amend.status_text()  # a reason is required
    type_into(qtbot, amend.reason, "Pulse misread; recounted")
    qtbot.keyClick(amend.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: amend.saver.state is SaveState.SAVED)
    assert "SAVED correction" in amend.status_text()

    dialog = open_history()
    assert dialog.model.rowCount() == 2
    newest, older = (dialog.proxy.index(r, 0).data(ENTRY_ROLE) for r in range(2))
    assert newest.state is EntryState.CURRENT and newest.values["pulse"] == 75
    assert older.id == first.entry_id and older.state is EntryState.SUPERSEDED
    assert cell(dialog, 0, HistoryColumn.STATUS) == "✎ Correction — Pulse misread; recounted"
    assert cell(dialog, 1, HistoryColumn.STATUS).startswith("SUPERSEDED by the correction")
    assert "HR 115" in cell(dialog, 1, HistoryColumn.DETAILS)
    assert dialog.proxy.index(1, HistoryColumn.DETAILS).data(Qt.ItemDataRole.FontRole).strikeOut()
    with bedside_ward.db.read() as session:
        assert [r.pulse for r in session.scalars(select(ObservationSetRow))] == [115, 75]
    # Only the current set can be corrected again.
    dialog.table.selectRow(1)
    assert not dialog.correct_button.isEnabled() and not dialog.strike_button.isEnabled()
    dialog.table.selectRow(0)
    assert dialog.correct_button.isEnabled()


def test_correct_opens_the_entry_dialog_on_the_selected_set(
    qtbot, open_history, bedside_ward: BedsideWard, monkeypatch: pytest.MonkeyPatch
) -> None:
    bedside_ward.recording.record_observation(
        bedside_ward.nurse, bedside_ward.admission_id, NORMAL_SET
    )
    dialog = open_history()
    asked = []

    def fake_ask(bedside, admission_id, title, *, amending=None, parent=None):  # type: ignore[no-untyped-def]
        asked.append(amending)
        return bedside_ward.recording.amend_observation(
            bedside_ward.nurse, amending.id, {**NORMAL_SET, "pulse": 80}, reason="Recounted"
        )

    monkeypatch.setattr(ObservationDialog, "ask", fake_ask)
    qtbot.mouseClick(dialog.correct_button, Qt.MouseButton.LeftButton)
    assert asked and asked[0].entry_type == "observation"
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    assert dialog.changed and "Correction SAVED" in dialog.status.text()
    assert dialog.selected_entry() is not None and dialog.selected_entry().values["pulse"] == 80


def test_an_entry_marked_in_error_stays_listed_struck_out(
    qtbot, open_history, bedside_ward: BedsideWard, monkeypatch: pytest.MonkeyPatch
) -> None:
    bedside_ward.recording.record_assessment(
        bedside_ward.nurse, bedside_ward.admission_id, "rass", {"score": 2}
    )
    dialog = open_history()
    dialog.table.selectRow(0)
    monkeypatch.setattr(
        ReasonDialog, "ask", classmethod(lambda cls, what, parent=None: "Wrong patient")
    )
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    qtbot.waitUntil(lambda: cell(dialog, 0, HistoryColumn.STATUS).startswith("✖ ENTERED"))
    assert dialog.model.rowCount() == 1
    assert "Wrong patient" in cell(dialog, 0, HistoryColumn.STATUS)
    assert "Nia Night" in cell(dialog, 0, HistoryColumn.STATUS)
    assert cell(dialog, 0, HistoryColumn.DETAILS) == "+2 Agitated"
    assert not dialog.strike_button.isEnabled()


def test_a_cancelled_reason_changes_nothing(
    qtbot, open_history, bedside_ward: BedsideWard, monkeypatch: pytest.MonkeyPatch
) -> None:
    bedside_ward.recording.record_symptoms(
        bedside_ward.nurse, bedside_ward.admission_id, {"craving": 3}
    )
    dialog = open_history()
    monkeypatch.setattr(ReasonDialog, "ask", classmethod(lambda cls, what, parent=None: None))
    qtbot.mouseClick(dialog.strike_button, Qt.MouseButton.LeftButton)
    assert dialog.saver.state is SaveState.EDITING
    assert dialog.selected_entry().state is EntryState.CURRENT


def test_the_filter_shows_one_kind_of_entry(qtbot, open_history, bedside_ward: BedsideWard) -> None:
    recording, nurse, admission = (
        bedside_ward.recording,
        bedside_ward.nurse,
        bedside_ward.admission_id,
    )
    recording.record_observation(nurse, admission, NORMAL_SET)
    recording.record_symptoms(nurse, admission, {"craving": 3, "anxiety": 2})
    recording.record_prn(
        nurse,
        admission,
        drug="Lorazepam",
        drug_class="benzodiazepine",
        dose="1 mg",
        route="oral",
        reason="Anxiety",
    )
    dialog = open_history()
    assert dialog.proxy.rowCount() == 3
    type_into(qtbot, dialog.filter, "W")
    assert dialog.proxy.rowCount() == 1
    assert cell(dialog, 0, HistoryColumn.DETAILS) == (
        "Chart total 5: Craving for ketamine 3, Anxiety 2"
    )
    assert QApplication.focusWidget() is dialog.filter


def test_the_reason_dialog_needs_a_reason(qtbot) -> None:
    dialog = ReasonDialog("03:00 — RASS +2")
    qtbot.addWidget(dialog)
    assert not dialog._ok.isEnabled()
    type_into(qtbot, dialog.reason, "Wrong patient")
    assert dialog._ok.isEnabled()
    assert history_dialog.ReasonDialog is ReasonDialog


def test_the_history_models_are_well_behaved(qtmodeltester, bedside_ward: BedsideWard) -> None:
    recording, nurse, admission = (
        bedside_ward.recording,
        bedside_ward.nurse,
        bedside_ward.admission_id,
    )
    first = recording.record_observation(nurse, admission, NORMAL_SET)
    recording.amend_observation(
        nurse, first.entry_id, {**NORMAL_SET, "pulse": 90}, reason="Recounted"
    )
    recording.record_prn(
        nurse,
        admission,
        drug="Paracetamol",
        dose="1 g",
        route="oral",
        reason="Headache",
    )
    model = HistoryTableModel()
    model.set_entries(bedside_ward.history.entries(admission))
    qtmodeltester.check(model)
    proxy = HistoryFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_entry_type("observation")
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 2
    assert isinstance(first, SaveResult)


def test_a_prn_dose_shows_its_formulary_class_and_a_chosen_class_its_reason(
    open_history, bedside_ward: BedsideWard
) -> None:
    ward = bedside_ward
    ward.recording.record_prn(
        ward.nurse,
        ward.admission_id,
        drug="Trazodone",
        drug_class="other_hypnotic",
        class_reason="Sedating antidepressant, pharmacist advised",
        dose="50 mg",
        route="oral",
        reason="Insomnia",
    )
    ward.recording.record_prn(
        ward.nurse, ward.admission_id, drug="Diazepam", dose="5 mg", route="oral", reason="Anxiety"
    )
    dialog = open_history()
    assert cell(dialog, 0, HistoryColumn.DETAILS) == "Diazepam 5 mg oral (Benzodiazepine) — Anxiety"
    assert cell(dialog, 1, HistoryColumn.DETAILS) == (
        "Trazodone 50 mg oral (Other sedative or hypnotic (chosen, not in formulary)) — Insomnia; "
        "class chosen because: Sedating antidepressant, pharmacist advised"
    )
