"""A date-time field that Tab leaves in one press, like every other field on a form."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateTimeEdit, QWidget


class DateTimeField(QDateTimeEdit):
    """Qt's date-time edit walks its day, month, hour and minute sections with Tab, so a nurse
    tabbing through a form pressed Tab five times to get past one time and typed the next value
    into the minutes. Here Tab and Shift+Tab move to the next and previous field; the arrow keys
    (the cursor across sections, Up/Down to change one) and typing work as before."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and not (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            forward = event.key() == Qt.Key.Key_Tab and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            )
            QWidget.focusNextPrevChild(self, forward)
            event.accept()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)
