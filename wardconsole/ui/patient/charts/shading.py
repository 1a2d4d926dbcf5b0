"""Shaded bands and spans behind (or over) a plot's data, drawn by one item per layer.

A plot has up to five scoring bands and four spans (outside the stay, not loaded yet); one
``LinearRegionItem`` each would mean a dozen interactive items per plot. This item just fills
rectangles across the visible range, which is all a background needs.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QPainter


class ShadeItem(pg.GraphicsObject):
    """Horizontal bands (y ranges) and vertical spans (x ranges) filled with brushes."""

    def __init__(self) -> None:
        super().__init__()
        self._bands: list[tuple[float, float, QBrush]] = []
        self._spans: list[tuple[float, float, QBrush]] = []
        self._bounds: QRectF | None = None

    def set_bands(self, bands: Sequence[tuple[float, float, QBrush]]) -> None:
        self._bands = list(bands)
        self.update()

    def set_spans(self, spans: Sequence[tuple[float, float, QBrush]]) -> None:
        self._spans = list(spans)
        self.update()

    def viewTransformChanged(self) -> None:
        self._bounds = None
        self.prepareGeometryChange()
        super().viewTransformChanged()

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            view = self.viewRect()
            self._bounds = QRectF() if view is None else QRectF(view)
        return self._bounds

    def paint(self, painter: QPainter, *_args: object) -> None:
        view = self.viewRect()
        if view is None:
            return
        left, width = view.left(), view.width()
        top, height = view.top(), view.height()
        for low, high, brush in self._bands:
            painter.fillRect(QRectF(left, low, width, high - low), brush)
        for start, end, brush in self._spans:
            x0, x1 = max(start, left), min(end, left + width)
            if x1 > x0:
                painter.fillRect(QRectF(x0, top, x1 - x0, height), brush)
