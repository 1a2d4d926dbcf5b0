"""The safety-check round at night on the demo ward: walking order, recording a check, levels.

Set WARDCONSOLE_SHOT_DIR to keep the screenshot (the committed one is docs/rounds-night.png).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from screenshots import grab_census
from sqlalchemy import func, select
from wardfakes import Clock

from wardconsole.domain.safety_checks import Presentation
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.demo import build_demo_ward
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.observation_views import PatientChecks
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.store.models import ObservationLevelRow, SafetyCheckRow
from wardconsole.ui.checks.check_dialog import CheckDialog, CheckEntry
from wardconsole.ui.checks.level_dialog import LevelDialog, LevelEntry
from wardconsole.ui.checks.round_model import RoundsColumn, RoundsProxyModel, RoundsTableModel
from wardconsole.ui.checks.round_view import RoundsWindow
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme

NIGHT = datetime(2026, 11, 26, 2, 40, tzinfo=UTC)


@dataclass
class Ward:
    db: Database
    clock: Clock
    service: ObservationLevelService
    nurse: Actor


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo ward built once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("rounds") / "demo.sqlite"
    engine = make_engine(migrated_sqlite(path))
    build_demo_ward(Database(engine, clock=Clock(NIGHT)))
    engine.dispose()
    return path


@pytest.fixture
def ward(demo_file: Path, tmp_path: Path) -> Iterator[Ward]:
    copy = tmp_path / "ward.sqlite"
    copy.write_bytes(demo_file.read_bytes())
    engine = make_engine(f"sqlite:///{copy}")
    clock = Clock(NIGHT)
    db = Database(engine, clock=clock)
    nurse = StaffService(db).actor("rn.okafor", "Nurses' station 1")
    yield Ward(db, clock, ObservationLevelService(db, rng=random.Random(4)), nurse)
    engine.dispose()


@pytest.fixture
def rounds(qtbot, ward: Ward) -> Iterator[RoundsWindow]:
    runner = TaskRunner()
    window = RoundsWindow(ward.service, lambda: ward.nurse, runner)
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.view.model.rowCount() > 0)
    yield window
    window.stop()
    runner.shutdown()


def _visible_rows(window: RoundsWindow) -> list[tuple[str, str]]:
    proxy = window.view.proxy
    return [
        (proxy.index(r, RoundsColumn.BED).data(), proxy.index(r, RoundsColumn.CHECK).data())
        for r in range(proxy.rowCount())
    ]


class RoundsCensus:
    """The census's Checks column for the same ward, as the main window shows it."""

    def __init__(self, ward: Ward) -> None:
        from wardconsole.services.census import CensusService
        from wardconsole.ui.census.census_model import CensusTableModel

        self.model = CensusTableModel()
        self.model.set_snapshot(CensusService(ward.db).snapshot())

    def checks_text(self, bed: str) -> str:
        from wardconsole.ui.census.census_model import CensusColumn

        for row in range(self.model.rowCount()):
            if self.model.index(row, CensusColumn.BED).data() == bed:
                return self.model.index(row, CensusColumn.CHECKS).data()
        raise AssertionError(f"bed {bed} not on the census")


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_rounds_model_and_proxy_pass_the_model_tester(qtmodeltester, ward: Ward) -> None:
    snapshot = ward.service.rounds()
    model = RoundsTableModel()
    model.set_snapshot(snapshot)
    qtmodeltester.check(model)
    proxy = RoundsProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    model.set_now(NIGHT + timedelta(minutes=20))
    model.set_snapshot(snapshot)


def test_raised_levels_come_first_and_overdue_checks_rise_to_the_top(
    rounds: RoundsWindow, ward: Ward, qtbot
) -> None:
    first = rounds.view.proxy.index(0, 0).data(Qt.ItemDataRole.UserRole + 2)
    assert first.raised
    ward.clock.now = first.deadline + timedelta(seconds=20)  # no one has checked
    qtbot.waitUntil(lambda: _visible_rows(rounds)[0][1].startswith("◆ OVERDUE"), timeout=3000)
    assert "overdue" in rounds.view.summary.text()


def test_recording_a_check_from_the_rounds_view_takes_one_key_and_a_choice(
    rounds: RoundsWindow, ward: Ward, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = []

    def answer(parent: object, patient: PatientChecks, locations: object) -> CheckEntry:
        asked.append(patient)
        return CheckEntry(Presentation.ASLEEP, "Bedroom")

    monkeypatch.setattr(CheckDialog, "ask", classmethod(lambda cls, *a: answer(*a)))
    before = _count(ward.db, SafetyCheckRow)
    table = rounds.view.table
    table.setFocus()
    table.selectRow(0)
    bed = rounds.view.proxy.index(0, RoundsColumn.BED).data()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Asleep — breathing observed" in rounds.view.message.text())
    assert asked[0].bed == bed
    assert _count(ward.db, SafetyCheckRow) == before + 1
    qtbot.waitUntil(lambda: any(b == bed and "left" in check for b, check in _visible_rows(rounds)))
    assert f"{bed} " in rounds.view.message.text() and "Next check by" in rounds.view.message.text()


def test_after_a_check_the_round_moves_on_to_the_patient_due_next(
    rounds: RoundsWindow, ward: Ward, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter, a choice, Enter, a choice…: the selection walks the round, it does not stay on
    the patient just checked (whose next check is now the furthest away)."""
    monkeypatch.setattr(
        CheckDialog, "ask", classmethod(lambda cls, *a: CheckEntry(Presentation.ASLEEP, "Bedroom"))
    )
    table = rounds.view.table
    table.setFocus()
    checked: list[str] = []
    for _ in range(2):
        table.selectRow(0)
        bed = rounds.view.proxy.index(0, RoundsColumn.BED).data()
        checked.append(bed)
        qtbot.keyClick(table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda bed=bed: rounds.view.proxy.index(0, RoundsColumn.BED).data() != bed)
        qtbot.waitUntil(lambda: table.selected_admission_id() is not None)
        selected = table.selected_admission_id()
        assert (
            rounds.view.patient(selected).bed == rounds.view.proxy.index(0, RoundsColumn.BED).data()
        )
        assert rounds.view.patient(selected).bed != bed
    assert checked[0] != checked[1]


def test_not_found_from_the_rounds_view_raises_the_alarm(
    rounds: RoundsWindow, ward: Ward, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        CheckDialog,
        "ask",
        classmethod(lambda cls, *a: CheckEntry(Presentation.NOT_FOUND, "Bedroom, lounge")),
    )
    rounds.view.table.selectRow(1)
    bed = rounds.view.proxy.index(1, RoundsColumn.BED).data()
    rounds.view.record_button.click()
    qtbot.waitUntil(lambda: "NOT FOUND" in rounds.view.message.text())
    assert "absent-patient emergency raised" in rounds.view.message.text()
    # Absent until found: no countdown for that bed, first in the walk, and the census too.
    qtbot.waitUntil(lambda: _visible_rows(rounds)[0][0] == bed)
    assert _visible_rows(rounds)[0][1].startswith("▲ ABSENT ")
    assert "left" not in _visible_rows(rounds)[0][1]
    census = RoundsCensus(ward)
    assert census.checks_text(bed).startswith("▲ ABSENT ")


def test_setting_a_level_from_the_rounds_view(
    rounds: RoundsWindow, ward: Ward, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        LevelDialog,
        "ask",
        classmethod(
            lambda cls, *a: LevelEntry(
                "arms_length", "Tried to leave through the fire door", timedelta(hours=4), "Dr Iyer"
            )
        ),
    )
    before = _count(ward.db, ObservationLevelRow)
    last = rounds.view.proxy.rowCount() - 1  # a patient on general observation
    rounds.view.table.selectRow(last)
    bed = rounds.view.proxy.index(last, RoundsColumn.BED).data()
    rounds.view.level_button.click()
    qtbot.waitUntil(lambda: "level set to Within arm's length (1:1)" in rounds.view.message.text())
    assert _count(ward.db, ObservationLevelRow) == before + 1
    qtbot.waitUntil(
        lambda: (
            rounds.view.proxy.index(0, RoundsColumn.BED).data() == bed
            or any(b == bed for b, _ in _visible_rows(rounds)[:6])
        )
    )


def test_the_check_dialog_records_asleep_with_two_keys(qtbot, ward: Ward) -> None:
    patient = ward.service.rounds().rows[0]
    dialog = CheckDialog(patient, ward.service.policy.locations)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_1)
    assert dialog.presentation() is Presentation.ASLEEP
    assert not dialog.warning.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_5)
    assert dialog.presentation() is Presentation.NOT_FOUND
    assert dialog.warning.isVisible() and dialog.save_button.text() == "Save and raise alarm"
    qtbot.keyClick(dialog, Qt.Key.Key_1)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.save_button, Qt.Key.Key_Return)
    entry = dialog.entry()
    assert entry is not None and entry.presentation is Presentation.ASLEEP and entry.location


def test_the_check_dialog_refuses_to_save_without_how(qtbot, ward: Ward) -> None:
    dialog = CheckDialog(ward.service.rounds().rows[0], ward.service.policy.locations)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.save_button.click()
    assert dialog.isVisible() and "How: choose" in dialog.error.text()


def test_rounds_screenshot_at_night(
    rounds: RoundsWindow, ward: Ward, qtbot, tmp_path: Path
) -> None:
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, Theme.NIGHT)
    first_due = min(r.deadline for r in ward.service.rounds().rows if r.raised)
    ward.clock.now = first_due + timedelta(minutes=1)  # one raised check now overdue
    rounds.refresh()
    qtbot.waitUntil(lambda: rounds.view.model.now == ward.clock.now, timeout=3000)
    qtbot.waitUntil(lambda: _visible_rows(rounds)[0][1].startswith("◆ OVERDUE"), timeout=3000)
    rounds.view.table.selectRow(0)
    path = grab_census(rounds, shot_dir / "rounds-night.png")
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1366, 768)
    assert image.pixelColor(5, 5).lightness() < 60
