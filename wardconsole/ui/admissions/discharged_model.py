"""Discharged patients found by a search, as a table (most recently discharged first)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt

from wardconsole.domain.admission_records import HistoryHit
from wardconsole.domain.discharge import Destination
from wardconsole.ui import formatting as fmt
from wardconsole.ui.widgets.snapshot_model import SnapshotTableModel

PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""``HistoryHit.patient_id`` for any cell of a row."""


class DischargedColumn(enum.IntEnum):
    NAME = 0
    NUMBER = 1
    BORN = 2
    STAYS = 3
    DISCHARGED = 4
    DESTINATION = 5

    @property
    def title(self) -> str:
        return ("Patient", "Hospital no.", "Born", "Stays", "Last discharged", "Went to")[self]


def destination_label(code: str | None) -> str:
    if code is None:
        return "—"
    try:
        return Destination(code).label
    except ValueError:
        return code


def _cell(hit: HistoryHit, column: DischargedColumn) -> str:
    match column:
        case DischargedColumn.NAME:
            return hit.name
        case DischargedColumn.NUMBER:
            return hit.hospital_number
        case DischargedColumn.BORN:
            return f"{hit.date_of_birth.day} {hit.date_of_birth:%b %Y}"
        case DischargedColumn.STAYS:
            return str(hit.stays)
        case DischargedColumn.DISCHARGED:
            return fmt.local_datetime_text(hit.last_discharged_at)
        case DischargedColumn.DESTINATION:
            return destination_label(hit.last_destination)


class DischargedTableModel(SnapshotTableModel[HistoryHit]):
    """Read-only rows of ``HistoryHit``."""

    headers = tuple(column.title for column in DischargedColumn)

    def set_hits(self, hits: Sequence[HistoryHit]) -> None:
        self.set_rows(hits)

    def hit(self, row: int) -> HistoryHit:
        return self.row_at(row)

    def cell(self, hit: HistoryHit, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(hit, DischargedColumn(column))
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{hit.name}, hospital no. {hit.hospital_number}: {hit.stays} "
                f"stay{'s' if hit.stays != 1 else ''}"
            )
        if role == PATIENT_ID_ROLE:
            return hit.patient_id
        if role == Qt.ItemDataRole.TextAlignmentRole and column == DischargedColumn.STAYS:
            return Qt.AlignmentFlag.AlignCenter
        return None
