"""This period's fluid entries as a table (the quick-entry window shows them under the form)."""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from wardconsole.domain.fluids import Direction, FluidEntry
from wardconsole.ui import formatting as fmt

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``FluidEntry`` behind any cell of a row."""

IndexLike = QModelIndex | QPersistentModelIndex


class FluidColumn(enum.IntEnum):
    TIME = 0
    DIRECTION = 1
    WHAT = 2
    VOLUME = 3

    @property
    def title(self) -> str:
        return ("Time", "In / out", "What", "ml")[self]


class FluidEntriesModel(QAbstractTableModel):
    """Rows: the period's current entries, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[FluidEntry] = []

    def set_entries(self, entries: tuple[FluidEntry, ...]) -> None:
        self.beginResetModel()
        self._entries = sorted(entries, key=lambda e: (e.taken_at, e.id), reverse=True)
        self.endResetModel()

    def entry(self, row: int) -> FluidEntry:
        return self._entries[row]

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(FluidColumn)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == ENTRY_ROLE:
            return entry
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        match FluidColumn(index.column()):
            case FluidColumn.TIME:
                return fmt.local_time_text(entry.taken_at)
            case FluidColumn.DIRECTION:
                return "In" if entry.direction is Direction.INTAKE else "Out"
            case FluidColumn.WHAT:
                if entry.volume_ml is None:
                    return entry.text.split(" — ", 1)[0]
                return entry.text.rsplit(f" {entry.volume_ml} ml", 1)[0]
            case FluidColumn.VOLUME:
                return "not measured" if entry.volume_ml is None else str(entry.volume_ml)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(FluidColumn)
        ):
            return FluidColumn(section).title
        return None
