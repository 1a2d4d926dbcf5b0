"""Vitals pages kept from dropped patient windows, refilled for the next patient opened.

A vitals page is eight stacked plots with their axes, bands and curves: building one costs more
than drawing a month of sets on it. A window that is dropped gives its page back here (emptied,
detached, its signals cut); the next window takes it and feeds it a new series. While a page is
here this pool's reference is its only owner (no Qt parent); in a window, the window's layout is.

A pool that has no page to hand out builds one ahead of need (``ensure_spare``) when the console
is idle and a patient is about to be opened (the census row read ahead): that window then takes
a built page instead of building one while the nurse waits.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # pyqtgraph loads with the first patient window, not with the census
    from wardconsole.ui.patient.charts.pages import VitalsPage
    from wardconsole.ui.patient.charts.palette import ChartPalette

PAGES_MODULE: Final = "wardconsole.ui.patient.charts.pages"
"""Loaded (with pyqtgraph) by the first patient window of a session."""

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

    def ensure_spare(self, palette: ChartPalette) -> bool:
        """Build one empty page in ``palette`` for the next window unless one is kept already
        or the chart modules are not loaded yet; True when one was built (UI thread; tens of
        milliseconds). It never loads pyqtgraph: that would hold the census about a second,
        which the session's first patient window pays instead, while the nurse opens it."""
        if self._free or self._kept < 1 or PAGES_MODULE not in sys.modules:
            return False
        from wardconsole.ui.patient.charts.pages import VitalsPage

        self._free.append(VitalsPage(palette))
        return True

    def give_back(self, page: VitalsPage) -> None:
        """Keep ``page`` (already emptied and detached by its window) for the next window."""
        if len(self._free) < self._kept:
            self._free.append(page)
