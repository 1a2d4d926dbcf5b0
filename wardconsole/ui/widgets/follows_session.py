"""A label that names who is signed in, re-read whenever it could have changed.

A window left open under the lock screen is covered, not closed; when another member of staff
unlocks the station, every text that names the user must name her. ``SessionLabel`` asks its
text source again whenever the signed-in member of staff changes (``StaffSession`` calls
``announce_session_changed``) and when its window becomes active, so no name is cached from
construction.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QLabel, QWidget


class _SessionNotice(QObject):
    changed = Signal()
    """Another member of staff signed in, or nobody is signed in."""


_NOTICE = _SessionNotice()


def announce_session_changed() -> None:
    """Tell every ``SessionLabel`` that the signed-in member of staff changed."""
    _NOTICE.changed.emit()


class SessionLabel(QLabel):
    """A label whose text names the signed-in user (see module docstring)."""

    def __init__(self, text: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = text
        self.refresh()
        _NOTICE.changed.connect(self.refresh)

    def refresh(self) -> None:
        self.setText(self._text())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange:
            self.refresh()
