"""The station's queue (saves made while the database was unavailable) as a table.

Each row says in words whether the entry is waiting to be written, was refused, or could not be
written and needs attention (and why), so
a nurse can see at a glance that nothing typed during an outage has been lost.
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import Qt

from wardconsole.services.outbox import QueuedEntry, QueueKind, QueueState
from wardconsole.ui import formatting as fmt
from wardconsole.ui.widgets.snapshot_model import SnapshotTableModel

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``QueuedEntry`` behind any cell of a row."""


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


class QueueTableModel(SnapshotTableModel[QueuedEntry]):
    headers = tuple(column.title for column in QueueColumn)
    row_role = ENTRY_ROLE

    def set_entries(self, entries: list[QueuedEntry]) -> None:
        # Audit events waiting (lock, sign-in) are not entries a nurse made; they stay hidden.
        self.set_rows(e for e in entries if e.kind is not QueueKind.AUDIT)

    def entry(self, row: int) -> QueuedEntry:
        return self.row_at(row)

    def cell(self, entry: QueuedEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == QueueColumn.STATE:
            return state_text(entry)  # the whole reason, when the column is too narrow
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        match QueueColumn(column):
            case QueueColumn.QUEUED:
                return fmt.local_time_text(entry.queued_at)
            case QueueColumn.BED:
                return entry.bed or "—"
            case QueueColumn.ENTRY:
                return entry.summary
            case QueueColumn.BY:
                return entry.actor.display_name
        return state_text(entry)
