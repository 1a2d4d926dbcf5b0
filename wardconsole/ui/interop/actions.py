"""What the composition root hands the window for File → Import / Export (no Qt here).

Both callables block on the database and the file system; the window calls them only on its
background worker, with the member of staff at the station (``UiContext.current_actor``), so
the permission check and the audit row happen in the services, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wardconsole.services.context import Actor
from wardconsole.services.importing import ImportReport, Progress

if TYPE_CHECKING:  # the export modules load on the first export
    from wardconsole.interop.exporting import ExportResult


@dataclass(frozen=True, slots=True)
class InteropActions:
    import_fhir: Callable[[Actor, Path, Progress, str | None], ImportReport]
    """``import_fhir(actor, path, progress, hospital_number)``: one FHIR R4 JSON file (bundle,
    resource or NDJSON), all or nothing; ``hospital_number`` says whose record it is when the
    file does not (None: as the file says)."""

    export_patient: Callable[[Actor, str, Path, str], ExportResult]
    """``export_patient(actor, hospital_number, path, "fhir" | "csv")``: every stay."""
