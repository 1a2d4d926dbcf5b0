"""Raise concern…: from the census or a patient window, with Ctrl+Shift+C, a nurse escalates a
patient whose scores are normal; the alarm shows on the banner and panel, sounds, and is
acknowledged like any other. Screenshots at night under WARDCONSOLE_SHOT_DIR (or tmp)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog
from wardfakes import NORMAL_SET

from wardconsole.domain.records import EscalationKind, EscalationState, Severity
from wardconsole.store.engine import make_engine
from wardconsole.ui.escalations.concern import CONCERN_SHORTCUT, ConcernDialog
from wardconsole.ui.escalations.escalation_model import WardEscalationColumn
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.theme import Theme

from .escalation_fakes import START, Ward


@pytest.fixture
def ward(tmp_path: Path) -> Iterator[Ward]:
    url = migrated_sqlite(tmp_path / "ward.sqlite")
    engine = make_engine(url)
    engine.dispose()
    ward = Ward(url, lambda: START)
    station = ward.stations[0]
    for bed, given, family in (("A1", "Maya", "Thornbury"), ("A2", "Dominic", "Ashgrove")):
        station.record(ward.admit(bed, given, family), NORMAL_SET)  # NEWS2 0 for both
    yield ward
    ward.close()


@pytest.fixture
def window(qtbot, ward: Ward) -> Iterator[MainWindow]:
    window = MainWindow(ward.stations[0].context())
    qtbot.addWidget(window)
    window.set_theme(Theme.NIGHT)
    window.show()
    qtbot.waitUntil(
        lambda: (
            window.snapshot is not None
            and window.escalations is not None
            and window.escalations.board is not None
        )
    )
    yield window
    window.shutdown()


def _concern_rows(window: MainWindow) -> list[tuple[str, str, str]]:
    model = window.escalations.model
    return [
        (
            model.index(r, WardEscalationColumn.BED).data(),
            model.index(r, WardEscalationColumn.CONCERN).data(),
            model.index(r, WardEscalationColumn.STATUS).data(),
        )
        for r in range(model.rowCount())
    ]


def _all_shortcuts(*widgets) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    for widget in widgets:
        for action in widget.findChildren(QAction):
            text = action.shortcut().toString()
            if text:
                found.append(text)
    return found


def test_the_dialog_needs_a_reason_and_offers_urgent_or_emergency(qtbot, tmp_path: Path) -> None:
    dialog = ConcernDialog("Bed A1 · Maya Thornbury")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.severity() is Severity.URGENT  # the default
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisible()
    assert "needs a reason" in dialog.error.text()
    qtbot.mouseClick(dialog.emergency, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.reason, "Grey and clammy, not himself since tea")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert (dialog.severity(), dialog.reason_text()) == (
        Severity.EMERGENCY,
        "Grey and clammy, not himself since tea",
    )


def test_ctrl_shift_c_on_the_census_raises_an_announced_concern(
    qtbot, window: MainWindow, ward: Ward, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[str] = []

    def ask(cls, parent, patient):  # type: ignore[no-untyped-def]
        asked.append(patient)
        return Severity.EMERGENCY, "Says she feels like she is dying; looks pale"

    monkeypatch.setattr(ConcernDialog, "ask", classmethod(ask))
    assert window.escalations.board.escalations == ()  # normal scores: nothing open
    window.census_view.select_admission(ward.admissions[0])
    qtbot.keyClick(window.census_view, Qt.Key.Key_C, _CTRL_SHIFT)
    assert asked == ["Bed A1 · Maya Thornbury"]
    qtbot.waitUntil(lambda: len(_concern_rows(window)) == 1, timeout=10_000)
    [(bed, concern, status)] = _concern_rows(window)
    assert bed == "A1"
    assert "Staff concern" in concern
    assert status == "Not acknowledged"
    station = ward.stations[0]
    qtbot.waitUntil(lambda: Severity.EMERGENCY in station.sound.played, timeout=10_000)
    qtbot.waitUntil(lambda: "Staff concern" in window.alert_banner.text(), timeout=10_000)
    [raised] = station.open()
    assert raised.kind is EscalationKind.STAFF_CONCERN
    assert raised.explanation == "Ash Nurse: Says she feels like she is dying; looks pale"
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    assert window.grab().save(str(shot_dir / "staff-concern-night.png"))
    # Acknowledged from the panel like any other escalation: the banner stops alarming.
    window.escalation_panel.select_escalation(raised.id)
    qtbot.mouseClick(window.escalation_panel.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: station.open()[0].state is EscalationState.ACKNOWLEDGED)
    qtbot.waitUntil(lambda: _concern_rows(window)[0][2] != "Not acknowledged", timeout=10_000)


def test_a_patient_window_raises_a_concern_for_its_own_patient(
    qtbot, window: MainWindow, ward: Ward, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def ask(cls, parent, patient):  # type: ignore[no-untyped-def]
        asked.append(patient)
        return Severity.URGENT, "Quieter than usual, not eating"

    monkeypatch.setattr(ConcernDialog, "ask", classmethod(ask))
    second = ward.admissions[1]
    window.census_view.select_admission(second)
    qtbot.keyClick(window.census_view, Qt.Key.Key_Return)
    patient = window.patient_windows.get(second)
    assert patient is not None
    window.census_view.select_admission(ward.admissions[0])  # the census selection moves on
    [action] = [a for a in patient.actions() if a.objectName() == "raise_concern"]
    assert action.shortcut().toString() == CONCERN_SHORTCUT
    action.trigger()
    assert asked == ["Bed A2 · Dominic Ashgrove"]
    qtbot.waitUntil(lambda: bool(ward.stations[0].open()), timeout=10_000)
    [raised] = ward.stations[0].open()
    assert (raised.admission_id, raised.severity) == (second, Severity.URGENT)


def test_the_concern_shortcut_is_used_by_nothing_else(
    qtbot, window: MainWindow, ward: Ward
) -> None:
    window.census_view.select_admission(ward.admissions[0])
    qtbot.keyClick(window.census_view, Qt.Key.Key_Return)
    patient = window.patient_windows.get(ward.admissions[0])
    for where in (_all_shortcuts(window), _all_shortcuts(patient)):
        assert where.count(CONCERN_SHORTCUT) == 1
    menu = window.census_menu()
    texts = [a.text() for a in menu.actions()]
    assert "Raise &concern…" in texts


def test_the_concern_dialog_at_night(qtbot, window: MainWindow, tmp_path: Path) -> None:
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    dialog = ConcernDialog("Bed A1 · Maya Thornbury", window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # shows the reason error
    QApplication.processEvents()
    assert dialog.grab().save(str(shot_dir / "staff-concern-dialog-night.png"))
    dialog.reject()


_CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
