"""This period's fluid entries as a table (the quick-entry window shows them under the form)."""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import Qt

from wardconsole.domain.fluids import Direction, FluidEntry
from wardconsole.ui import formatting as fmt
from wardconsole.ui.widgets.snapshot_model import SnapshotTableModel

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``FluidEntry`` behind any cell of a row."""


class FluidColumn(enum.IntEnum):
    TIME = 0
    DIRECTION = 1
    WHAT = 2
    VOLUME = 3

    @property
    def title(self) -> str:
        return ("Time", "In / out", "What", "ml")[self]


class FluidEntriesModel(SnapshotTableModel[FluidEntry]):
    """Rows: the period's current entries, newest first."""

    headers = tuple(column.title for column in FluidColumn)
    row_role = ENTRY_ROLE

    def set_entries(self, entries: tuple[FluidEntry, ...]) -> None:
        self.set_rows(sorted(entries, key=lambda e: (e.taken_at, e.id), reverse=True))

    def entry(self, row: int) -> FluidEntry:
        return self.row_at(row)

    def cell(self, entry: FluidEntry, column: int, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        match FluidColumn(column):
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
