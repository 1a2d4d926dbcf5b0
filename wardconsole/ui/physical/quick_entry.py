"""What the quick-entry windows of the food and fluid chart share (drinks, meals and bowels):
the patient and who is recording in the header, one ``EntrySaver`` with its status panel, a
problem worded with the form's own field names, and closing that waits for a save in flight.
Each window builds its form and says what it saves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtWidgets import QAbstractButton, QDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from wardconsole.services.context import InvalidInput, ServiceError
from wardconsole.services.recording import SaveResult
from wardconsole.services.safe_saves import QueuedSave
from wardconsole.ui import formatting as fmt
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.shared import Bedside, queued_text
from wardconsole.ui.tasks import TaskHandle
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.follows_session import SessionLabel
from wardconsole.ui.widgets.style_property import set_style_property


class QuickEntryDialog(QDialog):
    """A window that saves many small entries for one patient; ``saved_count`` counts them."""

    def __init__(
        self,
        bedside: Bedside,
        admission_id: int,
        title: str,
        parent: QWidget | None = None,
        *,
        name: str,
        window_title: str,
    ) -> None:
        """``title`` is the patient ("Aisha Khan — Bed B03"); ``window_title`` the window's."""
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(window_title)
        mark_form(self, FormKind.ENTRY)
        self._bedside = bedside
        self._admission_id = admission_id
        self._load_handle: TaskHandle | None = None
        self.saved_count = 0
        self._saver = EntrySaver(bedside.runner, self)
        self.status = SaveStatusPanel(self._saver)

    @classmethod
    def ask(
        cls, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> bool:
        """Show the window modally; True when at least one entry was saved."""
        dialog = cls(bedside, admission_id, title, parent)  # type: ignore[call-arg]  # subclasses
        dialog.exec()
        saved = dialog.saved_count > 0
        dialog.setParent(None)  # the local reference is its only owner from here
        return saved

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    def header(self, title: str) -> QHBoxLayout:
        return patient_header(title, self._bedside)

    def footer(self) -> QHBoxLayout:
        """The save status and Close, wired to the one saver: its results reach ``_on_saved``
        and ``_on_refused``, and while a save is in flight the window's save buttons wait and
        Close waits for it."""
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        self.status.retry_requested.connect(self._saver.retry_now)
        self._saver.saved.connect(self._on_saved)
        self._saver.refused.connect(self._on_refused)
        self._saver.state_changed.connect(self._on_state_changed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.close_button)
        return buttons

    def save_buttons(self) -> Sequence[QAbstractButton]:
        """The buttons that start a save (disabled while one is in flight)."""
        return ()

    def _on_saved(self, result: SaveResult | QueuedSave) -> None:
        raise NotImplementedError

    def show_saved(self, result: SaveResult | QueuedSave, what: str) -> None:
        """Count the save and say what was saved and when (``what``, in words, so the nurse
        can check it before the form clears), and whether it was kept on this station."""
        self.saved_count += 1
        self.status.show_message(
            f"✔ SAVED at {fmt.local_time_text(self._bedside.clock())} — {what}", "ok"
        )
        if isinstance(result, QueuedSave):
            self.status.show_message(queued_text(result), "ok")

    def _on_refused(self, error: ServiceError) -> None:
        raise NotImplementedError

    def _on_state_changed(self, state: SaveState) -> None:
        busy = state in (SaveState.SAVING, SaveState.WAITING)
        for button in self.save_buttons():
            button.setEnabled(not busy)
        self.close_button.setEnabled(state is not SaveState.SAVING)

    def show_problem(self, text: str) -> None:
        self.status.show_message(f"✖ Not saved — {text}", "alert")

    def show_refusal(self, error: ServiceError, labels: Mapping[str, str]) -> str:
        """Show why the save was refused, the field named as the form labels it; returns the
        message shown."""
        if isinstance(error, InvalidInput):
            key, message = next(iter(error.problems.items()))
            label = labels.get(key)
            if label and message.startswith(f"{key}:"):
                message = f"{label}:{message[len(key) + 1 :]}"
        else:
            message = str(error)
        self.show_problem(message)
        return message

    def reject(self) -> None:
        if self._saver.state is SaveState.SAVING:
            self.status.show_message("Still saving — wait until this says Saved.", "busy")
            return
        super().reject()

    def done(self, code: int) -> None:
        self._saver.shutdown()
        if self._load_handle is not None:
            self._load_handle.cancel()
        super().done(code)


def patient_header(title: str, bedside: Bedside) -> QHBoxLayout:
    """The patient on the left, 'Recording as …' (whoever is signed in now) on the right."""
    patient = QLabel(title)
    patient.setObjectName("entry_patient")
    who = SessionLabel(lambda: bedside.recording_as)
    set_style_property(who, "tone", "muted")
    header = QHBoxLayout()
    header.addWidget(patient)
    header.addStretch(1)
    header.addWidget(who)
    return header


def save_footer(dialog: QDialog, status: SaveStatusPanel, save_button: QPushButton) -> QHBoxLayout:
    """The save status, Close (never the default button) and the form's Save, in that order."""
    close = QPushButton("Close")
    close.setAutoDefault(False)
    close.clicked.connect(dialog.reject)
    buttons = QHBoxLayout()
    buttons.addWidget(status, 1)
    buttons.addWidget(close)
    buttons.addWidget(save_button)
    return buttons
