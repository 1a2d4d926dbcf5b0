"""The preset a patient window opens on (saved from the last window) and the range it shows
first; how much of the stay that reads is the chart service's (``services/chart_reads.py``).
Kept apart from the charts (no pyqtgraph here), so the census can read the same ahead of an
open (``ui/patient/chart_prefetch.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from PySide6.QtCore import QSettings

from wardconsole.services.chart_reads import opening_read
from wardconsole.ui.patient.charts.toolbar import Preset

PRESET_KEY: Final = "patient_charts/preset"
DEFAULT_PRESET: Final = Preset.THREE_DAYS


def saved_preset() -> Preset:
    """The preset the next patient window opens on (the last one chosen)."""
    value = QSettings().value(PRESET_KEY, DEFAULT_PRESET.value)
    try:
        return Preset(str(value))
    except ValueError:
        return DEFAULT_PRESET


def opening_span(preset: Preset) -> timedelta | None:
    """The range a window opening on ``preset`` shows (None: the whole stay)."""
    if preset is Preset.STAY:
        return None
    return preset.span or timedelta(hours=24)  # this shift: no shift is longer than a day


def first_request(preset: Preset) -> dict[str, Any]:
    """The loader's keyword arguments for a window opening on ``preset``."""
    last = opening_read(opening_span(preset))
    return {} if last is None else {"last": last}
