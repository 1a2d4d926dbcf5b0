"""The station's queue (saves made while the database was unavailable) as a table.

Each row says in words whether the entry is waiting to be written, was refused, or could not be
written and needs attention (and why), so
a nurse can see at a glance that nothing typed during an outage has been lost.
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from wardconsole.services.outbox import QueuedEntry, QueueKind, QueueState
from wardconsole.ui import formatting as fmt

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``QueuedEntry`` behind any cell of a row."""

IndexLike = QModelIndex | QPersistentModelIndex


class QueueColumn(enum.IntEnum):
    QUEUED = 0
    BED = 1
    ENTRY = 2
    BY = 3
    STATE = 4

    @property
    def title(self) -> str:
        return ("Entered", "Bed", "Entry", "By", "State")[self]


def state_text(entry: QueuedEntry) -> str:
    if entry.state is QueueState.REFUSED:
        return f"✖ REFUSED by the database: {entry.last_error}"
    if entry.state is QueueState.NEEDS_ATTENTION:
        return f"⚠ NEEDS ATTENTION — not written: {entry.last_error}"
    if entry.state is QueueState.SENT:
        return f"✔ Written at {fmt.local_time_text(entry.sent_at)}"
    tries = f" ({entry.attempts} tries so far)" if entry.attempts else ""
    return f"⏳ Waiting for the database{tries}"


class QueueTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: tuple[QueuedEntry, ...] = ()

    def set_entries(self, entries: list[QueuedEntry]) -> None:
        # Audit events waiting (lock, sign-in) are not entries a nurse made; they stay hidden.
        shown = tuple(e for e in entries if e.kind is not QueueKind.AUDIT)
        self.beginResetModel()
        self._entries = shown
        self.endResetModel()

    def entry(self, row: int) -> QueuedEntry:
        return self._entries[row]

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(QueueColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(QueueColumn)
        ):
            return QueueColumn(section).title
        return None

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == QueueColumn.STATE:
            return state_text(entry)  # the whole reason, when the column is too narrow
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = QueueColumn(index.column())
        if column is QueueColumn.QUEUED:
            return fmt.local_time_text(entry.queued_at)
        if column is QueueColumn.BED:
            return entry.bed or "—"
        if column is QueueColumn.ENTRY:
            return entry.summary
        if column is QueueColumn.BY:
            return entry.actor.display_name
        return state_text(entry)
