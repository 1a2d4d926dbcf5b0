"""The Medicines chart page: a nurse opens a patient on nightly zopiclone (regular, one night
omitted) with PRN lorazepam and sees the doses by class, PRN per ward day and the day's
diazepam-equivalent load as an approximate reference figure; screenshots day and night at the
smallest ward screen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PySide6.QtGui import QImage
from screenshots import SMALLEST_WARD_SCREEN, grab_widget
from wardfakes import Clock

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.census import CensusService
from wardconsole.services.charts import ChartService
from wardconsole.services.context import Role
from wardconsole.services.db import Database
from wardconsole.services.medicines import MedicinesService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.ui.patient.charts.patient_charts import Page
from wardconsole.ui.patient.open_windows import PatientWindows
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme, theme_state

LONDON = ZoneInfo("Europe/London")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def ward(sqlite_url: str) -> Iterator[tuple[Database, int]]:
    engine = make_engine(sqlite_url)
    clock = Clock(local("2026-11-20 09:00"))
    db = Database(engine, clock=clock, ward_timezone="Europe/London")
    staff = StaffService(db)
    staff.add("rn.one", "Ola One", Role.NURSE, None)
    nurse = staff.actor("rn.one", "Station A")
    admissions = AdmissionService(db)
    admissions.ensure_beds(["B01"], "Test ward")
    admission = admissions.admit(
        nurse,
        NewPatient("KD000500", "Noor", "Nightly", date(1990, 4, 5)),
        bed="B01",
        admitted_at=clock.now - timedelta(hours=1),
        reason="Ketamine dependence",
    )
    medicines = MedicinesService(db)
    line = medicines.add_line(
        nurse,
        admission,
        drug="Zopiclone",
        dose="7.5 mg",
        route="PO",
        schedule="regular",
        frequency="at night",
    )
    for day in range(20, 26):
        clock.now = local(f"2026-11-{day} 22:35")
        outcome = "omitted" if day == 23 else "given"
        medicines.record_regular_dose(
            nurse,
            line,
            outcome=outcome,
            omitted_reason="asleep" if day == 23 else "",
            given_at=local(f"2026-11-{day} 22:30"),
        )
        for hour in range(10, 10 + (day - 19) // 2 * 4, 4):
            clock.now = local(f"2026-11-{day} {hour}:05")
            RecordingService(db).record_prn(
                nurse,
                admission,
                drug="Lorazepam",
                drug_class="benzodiazepine",
                dose="1 mg",
                route="PO",
                reason="Anxiety",
                given_at=local(f"2026-11-{day} {hour}:00"),
            )
    clock.now = local("2026-11-26 03:10")
    yield db, admission
    engine.dispose()


def test_the_medicines_page_shows_doses_prn_per_day_and_the_load(
    qtbot, qapp, ward, tmp_path: Path
) -> None:
    db, _admission = ward
    snapshot = CensusService(db).snapshot()
    [row] = snapshot.rows
    runner = TaskRunner()
    windows = PatientWindows(runner, ChartService(db).series)
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    saved: list[Path] = []
    try:
        for theme, suffix in ((Theme.DAY, ""), (Theme.NIGHT, "-night")):
            apply_theme(qapp, theme)
            theme_state().set(theme)
            window = windows.open(row, snapshot)
            window.resize(*SMALLEST_WARD_SCREEN)
            charts = window.charts
            assert charts is not None
            qtbot.waitUntil(lambda c=charts: c.series is not None and not c.loading, timeout=10_000)
            charts.set_page(Page.MEDICINES)
            page = charts.medicines_page()
            meds = charts.series.medicines
            assert set(meds.classes) == {"Z-drug (hypnotic)", "Benzodiazepine"}
            kinds = [d.kind for d in meds.doses]
            assert (kinds.count("regular"), kinds.count("omitted")) == (5, 1)
            assert kinds.count("prn") == sum(d.prn for d in meds.days) > 0
            assert any("omitted: asleep" in d.text for d in meds.doses)
            _x, load = meds.load_track()
            assert np.nanmax(load) > 0
            assert page.points["omitted"].points().size == 1
            charts.set_cursor_time(local("2026-11-25 22:30").timestamp())
            saved.append(grab_widget(window, shots / f"patient-medicines{suffix}.png"))
    finally:
        windows.close_all()
        runner.shutdown()
        apply_theme(qapp, Theme.DAY)
    for path in saved:
        image = QImage(str(path))
        assert (image.width(), image.height()) == SMALLEST_WARD_SCREEN
