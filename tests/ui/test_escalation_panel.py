"""The escalation panel as a nurse uses it: see, own, act, resolve, snooze, decide not to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from PySide6.QtCore import Qt
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

from .escalation_fakes import SICK, UNWELL, Station, Ward, deterioration, fake_clock


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
    board = station.desk.board()
    model = WardEscalationModel(cascade=("Nurse in charge", "On-call doctor"))
    model.set_escalations(board.escalations, clock.now)
    qtmodeltester.check(model, force_py=True)
    trail_model = EscalationTrailModel()
    trail_model.set_trail(board.escalations[0].id, station.desk.trail(board.escalations[0].id))
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

    monkeypatch.setattr(
        dialogs.RecordActionDialog,
        "ask",
        classmethod(lambda cls, parent, e: "Doctor called — Dr Iyer coming"),
    )
    qtbot.mouseClick(panel.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(trail(window)) == 3)

    monkeypatch.setattr(
        dialogs.ResolveDialog,
        "ask",
        classmethod(lambda cls, parent, e: "Reviewed, antibiotics started"),
    )
    esc_id = panel.selected().id
    qtbot.mouseClick(panel.resolve_button, Qt.MouseButton.LeftButton)
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
    assert trail_text(window)[0].startswith(f"{local:%a %H:%M}  Raised — Ash Nurse, Station A\n")


def test_a_snooze_needs_a_reason_is_on_the_trail_and_the_alarm_returns(
    qtbot, ward: Ward, clock: Clock, open_window, monkeypatch
) -> None:
    station = ward.stations[0]
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: window.alert_banner.isVisible())
    offered: list[tuple[int, ...]] = []

    def ask(cls, parent, escalation, choices):
        offered.append(choices)
        return 10, "Doctor already at the bedside"

    monkeypatch.setattr(dialogs.SnoozeDialog, "ask", classmethod(ask))
    qtbot.mouseClick(panel.snooze_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rows(window)[0]["Status"] == "Snoozed, 10 min left · not acknowledged")
    assert offered == [(5, 10, 15, 20, 30)]  # capped at the policy's 30 min
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
    station.record(ward.admissions[0], SICK)
    window = open_window(station)
    panel = panel_of(window)
    qtbot.waitUntil(lambda: panel.selected() is not None)
    esc_id = panel.selected().id
    monkeypatch.setattr(
        dialogs.NotEscalatingDialog,
        "ask",
        classmethod(lambda cls, parent, e: "Known baseline; doctor aware"),
    )
    qtbot.mouseClick(panel.decline_button, Qt.MouseButton.LeftButton)
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
    monkeypatch.setattr(dialogs.ResolveDialog, "ask", classmethod(lambda cls, p, e: None))
    qtbot.mouseClick(panel.resolve_button, Qt.MouseButton.LeftButton)
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
    b.desk.acknowledge(seen.id, seen.version)  # before station A's change feed reports it
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

    monkeypatch.setattr(window.escalations.desk, "acknowledge", down)
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


def test_recording_other_action_needs_details(qtbot, ward: Ward) -> None:
    dialog = dialogs.RecordActionDialog(_escalation(ward))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.text() == "Doctor called"
    dialog.preset.setCurrentText("Other")
    qtbot.keyClick(dialog.details, Qt.Key.Key_Return)
    assert dialog.error.text().startswith("Details: describe the action taken")
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
