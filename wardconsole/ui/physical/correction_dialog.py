"""Correct an entry from the history: the correction replaces it wherever it counts; the
original stays in the history, marked superseded, with the reason. ``EntryCorrectionDialog`` is
what every kind's correction shares; ``FluidCorrectionDialog`` corrects a drink or an output."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.fluids import (
    INTAKE_ROUTES,
    OUTPUT_KINDS,
    Direction,
    FluidInput,
    fluid_entry_text,
)
from wardconsole.services.context import Actor, InvalidInput, ServiceError
from wardconsole.services.history import HistoryEntry
from wardconsole.services.recording import SaveResult
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.theme import FormKind, mark_form


class EntryCorrectionDialog(QDialog):
    """Amend one current entry with a reason: the subclass builds the form (``form``) and says
    what the correction writes (``amendment``); saving, the reason, the refusal and the result
    are this class's."""

    def __init__(
        self,
        bedside: Bedside,
        entry: HistoryEntry,
        title: str,
        parent: QWidget | None = None,
        *,
        name: str,
        window_title: str,
    ) -> None:
        """``title`` is the patient; ``window_title`` the window's (which names it)."""
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(window_title)
        mark_form(self, FormKind.ENTRY)
        self._bedside = bedside
        self._entry = entry
        self.result_value: SaveResult | None = None
        self._saver = EntrySaver(bedside.runner, self)
        self.form = QFormLayout()
        self.reason = QLineEdit()
        self.reason.setObjectName("correct_reason")
        self.reason.setPlaceholderText("why it is being corrected (required)")
        self.status = SaveStatusPanel(self._saver)
        self.save_button = QPushButton("&Save correction")
        self.save_button.setObjectName("correct_save")
        self.save_button.setDefault(True)

    def finish(self, correcting: str) -> None:
        """Lay out 'Correcting: …', the subclass's form, the reason and the buttons."""
        original = QLabel(f"Correcting: {correcting}")
        original.setWordWrap(True)
        self.form.addRow("R&eason:", self.reason)
        cancel = QPushButton("Cancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(original)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        self._saver.saved.connect(self._on_saved)
        self._saver.refused.connect(self._on_refused)
        self.status.retry_requested.connect(self._saver.retry_now)

    @classmethod
    def ask(
        cls, bedside: Bedside, entry: HistoryEntry, title: str, parent: QWidget | None = None
    ) -> SaveResult | None:
        dialog = cls(bedside, entry, title, parent)  # type: ignore[call-arg]  # subclasses
        dialog.exec()
        result = dialog.result_value
        dialog.setParent(None)  # the local reference is its only owner from here
        return result

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    def amendment(self, actor: Actor, entry_id: int, reason: str) -> Callable[[], SaveResult]:
        """What saving writes, read from the form now (runs on the worker)."""
        raise NotImplementedError

    def save(self) -> None:
        if self._saver.state is SaveState.SAVED:
            self.accept()
            return
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        self._saver.reset()
        write = self.amendment(self._bedside.acting(), self._entry.id, self.reason.text())
        self._saver.start(write)

    @Slot(object)
    def _on_saved(self, result: SaveResult) -> None:
        self.result_value = result
        self.accept()

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        if isinstance(error, InvalidInput):
            message = next(iter(error.problems.values()))
        else:
            message = str(error)
        self.status.show_message(f"✖ Not saved — {message}", "alert")


class FluidCorrectionDialog(EntryCorrectionDialog):
    """Amend one current fluid entry, with a reason."""

    def __init__(
        self, bedside: Bedside, entry: HistoryEntry, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            bedside,
            entry,
            title,
            parent,
            name="FluidCorrectionDialog",
            window_title=f"Correct fluids — {title}",
        )
        values = entry.values
        self._direction = Direction(str(values["direction"]))
        intake = self._direction is Direction.INTAKE
        self.what = QComboBox()
        self.what.setObjectName("correct_what")
        for key, label in (INTAKE_ROUTES if intake else OUTPUT_KINDS).items():
            self.what.addItem(label, key)
        self.what.setCurrentIndex(max(0, self.what.findData(values.get("what"))))
        self.description = QLineEdit(str(values.get("description") or ""))
        self.description.setObjectName("correct_description")
        self.amount = QSpinBox()
        self.amount.setObjectName("correct_amount")
        self.amount.setRange(0, 10_000)
        self.amount.setSuffix(" ml")
        volume = values.get("volume_ml")
        self.amount.setValue(volume if isinstance(volume, int) else 0)
        self.unmeasured = QCheckBox("Passed, not measured")
        self.unmeasured.setObjectName("correct_unmeasured")
        self.unmeasured.setVisible(not intake)
        self.unmeasured.setChecked(not intake and volume is None)
        self.confirmed = QCheckBox("Re-measured: this large amount is right")
        form = self.form
        form.addRow("&Route:" if intake else "&Output:", self.what)
        form.addRow("&Drink:" if intake else "&Detail:", self.description)
        form.addRow("&Amount:", self.amount)
        form.addRow("", self.unmeasured)
        form.addRow("", self.confirmed)
        self.finish(fluid_entry_text(values))

    def amendment(self, actor: Actor, entry_id: int, reason: str) -> Callable[[], SaveResult]:
        unmeasured = self.unmeasured.isVisible() and self.unmeasured.isChecked()
        entry = FluidInput(
            self._direction,
            self.what.currentData(),
            None if unmeasured else self.amount.value(),
            self.description.text().strip(),
            confirmed=self.confirmed.isChecked(),
        )
        recording = self._bedside.recording
        return lambda: recording.amend_fluid(actor, entry_id, entry, reason=reason)
