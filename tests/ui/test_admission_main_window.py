"""The Patient menu's admission actions on a real ward: admit (then baseline observations),
move bed, discharge, and the history for supervisors; risk-flag badges on the census."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from intakefakes import HIGH_RISK
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QMenu, QStyleOptionViewItem
from screenshots import grab_census
from ui_context import ui_context
from ui_runner import shared_runner

from wardconsole.domain.discharge import Destination
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor
from wardconsole.services.history import HistoryService
from wardconsole.services.recording import RecordingService
from wardconsole.store.changes import open_change_feed
from wardconsole.ui.admissions.admission_dialog import AdmissionDialog, Admitted
from wardconsole.ui.admissions.discharge_dialog import Discharged, DischargeDialog
from wardconsole.ui.admissions.patient_search_dialog import PatientSearchDialog
from wardconsole.ui.aftercare.plan_dialog import AftercarePlanDialog
from wardconsole.ui.bedside.observation_dialog import ObservationDialog
from wardconsole.ui.census.census_model import CensusColumn
from wardconsole.ui.census.census_view import CensusView
from wardconsole.ui.main_window import MainWindow

from . import admission_support as support
from .admission_support import RealWard

real_ward = support.real_ward


def make_window(qtbot, ward: RealWard, actor: Actor | None = None) -> MainWindow:
    who = actor or ward.nurse
    window = MainWindow(
        ui_context(
            load_census=CensusService(ward.db).snapshot,
            open_change_feed=lambda: open_change_feed(ward.engine),
            station="Nurses' station 1",
            ward_name="Ward 7",
            database_label="SQLite (test)",
            runner=shared_runner(),
            recording=RecordingService(ward.db),
            history=HistoryService(ward.db),
            signed_in=who,
            admissions=ward.admissions,
            discharges=ward.discharges,
            aftercare=AftercareService(ward.db),
        )
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=10_000)
    return window


@pytest.fixture
def window(qtbot, real_ward: RealWard) -> Iterator[MainWindow]:
    window = make_window(qtbot, real_ward)
    yield window
    window.shutdown()


def patient_menu(window: MainWindow) -> list[str]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Patient")
    assert isinstance(menu, QMenu)
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_the_patient_menu_offers_admission_bed_move_discharge_and_history(
    window: MainWindow,
) -> None:
    texts = patient_menu(window)
    assert texts[:3] == ["&Admit patient…", "&Move bed…", "&Discharge…"]
    assert texts[-1] == "&Find discharged patient…"
    assert window.admission.admit_action.shortcut().toString() == "Ctrl+Shift+A"
    window.admission.find_action.trigger()  # a nurse: supervisors only
    assert window.statusBar().currentMessage() == (
        "Only supervisors can read discharged patients' records"
    )


def test_admitting_selects_the_new_patient_and_opens_their_baseline_observations(
    qtbot, window: MainWindow, real_ward: RealWard, monkeypatch: pytest.MonkeyPatch
) -> None:
    def admit(*_args: object, **_kwargs: object) -> Admitted:
        admission_id = real_ward.admit(
            "KD100001", "Aled", "Abernethy", "A3", hours_ago=0.2, mental_health={"cssrs": HIGH_RISK}
        )
        return Admitted(admission_id, "Aled Abernethy", "A3", record_baseline=True)

    opened: list[int] = []
    monkeypatch.setattr(AdmissionDialog, "ask", classmethod(lambda cls, *a, **k: admit()))
    monkeypatch.setattr(
        ObservationDialog,
        "ask",
        classmethod(lambda cls, bedside, admission_id, title, **k: opened.append(admission_id)),
    )
    window.admission.admit_action.trigger()
    qtbot.waitUntil(lambda: bool(opened))
    row = window.snapshot.rows[0]
    assert window.census_view.selected_admission_id() == row.admission_id == opened[0]
    assert window.statusBar().currentMessage() == "Admitted Aled Abernethy to bed A3"
    patient = window.census_proxy.index(0, CensusColumn.PATIENT)
    assert patient.data() == "Aled Abernethy  ⚑Suicide▲"
    assert "Risk flags: Suicide risk: high" in patient.data(0x03)  # tooltip


def test_discharge_from_the_menu_takes_the_patient_off_the_census(
    qtbot, window: MainWindow, real_ward: RealWard, monkeypatch: pytest.MonkeyPatch
) -> None:
    stay = real_ward.admit("KD100001", "Aled", "Abernethy", "A1")
    window.refresh()
    qtbot.waitUntil(lambda: len(window.snapshot.rows) == 1)
    window.census_view.select_admission(stay)

    def discharge(cls, service, current_actor, runner, admission_id, **_kwargs) -> Discharged:
        service.discharge(
            current_actor(),
            admission_id,
            destination=Destination.AFTERCARE,
            summary=service.draft(admission_id).text,
            detail="",
            discharged_at=None,
            expected_version=None,
        )
        return Discharged(admission_id, "Aled Abernethy", Destination.AFTERCARE)

    monkeypatch.setattr(DischargeDialog, "ask", classmethod(discharge))
    offered: list[str] = []  # the aftercare plan is offered next; this nurse leaves it for later
    monkeypatch.setattr(
        AftercarePlanDialog, "ask", staticmethod(lambda _parent, name, _now: offered.append(name))
    )
    window.filter_box.setText("Abernethy")  # found by name, as nurses do
    qtbot.waitUntil(lambda: window.census_proxy.rowCount() == 1)
    window.admission.discharge_action.trigger()
    qtbot.waitUntil(lambda: window.snapshot.rows == ())
    assert window.filter_box.text() == ""  # never an empty census without saying why
    assert window.statusBar().currentMessage() == (
        "Discharged Aled Abernethy: aftercare and peer support"
    )
    qtbot.waitUntil(lambda: offered == ["Aled Abernethy"])


def test_move_and_discharge_need_a_selected_patient(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[str] = []
    monkeypatch.setattr(DischargeDialog, "ask", classmethod(lambda *a, **k: called.append("x")))
    window.admission.discharge_action.trigger()
    assert called == []
    assert window.statusBar().currentMessage() == "Select a patient on the census first"


def test_supervisors_can_open_the_history(
    qtbot, real_ward: RealWard, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(qtbot, real_ward, real_ward.supervisor)
    opened: list[bool] = []
    monkeypatch.setattr(
        PatientSearchDialog, "ask", classmethod(lambda *a, **k: opened.append(True))
    )
    action: QAction = window.admission.find_action
    action.trigger()
    assert opened == [True]
    window.shutdown()


def test_census_badges_at_1366_px(
    qtbot, window: MainWindow, real_ward: RealWard, tmp_path: Path
) -> None:
    real_ward.admit(
        "KD100001",
        "Aisha",
        "Bello-Hart",
        "A1",
        mental_health={"cssrs": HIGH_RISK},
        physical={"falls_risk": True, "falls_reason": "unsteady"},
    )
    real_ward.admit(
        "KD100002", "Rory", "Pemberton", "A2", mental_health={"psychosis_history": True}
    )
    window.refresh()
    qtbot.waitUntil(lambda: len(window.snapshot.rows) == 2)
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    grab_census(window, shots / "census-badges.png")
    view = window.census_view
    texts = {
        window.census_proxy.index(r, CensusColumn.PATIENT).data()
        for r in range(window.census_proxy.rowCount())
    }
    assert texts == {"Aisha Bello-Hart  ⚑Suicide▲ +1", "Rory Pemberton  ⚑Psychosis"}
    for row in range(window.census_proxy.rowCount()):
        shown = shown_text(view, window.census_proxy.index(row, CensusColumn.PATIENT))
        assert shown.split()[0] in {"Aisha", "Rory"} and "⚑" in shown
    # However narrow the column gets, a flag stays; the name keeps its first characters and
    # a crowded badge shrinks to the number of flags (all of them are in the tooltip).
    view.horizontalHeader().setSectionResizeMode(
        CensusColumn.PATIENT, QHeaderView.ResizeMode.Interactive
    )
    view.horizontalHeader().resizeSection(CensusColumn.PATIENT, 150)
    aisha = next(
        window.census_proxy.index(r, CensusColumn.PATIENT)
        for r in range(2)
        if "Aisha" in window.census_proxy.index(r, 1).data()
    )
    shown = shown_text(view, aisha)
    assert shown.startswith("Aisha") and shown.endswith("⚑2")
    assert "Suicide" in aisha.data(Qt.ItemDataRole.ToolTipRole)


def shown_text(view: CensusView, index: QModelIndex) -> str:
    """What the census delegate draws in a cell of the current width."""
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    view.itemDelegate().initStyleOption(option, index)
    return option.text
