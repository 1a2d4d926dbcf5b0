"""The one background worker UI tests hand to windows and dialogs, as the console's
composition root does: one per process, made once the QApplication exists."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from wardconsole.ui.tasks import TaskRunner

_runner: TaskRunner | None = None


def shared_runner() -> TaskRunner:
    global _runner
    if _runner is None:
        app = QApplication.instance()
        assert app is not None, "make the QApplication (the qapp fixture) first"
        _runner = TaskRunner(app)
    return _runner
