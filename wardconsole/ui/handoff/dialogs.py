"""The questions the handoff windows ask. Each has a ``classmethod ask()`` tests monkeypatch."""

from __future__ import annotations

import enum
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from wardconsole.services.handoff import ShiftBoard
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


class SignShiftDialog:
    """Confirms signing the whole shift; returns the sign-off note ('' for none) or None."""

    @classmethod
    def ask(cls, parent: QWidget | None, board: ShiftBoard) -> str | None:
        count = len(board.handoffs)
        return TextDialog.ask(
            parent,
            "Sign the shift's handoffs",
            f"Sign all {count} handoffs of the {board.shift.label}? Signing records your name "
            "and the time and freezes them: later corrections are amendments with a reason.\n\n"
            "A note for the record (optional):",
            required=False,
            ok_text="Sign the shift",
        )


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
