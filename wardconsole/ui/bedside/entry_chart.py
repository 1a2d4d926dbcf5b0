"""The withdrawal symptom chart in the bedside form: one rating per item, anchors as hints.

The chart is an UNVALIDATED LOCAL TOOL (REFERENCE.md §5.6) and says so in its title. Its total
is for the trend only — there are no total thresholds — and escalation is by item red flags,
which the panel names as soon as a rating reaches one. Items come from the loaded chart file,
so the form follows the ward's chart version.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.withdrawal import ChartItem, WithdrawalChart
from wardconsole.ui.widgets.elided_label import ElidedLabel
from wardconsole.ui.widgets.style_property import set_style_property

NOT_RATED = -1


class ChartPanel(QWidget):
    """Ratings for every chart item; ``-1`` (shown as "—") means not rated this time."""

    ratings_changed = Signal()
    """A rating changed."""

    def __init__(self, chart: WithdrawalChart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChartPanel")
        self._chart = chart
        self.title = f"{chart.name} — unvalidated local chart (v{chart.version})"
        """For the enclosing group box: the chart must always be labelled as unvalidated."""
        self.warning = QLabel(
            "Total = trend only, no thresholds · item red flags (⚑) escalate · never for dosing"
        )
        self.warning.setObjectName("chart_warning")
        self.warning.setWordWrap(True)
        set_style_property(self.warning, "tone", "muted")
        self.spins: dict[str, QSpinBox] = {}
        self.anchors: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(1)
        grid.setColumnStretch(2, 1)
        for line, item in enumerate(chart.items):
            label = QLabel(item.label)
            spin = QSpinBox()
            spin.setObjectName(f"chart_{item.key}")
            spin.setRange(NOT_RATED, item.max_score)
            spin.setSpecialValueText("—")
            spin.setValue(NOT_RATED)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setAccessibleName(item.label)
            spin.setToolTip(anchor_text(item))
            spin.setMinimumWidth(64)
            spin.valueChanged.connect(self._on_rating_changed)
            spin.installEventFilter(self)
            label.setBuddy(spin)
            label.setToolTip(anchor_text(item))
            anchor = ElidedLabel()
            anchor.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            anchor.setObjectName(f"anchor_{item.key}")
            set_style_property(anchor, "tone", "muted")
            grid.addWidget(label, line, 0)
            grid.addWidget(spin, line, 1)
            grid.addWidget(anchor, line, 2)
            self.spins[item.key] = spin
            self.anchors[item.key] = anchor
        self.hint = QLabel()
        self.hint.setObjectName("chart_hint")
        self.hint.setWordWrap(True)
        self.total = QLabel()
        self.total.setObjectName("chart_total")
        self.red_flags = QLabel()
        self.red_flags.setObjectName("chart_red_flags")
        self.red_flags.setWordWrap(True)
        set_style_property(self.red_flags, "tone", "alert")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.warning)
        layout.addLayout(grid)
        layout.addWidget(self.total)
        layout.addWidget(self.red_flags)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        self._refresh()

    @property
    def chart(self) -> WithdrawalChart:
        return self._chart

    def ratings(self) -> dict[str, int]:
        return {key: spin.value() for key, spin in self.spins.items() if spin.value() >= 0}

    def load(self, ratings: Mapping[str, int]) -> None:
        for key, spin in self.spins.items():
            spin.setValue(int(ratings.get(key, NOT_RATED)))

    def set_read_only(self, read_only: bool) -> None:
        for spin in self.spins.values():
            spin.setReadOnly(read_only)
            spin.setEnabled(not read_only)

    def first_input(self) -> QWidget:
        return self.spins[self._chart.items[0].key]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QSpinBox):
            for item in self._chart.items:
                if self.spins[item.key] is watched:
                    self.hint.setText(f"<b>{item.label}</b>: {anchor_text(item, sep=' · ')}")
        return super().eventFilter(watched, event)

    @Slot()
    def _on_rating_changed(self) -> None:
        self._refresh()
        self.ratings_changed.emit()

    def _refresh(self) -> None:
        ratings = self.ratings()
        score = self._chart.score(ratings)
        for item in self._chart.items:
            value = ratings.get(item.key)
            anchor = self.anchors[item.key]
            if value is None:
                anchor.setText("")
                anchor.setToolTip("")
                continue
            words = item.anchor_for(value)
            red = item.red_flag_at is not None and value >= item.red_flag_at
            anchor.setText(f"⚑ {words}" if red else words)
            anchor.setToolTip(words)
            set_style_property(anchor, "tone", "alert" if red else "muted")
        rated = len(score.item_scores)
        if rated:
            self.total.setText(
                f"Chart total <b>{score.total}</b> / {self._chart.max_total} "
                f"({rated} of {len(self._chart.items)} items rated) — trend only"
            )
        else:
            self.total.setText("Chart not rated this round")
        if score.red_flags:
            names = ", ".join(f"{i.label} {ratings[i.key]}" for i in score.red_flags)
            self.red_flags.setText(f"⚑ Red flag, will escalate: {names}")
        else:
            self.red_flags.setText("")
        self.red_flags.setVisible(bool(score.red_flags))

    @property
    def total_text(self) -> str:
        return self.total.text()


def anchor_text(item: ChartItem, *, sep: str = "\n") -> str:
    """Every anchor of an item: '0 No craving · 1 Mild craving… · 7 Overwhelming…'."""
    return sep.join(f"{score} {text}" for score, text in item.anchors.items())
