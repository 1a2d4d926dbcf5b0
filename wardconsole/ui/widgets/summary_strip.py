"""The strip across the top of the census: beds, escalations, overdue obs, free beds, freshness."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget

from wardconsole.services.views import CensusSnapshot
from wardconsole.ui import formatting as fmt
from wardconsole.ui.widgets._style import set_style_property

FREE_BEDS_SHOWN = 6


class SummaryStrip(QFrame):
    """Ward-level counts from the latest snapshot, and how fresh that snapshot is."""

    def __init__(self, ward_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SummaryStrip")
        self._snapshot: CensusSnapshot | None = None
        self._unavailable_reason: str | None = None

        self._ward = self._label("ward_name", ward_name)
        self._beds = self._label("beds")
        self._escalations = self._label("escalations")
        self._overdue = self._label("overdue")
        self._free = self._label("free_beds")
        self._freshness = self._label("freshness")
        self._free.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(10)
        layout.addWidget(self._ward)
        layout.addSpacing(8)
        for tile in (self._beds, self._escalations, self._overdue):
            layout.addWidget(tile)
        layout.addWidget(self._free)
        layout.addStretch(1)
        layout.addWidget(self._freshness)
        self._render()

    @staticmethod
    def _label(name: str, text: str = "") -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setProperty("tile", name != "ward_name")
        return label

    # -- what the main window tells it ----------------------------------------------------------

    def set_snapshot(self, snapshot: CensusSnapshot) -> None:
        """A fresh census arrived: show its counts; the database is evidently reachable."""
        self._snapshot = snapshot
        self._unavailable_reason = None
        self._render()

    def set_database_unavailable(self, reason: str) -> None:
        """Keep the last counts but say loudly that they are not current."""
        self._unavailable_reason = reason or "Database unavailable"
        self._render()

    @property
    def database_unavailable(self) -> bool:
        return self._unavailable_reason is not None

    def texts(self) -> dict[str, str]:
        """The text of every tile by name (what a nurse reads)."""
        return {
            label.objectName(): label.text()
            for label in (self._ward, self._beds, self._escalations, self._overdue, self._free,
                          self._freshness)
        }

    # -- rendering --------------------------------------------------------------------------------

    def _render(self) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            for tile in (self._beds, self._escalations, self._overdue, self._free):
                tile.setText("")
                tile.setVisible(False)
        else:
            summary = snapshot.summary
            for tile in (self._beds, self._escalations, self._overdue, self._free):
                tile.setVisible(True)
            self._beds.setText(f"{summary.beds_occupied}/{summary.beds_total} beds")
            self._beds.setToolTip(f"{summary.beds_occupied} of {summary.beds_total} beds occupied")
            escalated = summary.patients_with_open_escalations
            self._escalations.setText(
                f"▲ {escalated} with open escalations" if escalated else "No open escalations"
            )
            set_style_property(self._escalations, "tone", "alert" if escalated else "ok")
            overdue = summary.overdue_observations
            self._overdue.setText(f"◷ {overdue} overdue obs" if overdue else "No overdue obs")
            set_style_property(self._overdue, "tone", "alert" if overdue else "ok")
            self._free.setText(_free_beds_text(snapshot.free_beds))
            self._free.setToolTip(
                "Free beds: " + ", ".join(snapshot.free_beds) if snapshot.free_beds else ""
            )

        if self._unavailable_reason is not None:
            since = (
                f"showing data from {fmt.local_time_text(snapshot.taken_at)}"
                if snapshot is not None
                else "no data yet"
            )
            self._freshness.setText(f"Database unavailable — {since}")
            self._freshness.setToolTip(self._unavailable_reason)
            set_style_property(self._freshness, "tone", "alert")
        elif snapshot is not None:
            self._freshness.setText(
                f"Data as of {fmt.local_time_text(snapshot.taken_at, seconds=True)}"
            )
            self._freshness.setToolTip("Time of the last successful census read")
            set_style_property(self._freshness, "tone", "neutral")
        else:
            self._freshness.setText("Loading…")
            set_style_property(self._freshness, "tone", "neutral")


def _free_beds_text(free_beds: tuple[str, ...]) -> str:
    if not free_beds:
        return "No free beds"
    shown = ", ".join(free_beds[:FREE_BEDS_SHOWN])
    more = len(free_beds) - FREE_BEDS_SHOWN
    return f"Free: {shown}" + (f" +{more}" if more > 0 else "")
