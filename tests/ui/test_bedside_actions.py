"""From the census or a patient window, a nurse opens the bedside dialogs for that patient."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolButton
from ui_context import TEST_VISITOR

from wardconsole.ui.bedside.observation_dialog import ObservationDialog
from wardconsole.ui.bedside.prn_dialog import PrnDialog
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.patient.history_dialog import HistoryDialog

from . import bedside_support
from .bedside_support import BedsideWard
from .conftest import make_context
from .factories import FakeWard

bedside_ward = bedside_support.bedside_ward


@pytest.fixture
def recording_window(qtbot, ward: FakeWard, bedside_ward: BedsideWard) -> Iterator[MainWindow]:
    context = make_context(
        ward,
        recording=bedside_ward.recording,
        history=bedside_ward.history,
        signed_in=bedside_ward.nurse,
    )
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.snapshot is not None)
    yield window
    window.shutdown()


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, str, object]]:
    """Replace each dialog's ask(): record who was asked for, and say something was saved."""
    calls: list[tuple[str, int, str, object]] = []

    def fake(name: str):  # type: ignore[no-untyped-def]
        def ask(cls, bedside, admission_id, title, *args, parent=None, **kwargs):  # type: ignore[no-untyped-def]
            calls.append((name, admission_id, title, bedside.actor))
            return True

        return classmethod(ask)

    monkeypatch.setattr(ObservationDialog, "ask", fake("observations"))
    monkeypatch.setattr(PrnDialog, "ask", fake("prn"))
    monkeypatch.setattr(HistoryDialog, "ask", fake("history"))
    return calls


def test_ctrl_r_records_observations_for_the_selected_patient(
    qtbot, recording_window: MainWindow, ward: FakeWard, asked, bedside_ward: BedsideWard
) -> None:
    recording_window.census_view.select_admission(12)
    loads = ward.loads
    qtbot.keyClick(recording_window.census_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert asked == [("observations", 12, "Siobhan Quill — Bed B2", bedside_ward.nurse)]
    # Something was saved: the census is read again at once.
    qtbot.waitUntil(lambda: ward.loads > loads)


def test_the_census_row_menu_offers_recording_prn_and_history(
    recording_window: MainWindow, asked
) -> None:
    recording_window.census_view.select_admission(3)
    menu = recording_window.census_menu()
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts[:7] == [
        "&Open patient window",
        "&Record observations…",
        "Record a drink or &fluids…",
        "M&eals, supplements and bowels…",
        "Record &urine dipstick…",  # a simple kind without a window of its own
        "Give &PRN…",
        "&History…",
    ]
    assert {"Record safety &check…", "Set observation &level…"} <= set(texts)
    recording_window.bedside.prn_action.trigger()
    recording_window.bedside.history_action.trigger()
    assert [(name, admission) for name, admission, *_ in asked] == [("prn", 3), ("history", 3)]


def test_a_patient_window_records_for_its_own_patient(
    qtbot, recording_window: MainWindow, asked
) -> None:
    recording_window.census_view.select_admission(8)
    qtbot.keyClick(recording_window.census_view, Qt.Key.Key_Return)
    patient = recording_window.patient_windows.get(8)
    assert patient is not None
    recording_window.census_view.select_admission(1)  # the census selection moves on
    actions = {a.objectName(): a for a in patient.actions() if isinstance(a, QAction)}
    assert actions["bedside_record"].shortcut().toString() == "Ctrl+R"
    actions["bedside_record"].trigger()
    assert asked[-1][:2] == ("observations", 8)
    assert patient.contextMenuPolicy() is Qt.ContextMenuPolicy.ActionsContextMenu
    button = patient.header.findChild(QToolButton, "button_bedside_prn")
    assert button is not None
    qtbot.waitUntil(button.isVisible)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked[-1][:2] == ("prn", 8)


def test_a_read_only_visitor_finds_the_recording_actions_off(
    make_window: Callable[..., MainWindow], ward: FakeWard
) -> None:
    """A visiting clinician may read the ward but not record."""
    window = make_window(ward, signed_in=TEST_VISITOR)
    assert not window.bedside.available
    assert not window.bedside.record_action.isEnabled()


def test_no_selection_says_so(qtbot, recording_window: MainWindow, asked) -> None:
    recording_window.census_view.clearSelection()
    recording_window.census_view.setCurrentIndex(recording_window.census_proxy.index(-1, -1))
    recording_window.bedside.record_action.trigger()
    assert asked == []
    assert "Select a patient" in recording_window.statusBar().currentMessage()
