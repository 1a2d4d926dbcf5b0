"""Printing a shift's handoff to PDF off the UI thread, with progress and Cancel.

The report is built on the console's one background worker, like every database task (the
census and the editor read again once it is done); each page's progress is posted back to the
UI thread with ``run_on_main``. Cancel stops at the next page and removes the half-written
file.
"""

from __future__ import annotations

import threading
import weakref
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from wardconsole.domain.shifts import ShiftWindow
from wardconsole.ui.handoff.context import HandoffUi
from wardconsole.ui.tasks import TaskRunner


class PrintCancelled(Exception):
    """Raised from the progress callback when the nurse pressed Cancel."""


class HandoffPrinter(QObject):
    """Runs one print at a time; reports through signals (on the UI thread)."""

    progress_changed = Signal(int, int, str)
    """(pages done, pages in all, what is being drawn)."""

    print_finished = Signal(object)
    """The PDF was written (its ``Path``)."""

    print_failed = Signal(str)
    """Nothing was written; the argument is the message shown."""

    def __init__(self, ui: HandoffUi, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ui = ui
        self._runner = runner
        self._cancel = threading.Event()
        self._busy = False
        self._dialog: QProgressDialog | None = None

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self, shift: ShiftWindow, path: Path, window: QWidget | None = None) -> bool:
        """Begin printing ``shift`` to ``path``; False if a print is already running."""
        if self._busy:
            return False
        self._busy = True
        self._cancel.clear()
        self._show_dialog(window, shift)
        # The worker holds only plain objects and a weak reference: if the job is gone by the
        # time a page is done, its progress is dropped instead of keeping a Qt object alive
        # (and releasing it) on the worker thread.
        cancel, runner, write_report = self._cancel, self._runner, self._ui.write_report
        job = weakref.ref(self)

        def progress(done: int, total: int, what: str) -> None:
            if cancel.is_set():
                raise PrintCancelled
            runner.run_on_main(lambda: _post_progress(job, done, total, what))

        self._runner.run(
            self,
            lambda: write_report(shift, path, progress),
            on_success=self._on_written,
            on_failure=lambda error: self._on_failed(error, path),
        )
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def shutdown(self) -> None:
        self._cancel.set()
        self._runner.cancel_all(self)
        if self._dialog is not None:
            self._dialog.close()

    # -- progress dialog ------------------------------------------------------------------------

    def _show_dialog(self, window: QWidget | None, shift: ShiftWindow) -> None:
        if self._dialog is None:
            dialog = QProgressDialog(window)
            dialog.setObjectName("handoff_print_progress")
            dialog.setWindowTitle("Printing the handoff")
            dialog.setWindowModality(Qt.WindowModality.NonModal)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            dialog.setMinimumDuration(0)
            dialog.canceled.connect(self.cancel)
            self.progress_changed.connect(self._on_progress_changed)
            self._dialog = dialog
        self._dialog.setLabelText(f"Preparing the {shift.label}…")
        self._dialog.setRange(0, 0)
        self._dialog.setValue(0)
        self._dialog.show()

    @Slot(int, int, str)
    def _on_progress_changed(self, done: int, total: int, what: str) -> None:
        if self._dialog is None:
            return
        self._dialog.setRange(0, total)
        self._dialog.setValue(done)
        # Steps, not pages: a patient whose record runs on prints on more than one page.
        self._dialog.setLabelText(f"Preparing {min(done + 1, total)} of {total}: {what}")

    def _on_written(self, path: Path) -> None:
        self._busy = False
        if self._dialog is not None:
            self._dialog.hide()
        self.print_finished.emit(path)

    def _on_failed(self, error: BaseException, path: Path) -> None:
        self._busy = False
        if self._dialog is not None:
            self._dialog.hide()
        if isinstance(error, PrintCancelled):
            path.unlink(missing_ok=True)
            self.print_failed.emit("Printing cancelled; no file was written.")
            return
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        self.print_failed.emit(f"The handoff could not be printed: {first}")


def _post_progress(job: weakref.ref[HandoffPrinter], done: int, total: int, what: str) -> None:
    """On the UI thread: show a page's progress if the printer still exists."""
    live = job()
    if live is not None:
        live.progress_changed.emit(done, total, what)
