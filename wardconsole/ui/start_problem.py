"""The window that says why the console could not start.

Started from a desktop icon, nobody reads the terminal: a database that is missing, read-only,
unreachable or too new, or a demo ward in use, is explained here in the same line the terminal
gets (and the log).
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

TITLE = "WardConsole cannot start"


def start_problem_box(line: str) -> QMessageBox:
    """The message box (built, not shown), for the window and its screenshot test."""
    box = QMessageBox(QMessageBox.Icon.Critical, TITLE, line[:1].upper() + line[1:])
    box.setObjectName("start_problem")
    box.setInformativeText("Nothing was changed. The same line is in the terminal and the log.")
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box


class StartProblem:
    """Shows the line modally; tests replace ``tell`` to read what a user would see."""

    @classmethod
    def tell(cls, line: str) -> None:
        existing = QApplication.instance()
        app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
        box = start_problem_box(line)
        box.exec()
        del app
