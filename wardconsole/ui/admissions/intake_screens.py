"""The intake's scored screens as form widgets: C-SSRS screener, PHQ-9 and GAD-7.

Item wording here is a short paraphrase from REFERENCE §6.3–6.5 for orientation; staff ask the
questions with the official forms (REFERENCE: use the licensed wording verbatim). Scoring is
``wardconsole.domain.assessments`` — these widgets only collect answers and show its result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.assessments import score_cssrs, score_gad7, score_phq9

CSSRS_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("q1", "1. Wished to be dead or not to wake up?"),
    ("q2", "2. Any actual thoughts of killing themself?"),
    ("q3", "3. Thought about how they might do it?"),
    ("q4", "4. Any intention of acting on these thoughts?"),
    ("q5", "5. Worked out details of a plan, and intend to carry it out?"),
    ("q6", "6. Ever done, started or prepared anything to end their life?"),
    ("q6_within_3_months", "    If yes: within the past 3 months?"),
)
_FOLLOW_Q2 = ("q3", "q4", "q5")

PHQ9_ITEMS = (
    "Little interest or pleasure",
    "Feeling down or hopeless",
    "Sleep problems",
    "Tired, little energy",
    "Appetite change",
    "Feeling bad about self",
    "Trouble concentrating",
    "Slowed down or restless",
    "Thoughts of death or self-harm",
)
GAD7_ITEMS = (
    "Nervous, anxious, on edge",
    "Cannot stop or control worrying",
    "Worrying too much",
    "Trouble relaxing",
    "So restless it is hard to sit still",
    "Easily annoyed or irritable",
    "Afraid something awful might happen",
)
FREQUENCY_ANSWERS = (
    "—",
    "0 Not at all",
    "1 Several days",
    "2 More than half the days",
    "3 Nearly every day",
)


class YesNo(QWidget):
    """Two radio buttons that start unanswered (never a silent default)."""

    changed = Signal()
    """The answer changed."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.yes = QRadioButton("Yes")
        self.no = QRadioButton("No")
        self.yes.setObjectName(f"{name}_yes")
        self.no.setObjectName(f"{name}_no")
        self._group = QButtonGroup(self)
        self._group.addButton(self.yes)
        self._group.addButton(self.no)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.yes)
        layout.addWidget(self.no)
        layout.addStretch(1)
        self._group.buttonToggled.connect(self._on_toggled)

    def value(self) -> bool | None:
        if self.yes.isChecked():
            return True
        if self.no.isChecked():
            return False
        return None

    def set_value(self, value: bool | None) -> None:
        self._group.setExclusive(False)
        self.yes.setChecked(value is True)
        self.no.setChecked(value is False)
        self._group.setExclusive(True)
        self.changed.emit()

    @Slot()
    def _on_toggled(self) -> None:
        self.changed.emit()


class CssrsBox(QGroupBox):
    """C-SSRS screener with its skip logic: Q3–Q5 only after a yes to Q2 (§6.3)."""

    changed = Signal()
    """An answer changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("C-SSRS screener — since last contact / past month", parent)
        self.setObjectName("cssrs")
        grid = QGridLayout(self)
        self.answers: dict[str, YesNo] = {}
        for row, (key, text) in enumerate(CSSRS_QUESTIONS):
            answer = YesNo(f"cssrs_{key}")
            grid.addWidget(QLabel(text), row, 0)
            grid.addWidget(answer, row, 1)
            self.answers[key] = answer
            answer.changed.connect(self._on_changed)
        self.not_done = QCheckBox("Could not be done now — reason:")
        self.not_done.setObjectName("cssrs_not_done")
        self.not_done_reason = QLineEdit()
        self.not_done_reason.setObjectName("cssrs_not_done_reason")
        self.not_done_reason.setPlaceholderText("e.g. asleep on arrival; repeat before morning")
        self.result = QLabel()
        self.result.setObjectName("cssrs_result")
        row = len(CSSRS_QUESTIONS)
        not_done = QHBoxLayout()
        not_done.addWidget(self.not_done)
        not_done.addWidget(self.not_done_reason, 1)
        grid.addLayout(not_done, row, 0, 1, 2)
        grid.addWidget(self.result, row + 1, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        self.not_done.toggled.connect(self._on_changed)
        self.not_done_reason.textChanged.connect(self._on_changed)
        self._sync()

    def values(self) -> dict[str, Any]:
        """``cssrs`` answers (None when not done) and ``cssrs_not_done_reason``."""
        if self.not_done.isChecked():
            return {"cssrs": None, "cssrs_not_done_reason": self.not_done_reason.text()}
        answers: dict[str, Any] = {}
        for key, widget in self.answers.items():
            if widget.isEnabled() and widget.value() is not None:
                answers[key] = widget.value()
        if not answers:
            return {"cssrs": None, "cssrs_not_done_reason": ""}
        for key in ("q1", "q2", "q6"):
            answers.setdefault(key, None)
        return {"cssrs": answers, "cssrs_not_done_reason": ""}

    def set_values(self, answers: Mapping[str, Any] | None, reason: str) -> None:
        for key, widget in self.answers.items():
            widget.set_value((answers or {}).get(key))
        self.not_done.setChecked(answers is None and bool(reason))
        self.not_done_reason.setText(reason)
        self._sync()

    @Slot()
    def _on_changed(self) -> None:
        self._sync()
        self.changed.emit()

    def _sync(self) -> None:
        asked = not self.not_done.isChecked()
        q2 = self.answers["q2"].value() is True
        q6 = self.answers["q6"].value() is True
        for key, widget in self.answers.items():
            enabled = asked and (
                q2 if key in _FOLLOW_Q2 else q6 if key == "q6_within_3_months" else True
            )
            widget.setEnabled(enabled)
        self.not_done_reason.setEnabled(self.not_done.isChecked())
        answers = self.values()["cssrs"]
        if answers is None:
            self.result.setText("Not done" if self.not_done.isChecked() else "Not answered yet")
            return
        try:
            self.result.setText(f"Result: {score_cssrs(answers).label}")
        except ValueError:
            self.result.setText("Answer every question that is asked")


class FrequencyScreen(QGroupBox):
    """PHQ-9 or GAD-7: items rated 0–3 over the last 2 weeks, total shown as it is filled."""

    changed = Signal()
    """An item changed."""

    def __init__(
        self, kind: str, title: str, items: tuple[str, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(title, parent)
        self.setObjectName(kind)
        self._scorer = score_phq9 if kind == "phq9" else score_gad7
        grid = QGridLayout(self)
        self.items: list[QComboBox] = []
        for row, text in enumerate(items):
            combo = QComboBox()
            combo.setObjectName(f"{kind}_q{row + 1}")
            combo.addItems(FREQUENCY_ANSWERS)
            combo.setAccessibleName(f"{title} item {row + 1}: {text}")
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(15)
            label = QLabel(f"{row + 1}. {text}")
            label.setWordWrap(True)
            grid.addWidget(label, row, 0)
            grid.addWidget(combo, row, 1)
            combo.currentIndexChanged.connect(self._on_changed)
            self.items.append(combo)
        self.result = QLabel("Not done")
        self.result.setObjectName(f"{kind}_result")
        grid.addWidget(self.result, len(items), 0, 1, 2)
        grid.setColumnStretch(0, 1)

    def values(self) -> dict[str, int | None] | None:
        """The answers, or None when no item is rated (the screen was not done)."""
        answers = {
            f"q{n + 1}": (c.currentIndex() - 1 if c.currentIndex() > 0 else None)
            for n, c in enumerate(self.items)
        }
        if all(v is None for v in answers.values()):
            return None
        return answers

    def set_values(self, answers: Mapping[str, Any] | None) -> None:
        for n, combo in enumerate(self.items):
            value = (answers or {}).get(f"q{n + 1}")
            combo.setCurrentIndex(value + 1 if isinstance(value, int) else 0)

    @Slot()
    def _on_changed(self) -> None:
        answers = self.values()
        if answers is None:
            self.result.setText("Not done")
        elif any(v is None for v in answers.values()):
            missing = sum(1 for v in answers.values() if v is None)
            self.result.setText(f"{missing} item{'s' if missing != 1 else ''} still to rate")
        else:
            score = self._scorer(answers)
            self.result.setText(f"Total {score.total}: {score.label}")
        self.changed.emit()


class ScreensColumn(QWidget):
    """PHQ-9 and GAD-7 side by side (§5.5: PHQ-9 on admission)."""

    changed = Signal()
    """A rating changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.phq9 = FrequencyScreen("phq9", "PHQ-9 — last 2 weeks", PHQ9_ITEMS)
        self.gad7 = FrequencyScreen("gad7", "GAD-7 — last 2 weeks", GAD7_ITEMS)
        note = QLabel("Leave a screen blank if it was not done at intake.")
        note.setObjectName("screens_note")
        note.setProperty("tone", "muted")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.phq9, 1)
        row.addWidget(self.gad7, 1)
        layout.addLayout(row)
        layout.addWidget(note)
        layout.addStretch(1)
        self.phq9.changed.connect(self.changed)
        self.gad7.changed.connect(self.changed)
