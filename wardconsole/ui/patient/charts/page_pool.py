"""Vitals pages kept from dropped patient windows, refilled for the next patient opened.

A vitals page is eight stacked plots with their axes, bands and curves: building one costs more
than drawing a month of sets on it. A window that is dropped gives its page back here (emptied,
detached, its signals cut); the next window takes it and feeds it a new series. While a page is
here this pool's reference is its only owner (no Qt parent); in a window, the window's layout is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pyqtgraph loads with the first patient window, not with the census
    from wardconsole.ui.patient.charts.pages import VitalsPage
    from wardconsole.ui.patient.charts.palette import ChartPalette

KEPT_PAGES = 2
"""Pages kept for reuse; more are let go (a page holds a few MB of curve buffers)."""


class ChartPagePool:
    def __init__(self, kept: int = KEPT_PAGES) -> None:
        self._kept = kept
        self._free: list[VitalsPage] = []

    def __len__(self) -> int:
        return len(self._free)

    def take(self, palette: ChartPalette) -> VitalsPage:
        """An empty vitals page in ``palette``: a kept one if any, else a new one."""
        if not self._free:
            from wardconsole.ui.patient.charts.pages import VitalsPage

            return VitalsPage(palette)
        page = self._free.pop()
        if page.palette is not palette:  # the theme changed since (one palette per theme)
            page.apply_palette(palette)
        return page

    def give_back(self, page: VitalsPage) -> None:
        """Keep ``page`` (already emptied and detached by its window) for the next window."""
        if len(self._free) < self._kept:
            self._free.append(page)
