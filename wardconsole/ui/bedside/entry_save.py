"""Saving an entry so that a nurse is never left unsure whether it was saved.

``EntrySaver`` runs one save on the background worker and keeps trying while the database is
busy or unreachable (growing back-off, or at once on "Retry now"); a refusal by the service
(bad input, discharged patient, no permission) is final and reported as such. The save
callable must be idempotent — the bedside services take a save key for exactly this — because
a try whose connection dropped during the commit may in fact have saved.

``SaveStatusPanel`` shows the saver's state in words, with a shape and a colour: "Saving…",
"✔ Saved at 03:12", "✖ Not saved — the database did not answer… retrying in 5 s".
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from wardconsole.services.context import ServiceError
from wardconsole.ui.tasks import TaskHandle, TaskRunner
from wardconsole.ui.widgets.style_property import set_style_property

log = logging.getLogger(__name__)

SLOW_SAVE_MS = 4000
"""After this long without an answer the panel says the database is slow (still saving)."""


class SaveState(enum.Enum):
    EDITING = "editing"
    SAVING = "saving"
    WAITING = "waiting"
    """The last try could not reach the database; another try is scheduled."""
    SAVED = "saved"
    REFUSED = "refused"
    """The service refused the entry; nothing was saved and retrying will not help."""


class EntrySaver(QObject):
    """One save at a time, retried until it succeeds, is refused, or the nurse stops it."""

    state_changed = Signal(object)
    """The ``SaveState`` changed."""

    saved = Signal(object)
    """The save committed; carries the service's result."""

    refused = Signal(object)
    """The service refused; carries the ``ServiceError`` (``InvalidInput`` names fields)."""

    retry_scheduled = Signal(str, int)
    """The database could not be reached (one-line reason); the next try is in N seconds."""

    countdown_changed = Signal(int)
    """Seconds until the next try, once a second while waiting."""

    slow_changed = Signal(bool)
    """The current try has been running longer than ``SLOW_SAVE_MS``."""

    RETRY_DELAYS_S: Sequence[int] = (2, 5, 10, 20, 30)
    """Back-off between tries; the last value repeats."""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._work: Callable[[], Any] | None = None
        self._state = SaveState.EDITING
        self._failures = 0
        self._seconds_left = 0
        self._handle: TaskHandle | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        self._slow = QTimer(self)
        self._slow.setSingleShot(True)
        self._slow.setInterval(SLOW_SAVE_MS)
        self._slow.timeout.connect(self._on_slow)
        self.last_error = ""

    @property
    def state(self) -> SaveState:
        return self._state

    @property
    def tries(self) -> int:
        """Tries made for the current save (1 after the first)."""
        return self._failures + (1 if self._state in (SaveState.SAVING, SaveState.SAVED) else 0)

    def start(self, work: Callable[[], Any]) -> None:
        """Start saving with ``work`` (blocking; runs on the worker); ignored while saving."""
        if self._state is SaveState.SAVING:
            return
        self._work = work
        self._failures = 0
        self._try()

    def retry_now(self) -> None:
        if self._state is SaveState.WAITING:
            self._try()

    def stop_retrying(self) -> None:
        """Give up waiting (the entry stays unsaved and editable)."""
        if self._state is SaveState.WAITING:
            self._tick.stop()
            self._set_state(SaveState.EDITING)

    def reset(self) -> None:
        """Back to editing after a refusal, so the corrected entry can be saved."""
        if self._state in (SaveState.REFUSED, SaveState.WAITING):
            self._tick.stop()
            self._set_state(SaveState.EDITING)

    def shutdown(self) -> None:
        """Stop timers and drop any answer still to come (only when the owner is going away)."""
        self._tick.stop()
        self._slow.stop()
        if self._handle is not None:
            self._handle.cancel()

    # -- internals ------------------------------------------------------------------------------

    def _try(self) -> None:
        assert self._work is not None
        self._tick.stop()
        self._set_state(SaveState.SAVING)
        self._slow.start()
        self._handle = self._runner.run(
            self, self._work, on_success=self._on_success, on_failure=self._on_failure
        )

    def _on_success(self, result: Any) -> None:
        self._slow.stop()
        self.slow_changed.emit(False)
        self._set_state(SaveState.SAVED)
        self.saved.emit(result)

    def _on_failure(self, error: BaseException) -> None:
        self._slow.stop()
        self.slow_changed.emit(False)
        if isinstance(error, ServiceError):
            self.last_error = str(error)
            self._set_state(SaveState.REFUSED)
            self.refused.emit(error)
            return
        log.warning("Save failed, will retry: %s", type(error).__name__)
        self.last_error = _one_line(error)
        delays = self.RETRY_DELAYS_S
        self._seconds_left = int(delays[min(self._failures, len(delays) - 1)])
        self._failures += 1
        self._set_state(SaveState.WAITING)
        self.retry_scheduled.emit(self.last_error, self._seconds_left)
        self._tick.start()

    @Slot()
    def _on_tick(self) -> None:
        self._seconds_left -= 1
        if self._seconds_left <= 0:
            self._try()
        else:
            self.countdown_changed.emit(self._seconds_left)

    @Slot()
    def _on_slow(self) -> None:
        if self._state is SaveState.SAVING:
            self.slow_changed.emit(True)

    def _set_state(self, state: SaveState) -> None:
        if state is not self._state:
            self._state = state
            self.state_changed.emit(state)


class SaveStatusPanel(QFrame):
    """The saver's state, in words a nurse reads at a glance, with "Retry now"."""

    retry_requested = Signal()
    """The nurse pressed "Retry now"."""

    def __init__(self, saver: EntrySaver, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SaveStatus")
        self._saver = saver
        self._text = QLabel()
        self._text.setObjectName("save_status")
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Retry &now")
        self.retry_button.setVisible(False)
        self.retry_button.setAutoDefault(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._text, 1)
        layout.addWidget(self.retry_button)
        self.retry_button.clicked.connect(self.retry_requested)
        saver.state_changed.connect(self._on_state_changed)
        saver.retry_scheduled.connect(self._on_retry_scheduled)
        saver.countdown_changed.connect(self._on_countdown_changed)
        saver.slow_changed.connect(self._on_slow_changed)
        self.setVisible(False)

    def text(self) -> str:
        return self._text.text()

    def show_message(self, text: str, tone: str) -> None:
        """Show ``text`` with a tone: 'ok', 'alert', 'busy' or 'muted'."""
        self._text.setText(text)
        set_style_property(self._text, "tone", tone)
        self.setVisible(bool(text))

    def _on_state_changed(self, state: SaveState) -> None:
        self.retry_button.setVisible(state is SaveState.WAITING)
        if state is SaveState.SAVING:
            tries = self._saver.tries
            again = f" (try {tries})" if tries > 1 else ""
            self.show_message(f"Saving…{again} Keep this window open until it says Saved.", "busy")
        elif state is SaveState.EDITING:
            self.show_message("", "muted")

    def _on_retry_scheduled(self, reason: str, seconds: int) -> None:
        self._waiting_text(reason, seconds)

    def _on_countdown_changed(self, seconds: int) -> None:
        self._waiting_text(self._saver.last_error, seconds)

    def _on_slow_changed(self, slow: bool) -> None:
        if slow and self._saver.state is SaveState.SAVING:
            self.show_message(
                "Saving… the database is slow to answer. Do not enter this again; "
                "this window will say when it is saved.",
                "busy",
            )

    def _waiting_text(self, reason: str, seconds: int) -> None:
        self.show_message(
            f"✖ NOT SAVED YET — the database is busy or cannot be reached ({reason}). "
            f"Everything you typed is kept. Trying again in {seconds} s.",
            "alert",
        )


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 120 else text[:117] + "…"
