"""Staff accounts as a table for the supervisors' staff-management screen.

Status is in words ("Active", "DEACTIVATED", "SIGN-IN PAUSED until 03:40") so it never
depends on colour.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from wardconsole.services.staff import StaffAccount
from wardconsole.ui import formatting as fmt

ACCOUNT_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``StaffAccount`` behind any cell of a row."""

IndexLike = QModelIndex | QPersistentModelIndex
ROLE_LABELS = {"nurse": "Nurse", "supervisor": "Supervisor", "readonly": "Read-only"}


class StaffColumn(enum.IntEnum):
    CODE = 0
    NAME = 1
    ROLE = 2
    STATUS = 3
    PASSWORD = 4

    @property
    def title(self) -> str:
        return ("Staff ID", "Name", "Role", "Status", "Password")[self]


def status_text(account: StaffAccount, now: datetime) -> str:
    if not account.active:
        return "DEACTIVATED"
    if account.locked_at(now):
        return (
            f"SIGN-IN PAUSED until {fmt.local_time_text(account.locked_until)} "
            "(wrong passwords; a password reset ends it)"
        )
    return "Active"


class StaffTableModel(QAbstractTableModel):
    def __init__(
        self,
        parent: QObject | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self._accounts: tuple[StaffAccount, ...] = ()
        self._now = now

    def set_accounts(self, accounts: list[StaffAccount]) -> None:
        self.beginResetModel()
        self._accounts = tuple(accounts)
        self.endResetModel()

    def account(self, row: int) -> StaffAccount:
        return self._accounts[row]

    def row_of(self, staff_id: int) -> int:
        return next((i for i, a in enumerate(self._accounts) if a.id == staff_id), -1)

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._accounts)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(StaffColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(StaffColumn)
        ):
            return StaffColumn(section).title
        return None

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._accounts):
            return None
        account = self._accounts[index.row()]
        if role == ACCOUNT_ROLE:
            return account
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = StaffColumn(index.column())
        if column is StaffColumn.CODE:
            return account.staff_code
        if column is StaffColumn.NAME:
            return account.display_name
        if column is StaffColumn.ROLE:
            return ROLE_LABELS.get(account.role.value, account.role.value)
        if column is StaffColumn.STATUS:
            return status_text(account, self._now())
        return "set" if account.has_password else "NONE — cannot sign in"
