"""Correct a meal or a bowel movement from the history: the correction replaces it wherever it
counts (this period's meals, the days since the bowels were opened); the original stays in the
history, marked superseded, with the reason."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.bowels import BRISTOL_TYPES, BowelInput, bowel_text
from wardconsole.domain.meals import OCCASIONS, SUPPLEMENTS, MealInput, Portion, meal_text
from wardconsole.services.context import InvalidInput, ServiceError
from wardconsole.services.history import HistoryEntry
from wardconsole.services.recording import SaveResult
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.shared import Bedside, entry_stylesheet


def _combo(name: str, items: list[tuple[str, object]], chosen: object) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for label, data in items:
        combo.addItem(label, data)
    combo.setCurrentIndex(max(0, combo.findData(chosen)))
    return combo


class MealCorrectionDialog(QDialog):
    """Amend one current meal or bowel entry (``entry.entry_type`` meal or bowel), with a
    reason."""

    def __init__(
        self, bedside: Bedside, entry: HistoryEntry, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("MealCorrectionDialog")
        self._meal = entry.entry_type == "meal"
        self.setWindowTitle(f"Correct {'a meal' if self._meal else 'bowels'} — {title}")
        self.setStyleSheet(entry_stylesheet(bedside.theme))
        self._bedside = bedside
        self._entry = entry
        self.result_value: SaveResult | None = None
        self._saver = EntrySaver(bedside.runner, self)
        values = entry.values
        words = meal_text(values) if self._meal else bowel_text(values)
        original = QLabel(f"Correcting: {words}")
        original.setWordWrap(True)
        form = QFormLayout()
        self.occasion = _combo(
            "correct_occasion", [(v, k) for k, v in OCCASIONS.items()], values.get("occasion")
        )
        self.offered = QLineEdit(str(values.get("offered") or ""))
        self.portion = _combo(
            "correct_portion",
            [("— (supplement only)", None), *[(p.label, p.value) for p in Portion]],
            values.get("portion"),
        )
        self.meal_reason = QLineEdit(str(values.get("reason") or ""))
        self.supplement = _combo(
            "correct_supplement",
            [("None", ""), *[(v, k) for k, v in SUPPLEMENTS.items()]],
            values.get("supplement") or "",
        )
        self.outcome = _combo(
            "correct_outcome",
            [("Given", "given"), ("Declined", "declined")],
            values.get("supplement_outcome") or "given",
        )
        self.supplement_reason = QLineEdit(str(values.get("supplement_reason") or ""))
        self.bristol = _combo(
            "correct_bristol",
            [*[(f"Type {n} — {w}", n) for n, w in BRISTOL_TYPES.items()], ("Type not seen", None)],
            values.get("bristol_type"),
        )
        if self._meal:
            form.addRow("&Meal:", self.occasion)
            form.addRow("&Offered:", self.offered)
            form.addRow("&Portion eaten:", self.portion)
            form.addRow("&Why little or none:", self.meal_reason)
            form.addRow("Supp&lement:", self.supplement)
            form.addRow("&Given or declined:", self.outcome)
            form.addRow("&Declined because:", self.supplement_reason)
        else:
            form.addRow("&Bristol type:", self.bristol)
        self.reason = QLineEdit()
        self.reason.setObjectName("correct_reason")
        self.reason.setPlaceholderText("why it is being corrected (required)")
        form.addRow("R&eason:", self.reason)
        self.status = SaveStatusPanel(self._saver)
        self.save_button = QPushButton("&Save correction")
        self.save_button.setObjectName("correct_save")
        self.save_button.setDefault(True)
        cancel = QPushButton("Cancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(original)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        self._saver.saved.connect(self._on_saved)
        self._saver.refused.connect(self._on_refused)
        self.status.retry_requested.connect(self._saver.retry_now)

    @classmethod
    def ask(
        cls, bedside: Bedside, entry: HistoryEntry, title: str, parent: QWidget | None = None
    ) -> SaveResult | None:
        dialog = cls(bedside, entry, title, parent)
        dialog.exec()
        result = dialog.result_value
        dialog.setParent(None)  # the local reference is its only owner from here
        return result

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    def save(self) -> None:
        if self._saver.state is SaveState.SAVED:
            self.accept()
            return
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        self._saver.reset()
        recording, actor = self._bedside.recording, self._bedside.acting()
        entry_id, reason = self._entry.id, self.reason.text()
        if self._meal:
            portion = self.portion.currentData()
            supplement = self.supplement.currentData() or ""
            meal = MealInput(
                occasion=self.occasion.currentData(),
                offered=self.offered.text().strip(),
                portion=Portion(portion) if portion else None,
                reason=self.meal_reason.text().strip(),
                supplement=supplement,
                supplement_outcome=self.outcome.currentData() if supplement else "",
                supplement_reason=self.supplement_reason.text().strip() if supplement else "",
            )
            self._saver.start(lambda: recording.amend_meal(actor, entry_id, meal, reason=reason))
        else:
            bowel = BowelInput(self.bristol.currentData())
            self._saver.start(lambda: recording.amend_bowel(actor, entry_id, bowel, reason=reason))

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
