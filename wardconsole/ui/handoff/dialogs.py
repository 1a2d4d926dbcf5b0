"""The questions the handoff windows ask. Each has a ``classmethod ask()`` tests monkeypatch."""

from __future__ import annotations

import enum
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.records import Severity
from wardconsole.services.handoff import ShiftBoard
from wardconsole.ui import formatting as fmt
from wardconsole.ui.handoff import words
from wardconsole.ui.widgets.style_property import set_style_property

MAX_TEXT = 4000


class TextDialog(QDialog):
    """A prompt and a text box; OK is refused (with the reason shown) while required text is
    missing."""

    def __init__(
        self,
        title: str,
        prompt: str,
        *,
        required: bool,
        ok_text: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self._required = required
        label = QLabel(prompt)
        label.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setObjectName("dialog_text")
        self.text.setTabChangesFocus(True)
        self.error = QLabel()
        self.error.setObjectName("dialog_error")
        self.error.setWordWrap(True)
        set_style_property(self.error, "tone", "alert")
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        buttons.accepted.connect(self._on_accept_requested)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.text)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.text.setFocus()  # typing starts in the text, never on a button

    def _on_accept_requested(self) -> None:
        text = self.text.toPlainText().strip()
        if self._required and not text:
            self.error.setText("Write something first: this is kept on the handoff's record.")
            self.error.show()
            return
        if len(text) > MAX_TEXT:
            self.error.setText(f"At most {MAX_TEXT} characters ({len(text)} now).")
            self.error.show()
            return
        self.accept()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        title: str,
        prompt: str,
        *,
        required: bool = True,
        ok_text: str = "OK",
    ) -> str | None:
        dialog = cls(title, prompt, required=required, ok_text=ok_text, parent=parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.text.toPlainText().strip()
        finally:
            dialog.deleteLater()


class SignShiftForm(TextDialog):
    """The note for signing the whole shift (``SignShiftDialog.ask`` shows it).

    With an emergency escalation open it names each one (bed, patient, kind, since when) and
    the shift is signed only after "Sign with the emergency open" is ticked — reachable by Tab
    and Space, or Alt+O."""

    def __init__(self, board: ShiftBoard, parent: QWidget | None = None) -> None:
        count = len(board.handoffs)
        super().__init__(
            "Sign the shift's handoffs",
            f"Sign all {count} handoffs of the {board.shift.label}? Signing records your name "
            "and the time and freezes them: later corrections are amendments with a reason.\n\n"
            "A note for the record (optional):",
            required=False,
            ok_text="Sign the shift",
            parent=parent,
        )
        self.setObjectName("sign_shift_dialog")
        self.emergencies: QLabel | None = None
        self.confirm: QCheckBox | None = None
        if not board.open_emergencies:
            return
        count = len(board.open_emergencies)
        lines = "\n".join(
            f"{fmt.severity_text(Severity.EMERGENCY)} · {words.emergency_text(e, board.shift)}"
            for e in board.open_emergencies
        )
        heading = (
            "An emergency escalation is still open:"
            if count == 1
            else f"{count} emergency escalations are still open:"
        )
        self.emergencies = QLabel(f"{heading}\n{lines}")
        self.emergencies.setObjectName("open_emergencies")
        self.emergencies.setWordWrap(True)
        set_style_property(self.emergencies, "tone", "alert")
        self.confirm = QCheckBox("Sign with the emergency &open (it stays open and alarming)")
        self.confirm.setObjectName("confirm_emergency")
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, self.emergencies)
        layout.insertWidget(layout.count() - 2, self.confirm)
        self.setTabOrder(self.text, self.confirm)

    def _on_accept_requested(self) -> None:
        if self.confirm is not None and not self.confirm.isChecked():
            self.error.setText(
                "An emergency is open: tick “Sign with the emergency open” to sign anyway, "
                "or cancel and deal with it first."
            )
            self.error.show()
            self.confirm.setFocus()
            return
        super()._on_accept_requested()


class SignShiftDialog:
    """Confirms signing the whole shift; returns the sign-off note ('' for none) or None."""

    @classmethod
    def ask(cls, parent: QWidget | None, board: ShiftBoard) -> str | None:
        dialog = SignShiftForm(board, parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.text.toPlainText().strip()
        finally:
            dialog.deleteLater()


class ReportFileDialog:
    """Where to save the printed handoff."""

    @classmethod
    def ask(cls, parent: QWidget | None, suggested: Path) -> Path | None:
        name, _filter = QFileDialog.getSaveFileName(
            parent, "Save the shift's handoff as PDF", str(suggested), "PDF files (*.pdf)"
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")


class Unsaved(enum.Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class UnsavedDialog:
    """The nurse is leaving a handoff with unsaved text."""

    @classmethod
    def ask(cls, parent: QWidget | None, patient: str) -> Unsaved:
        box = QMessageBox(parent)
        box.setWindowTitle("Unsaved handoff notes")
        box.setText(f"Your notes for {patient} are not saved.")
        box.setInformativeText("Save them now?")
        save = box.addButton("Save", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard my changes", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        if clicked is save:
            return Unsaved.SAVE
        if clicked is discard:
            return Unsaved.DISCARD
        return Unsaved.CANCEL
