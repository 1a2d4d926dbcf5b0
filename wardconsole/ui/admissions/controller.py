"""The admission actions: admit, move bed, discharge, amend intake, find a discharged patient.

The main window puts them in its Patient menu (Ctrl+Shift+A, Ctrl+Shift+B, Ctrl+Shift+D,
Ctrl+Shift+I for Amend intake, Ctrl+Shift+F); move, discharge and amend act on the patient
selected on the census. ``AdmissionController`` (a ``ui.controller.Controller``) opens each
dialog through the dialog's ``ask()`` (tests replace those) and reports what changed, so the
window can refresh the census and, after an admission, start the baseline observations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from wardconsole.domain.changes import Change
from wardconsole.services.admissions import AdmissionService
from wardconsole.services.context import Actor, Permission
from wardconsole.services.discharge import DischargeService
from wardconsole.services.views import CensusRow
from wardconsole.ui.access.session import may
from wardconsole.ui.tasks import TaskRunner

TEXTS = {
    "admit": ("&Admit patient…", "Ctrl+Shift+A"),
    "move": ("&Move bed…", "Ctrl+Shift+B"),
    "discharge": ("&Discharge…", "Ctrl+Shift+D"),
    "amend": ("Amend &intake…", "Ctrl+Shift+I"),
    "find": ("&Find discharged patient…", "Ctrl+Shift+F"),
}
SUPERVISORS_ONLY = "Only supervisors can read discharged patients' records"


class AdmissionController(QObject):
    """Opens the admission, bed-move, discharge and history dialogs (see module docstring)."""

    admitted = Signal(int, bool)
    """A patient was admitted (admission id; True when baseline observations are wanted)."""

    moved = Signal(int)
    """A patient moved bed (admission id)."""

    amended = Signal(int)
    """A patient's intake was amended (admission id); their risk flags may have changed."""

    discharged = Signal(int)
    """A patient was discharged (admission id) and has left the census."""

    message_requested = Signal(str)
    """A short message for the status bar."""

    def __init__(
        self,
        admissions: AdmissionService,
        discharges: DischargeService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        window: QWidget,
        selected_row: Callable[[], CensusRow | None],
        *,
        baseline_available: Callable[[], bool],
    ) -> None:
        super().__init__(window)
        self._admissions = admissions
        self._discharges = discharges
        self._actor = current_actor
        """Who is acting: asked on the UI thread when the nurse acts."""
        self._runner = runner
        self._window = window
        self._selected_row = selected_row
        self._baseline_available = baseline_available
        """Whether the admitting nurse may record the baseline set: asked at each admission."""
        self.admit_action = self._make_action("admit")
        self.move_action = self._make_action("move")
        self.discharge_action = self._make_action("discharge")
        self.amend_action = self._make_action("amend")
        self.find_action = self._make_action("find")
        self.admit_action.triggered.connect(self.admit)
        self.move_action.triggered.connect(self.move_bed)
        self.discharge_action.triggered.connect(self.discharge)
        self.amend_action.triggered.connect(self.amend_intake)
        self.find_action.triggered.connect(self.find)
        self.find_action.setStatusTip(SUPERVISORS_ONLY)  # who is signed in: checked at each use

    def actions(self) -> list[QAction]:
        return [
            self.admit_action,
            self.move_action,
            self.discharge_action,
            self.amend_action,
            self.find_action,
        ]

    def on_changes(self, changes: list[Change]) -> None:
        """Nothing of this feature stays on screen to reload (its dialogs read when opened)."""

    def shutdown(self) -> None:
        """Nothing to stop: each dialog owns its own background work and ends with it."""

    # -- opening the dialogs ----------------------------------------------------------------

    @Slot()
    def admit(self) -> None:
        from wardconsole.ui.admissions.admission_dialog import AdmissionDialog  # on first use

        admitted = AdmissionDialog.ask(
            self._admissions,
            self._actor,
            self._runner,
            baseline_available=self._baseline_available(),
            parent=self._window,
        )
        if admitted is not None:
            where = f" to bed {admitted.bed}" if admitted.bed else ""
            self.message_requested.emit(f"Admitted {admitted.patient_name}{where}")
            self.admitted.emit(admitted.admission_id, admitted.record_baseline)

    @Slot()
    def move_bed(self) -> None:
        row = self._row()
        if row is None:
            return
        from wardconsole.ui.admissions.bed_move_dialog import BedMoveDialog

        bed = BedMoveDialog.ask(
            self._admissions, self._actor, self._runner, row.admission_id, **self._placement()
        )
        if bed is not None:
            self.message_requested.emit(f"Moved {row.patient_name} to bed {bed}")
            self.moved.emit(row.admission_id)

    @Slot()
    def discharge(self) -> None:
        row = self._row()
        if row is None:
            return
        from wardconsole.ui.admissions.discharge_dialog import DischargeDialog

        done = DischargeDialog.ask(
            self._discharges, self._actor, self._runner, row.admission_id, **self._placement()
        )
        if done is not None:
            self.message_requested.emit(
                f"Discharged {done.patient_name}: {done.destination.label.lower()}"
            )
            self.discharged.emit(row.admission_id)

    @Slot()
    def amend_intake(self) -> None:
        row = self._row()
        if row is None:
            return
        from wardconsole.ui.admissions.intake_amend_dialog import IntakeAmendDialog

        flags = IntakeAmendDialog.ask(
            self._admissions, self._actor, self._runner, row.admission_id, **self._placement()
        )
        if flags is not None:
            self.message_requested.emit(f"Intake amended for {row.patient_name}")
            self.amended.emit(row.admission_id)

    @Slot()
    def find(self) -> None:
        if not may(self._actor, Permission.VIEW_HISTORY):
            self.message_requested.emit(SUPERVISORS_ONLY)
            return
        from wardconsole.ui.admissions.patient_search_dialog import PatientSearchDialog

        PatientSearchDialog.ask(self._discharges, self._actor, self._runner, parent=self._window)

    # -- internals ------------------------------------------------------------------------------

    def _placement(self) -> dict[str, Any]:
        """A dialog's parent."""
        return {"parent": self._window}

    def _row(self) -> CensusRow | None:
        row = self._selected_row()
        if row is None:
            self.message_requested.emit("Select a patient on the census first")
        return row

    def _make_action(self, key: str) -> QAction:
        text, shortcut = TEXTS[key]
        action = QAction(text, self._window)
        action.setObjectName(f"admission_{key}")
        action.setShortcut(QKeySequence(shortcut))
        return action
