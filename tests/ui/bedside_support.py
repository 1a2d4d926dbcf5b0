"""A real (SQLite) ward for the bedside dialog tests: services, a nurse, one admitted patient."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import func, select
from wardfakes import Clock

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.history import HistoryService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, theme_state

from .factories import NOW


@dataclass
class BedsideWard:
    db: Database
    clock: Clock
    nurse: Actor
    admission_id: int
    recording: RecordingService
    history: HistoryService

    def count(self, model: type) -> int:
        with self.db.read() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0


def build_ward(path: Path) -> BedsideWard:
    engine = make_engine(migrated_sqlite(path / "ward.sqlite"))
    clock = Clock(NOW)
    db = Database(engine, clock=clock)
    staff = StaffService(db)
    staff.add("rn.night", "Nia Night", Role.NURSE, None)
    nurse = staff.actor("rn.night", "Nurses' station 1")
    admissions = AdmissionService(db)
    admissions.ensure_beds(["A1", "A2"], "Ward 7 — Detox")
    admission_id = admissions.admit(
        nurse,
        NewPatient("KD100001", "Maya", "Thornbury", date(1998, 3, 4)),
        bed="A1",
        admitted_at=clock.now - timedelta(hours=30),
        reason="Ketamine dependence",
    )
    return BedsideWard(db, clock, nurse, admission_id, RecordingService(db), HistoryService(db))


@pytest.fixture
def bedside_ward(tmp_path: Path) -> Iterator[BedsideWard]:
    ward = build_ward(tmp_path)
    yield ward
    ward.db.engine.dispose()


@pytest.fixture
def runner(qtbot) -> Iterator[TaskRunner]:
    task_runner = TaskRunner()
    yield task_runner
    task_runner.shutdown(wait=True)


@pytest.fixture
def make_bedside(bedside_ward: BedsideWard, runner: TaskRunner) -> Callable[..., Bedside]:
    def make(recording: RecordingService | None = None, theme: Theme = Theme.DAY) -> Bedside:
        theme_state().set(theme)  # the dialogs paint in the theme in force
        return Bedside(
            recording=recording or bedside_ward.recording,
            history=bedside_ward.history,
            actor=bedside_ward.nurse,
            runner=runner,
            clock=bedside_ward.clock,
        )

    return make


def type_into(qtbot, widget: QWidget, text: str) -> None:
    """Focus a field and type into it as a nurse would (Tab first selects its content)."""
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(widget, text)
