"""File → Import FHIR… and File → Export patient…: the actions, their dialogs and their work.

Reading and writing run on the window's background worker; an import's progress comes back to
the UI thread through ``TaskRunner.run_on_main`` (at most one update per set). Cancel stops the
import at the next set and rolls the whole file back. Outcomes are told in a message box that
does not block the window (``open()``), and announced by signals for whoever else cares.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from wardconsole.domain.changes import Change
from wardconsole.services.context import Actor
from wardconsole.services.importing import ImportReport
from wardconsole.services.views import CensusRow
from wardconsole.ui.census.census_model import CensusTableModel
from wardconsole.ui.census.census_view import CensusView
from wardconsole.ui.interop.actions import InteropActions
from wardconsole.ui.interop.dialogs import (
    ExportPatientDialog,
    ImportFileDialog,
    ImportProgressDialog,
)
from wardconsole.ui.tasks import TaskRunner

if TYPE_CHECKING:  # the export modules load on the first export
    from wardconsole.interop.exporting import ExportResult

SKIP_REASONS_SHOWN = 6
"""The most frequent skip reasons shown in the result; the rest are under Show Details."""


class ImportCancelled(Exception):
    """Raised inside the import's transaction when the nurse pressed Cancel."""


class InteropController(QObject):
    """Owns the File-menu actions and the progress dialog (children of the window); a
    ``ui.controller.Controller``."""

    import_finished = Signal(object)
    """An import was committed (an ``ImportReport``)."""

    export_finished = Signal(object)
    """An export file was written (an ``ExportResult``)."""

    interop_failed = Signal(str)
    """An import or export changed nothing; the argument is the message shown."""

    def __init__(
        self,
        actions: InteropActions,
        actor: Callable[[], Actor],
        runner: TaskRunner,
        view: CensusView,
        model: CensusTableModel,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self._actions = actions
        self._actor = actor
        self._runner = runner
        self._view = view
        self._model = model
        self._window = window
        self._progress: ImportProgressDialog | None = None
        self._cancel = threading.Event()
        self._busy = False
        self.message_box = QMessageBox(window)
        self.message_box.setObjectName("interop_message")
        self.message_box.setWindowTitle("WardConsole")
        self.import_action = QAction("&Import FHIR…", window)
        self.import_action.setStatusTip(
            "Import vital signs, weighings and food, fluid, bowel and sleep entries from a "
            "FHIR R4 file (all or nothing)"
        )
        self.import_into_action = QAction("Import FHIR into &selected patient…", window)
        self.import_into_action.setStatusTip(
            "For a file that does not say whose record it is: import it for the patient "
            "selected on the census"
        )
        self.export_action = QAction("&Export patient (FHIR/CSV)…", window)
        self.export_action.setStatusTip("Save the selected patient's record as FHIR or CSV")
        self.import_action.triggered.connect(self._on_import_requested)
        self.import_into_action.triggered.connect(self._on_import_into_requested)
        self.export_action.triggered.connect(self._on_export_requested)

    def actions(self) -> list[QAction]:
        return [self.import_action, self.import_into_action, self.export_action]

    def add_to(self, menu: QMenu) -> None:
        menu.addActions(self.actions())
        menu.addSeparator()

    def on_changes(self, changes: list[Change]) -> None:
        """Nothing stays on screen to reload: an import or export reads when it starts."""

    def shutdown(self) -> None:
        """An import or export in flight ends on the worker (all or nothing); its outcome is
        dropped with the window."""
        self._runner.cancel_all(self)

    @property
    def busy(self) -> bool:
        return self._busy

    # -- import ---------------------------------------------------------------------------------

    @Slot()
    def _on_import_requested(self) -> None:
        self._import(None)

    @Slot()
    def _on_import_into_requested(self) -> None:
        row = self._selected_row("Import FHIR into selected patient")
        if row is not None:
            self._import(row.hospital_number, f"{row.patient_name} ({row.hospital_number})")

    def _import(self, hospital_number: str | None, patient_label: str = "") -> None:
        if self._busy:
            return
        path = ImportFileDialog.ask(self._window, patient_label)
        if path is None:
            return
        actions, runner, cancel = self._actions, self._runner, self._cancel
        actor = self._current_actor()
        cancel.clear()
        progress = self._progress_dialog()
        progress.begin(path.name, patient_label)
        self._busy = True  # one at a time; the progress dialog is window-modal anyway
        last = [-1]

        def report_progress(done: int, total: int) -> None:  # on the worker thread
            if cancel.is_set():
                raise ImportCancelled
            if done != last[0]:
                last[0] = done
                runner.run_on_main(lambda: progress.advance(done, total))

        runner.run(
            self,
            lambda: actions.import_fhir(actor, path, report_progress, hospital_number),
            on_success=lambda report: self._on_import_done(path, report),
            on_failure=lambda error: self._on_import_failed(path, error),
        )

    def _progress_dialog(self) -> ImportProgressDialog:
        if self._progress is None:
            self._progress = ImportProgressDialog(self._window)
            self._progress.canceled.connect(self._on_cancel_requested)
        return self._progress

    @Slot()
    def _on_cancel_requested(self) -> None:
        self._cancel.set()
        if self._progress is not None:
            self._progress.setLabelText("Cancelling — nothing will be imported…")

    def _on_import_done(self, path: Path, report: ImportReport) -> None:
        self._finish()
        lines = report.skipped_lines()
        shown = lines[:SKIP_REASONS_SHOWN]
        if len(lines) > len(shown):
            shown.append(f"… and {len(lines) - len(shown)} more reasons (Show Details)")
        text = f"{path.name}: {report.summary()}."
        self._tell(
            QMessageBox.Icon.Information,
            "Import finished",
            text,
            "Skipped, by reason:\n" + "\n".join(shown) if lines else "",
            "\n".join(lines) if len(lines) > SKIP_REASONS_SHOWN else "",
        )
        self.import_finished.emit(report)

    def _on_import_failed(self, path: Path, error: BaseException) -> None:
        self._finish()
        if isinstance(error, ImportCancelled):
            text = f"Import of {path.name} cancelled: nothing was imported."
        else:
            text = f"{path.name}: nothing was imported. {_one_line(error)}"
        self._tell(QMessageBox.Icon.Warning, "Import not done", text)
        self.interop_failed.emit(text)

    # -- export ---------------------------------------------------------------------------------

    @Slot()
    def _on_export_requested(self) -> None:
        if self._busy:
            return
        row = self._selected_row("Export patient")
        if row is None:
            return
        label = f"{row.patient_name} ({row.hospital_number})"
        suggested = re.sub(r"[^A-Za-z0-9_-]+", "_", row.hospital_number) + ".json"
        choice = ExportPatientDialog.ask(self._window, label, suggested)
        if choice is None:
            return
        actions, hospital_number, actor = self._actions, row.hospital_number, self._current_actor()
        self._busy = True
        self._runner.run(
            self,
            lambda: actions.export_patient(
                actor, hospital_number, choice.path, choice.export_format
            ),
            on_success=self._on_export_done,
            on_failure=lambda error: self._on_export_failed(label, error),
        )

    def _on_export_done(self, result: ExportResult) -> None:
        self._finish()
        self._tell(
            QMessageBox.Icon.Information,
            "Export finished",
            result.summary() + ".",
            "The export is recorded in the audit trail.",
        )
        self.export_finished.emit(result)

    def _on_export_failed(self, label: str, error: BaseException) -> None:
        self._finish()
        text = f"{label} was not exported: {_one_line(error)}"
        self._tell(QMessageBox.Icon.Warning, "Export not done", text)
        self.interop_failed.emit(text)

    # -- helpers --------------------------------------------------------------------------------

    def _selected_row(self, title: str) -> CensusRow | None:
        admission_id = self._view.selected_admission_id()
        row_number = -1 if admission_id is None else self._model.row_of_admission(admission_id)
        if row_number < 0:
            self._tell(QMessageBox.Icon.Information, title, "Select a patient on the census first.")
            return None
        return self._model.census_row(row_number)

    def _current_actor(self) -> Actor:
        return self._actor()

    def _finish(self) -> None:
        self._busy = False
        if self._progress is not None:
            self._progress.hide()

    def _tell(
        self, icon: QMessageBox.Icon, title: str, text: str, details: str = "", more: str = ""
    ) -> None:
        box = self.message_box
        box.setIcon(icon)
        box.setWindowTitle(title)
        box.setText(text)
        box.setInformativeText(details)
        box.setDetailedText(more)
        box.open()


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
