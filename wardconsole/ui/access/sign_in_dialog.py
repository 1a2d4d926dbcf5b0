"""Signing in: staff ID and password, on start (``SignInDialog``) and on the lock screen.

``SignInForm`` is the form both use. The password check runs on the background worker (it
takes a deliberate fraction of a second and talks to the database); the answer comes back as
``signed_in`` or as a message under the form. A refused password is cleared, the staff ID kept.
When nobody can sign in to this database yet, the form says which command creates the first
supervisor; on a demo ward it says the demo password.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.services.context import ServiceError
from wardconsole.services.sign_in import SignedIn, SignInPurpose, SignInRefused, SignInSetup
from wardconsole.services.unavailable import is_unavailable, one_line
from wardconsole.ui.access.session import AccessContext
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.style_property import set_style_property

log = logging.getLogger(__name__)

Submit = Callable[[str, str], SignedIn]
"""``submit(staff_id, password)`` — blocks; run on the worker."""

SIGN_IN_STYLE = """
QLabel#sign_in_title { font-size: 17pt; font-weight: bold; }
QLabel#sign_in_hint { font-size: 11pt; }
QLabel#sign_in_message { font-size: 11pt; font-weight: bold; padding: 6px; }
QLineEdit#staff_id, QLineEdit#password { font-size: 13pt; padding: 4px; min-width: 240px; }
QPushButton#sign_in_button { font-size: 12pt; padding: 6px 18px; }
"""


def refusal_text(error: BaseException) -> str:
    """What the form says when a sign-in did not go through."""
    if isinstance(error, SignInRefused | ServiceError):
        return str(error)
    if is_unavailable(error):
        return f"The ward database is unavailable ({one_line(error)}). Try again in a moment."
    return "Signing in failed unexpectedly; try again, or use another station."


class SignInForm(QWidget):
    """Staff ID, password and a button; emits ``signed_in`` once the password is accepted."""

    signed_in = Signal(object)
    """The password was accepted (a ``SignedIn``)."""
    text_changed = Signal()
    """The hint or the message changed: a window holding the form may need more height."""

    def __init__(
        self,
        submit: Submit,
        runner: TaskRunner,
        *,
        purpose: SignInPurpose = SignInPurpose.START,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self._runner = runner
        self._busy = False
        self.setObjectName("SignInForm")
        self.staff_id = QLineEdit()
        self.staff_id.setObjectName("staff_id")
        self.staff_id.setPlaceholderText("e.g. rn.okafor")
        self.staff_id.setMaxLength(32)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(1024)
        self.button = QPushButton("Unlock" if purpose is SignInPurpose.UNLOCK else "Sign in")
        self.button.setObjectName("sign_in_button")
        self.button.setDefault(True)
        self.message = QLabel()
        self.message.setObjectName("sign_in_message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.hint = QLabel()
        self.hint.setObjectName("sign_in_hint")
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint.setVisible(False)

        fields = QFormLayout()
        fields.addRow("Staff &ID", self.staff_id)
        fields.addRow("&Password", self.password)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(fields)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.button)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.hint)

        self.button.clicked.connect(self._on_submit_requested)
        self.staff_id.returnPressed.connect(self._on_staff_id_entered)
        self.password.returnPressed.connect(self._on_submit_requested)

    # -- what the screen says ---------------------------------------------------------------

    def show_setup(self, setup: SignInSetup) -> None:
        """No account yet: say the command; a demo ward: say the demo password."""
        if not setup.can_sign_in:
            self.hint.setText(setup.first_account_hint)
            self.hint.setVisible(True)
            self.set_enabled(False)
            self.text_changed.emit()
            return
        if setup.demo_password is not None:
            accounts = ", ".join(f"{code} ({role.value})" for code, role in setup.demo_accounts)
            self.hint.setText(
                "This is a demo ward with invented patients. Demo accounts: "
                f"{accounts or 'see the README'}.\nDemo password: {setup.demo_password}"
            )
            self.hint.setVisible(True)
        self.set_enabled(True)
        self.text_changed.emit()

    def show_message(self, text: str, *, tone: str = "alert") -> None:
        self.message.setText(text)
        set_style_property(self.message, "tone", tone)
        self.message.setVisible(bool(text))
        self.text_changed.emit()

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.staff_id, self.password, self.button):
            widget.setEnabled(enabled)

    def reset(self, staff_id: str = "") -> None:
        """Empty the form (the password is never kept) and focus the first empty field."""
        self._busy = False
        self.staff_id.setText(staff_id)
        self.password.clear()
        self.show_message("")
        self.set_enabled(True)
        self.focus_first_empty()

    def focus_first_empty(self) -> None:
        target = self.password if self.staff_id.text().strip() else self.staff_id
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- slots ------------------------------------------------------------------------------

    @Slot()
    def _on_staff_id_entered(self) -> None:
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_submit_requested(self) -> None:
        if self._busy or not self.button.isEnabled():
            return
        staff_id, password = self.staff_id.text().strip(), self.password.text()
        if not staff_id or not password:
            self.show_message("Enter your staff ID and password.")
            self.focus_first_empty()
            return
        self._busy = True
        self.set_enabled(False)
        self.show_message("Checking…", tone="muted")
        self._runner.run(
            self,
            lambda: self._submit(staff_id, password),
            on_success=self._on_accepted,
            on_failure=self._on_refused,
        )

    def _on_accepted(self, signed_in: SignedIn) -> None:
        self._busy = False
        self.password.clear()
        self.set_enabled(True)
        self.show_message("")
        self.signed_in.emit(signed_in)

    def _on_refused(self, error: BaseException) -> None:
        if not isinstance(error, SignInRefused | ServiceError):
            log.error("Sign-in did not go through: %s", one_line(error))
        self._busy = False
        self.password.clear()
        self.set_enabled(True)
        self.show_message(refusal_text(error))
        self.focus_first_empty()


class SignInDialog(QDialog):
    """The first screen of the console: who is at this station?"""

    def __init__(self, access: AccessContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"WardConsole — sign in — {access.station}")
        self.setObjectName("SignInDialog")
        self.setStyleSheet(SIGN_IN_STYLE)
        self.signed: SignedIn | None = None
        self.setup_loaded = False
        """True once the screen says what it has to say (form, first-account hint or error)."""
        self._runner = access.runner
        title = QLabel(f"Sign in to {access.ward_name}")
        title.setObjectName("sign_in_title")
        station = QLabel(f"Station: {access.station}")
        station.setObjectName("sign_in_station")
        self.form = SignInForm(
            lambda code, password: access.sign_in(code, password, SignInPurpose.START, None),
            self._runner,
        )
        self.quit_button = QPushButton("&Quit")
        self.quit_button.setObjectName("quit_button")
        self.quit_button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(station)
        layout.addWidget(self.form)
        footer = QHBoxLayout()
        footer.addStretch(1)
        footer.addWidget(self.quit_button)
        layout.addLayout(footer)
        self.setMinimumWidth(520)

        self.form.signed_in.connect(self._on_signed_in)
        self.form.text_changed.connect(self._on_text_changed)
        self.quit_button.clicked.connect(self.reject)
        self.form.set_enabled(False)
        self.form.show_message("Opening the ward database…", tone="muted")
        self._runner.run(
            self, access.setup, on_success=self._on_setup_loaded, on_failure=self._on_setup_failed
        )

    @classmethod
    def ask(cls, access: AccessContext, parent: QWidget | None = None) -> SignedIn | None:
        """Show the sign-in screen; who signed in, or None when the user quit."""
        dialog = cls(access, parent)
        try:
            dialog.exec()
            return dialog.signed
        finally:
            dialog.shutdown()

    def shutdown(self) -> None:
        self._runner.cancel_all(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def _on_setup_loaded(self, setup: SignInSetup) -> None:
        self.setup_loaded = True
        self.form.show_message("")
        self.form.show_setup(setup)
        self.form.focus_first_empty()

    def _on_setup_failed(self, error: BaseException) -> None:
        log.error("The sign-in screen cannot read the ward database: %s", one_line(error))
        self.setup_loaded = True
        self.form.show_message(refusal_text(error))
        self.form.set_enabled(True)

    @Slot()
    def _on_text_changed(self) -> None:
        """Fit the height to a hint or message set after the window opened (a word-wrapped
        label does not make its window taller by itself): the demo password or a database
        error is never cut off, and a message that goes leaves no gap. Measured once the
        labels' own layout requests have been handled (the next turn of the event loop)."""
        QTimer.singleShot(0, self, self._fit_height)

    def _fit_height(self) -> None:
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        self.setMinimumHeight(needed)
        if self.height() != needed:
            self.resize(self.width(), needed)

    @Slot(object)
    def _on_signed_in(self, signed: SignedIn) -> None:
        self.signed = signed
        self.accept()
