"""Staff accounts as a table for the supervisors' staff-management screen.

Status is in words ("Active", "DEACTIVATED", "SIGN-IN PAUSED until 03:40") so it never
depends on colour.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, Qt

from wardconsole.services.staff import StaffAccount
from wardconsole.ui import formatting as fmt
from wardconsole.ui.widgets.snapshot_model import SnapshotTableModel

ACCOUNT_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``StaffAccount`` behind any cell of a row."""

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


class StaffTableModel(SnapshotTableModel[StaffAccount]):
    headers = tuple(column.title for column in StaffColumn)
    row_role = ACCOUNT_ROLE

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self._now = now

    def set_accounts(self, accounts: list[StaffAccount]) -> None:
        self.set_rows(accounts)

    def account(self, row: int) -> StaffAccount:
        return self.row_at(row)

    def row_of(self, staff_id: int) -> int:
        return next((i for i, a in enumerate(self.rows) if a.id == staff_id), -1)

    def cell(self, account: StaffAccount, column: int, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        match StaffColumn(column):
            case StaffColumn.CODE:
                return account.staff_code
            case StaffColumn.NAME:
                return account.display_name
            case StaffColumn.ROLE:
                return ROLE_LABELS.get(account.role.value, account.role.value)
            case StaffColumn.STATUS:
                return status_text(account, self._now())
        return "set" if account.has_password else "NONE — cannot sign in"
