"""Meals, supplements and bowels: a portion eaten in one key press, a bowel movement in two.

Opened from the census with Ctrl+E for the selected patient (or from the patient window). The
meal (chosen by the time of day, changeable) and what was offered are above the portion buttons
— none, ¼, ½, ¾, all, keys 1 to 5 — which save at once, together with a supplement when one is
chosen; a supplement on its own has its own button. Nothing eaten, or a supplement declined,
needs a reason (the form says so and saves nothing). A bowel movement is saved with its Bristol
stool type (or "type not seen"). The window shows this period's meals and the days since the
bowels were last opened, with the ward's flag and whose policy it is, and the food chart a
medium-risk MUST screen started — its end, each day's meals — which a nurse can stop early
with a reason. Each save is a separate
entry with its own save key, written through ``SafeSaves`` (kept on this station during a
database outage).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.bowels import BRISTOL_SOURCE, BRISTOL_TYPES, BowelInput
from wardconsole.domain.meals import OCCASIONS, REASONS, SUPPLEMENTS, MealInput, Portion
from wardconsole.domain.records import Severity
from wardconsole.services.context import Actor, ServiceError
from wardconsole.services.nutrition import NutritionOverview
from wardconsole.services.recording import SaveResult
from wardconsole.services.safe_saves import QueuedSave
from wardconsole.ui import formatting as fmt
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.bedside.entry_time import TakenAtEdit
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.physical.quick_entry import QuickEntryDialog
from wardconsole.ui.widgets.style_property import set_style_property

FIELD_LABELS = {
    "occasion": "Meal",
    "offered": "Offered",
    "portion": "Portion",
    "reason": "Reason",
    "supplement": "Supplement",
    "supplement_outcome": "Supplement",
    "supplement_reason": "Reason declined",
    "bristol_type": "Bristol type",
    "note": "Note",
    "taken_at": "Time",
}


def occasion_at(hour: int) -> str:
    """The meal a nurse most likely records at this local hour (the form's first choice only)."""
    if 6 <= hour < 11:
        return "breakfast"
    if 11 <= hour < 15:
        return "lunch"
    if 16 <= hour < 20:
        return "evening_meal"
    return "snack"


class MealDialog(QuickEntryDialog):
    """Record meals, supplements and bowel movements for one patient (module docstring)."""

    def __init__(
        self, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            bedside,
            admission_id,
            title,
            parent,
            name="MealDialog",
            window_title=f"Meals and bowels — {title}",
        )
        assert bedside.nutrition is not None, "meals and bowels are not set up at this station"
        self._nutrition = bedside.nutrition
        self._pending = ""
        self.overview: NutritionOverview | None = None
        self._build(title)
        self._connect_signals()
        self.reload()
        self.resize(720, 620)
        self.portion_buttons[Portion.HALF].setFocus(Qt.FocusReason.OtherFocusReason)

    # -- layout ---------------------------------------------------------------------------------

    def _build(self, title: str) -> None:
        header = self.header(title)
        self.meals_label = QLabel("Reading this period…")
        self.meals_label.setObjectName("meals_period")
        self.meals_label.setWordWrap(True)
        self.meals_label.setTextFormat(Qt.TextFormat.PlainText)
        self.bowels_label = QLabel()
        self.bowels_label.setObjectName("bowels_status")
        self.bowels_label.setWordWrap(True)
        self.food_chart = self._food_chart_box()

        self.occasion = QComboBox()
        self.occasion.setObjectName("meal_occasion")
        for key, label in OCCASIONS.items():
            if key != "supplement":
                self.occasion.addItem(label, key)
        hour = self._bedside.clock().astimezone().hour
        self.occasion.setCurrentIndex(self.occasion.findData(occasion_at(hour)))
        self.offered = QLineEdit()
        self.offered.setObjectName("meal_offered")
        self.offered.setPlaceholderText("e.g. soup and bread")
        self.reason = QComboBox()
        self.reason.setObjectName("meal_reason")
        self.reason.setEditable(True)
        self.reason.addItems(["", *REASONS])
        self.reason.setToolTip("Needed when nothing was eaten; any other reason can be typed")
        self.portion_buttons: dict[Portion, QPushButton] = {}
        portions = QHBoxLayout()
        for number, portion in enumerate(Portion, 1):
            button = QPushButton(f"{portion.label.capitalize()}  ({number})")
            button.setObjectName(f"meal_portion_{portion.value}")
            button.setAutoDefault(False)
            button.setMinimumHeight(40)
            button.setToolTip(f"Save: ate {portion.label} of what was offered (key {number})")
            portions.addWidget(button)
            self.portion_buttons[portion] = button
        meal = QGroupBox("Meal or snack")
        meal_form = QFormLayout(meal)
        meal_form.addRow("&Meal:", self.occasion)
        meal_form.addRow("&Offered:", self.offered)
        meal_form.addRow("Eaten:", portions)
        meal_form.addRow("R&eason:", self.reason)

        self.supplement = QComboBox()
        self.supplement.setObjectName("meal_supplement")
        self.supplement.addItem("None with this meal", "")
        for key, label in SUPPLEMENTS.items():
            self.supplement.addItem(label, key)
        self.supplement_outcome = QComboBox()
        self.supplement_outcome.setObjectName("meal_supplement_outcome")
        self.supplement_outcome.addItem("Given", "given")
        self.supplement_outcome.addItem("Declined", "declined")
        self.supplement_reason = QLineEdit()
        self.supplement_reason.setObjectName("meal_supplement_reason")
        self.supplement_reason.setPlaceholderText("why it was declined")
        self.supplement_button = QPushButton("Supplement on its own")
        self.supplement_button.setObjectName("meal_supplement_save")
        self.supplement_button.setAutoDefault(False)
        supplement_row = QHBoxLayout()
        supplement_row.addWidget(self.supplement, 1)
        supplement_row.addWidget(self.supplement_outcome)
        supplement_row.addWidget(self.supplement_button)
        supplement = QGroupBox("Supplement (nutritional drink, vitamins)")
        supplement_form = QFormLayout(supplement)
        supplement_label = QLabel("Su&pplement:")
        supplement_label.setBuddy(self.supplement)
        supplement_form.addRow(supplement_label, supplement_row)
        supplement_form.addRow("Declined bec&ause:", self.supplement_reason)

        self.bristol = QComboBox()
        self.bristol.setObjectName("bowel_bristol")
        for number, words in BRISTOL_TYPES.items():
            self.bristol.addItem(f"Type {number} — {words}", number)
        self.bristol.addItem("Type not seen (e.g. the patient's report)", None)
        self.bristol.setCurrentIndex(3)
        self.bristol.setToolTip(BRISTOL_SOURCE)
        self.bowel_button = QPushButton("&Bowels opened")
        self.bowel_button.setObjectName("bowel_save")
        self.bowel_button.setAutoDefault(False)
        bowel_row = QHBoxLayout()
        bowel_row.addWidget(self.bristol, 1)
        bowel_row.addWidget(self.bowel_button)
        bowels = QGroupBox(f"Bowels — {BRISTOL_SOURCE.replace('&', '&&')}")
        QVBoxLayout(bowels).addLayout(bowel_row)

        self.taken_at = TakenAtEdit(self._bedside.clock)
        self.note = QLineEdit()
        self.note.setObjectName("meal_note")
        self.note.setPlaceholderText("e.g. ate more after an antiemetic")
        common = QFormLayout()
        common.addRow("&Time:", self.taken_at)
        common.addRow("No&te:", self.note)

        buttons = self.footer()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(header)
        layout.addWidget(self.meals_label)
        layout.addWidget(self.bowels_label)
        layout.addWidget(self.food_chart)
        layout.addWidget(meal)
        layout.addWidget(supplement)
        layout.addWidget(bowels)
        layout.addLayout(common)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def _food_chart_box(self) -> QGroupBox:
        """The food chart a medium-risk MUST screen started: its end, each day's meals, and
        stopping it early with a reason (hidden while the patient has none)."""
        box = QGroupBox("Food chart — MUST medium risk (BAPEN: document dietary intake, 3 days)")
        box.setObjectName("food_chart")
        self.food_chart_label = QLabel()
        self.food_chart_label.setObjectName("food_chart_days")
        self.food_chart_label.setWordWrap(True)
        self.food_chart_label.setTextFormat(Qt.TextFormat.PlainText)
        self.stop_reason = QLineEdit()
        self.stop_reason.setObjectName("food_chart_stop_reason")
        self.stop_reason.setPlaceholderText("why the food chart stops early")
        self.stop_button = QPushButton("Stop food chart")
        self.stop_button.setObjectName("food_chart_stop")
        self.stop_button.setAutoDefault(False)
        stop_row = QHBoxLayout()
        stop_row.addWidget(self.stop_reason, 1)
        stop_row.addWidget(self.stop_button)
        layout = QVBoxLayout(box)
        layout.addWidget(self.food_chart_label)
        layout.addLayout(stop_row)
        box.hide()
        return box

    def _connect_signals(self) -> None:
        for number, (portion, button) in enumerate(self.portion_buttons.items(), 1):
            button.clicked.connect(lambda _checked=False, p=portion: self.save_meal(p))
            shortcut = QShortcut(QKeySequence(str(number)), self)
            shortcut.activated.connect(lambda p=portion: self.save_meal(p))
        self.supplement_button.clicked.connect(lambda: self.save_meal(None))
        self.bowel_button.clicked.connect(self.save_bowels)
        self.stop_button.clicked.connect(self.stop_food_chart)

    # -- reading --------------------------------------------------------------------------------

    def reload(self) -> None:
        nutrition, admission_id = self._nutrition, self._admission_id
        self._load_handle = self._bedside.runner.run(
            self,
            lambda: nutrition.overview(admission_id),
            on_success=self._on_loaded,
            on_failure=self._on_load_failed,
            key=f"meals-{admission_id}",
        )

    def _on_loaded(self, overview: NutritionOverview) -> None:
        self.overview = overview
        start = fmt.local_time_text(overview.period.start)
        lines = [f"This period (from {start}): {overview.meals_text}"]
        lines += [
            f"  {fmt.local_time_text(m.taken_at)}  {m.text}" for m in reversed(overview.meals)
        ][:6]
        advisory = Severity.ADVISORY.shape  # as the handoff marks these prompts
        lines += [f"{advisory} {prompt}" for prompt in overview.prompts]
        self.meals_label.setText("\n".join(lines))
        status = overview.bowels
        self.bowels_label.setText(status.text)
        set_style_property(self.bowels_label, "tone", "alert" if status.flagged else "muted")
        self._show_food_chart(overview)

    def _show_food_chart(self, overview: NutritionOverview) -> None:
        view = overview.food_chart
        self.food_chart.setVisible(view is not None)
        if view is None:
            return
        self.food_chart_label.setText("\n".join(view.lines))
        flagged = view.severity is not None
        set_style_property(self.food_chart_label, "tone", "alert" if flagged else "")
        for widget in (self.stop_reason, self.stop_button):
            widget.setVisible(view.running)

    def _on_load_failed(self, error: BaseException) -> None:
        self.meals_label.setText(f"This period could not be read ({error}).")
        set_style_property(self.meals_label, "tone", "alert")

    # -- saving ---------------------------------------------------------------------------------

    def save_meal(self, portion: Portion | None) -> None:
        """Save the meal with ``portion`` eaten (and any supplement), or with None the
        supplement on its own."""
        supplement = self.supplement.currentData() or ""
        entry = MealInput(
            occasion=self.occasion.currentData() if portion is not None else "supplement",
            offered=self.offered.text().strip(),
            portion=portion,
            reason=self.reason.currentText().strip() if portion is not None else "",
            supplement=supplement,
            supplement_outcome=self.supplement_outcome.currentData() if supplement else "",
            supplement_reason=self.supplement_reason.text().strip() if supplement else "",
            note=self.note.text().strip(),
        )
        saves, recording = self._bedside.saves, self._bedside.recording
        if saves is not None:
            self._save(
                "meal",
                lambda a, i, k, t: saves.save_meal(a, i, entry, save_key=k, taken_at=t),
            )
        else:
            self._save(
                "meal",
                lambda a, i, k, t: recording.record_meal(a, i, entry, save_key=k, taken_at=t),
            )

    def save_bowels(self) -> None:
        entry = BowelInput(self.bristol.currentData(), self.note.text().strip())
        saves, recording = self._bedside.saves, self._bedside.recording
        if saves is not None:
            self._save(
                "bowels",
                lambda a, i, k, t: saves.save_bowel(a, i, entry, save_key=k, taken_at=t),
            )
        else:
            self._save(
                "bowels",
                lambda a, i, k, t: recording.record_bowel(a, i, entry, save_key=k, taken_at=t),
            )

    def stop_food_chart(self) -> None:
        """Stop the running food chart before its end, with the reason typed beside it."""
        why = self.stop_reason.text().strip()
        if not why:
            self.status.show_message(
                "✖ Not stopped — Reason: say why the food chart stops", "alert"
            )
            self.stop_reason.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        self._saver.reset()
        self._pending = "food chart stopped"
        recording, actor, admission_id = (
            self._bedside.recording,
            self._bedside.acting(),
            self._admission_id,
        )
        self._saver.start(lambda: recording.stop_food_chart(actor, admission_id, reason=why))

    def _save(
        self,
        what: str,
        write: Callable[[Actor, int, str, datetime | None], SaveResult | QueuedSave],
    ) -> None:
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        problem = self.taken_at.problem()
        if problem:
            self.show_problem(problem)
            return
        self._saver.reset()
        self._pending = what
        actor, admission_id = self._bedside.acting(), self._admission_id
        taken_at: datetime | None = self.taken_at.taken_at()
        save_key = uuid.uuid4().hex
        self._saver.start(lambda: write(actor, admission_id, save_key, taken_at))

    @Slot(object)
    def _on_saved(self, result: SaveResult | QueuedSave) -> None:
        self.show_saved(result, self._pending)
        self._pending = ""
        self.note.clear()
        self.offered.clear()
        self.reason.setCurrentIndex(0)
        self.supplement.setCurrentIndex(0)
        self.supplement_reason.clear()
        self.stop_reason.clear()
        self.reload()

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        self.show_refusal(error, FIELD_LABELS)

    def save_buttons(self) -> tuple[QPushButton, ...]:
        return (
            *self.portion_buttons.values(),
            self.supplement_button,
            self.bowel_button,
            self.stop_button,
        )
