"""The dialogs of File → Import FHIR… and File → Export patient…: choosing files and formats,
and following an import's progress. Each chooser has a ``classmethod ask()`` tests replace."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from wardconsole.services.bulk_import import RECORDING

FHIR_FILTER = "FHIR R4 JSON (*.json *.ndjson);;All files (*)"
EXPORT_FILTERS = {
    "FHIR R4 bundle (*.json)": ("fhir", ".json"),
    "CSV of observations (*.csv)": ("csv", ".csv"),
}


class ImportFileDialog:
    """Pick the FHIR file to import."""

    @classmethod
    def ask(cls, parent: QWidget | None, patient_label: str = "") -> Path | None:
        title = "Import a FHIR record"
        if patient_label:
            title += f" for {patient_label}"
        name, _ = QFileDialog.getOpenFileName(parent, title, str(Path.home()), FHIR_FILTER)
        return Path(name) if name else None


@dataclass(frozen=True, slots=True)
class ExportChoice:
    path: Path
    export_format: str  # "fhir" | "csv"


class ExportPatientDialog:
    """Pick where to save a patient's export and in which format (by the file type chosen)."""

    @classmethod
    def ask(cls, parent: QWidget | None, patient_label: str, suggested: str) -> ExportChoice | None:
        name, chosen = QFileDialog.getSaveFileName(
            parent,
            f"Export {patient_label}",
            str(Path.home() / suggested),
            ";;".join(EXPORT_FILTERS),
        )
        if not name:
            return None
        export_format, suffix = EXPORT_FILTERS.get(chosen, ("fhir", ".json"))
        path = Path(name)
        if path.suffix.lower() not in (".json", ".csv"):
            path = path.with_suffix(suffix)
        elif path.suffix.lower() == ".csv":
            export_format = "csv"
        return ExportChoice(path, export_format)


class ImportProgressDialog(QProgressDialog):
    """Sets checked so far, then the last step (adding them to the record); Cancel in either
    rolls the whole file back (nothing is imported)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("import_progress")
        self.setWindowTitle("Importing vital signs")
        self.setCancelButtonText("Cancel import")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumWidth(460)
        self._heading = "Importing"

    def begin(self, file_name: str, patient_label: str = "") -> None:
        self._heading = f"Importing {file_name}" + (
            f"\nfor {patient_label}" if patient_label else ""
        )
        self.setLabelText(f"{self._heading}\nReading the file…")
        self.setRange(0, 0)  # busy until the number of sets is known
        self.setValue(0)
        self.show()

    def advance(self, done: int, total: int) -> None:
        if self.wasCanceled() or total == 0:
            return  # (0, 0): still reading the file, the busy bar stays
        if done == RECORDING:  # a large file's final step: one short transaction
            self.setLabelText(f"{self._heading}\nLast step: adding {total} sets to the record…")
            self.setRange(0, 0)
            return
        self.setLabelText(
            f"{self._heading}\nChecking set {done} of {total}"
            "\n(nothing is on the record until the last step)"
        )
        self.setRange(0, max(total, 1))
        self.setValue(done)
