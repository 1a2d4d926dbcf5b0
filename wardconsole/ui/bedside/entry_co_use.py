"""CIWA-Ar and COWS in the bedside form, for the patients whose intake calls for them.

CIWA-Ar (Sullivan 1989, REFERENCE-2.md §12.6) is offered only when the intake records recent
drinking, COWS (Wesson & Ling 2003, §12.5) only for recent opioid use: neither is a ketamine
scale. Each item is a choice of exactly the values the published form allows, with its anchor
text; the total and its band appear once every item is answered (CIWA-Ar banded with the scheme
governance chose). Scoring is the domain's (``score_ciwa_ar``, ``score_cows``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from wardconsole.domain.assessments import (
    CIWA_AR_ITEMS,
    COWS_ITEMS,
    AssessmentScore,
    ScaleItem,
    score_ciwa_ar,
    score_cows,
)
from wardconsole.ui.widgets.style_property import set_style_property

CIWA_AR_SHORT = {
    "nausea_vomiting": "Nausea/vomiting",
    "tremor": "Tremor",
    "paroxysmal_sweats": "Sweats",
    "anxiety": "Anxiety",
    "agitation": "Agitation",
    "tactile": "Tactile",
    "auditory": "Auditory",
    "visual": "Visual",
    "headache": "Headache",
    "orientation": "Orientation",
}
COWS_SHORT = {
    "pulse": "Resting pulse",
    "sweating": "Sweating",
    "restlessness": "Restlessness",
    "pupils": "Pupil size",
    "aches": "Bone/joint aches",
    "runny_nose": "Runny nose/tears",
    "gi_upset": "GI upset",
    "tremor": "Tremor",
    "yawning": "Yawning",
    "anxiety": "Anxiety/irritability",
    "gooseflesh": "Gooseflesh",
}


class ScalePanel(QWidget):
    """One fixed-value scale: a choice per item, and the total once all are answered."""

    answers_changed = Signal()
    """A choice changed."""

    def __init__(
        self,
        kind: str,
        name: str,
        items: tuple[ScaleItem, ...],
        short: Mapping[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self.name = name
        self._items = items
        self._score: Callable[[Mapping[str, Any]], AssessmentScore] = (
            score_ciwa_ar if kind == "ciwa_ar" else score_cows
        )
        self._extra: dict[str, Any] = {}
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(2)
        for item in items:
            combo = QComboBox()
            combo.setObjectName(f"{kind}_{item.key}")
            combo.setAccessibleName(f"{name} {item.label}")
            combo.setToolTip(item.label)
            combo.addItem("—", None)
            for value, text in item.anchors.items():
                combo.addItem(text, value)
            combo.setMinimumContentsLength(18)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.currentIndexChanged.connect(self._on_changed)
            label = QLabel(short.get(item.key, item.label))
            label.setBuddy(combo)
            label.setToolTip(item.label)
            form.addRow(label, combo)
            self.combos[item.key] = combo
        self.result = QLabel()
        self.result.setObjectName(f"{kind}_result")
        self.result.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(form)
        layout.addWidget(self.result)
        self._refresh()

    def set_extra(self, extra: Mapping[str, Any]) -> None:
        """Answers the form adds for scoring only (the CIWA-Ar band scheme from policy)."""
        self._extra = dict(extra)
        self._refresh()

    def chosen(self) -> dict[str, Any]:
        return {
            key: combo.currentData()
            for key, combo in self.combos.items()
            if combo.currentData() is not None
        }

    def answers(self) -> dict[str, Any] | None:
        """The answers to save, once every item is answered (None before)."""
        chosen = self.chosen()
        return chosen if len(chosen) == len(self._items) else None

    def problem(self) -> str:
        chosen = self.chosen()
        if chosen and len(chosen) < len(self._items):
            return f"{self.name}: answer all {len(self._items)} items, or none"
        return ""

    def set_read_only(self, read_only: bool) -> None:
        for combo in self.combos.values():
            combo.setEnabled(not read_only)

    @Slot()
    def _on_changed(self) -> None:
        self._refresh()
        self.answers_changed.emit()

    def _refresh(self) -> None:
        chosen = self.chosen()
        answers = self.answers()
        if answers is not None:
            scored = self._score({**answers, **self._extra})
            self.result.setText(f"<b>{scored.label}</b>")
            set_style_property(self.result, "tone", "none")
        elif chosen:
            self.result.setText(f"{self.name}: {len(chosen)} of {len(self._items)} answered")
            set_style_property(self.result, "tone", "muted")
        else:
            self.result.setText("")
        self.result.setVisible(bool(chosen))


class CoUsePanel(QWidget):
    """CIWA-Ar and COWS, each shown only for the patients its substance applies to."""

    answers_changed = Signal()
    """A choice changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CoUsePanel")
        self.timing = QLabel()
        self.timing.setObjectName("co_use_timing")
        self.timing.setWordWrap(True)
        set_style_property(self.timing, "tone", "soon")
        self.ciwa_ar = ScalePanel("ciwa_ar", "CIWA-Ar", CIWA_AR_ITEMS, CIWA_AR_SHORT)
        self.cows = ScalePanel("cows", "COWS", COWS_ITEMS, COWS_SHORT)
        self._ciwa_title = QLabel("<b>CIWA-Ar</b> — alcohol withdrawal (0–67)")
        self._cows_title = QLabel("<b>COWS</b> — opioid withdrawal (0–48)")
        self.message = QLabel()
        self.message.setObjectName("co_use_message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for widget in (
            self.timing,
            self._ciwa_title,
            self.ciwa_ar,
            self._cows_title,
            self.cows,
            self.message,
        ):
            layout.addWidget(widget)
        for panel in (self.ciwa_ar, self.cows):
            panel.answers_changed.connect(self._on_changed)
        self.show_scales(alcohol=False, opioids=False)

    def show_scales(
        self, *, alcohol: bool, opioids: bool, band_scheme: str = "", timing: str = ""
    ) -> None:
        """Which scales this patient's intake calls for, the CIWA-Ar band scheme and the
        alcohol time course to show above them."""
        for widget in (self._ciwa_title, self.ciwa_ar):
            widget.setVisible(alcohol)
        for widget in (self._cows_title, self.cows):
            widget.setVisible(opioids)
        self.timing.setText(timing)
        self.timing.setVisible(alcohol and bool(timing))
        self.ciwa_ar.set_extra({"band_scheme": band_scheme} if band_scheme else {})

    @property
    def panels(self) -> tuple[ScalePanel, ...]:
        return tuple(p for p in (self.ciwa_ar, self.cows) if not p.isHidden())

    def answers(self) -> dict[str, Mapping[str, Any]]:
        out: dict[str, Mapping[str, Any]] = {}
        for panel in self.panels:
            answers = panel.answers()
            if answers is not None:
                out[panel.kind] = answers
        return out

    def problems(self) -> dict[str, str]:
        return {p.kind: text for p in self.panels if (text := p.problem())}

    def any_entered(self) -> bool:
        return any(p.chosen() for p in self.panels)

    def first_input(self) -> QComboBox | None:
        for panel in self.panels:
            return next(iter(panel.combos.values()))
        return None

    def show_problem(self, message: str) -> None:
        self.message.setText(message)
        set_style_property(self.message, "tone", "alert")
        self.message.setVisible(bool(message))

    def set_read_only(self, read_only: bool) -> None:
        for panel in (self.ciwa_ar, self.cows):
            panel.set_read_only(read_only)

    @Slot()
    def _on_changed(self) -> None:
        if not self.problems():
            self.show_problem("")
        self.answers_changed.emit()
