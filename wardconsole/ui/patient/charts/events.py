"""The events lane: escalations, mental-state assessments, PRN doses, therapy and support
sessions and corrections as
markers on the shared time axis, each with its details on hover."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QPen

from wardconsole.services.charts import ChartEvent, EventKind
from wardconsole.ui import formatting as fmt
from wardconsole.ui.patient.charts.palette import ChartPalette
from wardconsole.ui.patient.charts.tracks import TrackPlot, TrackSpec

LANES: tuple[str, ...] = ("Correction", "PRN", "Mental", "Escalation", "Session")
"""Lane labels from the bottom (y = 0) up."""

# kind -> (lane, symbol, palette key, legend word). Shapes differ so colour is not the only cue.
_LOOK: dict[EventKind, tuple[int, str, str, str]] = {
    EventKind.ESCALATION_RAISED: (3, "t1", "escalation", "raised"),
    EventKind.ESCALATION_ACKNOWLEDGED: (3, "d", "acknowledged", "acknowledged"),
    EventKind.ESCALATION_RESOLVED: (3, "o", "resolved", "resolved"),
    EventKind.PANIC: (2, "t", "mental", "panic"),
    EventKind.HALLUCINATION: (2, "star", "mental", "hallucination"),
    EventKind.PRN: (1, "p", "prn", "PRN"),
    EventKind.CORRECTION: (0, "s", "correction", "corrected"),
    EventKind.ENTERED_IN_ERROR: (0, "x", "correction", "entered in error"),
    EventKind.SESSION: (4, "h", "session", "session"),
    EventKind.SESSION_DECLINED: (4, "t3", "session", "session declined"),
}

EVENTS_SPEC = TrackSpec(
    key="events",
    title="",
    default_range=(-0.6, len(LANES) - 0.4),
    stretch=3,
    categories=LANES,
)


def event_tip(event: ChartEvent) -> str:
    """What hovering a marker says, with the time in local time."""
    lines = [event.title, fmt.local_datetime_text(_utc(event.at))]
    if event.recorded_at is not None and event.recorded_at - event.at >= 60:
        lines[1] += f" (recorded {fmt.local_datetime_text(_utc(event.recorded_at))})"
    if event.detail:
        lines.append(event.detail)
    who = " · ".join(part for part in (event.by, event.station) if part)
    if who:
        lines.append(who)
    return "\n".join(lines)


def _utc(epoch: float):

    return datetime.fromtimestamp(epoch, UTC)


class EventLane:
    """The markers of one page's events lane (the lane's plot is a ``TrackPlot``)."""

    def __init__(self, track: TrackPlot, palette: ChartPalette) -> None:
        self.track = track
        self._palette = palette
        self._events: tuple[ChartEvent, ...] = ()
        self._brushes: dict[str, QBrush] = {}
        """One brush per event colour, kept: pyqtgraph renders a marker image per distinct
        brush object, so a brush per event would draw each marker anew on every load."""
        self._pen: QPen | None = None
        self.scatter = pg.ScatterPlotItem(size=13, hoverable=True, tip=self._tip)
        self.scatter.setZValue(20)
        track.add_item(self.scatter)
        track.container.setMinimumHeight(80)
        font = track.axis("left").font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        track.axis("left").setStyle(tickFont=font)

    @property
    def events(self) -> tuple[ChartEvent, ...]:
        return self._events

    def set_events(self, events: Sequence[ChartEvent]) -> None:
        self._events = tuple(events)
        self._draw()

    def apply_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        self._brushes.clear()
        self._pen = None
        self._draw()

    def _brush(self, colour_key: str) -> QBrush:
        brush = self._brushes.get(colour_key)
        if brush is None:
            brush = self._brushes[colour_key] = pg.mkBrush(self._palette.events[colour_key])
        return brush

    def _draw(self) -> None:
        events = self._events
        if not events:
            self.scatter.setData([], [])
            return
        looks = [_LOOK[event.kind] for event in events]
        if self._pen is None:
            self._pen = pg.mkPen(self._palette.foreground, width=0.8)
        self.scatter.setData(
            x=np.array([event.at for event in events]),
            y=np.array([look[0] for look in looks], dtype=float),
            symbol=[look[1] for look in looks],
            brush=[self._brush(look[2]) for look in looks],
            pen=self._pen,
            data=np.arange(len(events)),
        )

    def _tip(self, x: float, y: float, data: object) -> str:
        index = int(data) if isinstance(data, int | np.integer) else -1
        return event_tip(self._events[index]) if 0 <= index < len(self._events) else ""


def legend_text() -> str:
    """One line naming each marker shape, for the lane's tooltip."""
    shapes = {
        "t1": "▲",
        "d": "◆",
        "o": "●",
        "t": "▼",
        "star": "★",
        "p": "⬟",
        "s": "■",
        "x": "✕",
        "h": "⬢",
        "t3": "◀",
    }
    return "   ".join(f"{shapes[look[1]]} {look[3]}" for look in _LOOK.values())
