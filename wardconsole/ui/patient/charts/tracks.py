"""One stacked plot of the patient charts: shading, lines, corrections, crosshair, overlays.

Built after pyqtgraph's library code: every curve is created once and updated with
``setData``; curves downsample in peak mode and clip to the view, so a 30-day 1-minute feed
costs what is on screen, not what is stored. Lines come with NaN where the data has a gap
(``connect="finite"``), so a missed night stays a gap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFontMetrics
from PySide6.QtWidgets import QGraphicsGridLayout, QSizePolicy

from wardconsole.services.charts import EntryState, Marks, ReferenceLine, Track
from wardconsole.ui.patient.charts.bands import Band
from wardconsole.ui.patient.charts.palette import ChartPalette
from wardconsole.ui.patient.charts.shading import ShadeItem

LEFT_AXIS_WIDTH = 92
RIGHT_AXIS_WIDTH = 22
DOWNSAMPLE_FACTOR = 2.0
"""Downsampled chunks per pixel of plot width (pyqtgraph's default is 5)."""
SPARSE_POINTS = 240
"""Below this many visible points a line also marks each value with a symbol."""


class _HiddenLabel:
    """For an axis whose label is never shown (a row's title is a ``TextItem`` in its left
    axis): pyqtgraph typesets the hidden label's HTML again at each style, pen or range change,
    about a fifth of building a chart page. A label once shown is typeset as before."""

    def _updateLabel(self) -> None:
        axis: Any = self
        if axis.label.isVisible():
            super()._updateLabel()  # type: ignore[misc]
            return
        axis._adjustSize()
        axis.picture = None
        axis.update()


class _Axis(_HiddenLabel, pg.AxisItem):
    pass


class _DateAxis(_HiddenLabel, pg.DateAxisItem):
    pass


@dataclass(frozen=True, slots=True)
class TrackSpec:
    """What one plot shows and how it is scaled."""

    key: str
    title: str
    """Short caption drawn in the left axis area (a line or two, e.g. 'RR\n/min')."""
    default_range: tuple[float, float]
    stretch: int = 4
    bands: tuple[Band, ...] = ()
    """NEWS2 scoring bands (shaded, and labelled by score on the right axis)."""
    categories: tuple[str, ...] = ()
    """Labels of a categorical track, value i at y = i."""
    invert: bool = False
    description: str = ""
    """The long name, shown when hovering the caption."""


@dataclass(slots=True)
class CurveStyle:
    name: str
    colour_key: str
    width: float = 2.0
    dash: bool = False
    symbol: str = "o"
    emphasised: bool = False
    extras: dict[str, object] = field(default_factory=dict)


class TrackPlot:
    """One plot row: a ``ViewBox`` between a left axis (values), a right axis (band scores)
    and a date axis, laid out in a small ``GraphicsLayout``.

    Lighter than ``pg.PlotItem`` (which builds a settings menu and four axes per plot), so a
    window with a dozen rows opens quickly. The page's layout owns the container (Qt parent);
    this object only keeps references to the items it updates.
    """

    def __init__(self, spec: TrackSpec, palette: ChartPalette, *, show_dates: bool) -> None:
        self.spec = spec
        self._palette = palette
        # A plain grid, not a pg.GraphicsLayout: that one lays out the whole row again and adds
        # a border item for every item added (a page of nine rows: about half its build time).
        self.container = pg.GraphicsWidget()
        self.container.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        grid = QGraphicsGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        self.container.setLayout(grid)
        self.vb = pg.ViewBox(enableMenu=False, defaultPadding=0.0)
        self.vb.setMouseEnabled(x=True, y=False)
        left = _Axis("left")
        right = _Axis("right")
        bottom = _DateAxis(orientation="bottom")
        self._axes: dict[str, pg.AxisItem] = {"left": left, "right": right, "bottom": bottom}
        for axis in self._axes.values():
            # No axis has units, so there is no SI prefix to choose; left on, pyqtgraph
            # re-typesets the (empty) label on every range change of every axis.
            axis.enableAutoSIPrefix(False)
            axis.linkToView(self.vb)
            axis.setZValue(-50)
        grid.addItem(left, 0, 0)
        grid.addItem(self.vb, 0, 1)
        grid.addItem(right, 0, 2)
        grid.addItem(bottom, 1, 1)
        bottom.setStyle(showValues=show_dates)
        if not show_dates:
            bottom.setHeight(2)
        bottom.setGrid(64)
        left.setWidth(LEFT_AXIS_WIDTH)
        right.setWidth(RIGHT_AXIS_WIDTH)
        right.setStyle(tickLength=0)
        if spec.invert:
            self.vb.invertY(True)
        # The caption sits in the left axis area, never over the data.
        self.title = pg.TextItem(spec.title, anchor=(0, 0))
        self.title.setParentItem(left)
        self.title.setPos(0, 0)
        font = self.title.textItem.font()
        font.setPointSizeF(8.5)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setToolTip(spec.description or spec.title.replace("\n", " "))
        self._back = ShadeItem()
        """Scoring bands and the time outside the stay, behind everything."""
        self._back.setZValue(-100)
        self.vb.addItem(self._back, ignoreBounds=True)
        self._front = ShadeItem()
        """Hatching over what is not loaded yet, so it cannot pass for a gap."""
        self._front.setZValue(30)
        self.vb.addItem(self._front, ignoreBounds=True)
        self._spans: list[tuple[float, float, str]] = []
        self._references: list[pg.InfiniteLine] = []
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._styles: dict[str, CurveStyle] = {}
        self._tracks: dict[str, Track] = {}
        self._sparse = False
        self.corrections = pg.ScatterPlotItem(size=9, hoverable=True, tip=self._correction_tip)
        self.corrections.setZValue(20)
        self._correction_text: list[str] = []
        self._correction_states = np.empty(0, dtype=np.int8)
        self.vb.addItem(self.corrections)
        self.crosshair = pg.InfiniteLine(angle=90, movable=False)
        self.crosshair.setZValue(40)
        self.crosshair.setVisible(False)
        self.vb.addItem(self.crosshair, ignoreBounds=True)
        self._set_y_range(*spec.default_range)
        self._set_categories()
        self.apply_palette(palette)
        # Band numbers are spaced by the track's height in pixels: redo them when it changes.
        self.vb.sigResized.connect(self._label_bands)

    def axis(self, name: str) -> pg.AxisItem:
        return self._axes[name]

    def add_item(self, item: object, *, ignore_bounds: bool = False) -> None:
        self.vb.addItem(item, ignoreBounds=ignore_bounds)

    def remove_item(self, item: object) -> None:
        self.vb.removeItem(item)

    # -- set-up ---------------------------------------------------------------------------

    def add_curve(self, style: CurveStyle) -> pg.PlotDataItem:
        """Create a curve once; ``set_track`` feeds it."""
        # Peak downsampling to about two values per pixel column: every spike stays visible,
        # and a month of one-minute sets costs what the screen can show.
        curve = pg.PlotDataItem(
            connect="finite", name=style.name, autoDownsampleFactor=DOWNSAMPLE_FACTOR
        )
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        curve.setZValue(10 + (5 if style.emphasised else 0))
        self.vb.addItem(curve)
        self.curves[style.name] = curve
        self._styles[style.name] = style
        self._style_curve(style.name)
        return curve

    def _style_curve(self, name: str) -> None:
        style = self._styles[name]
        colour = self._colour(style.colour_key)
        pen = pg.mkPen(colour, width=style.width)
        if style.dash:
            pen.setStyle(Qt.PenStyle.DashLine)
        curve = self.curves[name]
        curve.setPen(pen)
        if self._sparse and style.symbol:
            curve.setSymbol(style.symbol)
            curve.setSymbolSize(8 if style.emphasised else 7)
            curve.setSymbolPen(pg.mkPen(colour, width=1.5))
            curve.setSymbolBrush(
                pg.mkBrush(colour if style.extras.get("filled", True) else self._palette.background)
            )
        else:
            curve.setSymbol(None)

    def _colour(self, key: str) -> object:
        palette = self._palette
        if key.startswith("risk:"):
            return palette.risk[key.split(":", 1)[1]]
        if key.startswith("group:"):
            group = key.split(":", 1)[1] or None
            return palette.groups.get(group, palette.groups[None])
        return getattr(palette, key)

    def apply_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        fg = palette.foreground
        for name in ("left", "bottom", "right"):
            axis = self.axis(name)
            axis.setPen(pg.mkPen(palette.grid if name == "right" else fg))
            axis.setTextPen(pg.mkPen(fg))
        self.title.setColor(fg)
        self.crosshair.setPen(pg.mkPen(palette.crosshair, width=1))
        for name in self.curves:
            self._style_curve(name)
        self._draw_bands()
        self._draw_spans()
        for line in self._references:
            line.setPen(pg.mkPen(palette.reference, width=1, style=Qt.PenStyle.DashLine))
            line.label.setColor(palette.reference)
        self._style_corrections()

    def _draw_bands(self) -> None:
        fills = []
        for band in self.spec.bands:
            if band.score == 0:
                continue
            fills.append((band.low, band.high, pg.mkBrush(self._palette.band[min(band.score, 3)])))
        self._back.set_bands(fills)
        self._label_bands()
        if not self.spec.bands:
            self.axis("right").setStyle(showValues=False)

    def _label_bands(self) -> None:
        """Each shaded band's score on the right, where there is room for it: a band thinner
        than a line of text, or one whose number would touch a neighbour's, goes unlabelled
        (the higher score wins), so numbers never write over each other."""
        low, high = self.spec.default_range
        pixels = self.vb.height()
        line = QFontMetrics(self.axis("right").font()).height()
        room = (high - low) * line / pixels if pixels > line else 0.06 * (high - low)
        candidates = []
        for band in self.spec.bands:
            if band.score == 0:
                continue
            shown_low, shown_high = max(band.low, low), min(band.high, high)
            if shown_high - shown_low >= room * 0.8:
                middle = (shown_low + shown_high) / 2
                candidates.append((band.score, middle, band.label or str(band.score)))
        ticks: list[tuple[float, str]] = []
        for _score, middle, text in sorted(candidates, key=lambda c: -c[0]):
            if all(abs(middle - kept) >= room for kept, _ in ticks):
                ticks.append((middle, text))
        self.axis("right").setTicks([sorted(ticks), []])

    def _set_categories(self) -> None:
        if self.spec.categories:
            ticks = [(float(i), label) for i, label in enumerate(self.spec.categories)]
            self.axis("left").setTicks([ticks, []])

    def set_references(self, lines: Sequence[ReferenceLine]) -> None:
        for item in self._references:
            self.remove_item(item)
        self._references.clear()
        low, high = self.vb.viewRange()[1]
        for ref in _merged(lines):
            share = (ref.value - low) / (high - low) if high > low else 0.5
            # Label above the line in the upper half, below it in the lower half (so two
            # lines either side of zero do not write over each other) and near the very top.
            anchor = (1, 1) if 0.5 <= share <= 0.85 else (1, 0)
            line = pg.InfiniteLine(
                pos=ref.value,
                angle=0,
                movable=False,
                pen=pg.mkPen(self._palette.reference, width=1, style=Qt.PenStyle.DashLine),
                label=ref.label,
                labelOpts={
                    "position": 0.98,
                    "anchors": [anchor, anchor],
                    "color": self._palette.reference,
                },
            )
            line.setToolTip(f"{ref.label} — {ref.source}")
            line.setZValue(5)
            self.add_item(line, ignore_bounds=True)
            self._references.append(line)

    # -- data -----------------------------------------------------------------------------

    def set_track(self, name: str, track: Track | None) -> None:
        curve = self.curves[name]
        if track is None or track.points == 0:
            # Nothing to draw (an all-NaN curve would also upset the symbol bounds).
            self._tracks.pop(name, None)
            curve.setData([], [])
            return
        self._tracks[name] = track
        curve.setData(track.x, track.y, connect="finite")

    def set_masked_track(self, name: str, track: Track, code: int) -> None:
        """The part of ``track`` whose code is ``code`` (e.g. one NEWS2 risk)."""
        assert track.codes is not None
        self.set_track(name, Track(track.x, np.where(track.codes == code, track.y, np.nan)))

    def track(self, name: str) -> Track | None:
        return self._tracks.get(name)

    def set_corrections(self, marks: Sequence[tuple[Marks, Callable[[float], str]]]) -> None:
        """Values no longer in the line: hollow rings (corrected) and crosses (in error)."""
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        states: list[np.ndarray] = []
        texts: list[str] = []
        for mark, describe in marks:
            xs.append(mark.x)
            ys.append(mark.y)
            states.append(mark.state)
            for value, state, now in zip(mark.y, mark.state, mark.current_y, strict=True):
                texts.append(_correction_text(describe, value, state, now))
        self._correction_text = texts
        if not xs or sum(len(x) for x in xs) == 0:
            self.corrections.setData([], [])
            self._correction_states = np.empty(0, dtype=np.int8)
            return
        self._correction_states = np.concatenate(states)
        self.corrections.setData(
            x=np.concatenate(xs),
            y=np.concatenate(ys),
            data=np.arange(len(texts)),
        )
        self._style_corrections()

    def _style_corrections(self) -> None:
        states = self._correction_states
        if len(states) == 0:
            return
        colour = self._palette.corrected
        symbols = np.where(states == EntryState.ENTERED_IN_ERROR, "x", "o").tolist()
        self.corrections.setSymbol(symbols)
        self.corrections.setPen(pg.mkPen(colour, width=1.5))
        self.corrections.setBrush(pg.mkBrush(None))

    def _correction_tip(self, x: float, y: float, data: object) -> str:
        index = int(data) if isinstance(data, int | np.integer) else -1
        if 0 <= index < len(self._correction_text):
            return self._correction_text[index]
        return ""

    def set_y_range_for(self, values: Sequence[np.ndarray]) -> None:
        """The default range, widened so that no value is ever off the chart."""
        low, high = self.spec.default_range
        for array in values:
            finite = array[np.isfinite(array)]
            if len(finite):
                low, high = min(low, float(finite.min())), max(high, float(finite.max()))
        if (low, high) != self.spec.default_range:
            pad = (high - low) * 0.04
            low, high = low - pad, high + pad
        self._set_y_range(low, high)

    def set_y_range(self, low: float, high: float) -> None:
        """Exactly [low, high] with value ticks (a track whose scale follows its data)."""
        self._set_y_range(low, high)

    def _set_y_range(self, low: float, high: float) -> None:
        self.vb.setLimits(yMin=low, yMax=high)
        self.vb.setYRange(low, high, padding=0)
        if not self.spec.categories:
            self.axis("left").setTicks([value_ticks(low, high), []])

    def set_sparse(self, sparse: bool) -> None:
        """Mark every value with a symbol when few are on screen (4-hourly sets)."""
        if sparse == self._sparse:
            return
        self._sparse = sparse
        for name in self.curves:
            self._style_curve(name)

    def set_overlays(self, regions: Sequence[tuple[float, float, str]]) -> None:
        """Vertical shaded spans: (start, end, 'unloaded' | 'outside') in epoch seconds."""
        self._spans = list(regions)
        self._draw_spans()

    def _draw_spans(self) -> None:
        outside = pg.mkBrush(self._palette.outside_stay)
        unloaded = QBrush(self._palette.unloaded, Qt.BrushStyle.BDiagPattern)
        self._back.set_spans([(a, b, outside) for a, b, kind in self._spans if kind == "outside"])
        self._front.set_spans(
            [(a, b, unloaded) for a, b, kind in self._spans if kind == "unloaded"]
        )


def value_ticks(low: float, high: float, most: int = 4) -> list[tuple[float, str]]:
    """Round tick values kept clear of the plot's top and bottom edges, where stacked plots
    meet and the labels of neighbours would collide."""
    span = high - low
    margin = span * 0.08
    for step in (0.5, 1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000, 2500, 5000):
        if span / step <= most + 1:
            break
    first = np.ceil((low + margin) / step) * step
    values = np.arange(first, high - margin + 1e-9, step)
    # + 0.0 turns a -0.0 (ceil of a small negative) into 0: never a '-0' on the axis.
    return [(float(v), f"{v + 0.0:g}") for v in values]


def _merged(lines: Sequence[ReferenceLine]) -> list[ReferenceLine]:
    """One line per value: items sharing a red-flag threshold are named on one label."""
    by_value: dict[float, list[ReferenceLine]] = {}
    for line in lines:
        by_value.setdefault(line.value, []).append(line)
    merged = []
    for value, group in by_value.items():
        if len(group) == 1:
            merged.append(group[0])
            continue
        names = ", ".join(line.label.split(" red flag")[0].split(" /")[0] for line in group)
        merged.append(
            ReferenceLine(
                group[0].track,
                value,
                f"Red flag {value:g}+: {names}",
                "; ".join(sorted({line.source for line in group})),
            )
        )
    return merged


def _correction_text(describe: Callable[[float], str], value: float, state: int, now: float) -> str:
    if state == EntryState.ENTERED_IN_ERROR:
        return f"Entered in error (struck out): {describe(value)}"
    if np.isfinite(now):
        return f"Corrected: was {describe(value)}, now {describe(now)}"
    return f"Corrected: was {describe(value)}"
