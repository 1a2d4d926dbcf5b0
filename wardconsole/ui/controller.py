"""What the main window asks of every feature: one shape, so it wires them all the same way.

A feature's controller (``<Feature>Controller`` in the feature's folder) is a child of the main
window. It owns the feature's actions and its top-level windows, and runs their database work on
the console's one background worker. The main window keeps a list of them: it hands each one the
changes other stations wrote and shuts each one down when it closes; where a feature's actions
go in the menus is the window's layout.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QAction

from wardconsole.domain.changes import Change


class Controller(Protocol):
    """One feature's actions and windows in the main window."""

    def actions(self) -> list[QAction]:
        """The feature's window-level actions (menus, shortcuts), in menu order."""
        ...

    def on_changes(self, changes: list[Change]) -> None:
        """Another station wrote these: reload what the feature shows, if it is affected."""
        ...

    def shutdown(self) -> None:
        """The window is closing: stop timers, drop pending results, hide own windows."""
        ...
