"""The audit trail as a table: when, who, station, what, which patient, details.

Rows are ``AuditEntry`` snapshots (newest first from the service); ``AuditProxyModel`` sorts
by the raw value of a column (time sorts by time, not by its text).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from wardconsole.domain.entry_kinds import audit_action_labels
from wardconsole.services.audit import AuditEntry

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``AuditEntry`` behind any cell of a row."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
"""A value that sorts the column correctly (the time itself, lower-case text)."""

IndexLike = QModelIndex | QPersistentModelIndex

ACTION_LABELS: Mapping[str, str] = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "account_locked": "Account locked (wrong passwords)",
    "unlock": "Unlocked the station",
    "lock": "Station locked",
    "sign_out": "Signed out",
    "export": "Exported",
    "add_staff": "Added a staff account",
    "deactivate_staff": "Deactivated a staff account",
    "reactivate_staff": "Reactivated a staff account",
    "reset_password": "Reset a password",
    **audit_action_labels(),
    "record_prn_effect": "Recorded PRN effect",
    "entered_in_error": "Marked entered in error",
    "admit": "Admitted",
    "readmit": "Readmitted",
    "discharge": "Discharged",
    "outbox_replayed": "Saved from the station queue",
    "record_aftercare_plan": "Recorded the aftercare plan",
    "view_follow_up_contact": "Read a follow-up contact card",
    "record_follow_up_attempt": "Recorded a follow-up attempt",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or action.replace("_", " ").capitalize()


def detail_text(detail: Mapping[str, Any]) -> str:
    """The detail dictionary in one readable line (long values shortened)."""
    parts = []
    for key, value in detail.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        text = str(value)
        parts.append(f"{key.replace('_', ' ')}: {text[:60]}{'…' if len(text) > 60 else ''}")
    return "; ".join(parts)


class AuditColumn(enum.IntEnum):
    WHEN = 0
    WHO = 1
    STATION = 2
    ACTION = 3
    PATIENT = 4
    DETAILS = 5

    @property
    def title(self) -> str:
        return ("When", "Staff", "Station", "Action", "Patient", "Details")[self]


class AuditTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: tuple[AuditEntry, ...] = ()

    def set_entries(self, entries: tuple[AuditEntry, ...]) -> None:
        self.beginResetModel()
        self._entries = tuple(entries)
        self.endResetModel()

    def entry(self, row: int) -> AuditEntry:
        return self._entries[row]

    @property
    def entries(self) -> tuple[AuditEntry, ...]:
        return self._entries

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(AuditColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(AuditColumn)
        ):
            return AuditColumn(section).title
        return None

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        column = AuditColumn(index.column())
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole and column is AuditColumn.DETAILS:
            return detail_text(entry.detail) or None
        if role == SORT_ROLE:
            if column is AuditColumn.WHEN:
                return entry.at.timestamp()
            return self._text(entry, column).casefold()
        return None

    @staticmethod
    def _text(entry: AuditEntry, column: AuditColumn) -> str:
        if column is AuditColumn.WHEN:
            local = entry.at.astimezone()
            return f"{local:%a} {local.day} {local:%b %Y %H:%M:%S}"
        if column is AuditColumn.WHO:
            if not entry.staff_code:
                return "(command line)" if entry.station == "cli" else "(no account)"
            return f"{entry.staff_name} ({entry.staff_code})"
        if column is AuditColumn.STATION:
            return entry.station
        if column is AuditColumn.ACTION:
            return action_label(entry.action)
        if column is AuditColumn.PATIENT:
            return entry.patient
        return detail_text(entry.detail)


class AuditProxyModel(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
