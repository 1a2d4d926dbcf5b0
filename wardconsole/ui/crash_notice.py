"""Telling the user about a crash in one line, from whichever thread it happened on.

``logging_setup.install_excepthook`` calls ``CrashNotice.tell`` with the line; the signal carries
it to the UI thread, where a message box shows it (a box must never be opened off that thread).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMessageBox


class CrashNotice(QObject):
    told = Signal(str)
    """A crash line to show (emitted from any thread; shown on the UI thread)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shown: list[str] = []
        self.told.connect(self._on_told)

    def tell(self, line: str) -> None:
        self.told.emit(line)

    @Slot(str)
    def _on_told(self, line: str) -> None:
        self.shown.append(line)
        QMessageBox.critical(None, "WardConsole", line)
