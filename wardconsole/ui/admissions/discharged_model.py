"""Discharged patients found by a search, as a table (most recently discharged first)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from wardconsole.domain.admission_records import HistoryHit
from wardconsole.domain.discharge import Destination
from wardconsole.ui import formatting as fmt

PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""``HistoryHit.patient_id`` for any cell of a row."""

IndexLike = QModelIndex | QPersistentModelIndex


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


class DischargedTableModel(QAbstractTableModel):
    """Read-only rows of ``HistoryHit``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: tuple[HistoryHit, ...] = ()

    def set_hits(self, hits: Sequence[HistoryHit]) -> None:
        self.beginResetModel()
        self._hits = tuple(hits)
        self.endResetModel()

    def hit(self, row: int) -> HistoryHit:
        return self._hits[row]

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(DischargedColumn)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._hits):
            return None
        hit = self._hits[index.row()]
        column = DischargedColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(hit, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{hit.name}, hospital no. {hit.hospital_number}: {hit.stays} "
                f"stay{'s' if hit.stays != 1 else ''}"
            )
        if role == PATIENT_ID_ROLE:
            return hit.patient_id
        if role == Qt.ItemDataRole.TextAlignmentRole and column is DischargedColumn.STAYS:
            return Qt.AlignmentFlag.AlignCenter
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(DischargedColumn)
        ):
            return DischargedColumn(section).title
        return None

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
