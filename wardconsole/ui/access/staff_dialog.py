"""Staff management for supervisors: add accounts, reset passwords, deactivate and reactivate.

Accounts are never deleted (the records and the audit trail name them). Every change runs on the
background worker through ``StaffService``, which checks the permission, applies the local
password policy and writes the audit row; a refusal is shown next to the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelection, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.services.context import Actor, InvalidInput, Role, ServiceError
from wardconsole.services.staff import HUMAN_ROLES, StaffAccount, StaffService
from wardconsole.ui.access.staff_model import ROLE_LABELS, StaffColumn, StaffTableModel
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.style_property import set_style_property


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(1024)
    return field


class NewAccountDialog(QDialog):
    """Staff ID, name, role and a first password (typed twice)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a staff account")
        self.staff_code = QLineEdit()
        self.staff_code.setObjectName("new_staff_code")
        self.staff_code.setMaxLength(32)
        self.display_name = QLineEdit()
        self.display_name.setObjectName("new_display_name")
        self.role = QComboBox()
        self.role.setObjectName("new_role")
        for role in HUMAN_ROLES:
            self.role.addItem(ROLE_LABELS[role.value], role)
        self.password = _password_field("new_password")
        self.repeat = _password_field("new_password_repeat")
        self.problems = QLabel()
        self.problems.setObjectName("account_problems")
        self.problems.setWordWrap(True)
        set_style_property(self.problems, "tone", "alert")
        self.problems.setVisible(False)
        form = QFormLayout()
        form.addRow("Staff &ID", self.staff_code)
        form.addRow("Na&me", self.display_name)
        form.addRow("&Role", self.role)
        form.addRow("First &password", self.password)
        form.addRow("Re&peat password", self.repeat)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_accept_requested)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> dict[str, Any] | None:
        """The new account's details, or None when cancelled."""
        dialog = cls(parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.values()

    def values(self) -> dict[str, Any]:
        return {
            "staff_code": self.staff_code.text().strip(),
            "display_name": self.display_name.text().strip(),
            "role": self.role.currentData(),
            "password": self.password.text(),
        }

    @Slot()
    def _on_accept_requested(self) -> None:
        if self.password.text() != self.repeat.text():
            self.problems.setText("The two passwords are not the same; type them again.")
            self.problems.setVisible(True)
            self.password.clear()
            self.repeat.clear()
            self.password.setFocus()
            return
        self.accept()


class NewPasswordDialog(QDialog):
    """A new password for one account, typed twice."""

    def __init__(self, account: StaffAccount, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"New password for {account.display_name}")
        self.password = _password_field("reset_password")
        self.repeat = _password_field("reset_password_repeat")
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        set_style_property(self.problems, "tone", "alert")
        self.problems.setVisible(False)
        form = QFormLayout()
        form.addRow("New &password", self.password)
        form.addRow("Re&peat", self.repeat)
        note = QLabel(
            "The account's sign-in lock, if any, is lifted. Tell the member of staff "
            "the new password in person."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_accept_requested)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, account: StaffAccount, parent: QWidget | None = None) -> str | None:
        dialog = cls(account, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.password.text()

    @Slot()
    def _on_accept_requested(self) -> None:
        if self.password.text() != self.repeat.text():
            self.problems.setText("The two passwords are not the same; type them again.")
            self.problems.setVisible(True)
            self.password.clear()
            self.repeat.clear()
            return
        self.accept()


class StaffDialog(QDialog):
    """Every account in a table, with the supervisor's actions beside it."""

    def __init__(
        self,
        staff: StaffService,
        actor: Callable[[], Actor],
        parent: QWidget | None = None,
        *,
        runner: TaskRunner,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("StaffDialog")
        self.setWindowTitle("Staff accounts")
        self._staff = staff
        self._actor = actor
        self._runner = runner
        self.model = StaffTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("staff_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(StaffColumn.STATUS, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (StaffColumn.CODE, 130),
            (StaffColumn.NAME, 190),
            (StaffColumn.ROLE, 100),
        ):
            header.resizeSection(column, width)
        self.add_button = self._button("add_button", "&Add account…")
        self.reset_button = self._button("reset_button", "R&eset password…")
        self.deactivate_button = self._button("deactivate_button", "&Deactivate")
        self.reactivate_button = self._button("reactivate_button", "Re&activate")
        self.close_button = self._button("close_button", "&Close")
        self.status = QLabel()
        self.status.setObjectName("staff_status")
        self.status.setWordWrap(True)
        buttons = QVBoxLayout()
        for button in (
            self.add_button,
            self.reset_button,
            self.deactivate_button,
            self.reactivate_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(self.status)
        self.resize(860, 420)

        self.add_button.clicked.connect(self._on_add_requested)
        self.reset_button.clicked.connect(self._on_reset_requested)
        self.deactivate_button.clicked.connect(self._on_deactivate_requested)
        self.reactivate_button.clicked.connect(self._on_reactivate_requested)
        self.close_button.clicked.connect(self.accept)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._update_buttons()
        self.reload()

    @classmethod
    def ask(
        cls,
        staff: StaffService,
        actor: Callable[[], Actor],
        parent: QWidget | None = None,
        *,
        runner: TaskRunner,
    ) -> None:
        dialog = cls(staff, actor, parent, runner=runner)
        try:
            dialog.exec()
        finally:
            dialog.shutdown()

    def shutdown(self) -> None:
        self._runner.cancel_all(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        return button

    # -- reading ----------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        actor = self._actor()  # who is asking: read here, on the UI thread, at the click
        self._runner.run(
            self,
            lambda: self._staff.list_staff(actor),
            on_success=lambda accounts: self._on_loaded(accounts, select_id),
            on_failure=self._on_failed,
            key="list",
        )

    def _on_loaded(self, accounts: list[StaffAccount], select_id: int | None) -> None:
        self.model.set_accounts(accounts)
        if select_id is not None and (row := self.model.row_of(select_id)) >= 0:
            self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> StaffAccount | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.account(rows[0].row()) if rows else None

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, *_args: object) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        account = self.selected()
        self.reset_button.setEnabled(account is not None and account.active)
        self.deactivate_button.setEnabled(account is not None and account.active)
        self.reactivate_button.setEnabled(account is not None and not account.active)

    # -- changing ---------------------------------------------------------------------------

    @Slot()
    def _on_add_requested(self) -> None:
        values = NewAccountDialog.ask(self)
        if values is None:
            return
        role: Role = values.pop("role")
        self._change(
            lambda: self._staff.add(
                values["staff_code"],
                values["display_name"],
                role,
                values["password"],
                by=self._actor(),
            ),
            f"Added {values['display_name']} ({values['staff_code']}).",
        )

    @Slot()
    def _on_reset_requested(self) -> None:
        account = self.selected()
        if account is None:
            return
        password = NewPasswordDialog.ask(account, self)
        if password is None:
            return
        actor = self._actor()
        self._change(
            lambda: self._staff.reset_password(actor, account.id, password),
            f"New password set for {account.display_name}; any lock is lifted.",
            account.id,
        )

    @Slot()
    def _on_deactivate_requested(self) -> None:
        self._set_active(False)

    @Slot()
    def _on_reactivate_requested(self) -> None:
        self._set_active(True)

    def _set_active(self, active: bool) -> None:
        account = self.selected()
        if account is None:
            return
        if not active:
            answer = QMessageBox.question(
                self,
                "Deactivate account?",
                f"{account.display_name} ({account.staff_code}) will no longer be able to sign "
                "in. Their entries and the audit trail keep their name.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        verb = "Reactivated" if active else "Deactivated"
        actor = self._actor()
        self._change(
            lambda: self._staff.set_active(actor, account.id, active),
            f"{verb} {account.display_name}.",
            account.id,
        )

    def _change(self, work: Callable[[], object], done: str, select_id: int | None = None) -> None:
        self._say("Saving…", "muted")

        def on_success(result: object) -> None:
            self._say(f"✔ {done}", "ok")
            self.reload(result if isinstance(result, int) else select_id)

        self._runner.run(self, work, on_success=on_success, on_failure=self._on_failed)

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, InvalidInput):
            text = "✖ Not saved — " + "; ".join(error.problems.values())
        elif isinstance(error, ServiceError):
            text = f"✖ Not saved — {error}"
        else:
            text = f"✖ The database did not answer ({type(error).__name__}); nothing changed."
        self._say(text, "alert")

    def _say(self, text: str, tone: str) -> None:
        self.status.setText(text)
        set_style_property(self.status, "tone", tone)
