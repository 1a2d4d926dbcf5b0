"""RASS, 4AT and the rapid-tranquillisation check in the bedside form, scored as chosen.

RASS (Sessler 2002, REFERENCE.md §2) is one choice, −5…+4. The 4AT (v1.2, §3.1) is four
items; its total is shown once all four are answered, with the official interpretation
("possible delirium" is a prompt for assessment, not a diagnosis). Choice texts paraphrase the
published items; the scoring is the domain's (``score_rass``, ``score_4at``). After rapid
tranquillisation (NICE QS154 st. 4) the hydration and side-effect check is recorded here with
the set and the RASS; "asleep, observations not possible" is its own answer, never a normal one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.assessments import RASS_TERMS, RT_HYDRATION, RT_SIDE_EFFECTS, score_4at
from wardconsole.ui.widgets.style_property import set_style_property

FOUR_AT_ITEMS: tuple[tuple[str, str, tuple[tuple[Any, str], ...]], ...] = (
    (
        "alertness",
        "4AT &1 Alertness",
        (
            ("normal", "Normal (fully alert, not agitated)"),
            ("mild_sleepiness", "Mild sleepiness < 10 s after waking, then normal"),
            ("abnormal", "Clearly abnormal (drowsy or agitated)"),
        ),
    ),
    (
        "amt4_mistakes",
        "4AT &2 AMT4",
        (
            (0, "No mistakes (age, birth date, place, year)"),
            (1, "1 mistake"),
            (2, "2 or more mistakes"),
            ("untestable", "Untestable"),
        ),
    ),
    (
        "attention",
        "4AT &3 Attention",
        (
            ("seven_or_more", "Months backwards: 7 or more correct"),
            ("fewer_than_seven", "Starts but fewer than 7 months"),
            ("refused", "Refuses"),
            ("untestable", "Untestable (cannot start: unwell, drowsy, inattentive)"),
        ),
    ),
    (
        "acute_change",
        "4AT &4 Acute change",
        (
            (False, "No acute change or fluctuation"),
            (True, "Yes: change/fluctuation in last 2 weeks, still evident in last 24 h"),
        ),
    ),
)


class AssessmentsPanel(QWidget):
    """RASS and the 4AT; ``answers()`` gives what was chosen, ``problems()`` what is missing."""

    answers_changed = Signal()
    """A choice changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AssessmentsPanel")
        self.rass = QComboBox()
        self.rass.setObjectName("rass")
        self.rass.setAccessibleName("RASS")
        self.rass.addItem("— not assessed", None)
        for score in sorted(RASS_TERMS, reverse=True):
            sign = f"{score:+d}" if score else "0"
            self.rass.addItem(f"{sign} {RASS_TERMS[score]}", score)
        self.rass.currentIndexChanged.connect(self._on_changed)
        self.four_at: dict[str, QComboBox] = {}
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(2)
        form.addRow(self._buddy("&RASS", self.rass), self.rass)
        for key, label, choices in FOUR_AT_ITEMS:
            combo = QComboBox()
            combo.setObjectName(f"4at_{key}")
            combo.setAccessibleName(label.replace("&", ""))
            combo.addItem("—", None)
            for value, text in choices:
                combo.addItem(text, value)
            combo.setMinimumContentsLength(14)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.currentIndexChanged.connect(self._on_changed)
            form.addRow(self._buddy(label, combo), combo)
            self.four_at[key] = combo
        self.rt_status = QComboBox()
        self.rt_status.setObjectName("rt_status")
        self.rt_status.setAccessibleName("Rapid tranquillisation check")
        self.rt_status.addItem("— not done", None)
        self.rt_status.addItem("Done: hydration and side effects checked", "done")
        self.rt_status.addItem("Asleep — observations not possible", "asleep_not_possible")
        self.rt_hydration = QComboBox()
        self.rt_hydration.setObjectName("rt_hydration")
        self.rt_hydration.addItem("—", None)
        for key, text in RT_HYDRATION.items():
            self.rt_hydration.addItem(text, key)
        self.rt_side_effects: dict[str, QCheckBox] = {}
        side_effects = QWidget()
        grid = QGridLayout(side_effects)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, (key, text) in enumerate(RT_SIDE_EFFECTS.items()):
            box = QCheckBox(text)
            box.setObjectName(f"rt_side_{key}")
            box.toggled.connect(self._on_changed)
            grid.addWidget(box, index // 2, index % 2)
            self.rt_side_effects[key] = box
        self.rt_status.currentIndexChanged.connect(self._on_changed)
        self.rt_hydration.currentIndexChanged.connect(self._on_changed)
        form.addRow(self._buddy("R&T check", self.rt_status), self.rt_status)
        form.addRow(self._buddy("Hydration", self.rt_hydration), self.rt_hydration)
        form.addRow(QLabel("Side effects"), side_effects)
        self.four_at_result = QLabel()
        self.four_at_result.setObjectName("4at_result")
        self.four_at_result.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("assessments_message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.four_at_result)
        layout.addWidget(self.message)
        self._refresh()

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    def answers(self) -> dict[str, Mapping[str, Any]]:
        """Assessments ready to save: 'rass' when chosen, '4at' when all four are answered."""
        out: dict[str, Mapping[str, Any]] = {}
        if self.rass.currentData() is not None:
            out["rass"] = {"score": self.rass.currentData()}
        four = self._four_at()
        if len(four) == len(FOUR_AT_ITEMS):
            out["4at"] = four
        rt = self._rt_check()
        if rt is not None and not self._rt_problem():
            out["rt_check"] = rt
        return out

    def _rt_check(self) -> dict[str, Any] | None:
        status = self.rt_status.currentData()
        if status is None:
            return None
        if status == "asleep_not_possible":
            return {"status": status}
        return {
            "status": status,
            "hydration": self.rt_hydration.currentData(),
            "side_effects": [k for k, box in self.rt_side_effects.items() if box.isChecked()],
        }

    def _rt_problem(self) -> str:
        status = self.rt_status.currentData()
        if status == "done" and self.rt_hydration.currentData() is None:
            return "RT check: choose how the patient is drinking"
        if status == "asleep_not_possible" and (
            self.rt_hydration.currentData() is not None
            or any(box.isChecked() for box in self.rt_side_effects.values())
        ):
            return "RT check: asleep — clear hydration and side effects, or choose 'Done'"
        if status is None and (
            self.rt_hydration.currentData() is not None
            or any(box.isChecked() for box in self.rt_side_effects.values())
        ):
            return "RT check: choose 'Done' for hydration and side effects to be saved"
        return ""

    def problems(self) -> dict[str, str]:
        four = self._four_at()
        problems = {}
        if four and len(four) < len(FOUR_AT_ITEMS):
            problems["4at"] = "4AT: answer all four items, or none"
        if rt := self._rt_problem():
            problems["rt_check"] = rt
        return problems

    def any_entered(self) -> bool:
        return (
            self.rass.currentData() is not None
            or bool(self._four_at())
            or self.rt_status.currentData() is not None
        )

    def show_problem(self, message: str) -> None:
        self.message.setText(message)
        set_style_property(self.message, "tone", "alert")
        self.message.setVisible(bool(message))

    def set_read_only(self, read_only: bool) -> None:
        for combo in (self.rass, *self.four_at.values(), self.rt_status, self.rt_hydration):
            combo.setEnabled(not read_only)
        for box in self.rt_side_effects.values():
            box.setEnabled(not read_only)

    def _four_at(self) -> dict[str, Any]:
        return {
            key: combo.currentData()
            for key, combo in self.four_at.items()
            if combo.currentData() is not None
        }

    @Slot()
    def _on_changed(self) -> None:
        self._refresh()
        self.answers_changed.emit()

    def _refresh(self) -> None:
        four = self._four_at()
        if len(four) == len(FOUR_AT_ITEMS):
            result = score_4at(four)
            self.four_at_result.setText(f"4AT <b>{result.total}</b>: {result.label}")
            set_style_property(
                self.four_at_result, "tone", "alert" if (result.total or 0) >= 4 else "none"
            )
        elif four:
            self.four_at_result.setText(f"4AT: {len(four)} of 4 items answered")
            set_style_property(self.four_at_result, "tone", "muted")
        else:
            self.four_at_result.setText("")
        self.four_at_result.setVisible(bool(four))
        if not self.problems():
            self.show_problem("")
