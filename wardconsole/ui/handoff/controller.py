"""The Handoff menu: "This shift's handoff…", "Handoff board…", "Print handoff…".

``HandoffController`` is a child of the main window (a ``ui.controller.Controller``). It owns the
two handoff windows (top-level, held by plain Python references and created on first use), their
background worker and the printer; it forwards other stations' handoff changes to them (the
windows follow the theme state themselves).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from wardconsole.domain.changes import Change
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.services.context import Actor
from wardconsole.ui.handoff.context import HandoffUi
from wardconsole.ui.handoff.dialogs import ReportFileDialog
from wardconsole.ui.handoff.print_job import HandoffPrinter

if TYPE_CHECKING:  # the windows load when first opened, not with the census
    from wardconsole.ui.handoff.board_window import HandoffBoardWindow
    from wardconsole.ui.handoff.editor_window import HandoffEditorWindow
from wardconsole.ui.tasks import TaskRunner


class HandoffController(QObject):
    """The handoff actions and windows of one main window (see module docstring)."""

    def __init__(
        self,
        ui: HandoffUi,
        actor: Callable[[], Actor],
        window: QWidget,
        runner: TaskRunner,
    ) -> None:
        super().__init__(window)
        self._ui = ui
        self._actor = actor
        self._window = window
        self._runner = runner
        self._editor: HandoffEditorWindow | None = None
        self._board: HandoffBoardWindow | None = None
        self._printer = HandoffPrinter(ui, runner, self)
        self.message_box = QMessageBox(window)
        self.message_box.setObjectName("handoff_message_box")
        self.message_box.setWindowTitle("WardConsole")
        self.editor_action = QAction("&This shift's handoff…", window)
        self.editor_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.editor_action.setStatusTip(
            "Write this shift's handoff: facts from the record and your notes"
        )
        self.board_action = QAction("Handoff &board…", window)
        self.board_action.setStatusTip("Review, send back and sign every patient's handoff")
        self.print_action = QAction("&Print handoff…", window)
        self.print_action.setStatusTip("Save this shift's handoff as a PDF to print")
        self.editor_action.triggered.connect(self.open_editor)
        self.board_action.triggered.connect(self.open_board)
        self.print_action.triggered.connect(self._on_print_this_shift_requested)
        self._printer.print_finished.connect(self._on_print_finished)
        self._printer.print_failed.connect(self._on_print_failed)

    def actions(self) -> list[QAction]:
        return [self.editor_action, self.board_action, self.print_action]

    def add_to(self, menu: QMenu) -> None:
        menu.addActions(self.actions())

    @property
    def editor(self) -> HandoffEditorWindow | None:
        return self._editor

    @property
    def board(self) -> HandoffBoardWindow | None:
        return self._board

    @property
    def printer(self) -> HandoffPrinter:
        return self._printer

    # -- opening the windows ------------------------------------------------------------------

    @Slot()
    def open_editor(self) -> HandoffEditorWindow:
        if self._editor is None:
            from wardconsole.ui.handoff.editor_window import HandoffEditorWindow  # on first use

            self._editor = HandoffEditorWindow(self._ui, self._actor, self._runner)
        self._editor.show()
        self._editor.raise_()
        self._editor.activateWindow()
        self._editor.open_shift()
        return self._editor

    @Slot()
    def open_board(self) -> HandoffBoardWindow:
        if self._board is None:
            from wardconsole.ui.handoff.board_window import HandoffBoardWindow

            self._board = HandoffBoardWindow(self._ui, self._actor, self._runner)
            self._board.print_requested.connect(self.print_shift)
        self._board.show()
        self._board.raise_()
        self._board.activateWindow()
        self._board.reload()
        return self._board

    # -- printing -----------------------------------------------------------------------------

    @Slot(object)
    def print_shift(self, shift: ShiftWindow) -> None:
        if self._printer.busy:
            self._tell("A handoff is already being printed; wait for it to finish.")
            return
        parent = (
            self._board if self._board is not None and self._board.isVisible() else (self._window)
        )
        path = ReportFileDialog.ask(parent, default_report_path(shift))
        if path is None:
            return
        self._printer.start(shift, path, parent)

    @Slot()
    def _on_print_this_shift_requested(self) -> None:
        # At handover the shift being printed is the one ending: "this shift" until it ends.
        self.print_shift(self._ui.service.this_shift())

    @Slot(object)
    def _on_print_finished(self, path: Path) -> None:
        self._tell(f"The handoff was saved to {path}. Open it to print.")

    @Slot(str)
    def _on_print_failed(self, message: str) -> None:
        self._tell(message)

    def _tell(self, text: str) -> None:
        self.message_box.setText(text)
        self.message_box.open()

    # -- keeping windows current --------------------------------------------------------------

    @Slot(list)
    def on_changes(self, changes: list[Change]) -> None:
        """Another station wrote: reload the windows if a handoff changed."""
        if not any(change.topic == "handoff" for change in changes):
            return
        for window in (self._editor, self._board):
            if window is not None and window.isVisible():
                window.reload()

    @Slot(object)
    def on_actor_changed(self, _actor: object) -> None:
        """Another member of staff signed in (or nobody is): the windows follow."""
        for window in (self._editor, self._board):
            if window is not None:
                window.on_actor_changed()

    def shutdown(self) -> None:
        """Close the windows and drop their pending results without waiting for the database."""
        self._runner.cancel_all(self)
        self._printer.shutdown()
        for window in (self._editor, self._board):
            if window is not None:
                window.hide()


def default_report_path(shift: ShiftWindow) -> Path:
    """handoff-night-2026-11-25T1900.pdf in the user's documents folder."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    name = f"handoff-{shift.name.lower()}-{shift.key.replace(':', '')}.pdf"
    return Path(folder or Path.home()) / name
