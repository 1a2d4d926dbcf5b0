"""Correct a meal or a bowel movement from the history: the correction replaces it wherever it
counts (this period's meals, the days since the bowels were opened); the original stays in the
history, marked superseded, with the reason."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from wardconsole.domain.bowels import BRISTOL_TYPES, BowelInput, bowel_text
from wardconsole.domain.meals import OCCASIONS, SUPPLEMENTS, MealInput, Portion, meal_text
from wardconsole.services.context import Actor
from wardconsole.services.history import HistoryEntry
from wardconsole.services.recording import SaveResult
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.physical.correction_dialog import EntryCorrectionDialog


def _combo(name: str, items: list[tuple[str, object]], chosen: object) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for label, data in items:
        combo.addItem(label, data)
    combo.setCurrentIndex(max(0, combo.findData(chosen)))
    return combo


class MealCorrectionDialog(EntryCorrectionDialog):
    """Amend one current meal or bowel entry (``entry.entry_type`` meal or bowel), with a
    reason."""

    def __init__(
        self, bedside: Bedside, entry: HistoryEntry, title: str, parent: QWidget | None = None
    ) -> None:
        self._meal = entry.entry_type == "meal"
        super().__init__(
            bedside,
            entry,
            title,
            parent,
            name="MealCorrectionDialog",
            window_title=f"Correct {'a meal' if self._meal else 'bowels'} — {title}",
        )
        values = entry.values
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
        form = self.form
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
        self.finish(meal_text(values) if self._meal else bowel_text(values))

    def amendment(self, actor: Actor, entry_id: int, reason: str) -> Callable[[], SaveResult]:
        recording = self._bedside.recording
        if not self._meal:
            bowel = BowelInput(self.bristol.currentData())
            return lambda: recording.amend_bowel(actor, entry_id, bowel, reason=reason)
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
        return lambda: recording.amend_meal(actor, entry_id, meal, reason=reason)
