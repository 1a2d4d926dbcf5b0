"""What the census area shows when there is no table to show: loading, empty ward, no database."""

from __future__ import annotations

import enum
import html
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PanelState(enum.Enum):
    LOADING = "loading"
    EMPTY_WARD = "empty"
    UNAVAILABLE = "unavailable"


EMPTY_WARD_TITLE = "No patients admitted."
EMPTY_WARD_BODY = "Admit a patient, or load the demo ward: <code>wardconsole --demo</code>"


class MessagePanel(QWidget):
    """A centred title and a line of advice saying what to do next."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessagePanel")
        self._title = QLabel()
        self._title.setObjectName("MessageTitle")
        self._body = QLabel()
        self._body.setObjectName("MessageBody")
        self._body.setWordWrap(True)
        self._body.setTextFormat(Qt.TextFormat.RichText)
        self._body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self._title, self._body):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self._title)
        layout.addSpacing(12)
        layout.addWidget(self._body)
        layout.addStretch(3)
        self._state = PanelState.LOADING
        self.show_loading()

    @property
    def state(self) -> PanelState:
        return self._state

    def title_text(self) -> str:
        return self._title.text()

    def body_text(self) -> str:
        """The advice as plain text (markup removed)."""
        plain = re.sub(r"<br\s*/?>", "\n", self._body.text())
        return html.unescape(re.sub(r"<[^>]+>", "", plain))

    def show_loading(self) -> None:
        self._set(PanelState.LOADING, "Loading the ward census…", "")

    def show_empty_ward(self) -> None:
        self._set(PanelState.EMPTY_WARD, EMPTY_WARD_TITLE, EMPTY_WARD_BODY)

    def show_unavailable(self, reason: str) -> None:
        body = (
            "The console keeps trying and will show the census as soon as the database answers."
            f"<br><small>{html.escape(reason)}</small>"
        )
        self._set(PanelState.UNAVAILABLE, "Cannot reach the ward database.", body)

    def _set(self, state: PanelState, title: str, body: str) -> None:
        self._state = state
        self._title.setText(title)
        self._body.setText(body)
        self._body.setVisible(bool(body))
