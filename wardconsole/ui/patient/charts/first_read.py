"""What a patient window reads first: the sets of the preset it opens on (saved from the last
window), and a margin. Kept apart from the charts (no pyqtgraph here), so the census can read
the same range ahead of an open (``ui/patient/chart_prefetch.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from PySide6.QtCore import QSettings

from wardconsole.ui.patient.charts.toolbar import Preset

FIRST_LOAD_SPANS: Final = 1.25
"""On opening, the sets of the preset's span and a quarter more are read."""
PRESET_KEY: Final = "patient_charts/preset"
DEFAULT_PRESET: Final = Preset.THREE_DAYS


def saved_preset() -> Preset:
    """The preset the next patient window opens on (the last one chosen)."""
    value = QSettings().value(PRESET_KEY, DEFAULT_PRESET.value)
    try:
        return Preset(str(value))
    except ValueError:
        return DEFAULT_PRESET


def first_request(preset: Preset) -> dict[str, Any]:
    """The loader's keyword arguments for a window opening on ``preset``."""
    span = preset.span
    if preset is Preset.STAY:
        return {}
    if span is None:  # this shift: no shift is longer than a day
        span = timedelta(hours=24)
    return {"last": span * FIRST_LOAD_SPANS}
