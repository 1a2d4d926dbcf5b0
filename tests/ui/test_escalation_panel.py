"""The escalation panel as a nurse uses it: see, own, act, resolve, snooze, decide not to."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from screenshots import cut_texts, fits_smallest_frame, grab_widget, over_window, size_problems
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationState, Severity
from wardconsole.services.escalations import EscalationService
from wardconsole.ui.escalations import dialogs
from wardconsole.ui.escalations.escalation_model import (
    EVENT_ROLE,
    EscalationTrailModel,
    WardEscalationColumn,
    WardEscalationModel,
)
from wardconsole.ui.escalations.panel import EscalationPanel
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.theme import Theme

from .escalation_fakes import (
    COLLEAGUE_PASSWORD,
    SICK,
    UNWELL,
    Station,
    Ward,
    deterioration,
    fake_clock,
)


@pytest.fixture
def clock() -> Clock:
    return fake_clock()


@pytest.fixture
def ward(tmp_path: Path, clock: Clock) -> Iterator[Ward]:
    from wardconsole.store.engine import make_engine

    url = migrated_sqlite(tmp_path / "ward.sqlite")
    engine = make_engine(url)
    engine.dispose()
    ward = Ward(url, clock)
    for bed, given, family in (("A1", "Maya", "Thornbury"), ("A2", "Dominic", "Ashgrove")):
        ward.stations[0].record(ward.admit(bed, given, family), NORMAL_SET)  # nothing overdue
    yield ward
    ward.close()


@pytest.fixture
def open_window(qtbot) -> Iterator[Callable[[Station], MainWindow]]:
    windows: list[MainWindow] = []

    def open_(station: Station) -> MainWindow:
        window = MainWindow(station.context())
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        assert window.escalations is not None
        qtbot.waitUntil(lambda: window.escalations.board is not None)
        return window

    yield open_
    for window in windows:
        window.shutdown()


def open_dialog(qtbot, panel: EscalationPanel, button) -> dialogs.EscalationDialog:
    """Click an action button; the (non-modal) dialog it opens, focus in its first field."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible())
    assert panel.dialog is not None
    assert panel.dialog.focusWidget() is panel.dialog.first_field()
    return panel.dialog


def answer(qtbot, panel: EscalationPanel, button, text: str) -> None:
    """Open the dialog, type at once (no click into a field) and press Return."""
    dialog = open_dialog(qtbot, panel, button)
    qtbot.keyClicks(dialog.focusWidget(), text)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.dialog is None)


def panel_of(window: MainWindow) -> EscalationPanel:
    assert window.escalation_panel is not None
    return window.escalation_panel


def rows(window: MainWindow) -> list[dict[str, str]]:
    model = panel_of(window).table.model()
    return [
        {column.title: model.index(r, column).data() for column in WardEscalationColumn}
        for r in range(model.rowCount())
    ]


def trail(window: MainWindow) -> list[tuple[str, str | None, str, str]]:
    """(action, who, station, detail) of each line of the selected escalation's trail."""
    model = panel_of(window).trail.model()
    events = [model.index(r, 0).data(EVENT_ROLE) for r in range(model.rowCount())]
    return [(e.action, e.staff, e.station, e.detail) for e in events]


def trail_text(window: MainWindow) -> list[str]:
    model = panel_of(window).trail.model()
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_models_pass_the_model_tester(qtmodeltester, ward: Ward, clock: Clock) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    board = station.service.board()
    model = WardEscalationModel(cascade=("Nurse in charge", "On-call doctor"))
    model.set_escalations(board.escalations, clock.now)
    qtmodeltester.check(model, force_py=True)
    trail_model = EscalationTrailModel()
    trail_model.set_trail(board.escalations[0].id, station.service.trail(board.escalations[0].id))
    qtmodeltester.check(trail_model, force_py=True)


def test_the_panel_lists_open_escalations_most_severe_then_oldest(
    qtbot, ward: Ward, clock: Clock, open_window
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[1], UNWELL)  # urgent, older
    clock.advance(minutes=3)
    station.record(ward.admissions[0], SICK)  # emergency, newer
    clock.advance(minutes=12)
    window = open_window(station)
    qtbot.waitUntil(lambda: len(rows(window)) == 2)
    first, second = rows(window)
    assert (first["Severity"], first["Bed"], first["Patient"], first["Concern"]) == (
        "▲ EMERGENCY",
        "A1",
        "Maya Thornbury",
        "Deterioration",
    )
    assert first["Age"] == "12 min" and second["Age"] == "15 min"
    assert first["Status"] == "Not acknowledged"
    assert "NEWS2" in first["Why"]
    assert second["Severity"] == "◆ URGENT" and second["Bed"] == "A2"
    panel = panel_of(window)
    assert panel.title == "Escalations — 2 open, 2 not acknowledged"
    assert window.escalation_dock.windowTitle() == panel.title
    # The age moves on with the ward clock, without a reload.
    clock.advance(minutes=5)
    window.escalations._on_tick()
    assert rows(window)[0]["Age"] == "17 min"


def test_raised_acknowledged_action_resolved_with_its_trail(
    qtbot, ward: Ward, clock: Clock, open_window, monkeypatch
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    qtbot.waitUntil(lambda: [t[0] for t in trail(window)] == ["raised"])

    assert panel.acknowledge_button.isEnabled()
    qtbot.mouseClick(panel.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(window)[0]["Status"].startswith("Acknowledged by Ash Nurse"))
    assert not panel.acknowledge_button.isEnabled()
    assert "Acknowledged" in panel.notice.text()

    dialog = open_dialog(qtbot, panel, panel.action_button)
    qtbot.keyClicks(dialog.focusWidget(), "Dr Iyer coming")
    dialog.preset.setCurrentText("Doctor called")
    qtbot.keyClick(dialog.details, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(trail(window)) == 3)

    esc_id = panel.selected().id
    answer(qtbot, panel, panel.resolve_button, "Reviewed, antibiotics started")
    qtbot.waitUntil(lambda: rows(window) == [])
    assert panel.empty_label.isVisible()
    assert panel.empty_label.text() == "No open escalations on the ward."
    events = EscalationService(station.db).trail(esc_id)
    assert [(e.action, e.staff, e.station, e.detail) for e in events] == [
        ("raised", "Ash Nurse", "Station A", events[0].detail),
        ("acknowledged", "Ash Nurse", "Station A", ""),
        ("action", "Ash Nurse", "Station A", "Doctor called — Dr Iyer coming"),
        ("resolved", "Ash Nurse", "Station A", "Reviewed, antibiotics started"),
    ]


def test_the_trail_shows_who_when_and_from_which_station(
    qtbot, ward: Ward, clock: Clock, open_window
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    qtbot.mouseClick(panel.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(trail(window)) == 2)
    assert trail(window)[1] == ("acknowledged", "Ash Nurse", "Station A", "")
    local = clock.now.astimezone()
    assert trail_text(window)[1] == f"{local:%a %H:%M}  Acknowledged — Ash Nurse, Station A"
    digest = station.db.policy_digest[:8]
    assert trail_text(window)[0].startswith(
        f"{local:%a %H:%M}  Raised — Ash Nurse, Station A  [policy {digest}]\n"
    )


def test_an_emergency_is_declined_only_with_a_colleague_who_signs_in(
    qtbot, ward: Ward, open_window
) -> None:
    station = ward.stations[0]
    ward.station("Station B", "rn.bea", "Bea Second")
    station.record(ward.admissions[0], SICK)  # an emergency
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    esc_id = panel.selected().id
    dialog = open_dialog(qtbot, panel, panel.decline_button)
    assert (
        "only with a second member of staff"
        in dialog.findChild(QLabel, "second_person_note").text()
    )
    qtbot.keyClicks(dialog.reason, "Known baseline")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.isVisible() and "Staff ID" in dialog.error.text()  # nobody confirmed yet
    qtbot.keyClicks(dialog.second_staff_id, "rn.bea")
    qtbot.keyClicks(dialog.second_password, "wrong password")
    qtbot.keyClick(dialog.second_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not recognised" in panel.notice.text())
    assert EscalationService(station.db).get(esc_id).state is EscalationState.OPEN

    dialog = open_dialog(qtbot, panel, panel.decline_button)
    qtbot.keyClicks(dialog.reason, "Known baseline")
    qtbot.keyClicks(dialog.second_staff_id, "rn.bea")
    qtbot.keyClicks(dialog.second_password, COLLEAGUE_PASSWORD)
    qtbot.keyClick(dialog.second_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: rows(window) == [])
    last = EscalationService(station.db).trail(esc_id)[-1]
    assert (last.action, last.staff, last.confirmed_by) == (
        "not_escalated",
        "Ash Nurse",
        "Bea Second",
    )


def test_a_snooze_needs_a_reason_is_on_the_trail_and_the_alarm_returns(
    qtbot, ward: Ward, clock: Clock, open_window, monkeypatch
) -> None:
    station = ward.stations[0]
    # Urgent: an emergency is snoozed only with a second member of staff.
    station.record(ward.admissions[0], UNWELL)
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: window.alert_banner.isVisible())
    dialog = open_dialog(qtbot, panel, panel.snooze_button)
    offered = [dialog.minutes.itemData(i) for i in range(dialog.minutes.count())]
    assert offered == [5, 10, 15, 20, 30]  # capped at the policy's 30 min
    qtbot.keyClicks(dialog.focusWidget(), "Doctor already at the bedside")
    dialog.minutes.setCurrentIndex(1)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: rows(window)[0]["Status"] == "Snoozed, 10 min left · not acknowledged")
    qtbot.waitUntil(lambda: trail(window)[-1][0] == "snoozed")  # the trail is read after
    assert trail(window)[-1] == (
        "snoozed",
        "Ash Nurse",
        "Station A",
        "10 min: Doctor already at the bedside",
    )
    assert trail_text(window)[-1].endswith(
        "Snoozed — Ash Nurse, Station A\n10 min: Doctor already at the bedside"
    )
    assert not window.alert_banner.isVisible()
    played = len(station.sound.played)

    clock.advance(minutes=10)
    window.escalations._on_tick()
    assert window.alert_banner.isVisible()
    assert len(station.sound.played) == played + 1


def test_deciding_not_to_escalate_is_logged_with_the_reason(
    qtbot, ward: Ward, open_window, monkeypatch
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], UNWELL)  # urgent (see the snooze test)
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    esc_id = panel.selected().id
    answer(qtbot, panel, panel.decline_button, "Known baseline; doctor aware")
    qtbot.waitUntil(lambda: rows(window) == [])
    info = EscalationService(station.db).get(esc_id)
    assert info.state is EscalationState.RESOLVED
    assert info.outcome == "Not escalated: Known baseline; doctor aware"
    last = EscalationService(station.db).trail(esc_id)[-1]
    assert (last.action, last.staff, last.detail) == (
        "not_escalated",
        "Ash Nurse",
        "Known baseline; doctor aware",
    )


def test_cancelling_a_dialog_changes_nothing(qtbot, ward: Ward, open_window, monkeypatch) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    dialog = open_dialog(qtbot, panel, panel.resolve_button)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)  # nothing typed: closes at once
    qtbot.waitUntil(lambda: panel.dialog is None)
    assert not window.escalations.busy
    assert deterioration(station).state is EscalationState.OPEN


def test_another_station_acknowledging_first_is_named_and_the_list_refreshes(
    qtbot, ward: Ward, open_window
) -> None:
    a = ward.stations[0]
    b = ward.station("Station B", "rn.sam", "Sam Other")
    a.record(ward.admissions[0], SICK)
    window = open_window(a)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    seen = panel.selected()
    b.service.acknowledge(
        b.nurse, seen.id, seen.version
    )  # before station A's change feed reports it
    qtbot.mouseClick(panel.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Sam Other already acknowledged" in panel.notice.text())
    assert panel.notice.property("tone") == "alert"
    assert "Deterioration, bed A1" in panel.notice.text()
    qtbot.waitUntil(lambda: rows(window)[0]["Status"].startswith("Acknowledged by Sam Other"))


def test_a_database_failure_says_nothing_was_saved(
    qtbot, ward: Ward, open_window, monkeypatch
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)

    def down(*_args: object) -> None:
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr(window.escalations.service, "acknowledge", down)
    qtbot.mouseClick(panel.acknowledge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Nothing was changed; try again" in panel.notice.text())
    assert "server closed the connection" in panel.notice.text()
    qtbot.waitUntil(lambda: panel.acknowledge_button.isEnabled())


def test_severity_shows_shape_and_words_not_colour_alone(qtbot, ward: Ward, open_window) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    qtbot.waitUntil(lambda: len(rows(window)) == 1)
    model = panel_of(window).table.model()
    index = model.index(0, WardEscalationColumn.SEVERITY)
    assert index.data() == "▲ EMERGENCY"
    assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert Severity.EMERGENCY.label.upper() in index.data()


# -- the dialogs, driven from the keyboard -----------------------------------------------------


def _escalation(ward: Ward):
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    return deterioration(station)


def test_resolving_needs_an_outcome(qtbot, ward: Ward) -> None:
    dialog = dialogs.ResolveDialog(_escalation(ward))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog.outcome, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.error.text() == "Outcome: say how the escalation ended."
    qtbot.keyClicks(dialog.outcome, "Reviewed by doctor, NEWS2 now 3")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.outcome, Qt.Key.Key_Return)


def test_recording_an_action_needs_words_or_a_common_action(qtbot, ward: Ward) -> None:
    dialog = dialogs.RecordActionDialog(_escalation(ward))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.text() == ""  # nothing presumed: no common action is chosen for the nurse
    qtbot.keyClick(dialog.details, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.error.text() == "What was done: type it, or choose a common action."
    qtbot.keyClicks(dialog.details, "Moved to side room")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.details, Qt.Key.Key_Return)
    assert dialog.text() == "Moved to side room"


def test_snooze_dialog_offers_only_up_to_the_policy_maximum_and_needs_a_reason(
    qtbot, ward: Ward
) -> None:
    dialog = dialogs.SnoozeDialog(_escalation(ward), (5, 10, 15, 20, 30))
    qtbot.addWidget(dialog)
    dialog.show()
    items = [dialog.minutes.itemText(i) for i in range(dialog.minutes.count())]
    assert items[-1] == "30 min"
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.error.text() == "Reason: a snooze needs a reason."
    qtbot.keyClicks(dialog.reason, "Patient asleep, breathing normally")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)


def test_not_escalating_needs_a_reason(qtbot, ward: Ward) -> None:
    dialog = dialogs.NotEscalatingDialog(_escalation(ward))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.error.text() == "Reason: say why this does not need escalating."
    assert dialog.isVisible()


def test_ages_are_elapsed_time_across_a_clock_change(ward: Ward) -> None:
    """Raised at 00:59 GMT, seen at 02:01 BST on 29 March 2026: two minutes, not 62."""
    from dataclasses import replace
    from datetime import datetime
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    raised = datetime(2026, 3, 29, 0, 59, tzinfo=london)
    seen = datetime(2026, 3, 29, 2, 1, tzinfo=london)
    escalation = replace(deterioration(station), raised_at=raised.astimezone(UTC))
    model = WardEscalationModel()
    model.set_escalations((escalation,), seen.astimezone(UTC))
    assert model.index(0, WardEscalationColumn.AGE).data() == "2 min"


# -- keyboard paths that cannot record the wrong thing -------------------------------------------


@pytest.mark.parametrize(
    "button_name", ["action_button", "resolve_button", "snooze_button", "decline_button"]
)
def test_typing_at_once_goes_into_the_first_field_and_return_saves_it(
    qtbot, ward: Ward, open_window, button_name: str
) -> None:
    """'Dr Iyer attending' typed straight after opening: every character in the text field, and
    Return records exactly that — never a preset, never the census filter."""
    station = ward.stations[0]
    station.record(ward.admissions[0], UNWELL)  # urgent: no second person needed
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    escalation_id = panel.selected().id
    dialog = open_dialog(qtbot, panel, getattr(panel, button_name))
    qtbot.keyClicks(dialog.focusWidget(), "Dr Iyer attending")
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.dialog is None)
    qtbot.waitUntil(lambda: not window.escalations.busy)
    qtbot.waitUntil(lambda: len(EscalationService(station.db).trail(escalation_id)) == 2)
    events = EscalationService(station.db).trail(escalation_id)
    assert events[-1].detail.endswith("Dr Iyer attending")
    if button_name == "action_button":
        assert events[-1].detail == "Dr Iyer attending"
    assert window.filter_box.text() == ""


def test_ctrl_return_saves_from_anywhere_in_the_dialog(qtbot, ward: Ward, open_window) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], UNWELL)
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    dialog = open_dialog(qtbot, panel, panel.snooze_button)
    qtbot.keyClicks(dialog.focusWidget(), "Patient asleep, breathing normally")
    dialog.minutes.setFocus()
    qtbot.keyClick(dialog.minutes, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.dialog is None)
    qtbot.waitUntil(lambda: rows(window)[0]["Status"].startswith("Snoozed, 5 min left"))


def test_closing_with_typed_text_asks_inside_the_dialog_and_keeps_it(
    qtbot, ward: Ward, open_window
) -> None:
    """Esc, Cancel, Tab + Return on Cancel: typed words are never dropped without a word."""
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    escalation_id = panel.selected().id
    dialog = open_dialog(qtbot, panel, panel.action_button)
    qtbot.keyClicks(dialog.focusWidget(), "Dr Iyer attending")

    qtbot.keyClick(dialog.details, Qt.Key.Key_Escape)
    assert dialog.isVisible() and dialog.discard_bar.isVisible()
    assert dialog.discard_label.text() == "What you typed is not saved. Discard it?"
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)  # Esc again: keep editing
    assert not dialog.discard_bar.isVisible()
    assert dialog.focusWidget() is dialog.details and dialog.details.text() == "Dr Iyer attending"

    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    cancel.setFocus()  # where Tab would leave it
    qtbot.keyClick(cancel, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.discard_bar.isVisible()
    dialog.close()  # the window's close button
    assert dialog.isVisible()
    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.dialog is None)
    assert [e.action for e in EscalationService(station.db).trail(escalation_id)] == ["raised"]


def test_the_banner_answers_a_click_while_a_dialog_is_open_and_the_text_stays(
    qtbot, ward: Ward, open_window
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[1], UNWELL)  # urgent, Dominic Ashgrove
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    urgent = panel.selected()
    dialog = open_dialog(qtbot, panel, panel.action_button)
    qtbot.keyClicks(dialog.focusWidget(), "Observations repeated at 02:10")

    station.record(ward.admissions[0], SICK)  # a new emergency rings while she types
    window.escalations.refresh()
    qtbot.waitUntil(
        lambda: (
            window.alert_banner.alarm is not None
            and window.alert_banner.alarm.escalation.severity is Severity.EMERGENCY
        )
    )
    qtbot.mouseClick(window.alert_banner.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.selected() is not None and panel.selected().id != urgent.id)
    assert panel.selected().severity is Severity.EMERGENCY
    assert dialog.isVisible() and not dialog.discard_bar.isVisible()
    assert dialog.details.text() == "Observations repeated at 02:10"
    qtbot.keyClick(dialog.details, Qt.Key.Key_Return)  # saved on its own escalation
    qtbot.waitUntil(lambda: panel.dialog is None)
    qtbot.waitUntil(lambda: len(EscalationService(station.db).trail(urgent.id)) == 2)
    assert EscalationService(station.db).trail(urgent.id)[-1].detail == (
        "Observations repeated at 02:10"
    )


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_screenshots_of_the_escalation_dialogs(
    qtbot, ward: Ward, open_window, theme: Theme, tmp_path: Path
) -> None:
    """Each dialog as a nurse first sees it (focus in the first field) and with the discard
    question; set WARDCONSOLE_SHOT_DIR to keep the pictures."""
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    station = ward.stations[0]
    station.record(ward.admissions[0], UNWELL)
    window = open_window(station)
    window.set_theme(theme)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    for name in ("action_button", "resolve_button", "snooze_button", "decline_button"):
        dialog = open_dialog(qtbot, panel, getattr(panel, name))
        qtbot.keyClicks(dialog.focusWidget(), "Dr Iyer attending")
        grab_widget(dialog, shots / f"escalation-{name[:-7]}-{theme.value}.png")
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
        assert dialog.discard_bar.isVisible()
        grab_widget(dialog, shots / f"escalation-{name[:-7]}-discard-{theme.value}.png")
        qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.dialog is None)
    window.set_theme(Theme.DAY)


# -- Alt+A: the alarm on the banner, never silently another ------------------------------------


def _alt_a(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window.census_view, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)


def test_alt_a_acknowledges_the_banner_alarm_and_says_so_for_seconds(
    qtbot, ward: Ward, open_window
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    qtbot.waitUntil(lambda: window.alert_banner.alarm is not None)
    banner = window.alert_banner.alarm.escalation
    _alt_a(qtbot, window)
    acknowledger = window.alarm_acknowledger
    assert acknowledger is not None and acknowledger.question is None  # nothing to ask
    qtbot.waitUntil(lambda: acknowledger.feedback.isVisible())
    assert acknowledger.feedback.text() == (
        "Acknowledged: Bed A1, Maya Thornbury, deterioration — emergency"
    )
    assert acknowledger.feedback_timer.isActive()
    assert acknowledger.feedback_timer.interval() >= 5_000
    assert EscalationService(station.db).get(banner.id).state is EscalationState.ACKNOWLEDGED
    qtbot.waitUntil(lambda: not window.alert_banner.isVisible())
    assert acknowledger.feedback.isVisible()  # the banner went; the words stay


def test_alt_a_asks_when_the_panel_has_another_alarm_selected(
    qtbot, ward: Ward, open_window
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[1], UNWELL)  # urgent, Dominic Ashgrove
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    urgent = panel.selected()
    station.record(ward.admissions[0], SICK)  # a new emergency on the banner
    window.escalations.refresh()
    qtbot.waitUntil(
        lambda: (
            window.alert_banner.alarm is not None
            and window.alert_banner.alarm.escalation.severity is Severity.EMERGENCY
        )
    )
    emergency = window.alert_banner.alarm.escalation
    assert panel.selected().id == urgent.id  # the nurse's selection did not move

    _alt_a(qtbot, window)
    acknowledger = window.alarm_acknowledger
    qtbot.waitUntil(lambda: acknowledger.question is not None and acknowledger.question.isVisible())
    question = acknowledger.question
    assert "Bed A1, Maya Thornbury, deterioration — emergency" in question.text()
    assert "Bed A2, Dominic Ashgrove, deterioration — urgent" in question.text()
    assert question.defaultButton().text() == "Banner: Bed A1, Maya Thornbury"
    service = EscalationService(station.db)
    assert service.get(emergency.id).state is EscalationState.OPEN  # nothing until answered
    qtbot.mouseClick(question.defaultButton(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: service.get(emergency.id).state is EscalationState.ACKNOWLEDGED)
    assert service.get(urgent.id).state is EscalationState.OPEN
    qtbot.waitUntil(lambda: acknowledger.feedback.text().startswith("Acknowledged: Bed A1"))


def test_an_overdue_follow_up_shows_a_discharged_patient_without_their_old_bed(
    qtbot, ward: Ward, clock: Clock, open_window
) -> None:
    from wardconsole.services.discharge import DischargeService

    station = ward.stations[0]
    service = DischargeService(station.db)
    gone = ward.admissions[1]
    service.discharge(
        station.nurse, gone, destination="outpatient_programme", summary=service.draft(gone).text
    )
    clock.advance(hours=72, minutes=5)
    station.record(ward.admissions[0], NORMAL_SET)  # the patient still here: nothing due
    EscalationService(station.db).evaluate_ward(station.nurse)
    window = open_window(station)
    qtbot.waitUntil(lambda: len(rows(window)) == 1)
    [row] = rows(window)
    assert (row["Severity"], row["Bed"], row["Patient"], row["Concern"]) == (
        "● ADVISORY",
        "—",
        "Dominic Ashgrove",
        "Follow-up overdue",
    )
    assert row["Why"].startswith("Follow-up contact overdue since Sat 28 Nov 2026 22:00")
    model = panel_of(window).table.model()
    bed_tip = model.index(0, WardEscalationColumn.BED).data(Qt.ItemDataRole.ToolTipRole)
    assert bed_tip == "Discharged: no longer on the ward (was in bed A2)"
    panel = panel_of(window)
    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: "Discharged · Dominic Ashgrove" in panel.selected_label.text())
    assert "Bed A2" not in panel.selected_label.text()
    # The census's tile counts the patient who left too, rather than read "No open escalations".
    assert "⚠ 1 after discharge" in [label.text() for label in window.findChildren(QLabel)]
    if "WARDCONSOLE_SHOT_DIR" in os.environ:
        window.resize(1366, 768)
        grab_widget(window, Path(os.environ["WARDCONSOLE_SHOT_DIR"]) / "follow-up-overdue.png")


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_each_escalation_dialog_is_read_whole_over_the_census_at_1366(
    qtbot, ward: Ward, open_window: Callable[[Station], MainWindow], theme: Theme, tmp_path: Path
) -> None:
    escalation = _escalation(ward)
    window = open_window(ward.stations[0])
    window.set_theme(theme)
    window.resize(*fits_smallest_frame())
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    made = {
        "record-action": dialogs.RecordActionDialog(escalation, window),
        "resolve": dialogs.ResolveDialog(escalation, window),
        # The longest forms: an emergency silenced only with a second member of staff.
        "snooze": dialogs.SnoozeDialog(escalation, (5, 10, 15, 20, 30), window, second_person=True),
        "not-escalating": dialogs.NotEscalatingDialog(escalation, window, second_person=True),
    }
    for name, dialog in made.items():
        dialog.show()
        qtbot.waitUntil(dialog.isVisible)
        over_window(window, dialog, shots / f"escalation-{name}-{theme.value}.png")
        assert size_problems(dialog) == [], name
        assert cut_texts(dialog) == [], name
        dialog.reject()


def test_a_new_escalation_never_takes_the_keyboard_from_the_census_or_the_filter(
    qtbot, ward: Ward, open_window
) -> None:
    """Keyboard first: the list refreshing itself (a new alarm, another station's change) kept
    the nurse's selection by selecting it again — and moved the keyboard into the list, so
    Return on the census opened nothing and typed filter text went into the list."""
    station = ward.stations[0]
    station.record(ward.admissions[1], UNWELL)
    window = open_window(station)
    window.activateWindow()
    qtbot.waitActive(window)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    for keeper in (window.census_view, window.filter_box):
        keeper.setFocus(Qt.FocusReason.OtherFocusReason)
        qtbot.waitUntil(keeper.hasFocus)
        before = len(rows(window))
        station.record(ward.admissions[0], SICK if keeper is window.census_view else UNWELL)
        window.escalations.refresh()
        qtbot.waitUntil(lambda b=before: len(rows(window)) > b or panel.selected() is not None)
        qtbot.wait(200)  # the list's reset and re-selection have run
        assert keeper.hasFocus(), QApplication.focusWidget()
    # Asked for on purpose (the banner's Show ▸), the list does take the keyboard.
    window.show_escalation(panel.selected().id)
    qtbot.waitUntil(panel.table.hasFocus)
