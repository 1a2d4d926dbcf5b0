"""A nurse records a bedside round from the keyboard: what is saved, refused, held, or retried.

The dialog runs against a real SQLite ward through the real services on the background
worker, so "saved" below means committed to the database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from screenshots import grab_widget, size_problems
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from wardconsole.services.recording import RecordingService, RoundResult
from wardconsole.store.models import (
    AssessmentRow,
    AuditRow,
    ObservationSetRow,
    SymptomEntryRow,
)
from wardconsole.ui import formatting as fmt
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState
from wardconsole.ui.bedside.observation_dialog import ObservationDialog
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.theme import Theme, apply_theme

from . import bedside_support
from .bedside_support import BedsideWard, type_into
from .factories import NOW

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner

NORMAL = {
    "respiration_rate": "16",
    "spo2": "97",
    "on_oxygen": "A",
    "systolic_bp": "122",
    "diastolic_bp": "76",
    "pulse": "72",
    "consciousness": "A",
    "temperature": "36.8",
}


@pytest.fixture
def open_dialog(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> Iterator[Callable[..., ObservationDialog]]:
    dialogs: list[ObservationDialog] = []

    def open_(bedside: Bedside | None = None) -> ObservationDialog:
        dialog = ObservationDialog(
            bedside or make_bedside(), bedside_ward.admission_id, "Maya Thornbury — Bed A1"
        )
        dialog.discard_confirmed = lambda: True  # type: ignore[method-assign]
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.brief is not None)
        dialogs.append(dialog)
        return dialog

    yield open_
    for dialog in dialogs:
        if dialog.saver.state is SaveState.SAVING:
            qtbot.waitUntil(lambda d=dialog: d.saver.state is not SaveState.SAVING)


def enter_vitals(qtbot, dialog: ObservationDialog, values: dict[str, str]) -> None:
    for name, text in values.items():
        type_into(qtbot, dialog.vitals.rows[name].input, text)


def press_enter(qtbot, dialog: ObservationDialog) -> None:
    """Enter in whatever field has focus: the dialog's default button saves."""
    focused = QApplication.focusWidget() or dialog
    qtbot.keyClick(focused, Qt.Key.Key_Return)


def wait_saved(qtbot, dialog: ObservationDialog) -> RoundResult:
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED, timeout=5000)
    assert isinstance(dialog.result_value, RoundResult)
    return dialog.result_value


def test_a_full_round_is_saved_and_confirmed_with_the_time(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    dialog = open_dialog()
    enter_vitals(qtbot, dialog, NORMAL)
    assert "NEWS2 0" in dialog.news2_text()
    type_into(qtbot, dialog.chart.spins["craving"], "4")
    type_into(qtbot, dialog.chart.spins["anxiety"], "3")
    assert "Chart total <b>7</b>" in dialog.chart.total_text
    type_into(qtbot, dialog.assessments.rass, "0")
    for key, letter in (
        ("alertness", "N"),
        ("amt4_mistakes", "N"),
        ("attention", "M"),
        ("acute_change", "N"),
    ):
        type_into(qtbot, dialog.assessments.four_at[key], letter)
    type_into(qtbot, dialog.note, "Settled, watching TV")
    press_enter(qtbot, dialog)

    result = wait_saved(qtbot, dialog)
    assert f"SAVED at {fmt.local_time_text(NOW)}" in dialog.status_text()
    assert "NEWS2 0" in dialog.status_text()
    assert result.news2 is not None and result.news2.total == 0
    assert set(result.assessment_ids) == {"rass", "4at"}
    assert [bedside_ward.count(m) for m in (ObservationSetRow, SymptomEntryRow, AssessmentRow)] == [
        1,
        1,
        2,
    ]
    with bedside_ward.db.read() as session:
        saved = session.get_one(ObservationSetRow, result.observation_id)
    assert (saved.pulse, saved.temperature, saved.on_oxygen, saved.consciousness) == (
        72,
        36.8,
        False,
        "A",
    )
    assert saved.note == "Settled, watching TV" and saved.station == "Nurses' station 1"
    # The form is now read-only and Enter closes it.
    assert not dialog.vitals.rows["pulse"].input.isEnabled()
    press_enter(qtbot, dialog)
    assert not dialog.isVisible()


def test_tab_goes_from_one_value_to_the_next(qtbot, open_dialog) -> None:
    dialog = open_dialog()
    rr = dialog.vitals.rows["respiration_rate"].input
    type_into(qtbot, rr, "16")
    qtbot.keyClick(rr, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.vitals.rows["spo2"].input


def test_a_scoring_value_is_highlighted_as_it_is_typed(qtbot, open_dialog) -> None:
    dialog = open_dialog()
    row = dialog.vitals.rows["respiration_rate"]
    type_into(qtbot, row.input, "26")
    assert row.chip.text() == "◆ 3" and row.input.property("band") == "high"
    row.input.clear()
    type_into(qtbot, row.input, "18")
    assert row.chip.text() == "0" and row.input.property("band") == "none"


def test_an_impossible_value_is_refused_naming_the_field(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    dialog = open_dialog()
    enter_vitals(qtbot, dialog, {**NORMAL, "pulse": "400"})
    press_enter(qtbot, dialog)
    message = dialog.vitals.rows["pulse"].message
    assert message.isVisible() and message.text().startswith("Pulse: 400")
    assert "Not saved" in dialog.status_text() and "Pulse" in dialog.status_text()
    assert dialog.saver.state is SaveState.EDITING
    assert QApplication.focusWidget() is dialog.vitals.rows["pulse"].input
    assert bedside_ward.count(ObservationSetRow) == 0


def test_an_extreme_value_is_recorded_only_once_confirmed(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    dialog = open_dialog()
    enter_vitals(qtbot, dialog, {**NORMAL, "pulse": "210"})
    press_enter(qtbot, dialog)
    row = dialog.vitals.rows["pulse"]
    assert row.confirm.isVisible() and "re-measure" in row.message.text()
    assert bedside_ward.count(ObservationSetRow) == 0
    assert QApplication.focusWidget() is row.confirm
    qtbot.keyClick(row.confirm, Qt.Key.Key_Space)
    assert row.confirm.isChecked()
    press_enter(qtbot, dialog)
    result = wait_saved(qtbot, dialog)
    assert result.news2 is not None and result.news2.parameter_scores["pulse"] == 3
    with bedside_ward.db.read() as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.action == "record_observation")
        ).one()
    assert audit.detail["confirmed_extreme"] == ["pulse"]


def test_changing_a_confirmed_value_needs_a_new_confirmation(qtbot, open_dialog) -> None:
    dialog = open_dialog()
    row = dialog.vitals.rows["pulse"]
    type_into(qtbot, row.input, "210")
    press_enter(qtbot, dialog)
    qtbot.keyClick(row.confirm, Qt.Key.Key_Space)
    row.input.clear()
    type_into(qtbot, row.input, "250")
    assert not row.confirm.isChecked()


def test_a_fahrenheit_temperature_is_never_converted_silently(qtbot, open_dialog) -> None:
    dialog = open_dialog()
    enter_vitals(qtbot, dialog, {**NORMAL, "temperature": "98.6"})
    press_enter(qtbot, dialog)
    row = dialog.vitals.rows["temperature"]
    assert "°F" in row.message.text() and dialog.saver.state is SaveState.EDITING
    assert row.input.text() == "98.6" and row.suggest.text() == "Use 37.0 °C"
    qtbot.mouseClick(row.suggest, Qt.MouseButton.LeftButton)
    assert row.input.text() == "37.0"
    press_enter(qtbot, dialog)
    wait_saved(qtbot, dialog)


def test_a_partial_set_needs_a_reason_per_missing_value_and_is_marked(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    dialog = open_dialog()
    asleep = {"respiration_rate": "14", "spo2": "96", "on_oxygen": "A", "pulse": "64"}
    enter_vitals(qtbot, dialog, asleep)
    assert "PARTIAL SET" in dialog._partial_note.text()
    press_enter(qtbot, dialog)
    for name in ("systolic_bp", "consciousness", "temperature"):
        assert "not taken" in dialog.vitals.rows[name].message.text()
    assert bedside_ward.count(ObservationSetRow) == 0
    # One choice gives the reason for every blank value.
    dialog.vitals.all_reason.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(dialog.vitals.all_reason, Qt.Key.Key_Down)
    assert dialog.vitals.rows["temperature"].reason.currentData() == "asleep"
    qtbot.keyClick(dialog.vitals.all_reason, Qt.Key.Key_Return)
    result = wait_saved(qtbot, dialog)
    assert result.partial and result.news2 is None
    assert "PARTIAL set, no NEWS2 score" in dialog.status_text()
    assert fmt.local_time_text(result.next_obs_due_at) in dialog.status_text()
    with bedside_ward.db.read() as session:
        saved = session.get_one(ObservationSetRow, result.observation_id)
    assert saved.news2_total is None and not saved.is_complete
    assert saved.missing_reasons == {
        "systolic_bp": "asleep",
        "diastolic_bp": "asleep",
        "consciousness": "asleep",
        "temperature": "asleep",
    }


class FlakyRecording(RecordingService):
    """The database drops the connection on the first save — after committing it."""

    def __init__(self, recording: RecordingService, *, committed: bool) -> None:
        super().__init__(recording._db)
        self.committed = committed
        self.tries = 0

    def record_round(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.tries += 1
        if self.tries == 1:
            if self.committed:
                super().record_round(*args, **kwargs)
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
        return super().record_round(*args, **kwargs)


@pytest.mark.parametrize("committed", [False, True], ids=["lost-before", "lost-after-commit"])
def test_a_database_failure_keeps_the_input_and_a_retry_saves_it_once(
    qtbot, open_dialog, make_bedside, bedside_ward: BedsideWard, committed: bool
) -> None:
    flaky = FlakyRecording(bedside_ward.recording, committed=committed)
    dialog = open_dialog(make_bedside(recording=flaky))
    enter_vitals(qtbot, dialog, NORMAL)
    press_enter(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.WAITING)
    assert "NOT SAVED YET" in dialog.status_text()
    assert "server closed the connection" in dialog.status_text()
    assert dialog.vitals.rows["pulse"].input.text() == "72"
    assert dialog.status.retry_button.isVisible()
    qtbot.mouseClick(dialog.status.retry_button, Qt.MouseButton.LeftButton)
    result = wait_saved(qtbot, dialog)
    assert result.already_saved is committed
    assert "SAVED at" in dialog.status_text()
    assert bedside_ward.count(ObservationSetRow) == 1


def test_the_dialog_retries_by_itself(
    qtbot,
    open_dialog,
    make_bedside,
    bedside_ward: BedsideWard,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(EntrySaver, "RETRY_DELAYS_S", (1,))
    flaky = FlakyRecording(bedside_ward.recording, committed=False)
    dialog = open_dialog(make_bedside(recording=flaky))
    enter_vitals(qtbot, dialog, NORMAL)
    press_enter(qtbot, dialog)
    wait_saved(qtbot, dialog)
    assert flaky.tries == 2 and bedside_ward.count(ObservationSetRow) == 1


class SlowRecording(RecordingService):
    """A database that takes its time: the save waits until the test lets it go."""

    def __init__(self, recording: RecordingService) -> None:
        super().__init__(recording._db)
        self.go = threading.Event()

    def record_round(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.go.wait(10)
        return super().record_round(*args, **kwargs)


def test_while_saving_it_says_so_and_cannot_be_closed(
    qtbot, open_dialog, make_bedside, bedside_ward: BedsideWard
) -> None:
    slow = SlowRecording(bedside_ward.recording)
    dialog = open_dialog(make_bedside(recording=slow))
    enter_vitals(qtbot, dialog, NORMAL)
    press_enter(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVING)
    assert dialog.status_text().startswith("Saving…")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and "Still saving" in dialog.status_text()
    slow.go.set()
    wait_saved(qtbot, dialog)
    assert bedside_ward.count(ObservationSetRow) == 1


def test_closing_with_unsaved_input_asks_first(qtbot, open_dialog) -> None:
    dialog = open_dialog()
    type_into(qtbot, dialog.vitals.rows["pulse"].input, "72")
    asked: list[bool] = []
    dialog.discard_confirmed = lambda: asked.append(True) or False  # type: ignore[method-assign]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert asked and dialog.isVisible()


def test_entry_screenshot_in_the_night_theme(
    qtbot, qapp, open_dialog, make_bedside, tmp_path: Path
) -> None:
    """docs/observation-entry-night.png: mid-entry, a scoring parameter highlighted."""
    apply_theme(qapp, Theme.NIGHT)
    dialog = open_dialog(make_bedside(theme=Theme.NIGHT))
    dialog.resize(1320, 700)
    enter_vitals(
        qtbot,
        dialog,
        {
            "respiration_rate": "24",
            "spo2": "95",
            "on_oxygen": "A",
            "systolic_bp": "104",
            "diastolic_bp": "68",
            "pulse": "118",
        },
    )
    for key, value in (("craving", "5"), ("anxiety", "4"), ("hallucinations_auditory", "4")):
        type_into(qtbot, dialog.chart.spins[key], value)
    type_into(qtbot, dialog.assessments.rass, "+1")
    type_into(qtbot, dialog.vitals.rows["pulse"].input, "")
    assert dialog.vitals.rows["respiration_rate"].input.property("band") == "medium"
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    path = grab_widget(dialog, shot_dir / "observation-entry-night.png")
    assert path.exists()
    assert dialog.width() <= 1366 and dialog.height() <= 768


def test_the_entry_form_fits_a_1366_by_768_screen(qtbot, open_dialog) -> None:
    dialog = open_dialog()
    assert size_problems(dialog) == []
