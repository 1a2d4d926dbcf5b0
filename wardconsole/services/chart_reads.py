"""How much of a stay a patient window reads first: the range it opens on and a margin, so a
first pan or zoom finds its sets already read. The census reads the same ahead of an open
(``ChartService.read_ahead``). Kept apart from the chart service (no numpy here), so the
console can name it before any chart was opened."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

FIRST_LOAD_SPANS: Final = 1.25
"""On opening, the sets of the range shown and a quarter more are read."""


def opening_read(span: timedelta | None) -> timedelta | None:
    """How far back an open showing the last ``span`` reads (None: the whole stay, read
    whole)."""
    return None if span is None else span * FIRST_LOAD_SPANS
