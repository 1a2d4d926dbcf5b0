"""Recording a therapy or support session from the census, the form's checks, and the ward's
"Sessions today" list (who has had no 1:1 key-worker contact), on a demo ward."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from screenshots import SMALLEST_WARD_SCREEN, grab_census, grab_widget
from ui_context import ui_context
from ui_runner import shared_runner
from wardfakes import Clock

from wardconsole.domain.sessions import Attendance, SessionType
from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService, EventKind
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.demo import build_demo_ward
from wardconsole.services.history import HistoryService
from wardconsole.services.sessions import SessionService
from wardconsole.services.staff import StaffService
from wardconsole.store.changes import open_change_feed
from wardconsole.store.engine import make_engine
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.patient.charts.events import _LOOK, LANES
from wardconsole.ui.patient.charts.patient_charts import Page
from wardconsole.ui.patient.open_windows import PatientWindows
from wardconsole.ui.sessions.day_list import COLUMNS, SessionDayDialog, SessionDayModel
from wardconsole.ui.sessions.session_dialog import NOT_RATED, SessionDialog, SessionForm
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme, theme_state

AFTERNOON = datetime(2026, 11, 26, 15, 10, tzinfo=UTC)


@dataclass
class Ward:
    db: Database
    clock: Clock
    nurse: Actor
    service: SessionService


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sessions") / "demo.sqlite"
    engine = make_engine(migrated_sqlite(path))
    build_demo_ward(Database(engine, clock=Clock(AFTERNOON)))
    engine.dispose()
    return path


@pytest.fixture
def ward(demo_file: Path, tmp_path: Path) -> Iterator[Ward]:
    copy = tmp_path / "ward.sqlite"
    copy.write_bytes(demo_file.read_bytes())
    engine = make_engine(f"sqlite:///{copy}")
    clock = Clock(AFTERNOON)
    db = Database(engine, clock=clock)
    nurse = StaffService(db).actor("rn.okafor", "Nurses' station 1")
    yield Ward(db, clock, nurse, SessionService(db))
    engine.dispose()


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


def _window(ward: Ward) -> MainWindow:
    census = CensusService(ward.db)
    return MainWindow(
        ui_context(
            load_census=census.snapshot,
            open_change_feed=lambda: open_change_feed(ward.db.engine),
            station="Nurses' station 1",
            ward_name=census.ward_name(),
            database_label="SQLite (demo ward)",
            runner=shared_runner(),
            signed_in=ward.nurse,
            sessions=ward.service,
        )
    )


def test_the_form_names_what_is_missing_and_returns_what_the_nurse_chose(
    qtbot, ward: Ward, tmp_path: Path
) -> None:
    dialog = SessionDialog("Aled Abernethy — Bed B04", ward.clock)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.save_button.click()
    assert dialog.result() == 0 and dialog.form is None
    assert dialog.error.text().splitlines() == [
        "Session: choose the kind of session",
        "Attendance: choose attended, declined or left early",
    ]
    dialog.session_type.setCurrentIndex(dialog.session_type.findData("key_worker"))
    dialog.attendance.button(2).click()  # Declined
    assert dialog.chosen_attendance() is Attendance.DECLINED
    assert not dialog.craving_after.isEnabled()
    dialog.attendance.button(1).click()  # attended after all
    assert dialog.craving_after.isEnabled()
    dialog.led_by.setText("Adaeze Okafor")
    dialog.craving_before.setValue(6)
    dialog.craving_after.setValue(3)
    dialog.note.setPlainText("Talked through the weekend plan")
    assert dialog.error.isHidden()  # the problems were put right
    grab_widget(dialog, _shots(tmp_path) / "session-dialog.png")
    dialog.save_button.click()
    form = dialog.form
    assert form is not None and dialog.result() == 1, dialog.error.text()
    assert (form.session_type, form.attendance, form.led_by) == (
        SessionType.KEY_WORKER,
        Attendance.ATTENDED,
        "Adaeze Okafor",
    )
    assert (form.craving_before, form.craving_after, form.ended_at) == (6, 3, None)
    assert form.started_at == ward.clock.now - timedelta(minutes=45)


def test_a_craving_box_left_alone_is_not_rated(qtbot, ward: Ward) -> None:
    dialog = SessionDialog("Bed B01", ward.clock)
    qtbot.addWidget(dialog)
    assert dialog.craving_before.value() == NOT_RATED
    assert dialog.craving_before.text() == "not rated"


def test_ctrl_shift_s_records_a_session_for_the_selected_patient(
    qtbot, ward: Ward, monkeypatch, tmp_path: Path
) -> None:
    window = _window(ward)
    qtbot.addWidget(window)
    asked: list[str] = []
    started = ward.clock.now - timedelta(hours=1)

    def ask(cls, parent, title, clock):
        asked.append(title)
        return SessionForm(
            SessionType.GROUP, Attendance.LEFT_EARLY, started, None, "Therapy team", 5, 4, ""
        )

    monkeypatch.setattr(SessionDialog, "ask", classmethod(ask))
    try:
        window.show()
        qtbot.waitUntil(lambda: window.snapshot is not None)
        row = window.snapshot.rows[0]
        assert window.census_view.select_admission(row.admission_id)
        window.census_view.setFocus()
        qtbot.keyClick(
            window.census_view,
            Qt.Key.Key_S,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        qtbot.waitUntil(lambda: "Session saved" in window.statusBar().currentMessage())
        assert asked == [f"{row.patient_name} — Bed {row.bed}"]
        assert "Group therapy — left early" in window.statusBar().currentMessage()
        newest = HistoryService(ward.db).entries(row.admission_id, types=("session",))[0]
        assert newest.taken_at == started and newest.recorded_by == ward.nurse.display_name
        assert (newest.values["craving_before"], newest.values["craving_after"]) == (5, 4)
        menus = [a.text() for a in window.menuBar().actions()]
        assert "Se&ssions" in menus
        grab_census(window, _shots(tmp_path) / "census-sessions-menu.png")
    finally:
        window.shutdown()


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_sessions_today_lists_who_has_had_no_1to1_first(
    qtbot, qtmodeltester, ward: Ward, theme: Theme, tmp_path: Path
) -> None:
    apply_theme(QApplication.instance(), theme)  # type: ignore[arg-type]
    runner = TaskRunner()
    dialog = SessionDayDialog(ward.service, ward.nurse, runner)
    qtbot.addWidget(dialog)
    try:
        dialog.resize(1366 - 40, 768 - 80)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.day is not None)
        day = dialog.day
        assert day is not None
        model: SessionDayModel = dialog.model
        qtmodeltester.check(model)
        assert model.columnCount() == len(COLUMNS) and model.rowCount() == len(day.patients)
        without = day.without_contact
        assert 0 < without < len(day.patients)
        contact = [model.index(r, 2).data() for r in range(model.rowCount())]
        assert all(text.startswith("⚠ None") for text in contact[:without])
        assert all(text.startswith("1:1 at ") for text in contact[without:])
        assert f"⚠ {without} with no 1:1 key-worker contact" in dialog.summary.text()
        grab_widget(dialog, _shots(tmp_path) / f"sessions-today-{theme.value}.png")

        dialog.only_without.setChecked(True)
        assert dialog.proxy.rowCount() == without
        # The nurse records a 1:1 for the first patient without one: they leave the filter.
        first = day.patients[0]
        ward.service.record_session(
            ward.nurse,
            first.admission_id,
            session_type="key_worker",
            attendance="attended",
            started_at=ward.clock.now - timedelta(minutes=30),
        )
        dialog.refresh_button.click()
        qtbot.waitUntil(lambda: dialog.day is not day)
        assert dialog.proxy.rowCount() == without - 1
    finally:
        runner.shutdown()


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_the_patient_chart_shows_sessions_on_their_own_lane(
    qtbot, ward: Ward, theme: Theme, tmp_path: Path
) -> None:
    apply_theme(QApplication.instance(), theme)  # type: ignore[arg-type]
    snapshot = CensusService(ward.db).snapshot()
    row = next(r for r in snapshot.rows if ward.service.sessions(r.admission_id))
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(ward.db).series)
    try:
        theme_state().set(theme)
        window = windows.open(row, snapshot)
        window.resize(*SMALLEST_WARD_SCREEN)
        charts = window.charts
        assert charts is not None
        qtbot.waitUntil(lambda: charts.series is not None and not charts.loading, timeout=10_000)
        charts.set_page(Page.WITHDRAWAL)
        sessions = [e for e in charts.series.events if e.kind.startswith("session")]
        assert len(sessions) == len(ward.service.sessions(row.admission_id))
        lane = LANES.index("Session")
        declined = [
            r for r in ward.service.sessions(row.admission_id) if not r.fact.attendance.took_part
        ]
        assert [e.kind for e in sessions].count(EventKind.SESSION_DECLINED) == len(declined)
        assert {_LOOK[e.kind][0] for e in sessions} == {lane}
        charts.set_cursor_time(sessions[-1].at)
        path = grab_widget(window, _shots(tmp_path) / f"patient-sessions-{theme.value}.png")
        assert (QImage(str(path)).width(), QImage(str(path)).height()) == SMALLEST_WARD_SCREEN
    finally:
        windows.close_all()
        runner.shutdown()
