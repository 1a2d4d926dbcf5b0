"""The sleep entry window: the nurse sees what the night's safety checks say beside her own
entry, an impossible number of hours is refused with the field named, and a saved entry is the
night's; screenshots in the day and night themes."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from screenshots import grab_widget

from wardconsole.domain.safety_checks import Presentation
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.sleep import SleepService
from wardconsole.store.models import SleepEntryRow
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.physical.sleep_dialog import SleepDialog
from wardconsole.ui.theme import Theme

from . import bedside_support
from .bedside_support import BedsideWard

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner


def _last_night_checks(ward: BedsideWard, asleep: int) -> None:
    """Hourly checks 21:30 … 06:30 on the night of 24 Nov (admitted at 21:00): asleep at the
    last ``asleep``."""
    levels = ObservationLevelService(ward.db)
    now = ward.clock.now
    start = now.replace(day=24, hour=21, minute=30)
    for hour in range(10):
        taken = start + timedelta(hours=hour)
        how = Presentation.ASLEEP if hour >= 10 - asleep else Presentation.CALM
        ward.clock.now = taken
        levels.record_check(ward.nurse, ward.admission_id, how, "Bedroom", taken_at=taken)
    ward.clock.now = now


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_the_nurse_enters_last_nights_sleep_beside_the_estimate_from_the_checks(
    qtbot, make_bedside, bedside_ward: BedsideWard, theme: Theme, tmp_path: Path
) -> None:
    _last_night_checks(bedside_ward, 4)
    bedside = replace(make_bedside(theme=theme), sleep=SleepService(bedside_ward.db))
    dialog = SleepDialog(bedside, bedside_ward.admission_id, "Maya Thornbury — Bed A1")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.overview is not None)
    # 03:00: the night in progress comes first, then last night.
    assert "(in progress)" in dialog.night.itemText(0)
    dialog.night.setCurrentIndex(1)
    assert dialog.night.currentData() == date(2025, 11, 24)
    assert dialog.from_checks.text().startswith(
        "From the checks: ≈ 4 h asleep (from 10 checks, 21:30–06:30"
    )
    assert "checks are samples" in dialog.from_checks.text()
    assert "not a published standard" in dialog.policy_note.text()
    dialog.hours.setValue(13)  # a spin box allows it; the 12-hour night does not
    dialog.disturbed.setChecked(True)
    dialog.save_button.click()
    assert dialog.status.text().startswith("✖ Not saved — Hours slept: 13 h is not possible")
    assert bedside_ward.count(SleepEntryRow) == 0
    dialog.hours.setValue(3.5)
    dialog.note.setText("up twice, nightmares")
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    grab_widget(dialog, shots / f"sleep-entry-{theme.value}.png")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    assert "Sleep SAVED — 3.5 h, disturbed" in dialog.status.text()
    night = (
        SleepService(bedside_ward.db).overview(bedside_ward.admission_id).night(date(2025, 11, 24))
    )
    assert night is not None and night.entry is not None
    assert night.fact() == (
        "last night: slept 3.5 h, disturbed (nurse's entry); "
        "checks: ≈ 4 h (estimate from 10 checks)"
    )
    dialog.accept()
