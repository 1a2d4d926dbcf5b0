"""The census window as a nurse uses it."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QStyleOptionViewItem
from ui_context import QuietWard

import wardconsole
from wardconsole.services.escalations import EscalationBoard
from wardconsole.ui import main_window
from wardconsole.ui.census.census_model import CensusColumn
from wardconsole.ui.main_window import MainWindow, about_text
from wardconsole.ui.theme import Theme
from wardconsole.ui.widgets.message_panel import PanelState

from .factories import NOW, FakeWard, census_row, snapshot


def view_beds(window: MainWindow) -> list[str]:
    proxy = window.census_proxy
    return [proxy.index(r, CensusColumn.BED).data() for r in range(proxy.rowCount())]


def test_the_census_loads_off_the_ui_thread_and_shows_every_patient(
    window: MainWindow, ward: FakeWard
) -> None:
    assert ward.load_threads
    assert all(t is not threading.main_thread() for t in ward.load_threads)
    assert window.census_proxy.rowCount() == 17
    assert window.census_view.isVisible()
    assert view_beds(window)[0] == "A1"  # most urgent first


def test_the_summary_strip_counts_the_ward(window: MainWindow) -> None:
    texts = window.summary_strip.texts()
    assert texts["beds"] == "17/20 beds"
    assert texts["escalations"] == "⚠ 7 with open escalations"
    assert texts["overdue"] == "◷ 2 overdue obs"
    assert texts["free_beds"] == "3 free: A5, B4, B8"
    assert texts["freshness"] == f"Data as of {NOW.astimezone():%H:%M:%S}"


def test_the_status_bar_names_the_station_and_database(window: MainWindow) -> None:
    texts = [label.text() for label in window.statusBar().findChildren(QLabel)]
    assert "Station: Nurses' station 1" in texts
    assert "Database: SQLite (test, in memory)" in texts
    assert f"Refreshed {NOW.astimezone():%H:%M:%S}" in texts


def test_an_empty_ward_says_what_to_do_next(make_window, qtbot) -> None:
    window = make_window(FakeWard(snapshot([])))
    panel = window.message_panel
    assert panel.state is PanelState.EMPTY_WARD
    assert panel.isVisible() and not window.census_view.isVisible()
    assert panel.title_text() == "No patients admitted."
    assert "wardconsole --demo" in panel.body_text()
    assert window.summary_strip.texts()["beds"] == "0/20 beds"


def test_enter_opens_the_selected_patient(window: MainWindow, qtbot) -> None:
    window.census_view.setFocus()
    qtbot.keyClick(window.census_view, Qt.Key.Key_Down)  # first row is selected; go to second
    assert window.census_view.selected_admission_id() == 12  # B2
    qtbot.keyClick(window.census_view, Qt.Key.Key_Return)
    patient = window.patient_windows.get(12)
    assert patient is not None and patient.isVisible()
    assert patient.header.texts()["patient_name"] == "Siobhan Quill"
    assert "Siobhan Quill" in patient.windowTitle()


def test_double_click_opens_the_patient(window: MainWindow, qtbot) -> None:
    view = window.census_view
    rect = view.visualRect(window.census_proxy.index(2, CensusColumn.PATIENT))
    # Qt only reports a double-click that follows a press at the same place.
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.patient_windows.get(3) is not None  # A3 is third most urgent


def test_a_change_at_another_station_shows_without_any_action(
    window: MainWindow, ward: FakeWard, qtbot
) -> None:
    loads_before = ward.loads
    ward.census = snapshot([*ward.census.rows, census_row(40, bed="A5", name="Idris Fenwick")])
    ward.feed.push("admission", admission_id=40)
    qtbot.waitUntil(lambda: "A5" in view_beds(window))
    assert window.census_proxy.rowCount() == 18
    assert window.summary_strip.texts()["beds"] == "18/20 beds"
    assert ward.loads == loads_before + 1


def test_the_census_reads_what_the_changes_name_and_everything_when_asked(
    window: MainWindow, ward: FakeWard, qtbot
) -> None:
    """A change from the feed asks for the census read that reads what the changes name (the
    census service notes them as the feed reports them: ``CensusService.watch``); the first
    read and F5 ask for the whole census."""
    qtbot.waitUntil(lambda: ward.feed.opened == 1 and ward.loads >= 1)
    assert ward.whole >= 1  # the first read
    loads_before, whole_before = ward.loads, ward.whole
    ward.feed.push("observation", admission_id=1)
    qtbot.waitUntil(lambda: ward.loads == loads_before + 1)
    assert ward.whole == whole_before  # read as scoped
    window.refresh_action.trigger()  # F5
    qtbot.waitUntil(lambda: ward.loads == loads_before + 2)
    assert ward.whole == whole_before + 1


class _CountedBoards(QuietWard):
    """A quiet ward's escalations that counts the board's reads."""

    def __init__(self, station: str) -> None:
        super().__init__(station)
        self.boards = 0

    def board(self) -> EscalationBoard:
        self.boards += 1
        return super().board()


def test_the_escalation_board_is_read_again_only_for_changes_that_can_touch_it(
    make_window, ward: FakeWard, qtbot
) -> None:
    service = _CountedBoards("Nurses' station 1")
    make_window(ward, escalations=service)
    qtbot.waitUntil(lambda: service.boards >= 1 and ward.feed.opened == 1)
    for topic, read_again in (("observation", False), ("prn", False), ("safety_check", True)):
        boards, loads = service.boards, ward.loads
        ward.feed.push(topic, admission_id=1)
        # The board is asked for with the change, the census after the debounce: one worker.
        qtbot.waitUntil(lambda loads=loads: ward.loads == loads + 1)
        assert service.boards == boards + read_again, topic
    boards, loads = service.boards, ward.loads
    ward.feed.push("ward_policy", admission_id=None)
    qtbot.waitUntil(lambda: ward.loads == loads + 1)
    assert service.boards == boards + 1


def test_a_burst_of_changes_costs_one_reload(window: MainWindow, ward: FakeWard, qtbot) -> None:
    loads_before = ward.loads
    ward.census = replace(ward.census, taken_at=NOW + timedelta(seconds=5))
    for _ in range(10):
        ward.feed.push("observation", admission_id=1)
    qtbot.waitUntil(lambda: window.snapshot.taken_at == ward.census.taken_at)
    assert ward.loads - loads_before <= 2


def test_a_refresh_keeps_the_selected_patient_selected(
    window: MainWindow, ward: FakeWard, qtbot
) -> None:
    window.census_view.select_admission(17)  # B7
    ward.census = replace(ward.census, taken_at=NOW + timedelta(minutes=1))
    window.refresh_action.trigger()  # F5
    qtbot.waitUntil(lambda: window.snapshot.taken_at == ward.census.taken_at)
    assert window.census_view.selected_admission_id() == 17


def test_an_open_patient_window_follows_refreshes_and_discharge(
    window: MainWindow, ward: FakeWard, qtbot
) -> None:
    window.census_view.select_admission(2)
    qtbot.keyClick(window.census_view, Qt.Key.Key_Return)
    patient = window.patient_windows.get(2)
    rows = [
        replace(r, news2_total=5, news2_risk="medium") if r.admission_id == 2 else r
        for r in ward.census.rows
    ]
    ward.census = replace(ward.census, rows=tuple(rows), taken_at=NOW + timedelta(minutes=2))
    window.refresh()
    qtbot.waitUntil(lambda: patient.header.texts()["news2"] == "NEWS2 5  ◆ MED")
    ward.census = snapshot([r for r in ward.census.rows if r.admission_id != 2])
    window.refresh()
    qtbot.waitUntil(lambda: patient.discharged)
    assert "no longer on the ward census" in patient.findChild(QLabel, "patient_notice").text()


def test_ctrl_f_focuses_the_filter_and_esc_clears_it(window: MainWindow, qtbot) -> None:
    window.activateWindow()
    window.find_action.trigger()  # Ctrl+F
    assert window.filter_box.hasFocus()
    qtbot.keyClicks(window.filter_box, "quill")
    assert view_beds(window) == ["B2"]
    qtbot.keyClicks(window.filter_box, "zzz")
    assert window.census_proxy.rowCount() == 0
    assert "No patient matches" in window.findChild(QLabel, "match_count").text()
    qtbot.keyClick(window.filter_box, Qt.Key.Key_Escape)
    assert window.filter_box.text() == ""
    assert window.census_proxy.rowCount() == 17


def test_filter_by_bed_then_enter_goes_to_the_patient(window: MainWindow, qtbot) -> None:
    window.find_action.trigger()
    qtbot.keyClicks(window.filter_box, "A10")
    qtbot.keyClick(window.filter_box, Qt.Key.Key_Return)
    assert window.census_view.selected_admission_id() == 10
    qtbot.keyClick(window.census_view, Qt.Key.Key_Return)
    assert window.patient_windows.get(10).isVisible()


def test_the_find_shortcut_is_ctrl_f(window: MainWindow) -> None:
    assert window.find_action.shortcut().toString() == "Ctrl+F"
    assert window.refresh_action.shortcut().toString() == "F5"


def test_database_down_at_start_says_so(make_window, qtbot) -> None:
    ward = FakeWard()
    ward.failure = ConnectionError("could not connect to server")
    window = make_window(ward, wait_for_census=False)
    qtbot.waitUntil(lambda: window.message_panel.state is PanelState.UNAVAILABLE)
    assert window.message_panel.title_text() == "Cannot reach the ward database."
    assert "could not connect" in window.message_panel.body_text()
    assert window.summary_strip.texts()["connection_banner"].startswith(
        "Database unavailable — no data yet"
    )


def test_database_lost_later_keeps_the_last_census_and_says_how_old(
    window: MainWindow, ward: FakeWard, qtbot
) -> None:
    ward.failure = ConnectionError("server closed the connection unexpectedly")
    window.refresh()
    qtbot.waitUntil(lambda: window.summary_strip.database_unavailable)
    texts = window.summary_strip.texts()
    assert texts["connection_banner"].startswith(
        f"Database unavailable — showing data from {NOW.astimezone():%H:%M}."
    )
    assert texts["freshness"] == f"⚠ Data from {NOW.astimezone():%H:%M}"
    assert window.census_proxy.rowCount() == 17  # still showing what we had
    ward.failure = None
    window.refresh()
    qtbot.waitUntil(lambda: not window.summary_strip.database_unavailable)
    assert window.summary_strip.texts()["connection_banner"] == ""


def test_a_lost_change_feed_is_shown(window: MainWindow, ward: FakeWard, qtbot) -> None:
    ward.feed.down = True
    qtbot.waitUntil(lambda: window.summary_strip.database_unavailable)
    ward.feed.down = False
    qtbot.waitUntil(lambda: not window.summary_strip.database_unavailable, timeout=10_000)


def test_night_theme_is_remembered(make_window, ward: FakeWard, qtbot) -> None:
    first = make_window(ward)
    assert first.theme is Theme.DAY
    first.night_action.trigger()
    assert first.theme is Theme.NIGHT
    window_colour = QApplication.instance().palette().window().color()
    assert window_colour.lightness() < 60
    first.close()
    assert QSettings().value("ui/theme") == "night"

    second = make_window(ward)
    assert second.theme is Theme.NIGHT
    assert second.night_action.isChecked()
    second.night_action.trigger()
    assert QSettings().value("ui/theme") == "day"


def test_column_widths_and_sort_are_remembered(make_window, ward: FakeWard) -> None:
    first = make_window(ward)
    header = first.census_view.horizontalHeader()
    header.resizeSection(CensusColumn.ESCALATION, 333)
    header.setSortIndicator(CensusColumn.BED, Qt.SortOrder.AscendingOrder)
    first.close()

    second = make_window(ward)
    header = second.census_view.horizontalHeader()
    assert header.sectionSize(CensusColumn.ESCALATION) == 333
    assert view_beds(second)[:3] == ["A1", "A2", "A3"]
    second.sort_urgent_action.trigger()
    assert view_beds(second)[:3] == ["A1", "B2", "A3"]


def test_about_names_the_version() -> None:
    assert wardconsole.__version__ in about_text()


def test_closing_stops_background_work(window: MainWindow, ward: FakeWard) -> None:
    window.close()
    assert not window._watcher.running
    loads = ward.loads
    window.refresh()
    assert ward.loads == loads


def test_a_narrow_escalation_column_never_hides_the_more_count(window: MainWindow) -> None:
    view = window.census_view
    view.horizontalHeader().resizeSection(CensusColumn.ESCALATION, 160)
    index = window.census_proxy.index(1, CensusColumn.ESCALATION)  # B2: emergency +2
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    view.itemDelegate().initStyleOption(option, index)
    assert option.text.startswith("▲ EMERGE"), option.text
    assert option.text.endswith("+2")
    assert "…" in option.text


def test_the_census_refreshes_on_its_own_so_times_stay_true(
    make_window, ward: FakeWard, qtbot, monkeypatch
) -> None:
    monkeypatch.setattr(main_window, "REFRESH_INTERVAL_MS", 50)
    window = make_window(ward)
    ward.census = replace(ward.census, taken_at=NOW + timedelta(minutes=10))
    qtbot.waitUntil(lambda: window.snapshot.taken_at == ward.census.taken_at)
    a1 = window.census_model.row_of_admission(1)
    assert window.census_model.index(a1, CensusColumn.LAST_OBS).data() == "45 min ago"
    assert window.census_model.index(a1, CensusColumn.NEXT_DUE).data() == "in 15 min"


def test_after_sign_in_the_keyboard_is_on_the_census_once_it_has_loaded(
    make_window, ward, qtbot
) -> None:
    """Signed in, a nurse presses Return to open the first patient: while 'Loading…' showed,
    the keyboard had gone to the filter box and stayed there, so Return only re-selected the
    first row and opened nothing."""
    window = make_window(ward, wait_for_census=False)
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.waitUntil(lambda: window.snapshot is not None and window.census_view.isVisible())
    qtbot.waitUntil(window.census_view.hasFocus)
    qtbot.keyClick(window.census_view, Qt.Key.Key_Return)
    first = window.census_view.selected_admission_id()
    assert first is not None
    patient = window.patient_windows.get(first)
    assert patient is not None and patient.isVisible()
