"""Screenshots of the census in both themes, at the smallest ward screen.

Set WARDCONSOLE_SHOT_DIR to keep them (e.g. /tmp/shots); otherwise they go to a temp dir.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from screenshots import grab_census, grab_widget

from wardconsole.ui.theme import Theme

from .factories import FakeWard


@pytest.fixture
def shot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


def test_census_screenshots_in_day_and_night(
    make_window, ward: FakeWard, shot_dir: Path, qtbot
) -> None:
    window = make_window(ward)
    day = grab_census(window, shot_dir / "census.png")
    window.set_theme(Theme.NIGHT)
    night = grab_census(window, shot_dir / "census-night.png")
    window.census_view.select_admission(12)
    window.census_view.patient_requested.emit(12)
    patient = window.patient_windows.get(12)
    grab_widget(patient, shot_dir / "patient-night.png")
    window.set_theme(Theme.DAY)
    grab_widget(patient, shot_dir / "patient.png")

    ward.failure = ConnectionError("server closed the connection unexpectedly")
    window.refresh()
    qtbot.waitUntil(lambda: window.summary_strip.database_unavailable)
    stale = grab_census(window, shot_dir / "census-stale.png")

    for path in (day, night, stale):
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1366, 768)
    # Night really is dark: the top-left corner (summary strip) is near black.
    assert QImage(str(night)).pixelColor(2, 40).lightness() < 40
