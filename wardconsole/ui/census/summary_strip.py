"""The strip across the top of the census: beds, escalations, overdue obs, free beds, freshness."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from wardconsole.domain.records import ATTENTION_SIGN
from wardconsole.services.views import CensusSnapshot
from wardconsole.ui import formatting as fmt
from wardconsole.ui.widgets.elided_label import ElidedLabel
from wardconsole.ui.widgets.style_property import set_style_property

FREE_BEDS_SHOWN = 6


class SummaryStrip(QFrame):
    """Ward-level counts from the latest snapshot, and how fresh that snapshot is."""

    def __init__(self, ward_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SummaryStrip")
        self._snapshot: CensusSnapshot | None = None
        self._unavailable_reason: str | None = None

        self._ward = ElidedLabel(ward_name)  # a long ward name gives way visibly (…)
        self._ward.setObjectName("ward_name")
        self._ward.setProperty("tile", False)
        self._ward.setToolTip(ward_name)
        self._beds = self._label("beds")
        self._escalations = self._label("escalations")
        self._overdue = self._label("overdue")
        self._free = ElidedLabel()  # the count is kept whole; the bed list gives way (…)
        self._free.setObjectName("free_beds")
        self._free.setProperty("tile", True)
        self._freshness = self._label("freshness")
        self._banner = self._label("connection_banner")
        self._banner.setWordWrap(True)
        set_style_property(self._banner, "tone", "alert")
        self._ward.setMinimumWidth(120)

        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        tiles.addWidget(self._ward)
        tiles.addSpacing(8)
        for tile in (self._beds, self._escalations, self._overdue, self._free):
            tiles.addWidget(tile)
        tiles.addStretch(1)
        tiles.addWidget(self._freshness)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(6)
        layout.addLayout(tiles)
        layout.addWidget(self._banner)
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
            for label in (
                self._ward,
                self._beds,
                self._escalations,
                self._overdue,
                self._free,
                self._freshness,
                self._banner,
            )
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
            discharged = summary.discharged_with_open_escalations
            # Counts of escalations of any severity: a neutral sign, not one severity's shape.
            words = [f"{ATTENTION_SIGN} {escalated} with open escalations"] if escalated else []
            if discharged:  # an overdue follow-up: the patient is no longer on the census
                sign = "" if escalated else f"{ATTENTION_SIGN} "
                words.append(f"{sign}{discharged} after discharge")
            self._escalations.setText(" · ".join(words) or "No open escalations")
            self._escalations.setToolTip(
                f"{discharged} discharged patient(s) with an open escalation (e.g. a follow-up "
                "call overdue): see the escalation panel"
                if discharged
                else ""
            )
            set_style_property(
                self._escalations, "tone", "alert" if escalated or discharged else "ok"
            )
            overdue = summary.overdue_observations
            self._overdue.setText(f"◷ {overdue} overdue obs" if overdue else "No overdue obs")
            set_style_property(self._overdue, "tone", "alert" if overdue else "ok")
            self._free.setText(_free_beds_text(snapshot.free_beds))
            self._free.set_kept(self._free.text().split(":")[0] + ": …")
            self._free.setToolTip(
                "Free beds: " + ", ".join(snapshot.free_beds) if snapshot.free_beds else ""
            )

        self._render_freshness(snapshot)

    def _render_freshness(self, snapshot: CensusSnapshot | None) -> None:
        reason = self._unavailable_reason
        self._banner.setVisible(reason is not None)
        if reason is None:
            self._banner.setText("")
            if snapshot is not None:
                stamp = fmt.local_time_text(snapshot.taken_at, seconds=True)
                self._freshness.setText(f"Data as of {stamp}")
                self._freshness.setToolTip("Time of the last successful census read")
            else:
                self._freshness.setText("Loading…")
                self._freshness.setToolTip("")
            set_style_property(self._freshness, "tone", "neutral")
            return
        if snapshot is not None:
            since = fmt.local_time_text(snapshot.taken_at)
            self._banner.setText(
                f"Database unavailable — showing data from {since}. "
                "Changes made since then are not shown. Retrying automatically."
            )
            self._freshness.setText(f"⚠ Data from {since}")
        else:
            self._banner.setText("Database unavailable — no data yet. Retrying automatically.")
            self._freshness.setText("⚠ No data")
        self._banner.setToolTip(reason)
        self._freshness.setToolTip(reason)
        set_style_property(self._freshness, "tone", "alert")


def _free_beds_text(free_beds: tuple[str, ...]) -> str:
    """'3 free: B12, B16, B18': the count first, so a narrow tile that elides the list never
    reads as fewer free beds than there are."""
    if not free_beds:
        return "No free beds"
    shown = ", ".join(free_beds[:FREE_BEDS_SHOWN])
    more = len(free_beds) - FREE_BEDS_SHOWN
    return f"{len(free_beds)} free: {shown}" + (f" +{more}" if more > 0 else "")
