"""Tab leaves a date-time field in one press; the arrows still change it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QApplication, QDateTimeEdit, QLineEdit, QVBoxLayout, QWidget

import wardconsole.ui
from wardconsole.ui.widgets.datetime_field import DateTimeField

_FORMS: list[QWidget] = []


def a_form(qtbot) -> tuple[QLineEdit, DateTimeField, QLineEdit]:
    form = QWidget()
    _FORMS.append(form)  # kept alive for the test (the fields belong to it)
    before, field, after = (
        QLineEdit(),
        DateTimeField(QDateTime(2026, 12, 4, 21, 30, 0)),
        QLineEdit(),
    )
    field.setDisplayFormat("ddd d MMM  HH:mm")
    layout = QVBoxLayout(form)
    for widget in (before, field, after):
        layout.addWidget(widget)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    return before, field, after


def test_tab_goes_to_the_next_field_and_shift_tab_back(qtbot) -> None:
    before, field, after = a_form(qtbot)
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is after
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is before


def test_the_arrow_keys_still_change_the_section_under_the_cursor(qtbot) -> None:
    _, field, _ = a_form(qtbot)
    field.setFocus()
    field.setCurrentSection(QDateTimeEdit.Section.MinuteSection)
    qtbot.keyClick(field, Qt.Key.Key_Up)
    assert field.dateTime().time().minute() == 31
    field.setCurrentSection(QDateTimeEdit.Section.HourSection)
    qtbot.keyClick(field, Qt.Key.Key_Down)
    assert field.dateTime().time().hour() == 20


def test_every_date_time_field_in_the_console_is_one_of_these() -> None:
    ui = Path(wardconsole.ui.__file__).parent
    plain = [
        path.relative_to(ui).as_posix()
        for path in ui.rglob("*.py")
        if path.name != "datetime_field.py" and "QDateTimeEdit(" in path.read_text("utf-8")
    ]
    assert plain == []
