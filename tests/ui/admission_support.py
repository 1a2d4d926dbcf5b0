"""A small real ward (SQLite) for the admission, bed-move, discharge and history dialogs.

Import the fixtures into a test module: ``from .admission_support import real_ward, runner``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbfixtures import migrated_sqlite
from intakefakes import intake_data
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QTabWidget,
    QWidget,
)
from sqlalchemy import func, select

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.store.models import Admission, Patient
from wardconsole.ui.tasks import TaskRunner

BEDS = ["A1", "A2", "A3", "A4"]


class RealWard:
    """A four-bed ward in an SQLite file, with a nurse and a supervisor."""

    def __init__(self, path: Path) -> None:
        self.engine = make_engine(migrated_sqlite(path))
        self.db = Database(self.engine)
        staff = StaffService(self.db)
        staff.add("rn.okafor", "R. Okafor", Role.NURSE, None)
        staff.add("sv.iyer", "P. Iyer", Role.SUPERVISOR, None)
        self.nurse: Actor = staff.actor("rn.okafor", "Nurses' station 1")
        self.supervisor: Actor = staff.actor("sv.iyer", "Nurses' station 1")
        self.admissions = AdmissionService(self.db)
        self.discharges = DischargeService(self.db)
        self.admissions.ensure_beds(BEDS, "Ward 7")

    def acting(self, actor: Actor | None = None) -> Callable[[], Actor]:
        """Who is signed in at the station (the nurse unless told)."""
        who = actor or self.nurse
        return lambda: who

    def admit(
        self,
        number: str,
        given: str,
        family: str,
        bed: str | None,
        *,
        hours_ago: float = 30,
        **intake_changes: dict,
    ) -> int:
        admitted_at = datetime.now(UTC) - timedelta(hours=hours_ago)
        return self.admissions.admit(
            self.nurse,
            NewPatient(number, given, family, date(1990, 3, 4)),
            bed=bed,
            admitted_at=admitted_at,
            assigned_nurse_id=self.nurse.staff_id,
            intake=intake_data(admitted_at, **intake_changes),
        )

    def discharge(self, admission_id: int, destination: str = "outpatient_programme") -> None:
        self.discharges.discharge(
            self.nurse,
            admission_id,
            destination=destination,
            summary=self.discharges.draft(admission_id).text,
        )

    def count(self, model: type) -> int:
        with self.db.read() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    def counts(self) -> tuple[int, int]:
        return self.count(Patient), self.count(Admission)

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def real_ward(tmp_path: Path) -> Iterator[RealWard]:
    ward = RealWard(tmp_path / "ward.sqlite")
    yield ward
    ward.close()


@pytest.fixture
def runner(qapp) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.shutdown()


# --- driving forms as a nurse does ----------------------------------------------------------------


def child(widget: QWidget, kind: type, name: str) -> Any:
    found = widget.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} called {name!r}"
    reveal(found)
    return found


def reveal(widget: QWidget) -> None:
    """Bring the tab holding ``widget`` to the front, as a nurse would before using it."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QTabWidget):
            for n in range(parent.count()):
                if parent.widget(n).isAncestorOf(widget):
                    parent.setCurrentIndex(n)
        parent = parent.parentWidget()


def type_into(qtbot, widget: QWidget, name: str, text: str) -> None:
    edit = child(widget, QLineEdit, name)
    edit.clear()
    qtbot.keyClicks(edit, text)


def tick(qtbot, widget: QWidget, name: str, kind: type = QCheckBox) -> None:
    button = child(widget, kind, name)
    if not button.isChecked():
        # On the box itself: a stretched check box does not react to clicks past its text.
        qtbot.mouseClick(
            button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.rect().height() // 2)
        )
    assert button.isChecked(), name


def choose(widget: QWidget, name: str, text: str) -> None:
    combo = child(widget, QComboBox, name)
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not offered in {name}: {combo_items(combo)}"
    combo.setCurrentIndex(index)


def combo_items(combo: QComboBox) -> list[str]:
    return [combo.itemText(n) for n in range(combo.count())]


def set_spin(widget: QWidget, name: str, value: int) -> None:
    child(widget, QSpinBox, name).setValue(value)


def answer(qtbot, widget: QWidget, question: str, yes: bool) -> None:
    tick(qtbot, widget, f"cssrs_{question}_{'yes' if yes else 'no'}", QRadioButton)


def fill_intake(qtbot, dialog: QWidget, *, cssrs: dict[str, bool] | None = None) -> None:
    """The least a nurse must enter: ketamine pattern, allergies and the C-SSRS screener."""
    tick(qtbot, dialog, "route_snorted")
    type_into(qtbot, dialog, "typical_amount", "2 g a day")
    choose(dialog, "frequency", "Daily")
    set_spin(dialog, "duration_years", 3)
    tick(qtbot, dialog, "last_use_unknown")
    set_spin(dialog, "previous_detox_attempts", 0)
    tick(qtbot, dialog, "no_known_allergies")
    for question, value in (cssrs or {"q1": False, "q2": False, "q6": False}).items():
        answer(qtbot, dialog, question, value)


def seed_stay(ward: RealWard, *, hours: float = 50) -> int:
    """A believable two-day stay, written as it happened (each write at its own time): a high
    C-SSRS at intake (self-harm escalation, resolved), rounds with the withdrawal chart, a panic
    attack treated with a PRN dose, and recovery."""
    from intakefakes import HIGH_RISK, NO_SUICIDAL_IDEATION
    from wardfakes import NORMAL_SET, Clock

    from wardconsole.services.escalations import EscalationService
    from wardconsole.services.recording import RecordingService

    clock = Clock(datetime.now(UTC) - timedelta(hours=hours))
    then = Database(ward.engine, clock=clock)
    admissions, recording = AdmissionService(then), RecordingService(then)
    escalations = EscalationService(then)
    nurse = ward.nurse
    admission_id = admissions.admit(
        nurse,
        NewPatient("KD100001", "Aled", "Abernethy", date(1990, 3, 4)),
        bed="A1",
        assigned_nurse_id=nurse.staff_id,
        reason="Planned ketamine detox",
        intake=intake_data(clock.now, mental_health={"cssrs": HIGH_RISK}),
    )

    def resolve(outcome: str) -> None:
        for escalation in escalations.open():
            escalations.resolve(nurse, escalation.id, escalation.version, outcome)

    def round_(pulse: int, resp: int, chart: dict[str, int], craving: int) -> None:
        recording.record_observation(
            nurse, admission_id, {**NORMAL_SET, "pulse": pulse, "respiration_rate": resp}
        )
        recording.record_symptoms(nurse, admission_id, chart)
        recording.record_assessment(nurse, admission_id, "craving", {"score": craving})

    clock.advance(minutes=20)
    round_(
        104,
        20,
        {
            "craving": 6,
            "anxiety": 4,
            "low_mood": 3,
            "sleep_disturbance": 3,
            "sweats_chills": 2,
            "tremor": 2,
            "bladder_pain": 3,
            "abdominal_pain": 3,
        },
        7,
    )
    clock.advance(minutes=40)
    resolve("1:1 observation started; duty psychiatrist reviewed; safety plan agreed")
    clock.advance(hours=19)
    round_(
        118,
        22,
        {
            "craving": 7,
            "anxiety": 6,
            "low_mood": 4,
            "agitation": 4,
            "sleep_disturbance": 5,
            "sweats_chills": 4,
            "tremor": 3,
            "bladder_pain": 3,
            "abdominal_pain": 4,
        },
        9,
    )
    recording.record_assessment(
        nurse,
        admission_id,
        "panic",
        {
            "symptoms": [
                "palpitations",
                "sweating",
                "trembling",
                "shortness_of_breath",
                "fear_of_dying",
            ]
        },
    )
    clock.advance(minutes=10)
    recording.record_prn(
        nurse,
        admission_id,
        drug="diazepam",
        drug_class="benzodiazepine",
        dose="5 mg",
        route="oral",
        reason="panic attack",
    )
    clock.advance(minutes=50)
    resolve("PRN diazepam given; settled within 40 min")
    clock.advance(hours=10)
    round_(
        92,
        17,
        {
            "craving": 4,
            "anxiety": 3,
            "low_mood": 3,
            "sleep_disturbance": 3,
            "sweats_chills": 1,
            "tremor": 1,
            "bladder_pain": 2,
            "abdominal_pain": 1,
        },
        5,
    )
    clock.advance(hours=16)
    round_(
        76,
        14,
        {"craving": 3, "anxiety": 1, "low_mood": 2, "sleep_disturbance": 1, "bladder_pain": 1},
        3,
    )
    recording.record_assessment(nurse, admission_id, "cssrs", dict(NO_SUICIDAL_IDEATION))
    return admission_id
