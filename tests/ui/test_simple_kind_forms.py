"""A simple kind of entry without a window of its own is offered, recorded, shown and corrected
from its spec alone (``domain/simple_kinds.py``): the Patient menu and the patient window offer
"Record …" for it, its form refuses a bad value with the field's own message and saves nothing,
a saved entry is in the history in the spec's words and on the Physical care page, and the
history's correction form corrects it.

No third simple kind exists yet, so the tests register a test-only one
(``testkinds.register_simple_kind``): the screens know of it only through ``SIMPLE_KINDS``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QComboBox, QMenu, QToolButton
from screenshots import SMALLEST_WARD_SCREEN, cut_texts, grab_widget, over_window, size_problems
from sqlalchemy.exc import OperationalError
from testkinds import TEST_KIND, register_simple_kind

from wardconsole.domain.entry_specs import Choice, EntryField, EntrySpec
from wardconsole.services.charts import ChartService
from wardconsole.services.history import HistoryEntry, HistoryService
from wardconsole.services.outbox import Outbox
from wardconsole.services.safe_saves import SafeSaves
from wardconsole.store.models import BowelEntryRow
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.patient.charts.readout import readout_at
from wardconsole.ui.patient.charts.table_models import physical_entries
from wardconsole.ui.patient.history_dialog import HistoryDialog
from wardconsole.ui.patient.history_model import details_text
from wardconsole.ui.physical.simple_entry import SimpleCorrectionDialog, SimpleEntryDialog
from wardconsole.ui.theme import Theme, apply_theme

from . import bedside_support
from .bedside_support import BedsideWard, type_into
from .test_bedside_actions import recording_window

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
recording_window = recording_window  # the fixture, used here after the kind is registered
runner = bedside_support.runner


def _stool_text(values: Mapping[str, Any]) -> str:
    return f"Stool form: {STOOL_SPEC.field('bristol_type').words(values.get('bristol_type'))}"


STOOL_SPEC = EntrySpec(
    TEST_KIND,
    (
        EntryField(
            "bristol_type",
            "&Stool form:",
            (
                Choice(1, "Hard lumps, like nuts", "hard"),
                Choice(4, "Smooth and soft, like a sausage", "smooth"),
                Choice(7, "Watery, no solid pieces", "watery"),
            ),
            hint="hard, smooth or watery",
        ),
    ),
    text=_stool_text,
)
"""A test-only simple kind (``tests/support/testkinds.py``: an entry kind the code never names
as simple, stored in the bowel table's columns) whose one choice must be made: no window, no
chart track, no words of its own anywhere in the screens."""


@pytest.fixture
def stool_kind(monkeypatch: pytest.MonkeyPatch) -> EntrySpec:
    return register_simple_kind(monkeypatch, STOOL_SPEC)


@pytest.fixture
def console(stool_kind: EntrySpec, recording_window: MainWindow) -> MainWindow:
    """The console made after the test-only kind is registered (its actions are made then)."""
    return recording_window


def _entries(ward: BedsideWard) -> list[HistoryEntry]:
    """The test kind's entries in the history (its table is the bowels', which list them too)."""
    entries = HistoryService(ward.db).entries(ward.admission_id)
    return [e for e in entries if e.entry_type == TEST_KIND.value]


def _menu_texts(window: MainWindow) -> list[str]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Patient")
    assert isinstance(menu, QMenu)
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_the_patient_menu_and_window_offer_a_kind_without_its_own_window(
    qtbot, console: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[tuple[str, int]] = []

    def record(cls, bedside, kind, admission_id, title, parent=None):  # type: ignore[no-untyped-def]
        opened.append((str(kind), admission_id))
        return True

    monkeypatch.setattr(SimpleEntryDialog, "record", classmethod(record))
    texts = _menu_texts(console)
    meals = texts.index("Meals, supplements and bowels…")
    # the real simple kinds without a window of their own, then the test kind's EntryKind words
    assert texts[meals + 1 : meals + 3] == ["Record urine dipstick…", "Record food chart…"]
    assert texts.count("Record food chart…") == 1
    assert "Record bowel movement…" not in texts  # bowels have their own window
    assert "Record meal or supplement…" not in texts  # meals have their own window
    console.census_view.select_admission(3)
    (action,) = [
        a
        for a in console.bedside.simple_actions
        if a.objectName() == f"bedside_record_{TEST_KIND.value}"
    ]
    action.trigger()
    assert opened == [(TEST_KIND.value, 3)]
    console.census_view.select_admission(8)
    qtbot.keyClick(console.census_view, Qt.Key.Key_Return)
    patient = console.patient_windows.get(8)
    assert patient is not None
    actions = {a.objectName(): a for a in patient.actions() if isinstance(a, QAction)}
    actions[f"bedside_record_{TEST_KIND.value}"].trigger()
    assert opened[-1] == (TEST_KIND.value, 8)
    button = patient.header.findChild(QToolButton, f"button_bedside_record_{TEST_KIND.value}")
    assert button is not None and button.text() == "Food chart"
    assert size_problems(patient) == []


def test_the_form_refuses_a_bad_value_then_saves_and_the_history_corrects_it(
    qtbot, make_bedside, bedside_ward: BedsideWard, stool_kind: EntrySpec
) -> None:
    ward = bedside_ward
    dialog = SimpleEntryDialog(make_bedside(), ward.admission_id, "Bed A1", kind=TEST_KIND)
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.fields.widget("bristol_type")
    assert isinstance(form, QComboBox)
    assert form.objectName() == "entry_bristol_type"
    assert [form.itemText(i) for i in range(form.count())] == [
        "Hard lumps, like nuts",
        "Smooth and soft, like a sausage",
        "Watery, no solid pieces",
    ]
    assert form.currentIndex() == -1  # nothing chosen for the nurse
    assert dialog.focusWidget() is form  # the first field takes the keys
    qtbot.keyClick(form, Qt.Key.Key_Return)
    assert dialog.status.text() == "✖ Not saved — Stool form: hard, smooth or watery"
    assert dialog.saved_count == 0 and ward.count(BowelEntryRow) == 0
    form.setCurrentIndex(form.findData(4))
    type_into(qtbot, dialog.note, "After the laxative")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.saved_count == 1)
    assert dialog.status.text() == "✔ SAVED at 03:00 — Stool form: smooth"  # what was saved
    assert ward.count(BowelEntryRow) == 1
    assert form.currentIndex() == -1 and dialog.note.text() == ""  # ready for the next one
    dialog.reject()

    (entry,) = _entries(ward)
    assert details_text(entry) == "Stool form: smooth · Note: After the laxative"
    history = HistoryDialog(make_bedside(), ward.admission_id, "Bed A1")
    qtbot.addWidget(history)
    history.show()
    qtbot.waitUntil(lambda: history.model.rowCount() == 2)  # as the bowels and the test kind
    assert history.select_entry(TEST_KIND.value, entry.id)
    assert history.correct_button.isEnabled()
    assert history.correct_button.text() == "&Correct food chart…"
    history.reject()
    fix = SimpleCorrectionDialog(make_bedside(), entry, "Bed A1")
    qtbot.addWidget(fix)
    fix.show()
    assert fix.windowTitle() == "Correct food chart — Bed A1"
    choice = fix.widget("bristol_type")
    assert isinstance(choice, QComboBox)
    assert choice.objectName() == "correct_bristol_type" and choice.currentData() == 4
    choice.setCurrentIndex(choice.findData(7))
    type_into(qtbot, fix.reason, "Wrong picture chosen")
    fix.save_button.click()
    qtbot.waitUntil(lambda: fix.result_value is not None)
    current = [e for e in _entries(ward) if e.state.name == "CURRENT"]
    assert [details_text(e) for e in current] == ["Stool form: watery"]

    series = ChartService(ward.db).series(ward.admission_id)
    rows = [e for e in physical_entries(series) if e.what == "Food chart"]
    assert [(r.value, r.detail) for r in rows] == [("watery", "Stool form: watery")]
    texts = readout_at(series, series.as_of).texts()
    assert texts[TEST_KIND.value] == "Stool form: watery"


MEAL_VALUES = {
    "occasion": "lunch",
    "offered": "Soup and bread",
    "portion": "half",
    "supplement": "nutritional_drink",
    "supplement_outcome": "declined",
    "supplement_reason": "Feels sick",
}


@pytest.mark.parametrize(
    ("kind", "values"), [("meal", MEAL_VALUES), ("bowel", {"bristol_type": 5})]
)
def test_the_generic_forms_in_the_night_theme_at_1366(
    qtbot, make_bedside, bedside_ward: BedsideWard, tmp_path: Path, kind: str, values: dict
) -> None:
    """Screenshots of the record and correction forms of the real simple kinds, as a nurse
    sees them over a 1366 × 768 window in the night theme: nothing cut, nothing too big, a
    refusal in the field's words."""
    ward = bedside_ward
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    title = "Maya Thornbury — Bed A1"
    apply_theme(qapp, Theme.NIGHT)
    try:
        backdrop = QMenu()  # a themed top-level of the smallest screen's size to draw over
        backdrop.resize(*SMALLEST_WARD_SCREEN)
        record = SimpleEntryDialog(
            make_bedside(theme=Theme.NIGHT), ward.admission_id, title, kind=kind
        )
        qtbot.addWidget(record)
        record.show()
        if kind == "meal":  # no meal chosen yet: refused in the field's words
            for name in ("supplement_outcome", "supplement_reason"):  # no supplement chosen
                assert not record.fields.widget(name).isEnabled()
            record.save_button.click()
            assert record.status.text() == (
                "✖ Not saved — Meal: one of Breakfast, Lunch, Evening meal, Snack, Supplement only"
            )
        assert size_problems(record) == [] and cut_texts(record) == []
        grab_widget(record, shot_dir / f"simple-entry-{kind}-night.png")
        over_window(backdrop, record, shot_dir / f"simple-entry-{kind}-night-1366.png")
        record.reject()
        ward.recording.record_entry(ward.nurse, ward.admission_id, kind, values)
        (entry,) = HistoryService(ward.db).entries(ward.admission_id)
        fix = SimpleCorrectionDialog(make_bedside(theme=Theme.NIGHT), entry, title)
        qtbot.addWidget(fix)
        fix.show()
        assert size_problems(fix) == [] and cut_texts(fix) == []
        grab_widget(fix, shot_dir / f"simple-correction-{kind}-night.png")
        over_window(backdrop, fix, shot_dir / f"simple-correction-{kind}-night-1366.png")
    finally:
        apply_theme(qapp, Theme.DAY)


def test_during_an_outage_the_form_keeps_the_entry_on_this_station(
    qtbot,
    make_bedside,
    bedside_ward: BedsideWard,
    stool_kind: EntrySpec,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same feedback as the meals window: kept on this station, written when it is back."""
    ward = bedside_ward
    saves = SafeSaves(ward.db, Outbox(tmp_path / "outbox.sqlite", "test ward"))
    real_transaction = ward.db.transaction

    def down():  # type: ignore[no-untyped-def]
        raise OperationalError("connect", {}, ConnectionRefusedError("server closed"))

    monkeypatch.setattr(ward.db, "transaction", down)
    dialog = SimpleEntryDialog(
        replace(make_bedside(), saves=saves), ward.admission_id, "Bed A1", kind=TEST_KIND
    )
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.fields.widget("bristol_type")
    assert isinstance(form, QComboBox)
    form.setCurrentIndex(form.findData(1))
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saved_count == 1)
    assert dialog.status.text().startswith("✔ KEPT ON THIS STATION at ")
    assert ward.count(BowelEntryRow) == 0
    monkeypatch.setattr(ward.db, "transaction", real_transaction)
    assert saves.replay().sent == 1
    (entry,) = _entries(ward)
    assert details_text(entry) == "Stool form: hard"
    dialog.reject()
