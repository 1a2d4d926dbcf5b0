"""The medicines list as a nurse keeps it: a line copied from the drug chart with its class from
the formulary, marked "not checked" until a colleague checks it, a regular dose given or omitted
with why from the keyboard, a line stopped with a reason (hidden until asked for), and the
window saying it is a monitoring copy. Screenshots day and night at 1366 × 768
(WARDCONSOLE_SHOT_DIR keeps them)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem, QToolButton
from screenshots import grab_census, grab_widget, size_problems
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from wardconsole.domain.dependency_watch import WardCalendar
from wardconsole.services.context import Role
from wardconsole.services.medicines import MedicinesService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import MedicineLineCheckRow, MedicineLineRow, RegularDoseRow
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.census.census_model import SHORT_TEXT_ROLE, CensusColumn
from wardconsole.ui.medicines.line_dialog import LineDialog, LineMode
from wardconsole.ui.medicines.lines_model import LineColumn
from wardconsole.ui.medicines.medicines_dialog import MedicinesDialog
from wardconsole.ui.theme import Theme, apply_theme

from . import bedside_support
from .bedside_support import BedsideWard, type_into
from .console_support import demo_console

CLASS_LABEL = "Z-drug (hypnotic)"

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner


@pytest.fixture
def shot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


def _bedside(make_bedside, ward: BedsideWard, theme: Theme = Theme.DAY):  # type: ignore[no-untyped-def]
    return replace(make_bedside(theme=theme), medicines=MedicinesService(ward.db))


def _zopiclone(ward: BedsideWard) -> int:
    return MedicinesService(ward.db).add_line(
        ward.nurse,
        ward.admission_id,
        drug="Zopiclone",
        dose="7.5 mg",
        route="oral",
        schedule="regular",
        frequency="at night",
        starts_at=ward.clock.now,
    )


def _open(qtbot, bedside, ward: BedsideWard) -> MedicinesDialog:  # type: ignore[no-untyped-def]
    dialog = MedicinesDialog(bedside, ward.admission_id, "Maya Thornbury — Bed A1")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()  # keys go where a nurse's would: to the active window
    qtbot.waitUntil(lambda: dialog.view is not None and dialog.isActiveWindow())
    return dialog


def alt(qtbot, dialog: MedicinesDialog, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """Alt+key as typed where the focus is."""
    qtbot.keyClick(dialog.focusWidget() or dialog, key, Qt.KeyboardModifier.AltModifier)


def _drawn(view, index) -> str:  # type: ignore[no-untyped-def]
    """What the census delegate draws in ``index``'s cell at its column's width."""
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = QRect(0, 0, view.horizontalHeader().sectionSize(index.column()), 30)
    view.itemDelegate().initStyleOption(option, view.model().mapFromSource(index))
    return str(option.text)


def cell(dialog: MedicinesDialog, row: int, column: LineColumn) -> str:
    return str(dialog.table.model().index(row, column).data())


def test_a_nurse_copies_a_line_from_the_chart_and_a_colleague_checks_it(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    bedside = _bedside(make_bedside, bedside_ward)
    dialog = _open(qtbot, bedside, bedside_ward)
    assert "No lines yet" in dialog.summary.text()
    assert "as recorded on the ward console — confirm against the prescription" in (
        dialog.banner.text()
    )

    line = LineDialog(bedside, bedside.medicines, bedside_ward.admission_id, LineMode.ADD)
    qtbot.addWidget(line)
    line.show()
    line.activateWindow()
    qtbot.waitUntil(line.isActiveWindow)
    type_into(qtbot, line.drug, "zopiclone")
    assert line.drug_class.currentData() == "z_drug" and not line.drug_class.isEnabled()
    line.save_button.click()
    qtbot.waitUntil(lambda: line.saver.state is SaveState.REFUSED)
    assert "Dose:" in line.messages.text() and line.focusWidget() is line.dose
    type_into(qtbot, line.dose, "7.5 mg")
    type_into(qtbot, line.frequency, "at night")
    line.save_button.click()
    qtbot.waitUntil(lambda: line.saved_id is not None)
    line.accept()

    dialog.load()
    qtbot.waitUntil(lambda: dialog.table.model().rowCount() == 1)
    assert cell(dialog, 0, LineColumn.CLASS) == CLASS_LABEL
    assert cell(dialog, 0, LineColumn.SCHEDULE) == "Regular: at night"
    assert cell(dialog, 0, LineColumn.TRANSCRIBED).startswith("Nia Night, ")
    assert cell(dialog, 0, LineColumn.CHECK) == "⚠ not checked"
    assert "⚠ 1 not yet checked" in dialog.summary.text()
    # The transcriber cannot check their own line.
    dialog.confirm_check = lambda _line: True  # type: ignore[method-assign]
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog._check_saver.state is SaveState.REFUSED)
    assert "someone other than the person who transcribed" in dialog.check_status.text()
    dialog.reject()

    staff = StaffService(bedside_ward.db)
    staff.add("rn.day", "Dev Day", Role.NURSE, None)
    colleague = staff.actor("rn.day", "Nurses' station 2")
    second = _open(
        qtbot, replace(bedside, actor=colleague, current_actor=lambda: colleague), bedside_ward
    )
    second.confirm_check = lambda _line: True  # type: ignore[method-assign]
    qtbot.waitUntil(lambda: second.check_button.isEnabled())
    second.check_button.click()
    qtbot.waitUntil(lambda: cell(second, 0, LineColumn.CHECK).startswith("✔ Dev Day, "))
    assert not second.check_button.isEnabled()
    assert "not yet checked" not in second.summary.text()
    second.reject()


def test_a_regular_dose_is_given_or_omitted_with_why_from_the_keyboard(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    _zopiclone(bedside_ward)
    bedside_ward.clock.advance(minutes=30)
    dialog = _open(qtbot, _bedside(make_bedside, bedside_ward), bedside_ward)
    assert dialog.focusWidget() is dialog.table and dialog.save_button.isEnabled()
    assert "Zopiclone 7.5 mg oral (regular: at night)" in dialog.dose_line.text()
    alt(qtbot, dialog, Qt.Key.Key_O)
    qtbot.waitUntil(dialog.omitted.isChecked)  # a mnemonic clicks as the mouse would
    assert dialog.focusWidget() is dialog.omitted_reason
    alt(qtbot, dialog, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: "Why: say why" in dialog.status.text())  # no reason: not saved
    dialog.omitted_reason.setCurrentIndex(dialog.omitted_reason.findData("asleep"))
    alt(qtbot, dialog, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    assert "Zopiclone 7.5 mg omitted — Asleep" in dialog.status.text()
    bedside_ward.clock.advance(minutes=10)
    alt(qtbot, dialog, Qt.Key.Key_G)
    qtbot.waitUntil(dialog.given.isChecked)
    alt(qtbot, dialog, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: "Zopiclone 7.5 mg given" in dialog.status.text())
    with bedside_ward.db.read() as session:
        rows = session.execute(
            select(RegularDoseRow.outcome, RegularDoseRow.omitted_reason).order_by(
                RegularDoseRow.id
            )
        ).all()
    assert [tuple(r) for r in rows] == [("omitted", "asleep"), ("given", "")]
    assert dialog.changed
    dialog.reject()


def test_a_stopped_line_says_why_and_is_hidden_until_asked_for(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    line_id = _zopiclone(bedside_ward)
    bedside = _bedside(make_bedside, bedside_ward)
    dialog = _open(qtbot, bedside, bedside_ward)
    line = dialog.selected_line()
    assert line is not None and line.id == line_id
    stop = LineDialog(bedside, bedside.medicines, bedside_ward.admission_id, LineMode.STOP, line)
    qtbot.addWidget(stop)
    stop.save_button.click()
    qtbot.waitUntil(lambda: stop.saver.state is SaveState.REFUSED)
    assert "Reason:" in stop.messages.text()
    type_into(qtbot, stop.reason, "Stopped on the chart by Dr Patel")
    stop.save_button.click()
    qtbot.waitUntil(lambda: stop.saved_id is not None)
    stop.accept()
    bedside_ward.clock.advance(minutes=1)
    dialog.load()
    qtbot.waitUntil(lambda: dialog.table.model().rowCount() == 0)
    assert "1 stopped" in dialog.summary.text()
    alt(qtbot, dialog, Qt.Key.Key_W)
    qtbot.waitUntil(lambda: dialog.table.model().rowCount() == 1)
    assert "stopped" in cell(dialog, 0, LineColumn.DATES)
    tip = dialog.table.model().index(0, LineColumn.DATES).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "Stopped: Stopped on the chart by Dr Patel"
    dialog.table.selectRow(0)
    assert not dialog.save_button.isEnabled() and not dialog.stop_button.isEnabled()
    dialog.reject()


def test_a_correction_needs_a_reason_and_the_line_is_checked_again(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    _zopiclone(bedside_ward)
    bedside = _bedside(make_bedside, bedside_ward)
    dialog = _open(qtbot, bedside, bedside_ward)
    line = dialog.selected_line()
    correct = LineDialog(
        bedside, bedside.medicines, bedside_ward.admission_id, LineMode.CORRECT, line
    )
    qtbot.addWidget(correct)
    assert correct.drug.text() == "Zopiclone" and correct.dose.text() == "7.5 mg"
    correct.dose.selectAll()
    type_into(qtbot, correct.dose, "3.75 mg")
    correct.save_button.click()
    qtbot.waitUntil(lambda: correct.saver.state is SaveState.REFUSED)
    assert "Reason:" in correct.messages.text()
    type_into(qtbot, correct.reason, "Copied wrongly: chart says 3.75 mg")
    correct.save_button.click()
    qtbot.waitUntil(lambda: correct.saved_id is not None)
    correct.accept()
    dialog.load()
    qtbot.waitUntil(lambda: cell(dialog, 0, LineColumn.DOSE) == "3.75 mg oral")
    assert cell(dialog, 0, LineColumn.TRANSCRIBED).endswith("(changed)")
    assert cell(dialog, 0, LineColumn.CHECK) == "⚠ not checked"
    dialog.reject()


def test_screenshots_day_and_night_fit_1366(
    qtbot, qapp, make_bedside, bedside_ward: BedsideWard, shot_dir: Path
) -> None:
    _zopiclone(bedside_ward)
    MedicinesService(bedside_ward.db).add_line(
        bedside_ward.nurse,
        bedside_ward.admission_id,
        drug="Chlordiazepoxide",
        dose="20 mg",
        route="oral",
        schedule="regular",
        frequency="four times a day, reducing",
        starts_at=bedside_ward.clock.now,
        reducing_until=bedside_ward.clock.now + timedelta(days=5),
    )
    MedicinesService(bedside_ward.db).add_line(
        bedside_ward.nurse,
        bedside_ward.admission_id,
        drug="Lorazepam",
        dose="1 mg",
        route="oral",
        schedule="prn",
        max_per_24h="4 mg",
        starts_at=bedside_ward.clock.now,
    )
    for theme in (Theme.DAY, Theme.NIGHT):
        apply_theme(qapp, theme)
        dialog = _open(qtbot, _bedside(make_bedside, bedside_ward, theme), bedside_ward)
        qtbot.waitUntil(lambda dialog=dialog: dialog.table.model().rowCount() == 3)
        assert dialog.minimumSizeHint().width() <= 1366
        dialog.resize(1300, 660)
        grab_widget(dialog, shot_dir / f"medicines-list-{theme.value}.png")
        line = LineDialog(
            dialog._bedside, dialog._bedside.medicines, bedside_ward.admission_id, LineMode.ADD
        )
        qtbot.addWidget(line)
        line.show()
        type_into(qtbot, line.drug, "Somnofix")
        grab_widget(line, shot_dir / f"medicines-line-{theme.value}.png")
        line.reject()
        dialog.reject()
    apply_theme(qapp, Theme.DAY)


def test_ctrl_shift_m_on_the_census_opens_the_selected_patients_list(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with demo_console(qtbot, tmp_path, monkeypatch) as console:
        snapshot = console.snapshot
        assert snapshot is not None
        patient = snapshot.rows[0]
        console.census_view.select_admission(patient.admission_id)
        console.census_view.setFocus()
        seen: list[str] = []

        def at_the_station() -> None:
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, MedicinesDialog)
            qtbot.waitUntil(lambda: dialog.view is not None, timeout=10_000)
            seen.append(dialog.windowTitle())
            seen.append(dialog.banner.text())
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)

        QTimer.singleShot(0, at_the_station)
        qtbot.keyClick(
            console.census_view,
            Qt.Key.Key_M,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        assert seen[0] == f"Medicines list — {patient.patient_name} — Bed {patient.bed}"
        assert "confirm against the prescription" in seen[1]


def test_the_census_flags_an_open_dependency_review_in_words(
    qtbot, qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shot_dir: Path
) -> None:
    with demo_console(qtbot, tmp_path, monkeypatch) as console:
        snapshot = console.snapshot
        assert snapshot is not None
        patient = next(r for r in snapshot.rows if not r.open_escalations)
        context = console._context
        assert context.medicines is not None and context.current_actor is not None
        nurse = context.current_actor()
        now = snapshot.taken_at
        medicines = context.medicines
        line = medicines.add_line(
            nurse,
            patient.admission_id,
            drug="Zopiclone",
            dose="7.5 mg",
            route="oral",
            schedule="regular",
            frequency="at night",
            starts_at=now - timedelta(days=8),
        )
        # Seven nights in a row up to the latest night (tonight, if the test runs at night),
        # early in each night shift, whatever the time of day the test runs at.
        shifts = medicines._db.shifts
        night = WardCalendar(shifts).latest_night(now)
        for _ in range(7):
            given_at = min(night.start + timedelta(hours=1), now - timedelta(seconds=1))
            medicines.record_regular_dose(nurse, line, outcome="given", given_at=given_at)
            earlier = shifts.previous(night)
            while earlier.name != night.name:
                earlier = shifts.previous(earlier)
            night = earlier
        model = console.census_model

        def meds() -> str:
            return str(
                model.index(
                    model.row_of_admission(patient.admission_id), CensusColumn.MEDICINES
                ).data()
            )

        console.refresh_action.trigger()
        qtbot.waitUntil(lambda: meds() == "● Dependency review", timeout=10_000)
        row = model.row_of_admission(patient.admission_id)
        tip = str(model.index(row, CensusColumn.MEDICINES).data(Qt.ItemDataRole.ToolTipRole))
        assert tip.startswith("Dependency review (advisory): zopiclone")
        others = {
            str(model.index(other, CensusColumn.MEDICINES).data())
            for other in range(model.rowCount())
            if other != row
        }
        assert "—" in others  # a patient with no review due (the demo has one that has)
        assert model.index(row, CensusColumn.MEDICINES).data(SHORT_TEXT_ROLE) == "● Dep."
        console.census_view.select_admission(patient.admission_id)
        view, header = console.census_view, console.census_view.horizontalHeader()
        for theme in (Theme.DAY, Theme.NIGHT):
            console.set_theme(theme)
            apply_theme(qapp, theme)
            grab_census(console, shot_dir / f"census-dependency-{theme.value}.png", (1920, 900))
            assert not header.isSectionHidden(CensusColumn.MEDICINES)
            assert _drawn(view, model.index(row, CensusColumn.MEDICINES)) == "● Dependency review"
            left = header.sectionViewportPosition(CensusColumn.MEDICINES)
            assert left + header.sectionSize(CensusColumn.MEDICINES) <= view.viewport().width()
            # At 1366 the flag folds away before any risk column gives way; the escalation
            # column still names the review.
            grab_census(console, shot_dir / f"census-dependency-1366-{theme.value}.png")
            assert header.isSectionHidden(CensusColumn.MEDICINES)
            assert view.horizontalScrollBar().maximum() == 0
            escalation = str(model.index(row, CensusColumn.ESCALATION).data())
            assert escalation.startswith("● ADVISORY · Dependency review")
        apply_theme(qapp, Theme.DAY)


def test_the_patient_window_offers_the_list_and_still_fits_1366(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with demo_console(qtbot, tmp_path, monkeypatch) as console:
        assert console.snapshot is not None
        row = console.snapshot.rows[0]
        console.census_view.select_admission(row.admission_id)
        qtbot.keyClick(console.census_view, Qt.Key.Key_Return)
        window = console.patient_windows.get(row.admission_id)
        assert window is not None
        button = window.header.findChild(QToolButton, "button_bedside_medicines")
        assert button is not None and button.text() == "Medicines list"
        assert "Ctrl+Shift+M" in button.toolTip()
        assert size_problems(window) == []  # every action button and the charts, within 1366


class LostReply(MedicinesService):
    """The database commits the first try of each change, but its answer never arrives."""

    def __init__(self, medicines: MedicinesService) -> None:
        super().__init__(medicines._db)
        self.keys: list[str | None] = []

    def _lost_after_first(self, write, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.keys.append(kwargs.get("save_key"))
        result = write(*args, **kwargs)
        if len(self.keys) == 1:
            raise OperationalError("COMMIT", {}, Exception("connection reset by peer"))
        return result

    def add_line(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self._lost_after_first(super().add_line, *args, **kwargs)

    def amend_line(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self._lost_after_first(super().amend_line, *args, **kwargs)

    def stop_line(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self._lost_after_first(super().stop_line, *args, **kwargs)

    def check_line(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self._lost_after_first(super().check_line, *args, **kwargs)


@pytest.mark.parametrize("mode", [LineMode.ADD, LineMode.CORRECT, LineMode.STOP])
def test_a_line_saved_again_after_a_lost_reply_is_on_the_list_once(
    qtbot, make_bedside, bedside_ward: BedsideWard, mode: LineMode
) -> None:
    line = None
    if mode is not LineMode.ADD:
        _zopiclone(bedside_ward)
        [line] = MedicinesService(bedside_ward.db).view(bedside_ward.admission_id).lines
    versions = bedside_ward.count(MedicineLineRow)
    bedside = _bedside(make_bedside, bedside_ward)
    lost = LostReply(MedicinesService(bedside_ward.db))
    dialog = LineDialog(bedside, lost, bedside_ward.admission_id, mode, line)
    qtbot.addWidget(dialog)
    if mode is LineMode.ADD:
        type_into(qtbot, dialog.drug, "zopiclone")
        type_into(qtbot, dialog.dose, "7.5 mg")
        type_into(qtbot, dialog.frequency, "at night")
    else:
        type_into(qtbot, dialog.reason, "As on the chart")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.WAITING)
    assert "NOT SAVED YET" in dialog.status.text()
    qtbot.mouseClick(dialog.status.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    assert lost.keys == [dialog.save_key, dialog.save_key]
    assert bedside_ward.count(MedicineLineRow) == versions + 1  # one new line or version
    assert dialog.saved_id is not None
    rows = MedicinesService(bedside_ward.db).view(bedside_ward.admission_id).lines
    assert [row.id for row in rows] == [dialog.saved_id]


def test_a_second_check_pressed_again_after_a_lost_reply_is_saved_once(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> None:
    line_id = _zopiclone(bedside_ward)
    staff = StaffService(bedside_ward.db)
    staff.add("rn.day", "Dev Day", Role.NURSE, None)
    colleague = staff.actor("rn.day", "Nurses' station 2")
    bedside = _bedside(make_bedside, bedside_ward)
    lost = LostReply(MedicinesService(bedside_ward.db))
    bedside = replace(bedside, medicines=lost, actor=colleague, current_actor=lambda: colleague)
    dialog = _open(qtbot, bedside, bedside_ward)
    dialog.confirm_check = lambda _line: True  # type: ignore[method-assign]
    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog._check_saver.state is SaveState.WAITING)
    dialog.check_button.click()  # the nurse presses it again instead of waiting
    qtbot.waitUntil(lambda: cell(dialog, 0, LineColumn.CHECK).startswith("✔ Dev Day, "))
    first_key = lost.keys[0]
    assert first_key is not None and lost.keys == [first_key, first_key]
    assert line_id not in dialog.check_keys  # a later check of another version gets a new key
    assert bedside_ward.count(MedicineLineCheckRow) == 1
    dialog.reject()
