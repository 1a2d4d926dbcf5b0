"""Export to a file: FHIR R4 bundle (``.json``) or CSV (``.csv``), one entry point for CLI and GUI.

The file is written next to its destination and moved into place only when complete, readable
by its owner only (it holds mental-health and substance-use data).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wardconsole.interop.csv_export import write_csv
from wardconsole.interop.fhir_export import write_bundle
from wardconsole.services.context import Actor, InvalidInput
from wardconsole.services.db import Database
from wardconsole.services.interop import ExportService


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    export_format: str
    patients: int
    items: int
    """Resources in the bundle, or rows in the CSV."""

    def summary(self) -> str:
        unit = "resources" if self.export_format == "fhir" else "rows"
        return (
            f"Exported {self.patients} patient{'s' if self.patients != 1 else ''} "
            f"({self.items} {unit}) to {self.path}"
        )


def format_for(path: Path, export_format: str | None = None) -> str:
    """``fhir`` or ``csv``, from the argument or the file extension."""
    if export_format:
        return export_format
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".json", ".fhir"):
        return "fhir"
    raise InvalidInput(
        {"out": "out: end the file name with .json (FHIR) or .csv, or give the format"}
    )


def export_to_file(
    db: Database,
    actor: Actor,
    path: Path,
    *,
    hospital_number: str | None = None,
    export_format: str | None = None,
) -> ExportResult:
    chosen = format_for(path, export_format)
    if not path.parent.is_dir():
        raise InvalidInput({"out": f"out: folder {path.parent} does not exist"})
    record = ExportService(db).collect(
        actor, hospital_number=hospital_number, export_format=chosen, destination=str(path)
    )
    handle, temp_name = tempfile.mkstemp(prefix=".wardconsole-export-", dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        os.chmod(temp, 0o600)
        items = write_bundle(record, temp) if chosen == "fhir" else write_csv(record, temp)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return ExportResult(path, chosen, len(record.patients), items)
