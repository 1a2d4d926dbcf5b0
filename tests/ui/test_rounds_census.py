"""Recording a safety check from the census: one action on the selected patient."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import func, select
from ui_context import ui_context
from ui_runner import shared_runner

from wardconsole.domain.safety_checks import Presentation
from wardconsole.services.census import CensusService
from wardconsole.store.changes import open_change_feed
from wardconsole.store.models import SafetyCheckRow
from wardconsole.ui.census.census_model import CensusColumn
from wardconsole.ui.checks.check_dialog import CheckDialog, CheckEntry
from wardconsole.ui.main_window import MainWindow

from .test_rounds import Ward, demo_file, ward  # noqa: F401 - shared demo-ward fixtures


def test_ctrl_k_on_the_census_records_a_check_for_the_selected_patient(
    qtbot,
    ward: Ward,  # noqa: F811
    monkeypatch,
) -> None:
    census = CensusService(ward.db)
    window = MainWindow(
        ui_context(
            load_census=census.snapshot,
            open_change_feed=lambda: open_change_feed(ward.db.engine),
            station="Nurses' station 1",
            ward_name=census.ward_name(),
            database_label="SQLite (demo ward)",
            runner=shared_runner(),
            observation=ward.service,
            signed_in=ward.nurse,
        )
    )
    qtbot.addWidget(window)
    asked = []
    monkeypatch.setattr(
        CheckDialog,
        "ask",
        classmethod(
            lambda cls, parent, patient, locations: (
                asked.append(patient)
                or CheckEntry(Presentation.DISTRESSED, "Lounge", "Tearful, talked for 10 min")
            )
        ),
    )
    try:
        window.show()
        qtbot.waitUntil(lambda: window.snapshot is not None)
        raised = next(r for r in window.snapshot.rows if r.observation_raised)
        assert window.census_view.select_admission(raised.admission_id)
        proxy = window.census_proxy
        row = next(
            r for r in range(proxy.rowCount()) if proxy.admission_id(r) == raised.admission_id
        )
        checks = proxy.index(row, CensusColumn.CHECKS).data()
        assert raised.observation_level_short in checks and "min" in checks
        window.census_view.setFocus()
        qtbot.keyClick(window.census_view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: "Check saved" in window.statusBar().currentMessage())
        assert asked[0].admission_id == raised.admission_id
        with ward.db.read() as session:
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(SafetyCheckRow)
                    .where(SafetyCheckRow.presentation == "distressed")
                )
                == 1
            )
        assert "Awake" not in window.statusBar().currentMessage()
        assert "Distressed" in window.statusBar().currentMessage()
    finally:
        window.shutdown()
