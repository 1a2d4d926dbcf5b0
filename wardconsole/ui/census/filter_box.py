"""The census filter: type part of a name, a bed or a hospital number; Esc clears it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget


class FilterBox(QLineEdit):
    """A line edit that reports its (stripped) text and clears on Esc."""

    filter_changed = Signal(str)
    """The filter text changed (stripped; '' means show everyone)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FilterBox")
        self.setPlaceholderText("Filter by name, bed or hospital number   (Ctrl+F)")
        self.setClearButtonEnabled(True)
        self.setAccessibleName("Census filter")
        self.textChanged.connect(self._on_text_changed)

    def focus_filter(self) -> None:
        """Put the cursor in the box with its text selected, ready to type over."""
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.selectAll()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)

    @Slot(str)
    def _on_text_changed(self, text: str) -> None:
        self.filter_changed.emit(text.strip())
