"""The recording actions for a patient: record observations, give PRN, history.

The main window offers them for the patient selected on the census (menu, Ctrl+R / Ctrl+Shift+P
/ Ctrl+H, and the census row's context menu); each patient window offers them for its own
patient. ``BedsideController`` (a ``ui.controller.Controller``) opens each dialog with a
``Bedside`` made at that moment, so the dialog records as whoever ``UiContext.current_actor``
says is signed in at this station.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from wardconsole.domain import simple_kinds
from wardconsole.domain.changes import Change
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.services.context import Permission, ServiceError
from wardconsole.services.views import CensusRow
from wardconsole.ui.access.session import may
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from wardconsole.ui.context import UiContext
    from wardconsole.ui.patient.patient_window import PatientWindow

# The dialogs load when first opened, not with the census (see ui/self_test.py).

SHORTCUTS = {
    "record": "Ctrl+R",
    "prn": "Ctrl+Shift+P",
    "history": "Ctrl+H",
    "decisions": "Ctrl+Shift+K",
    "fluids": "Ctrl+D",
    "fluid_plan": "",
    "must": "",
    "medicines": "Ctrl+Shift+M",
    "weight": "",
    "meals": "Ctrl+E",
    "sleep": "",
}
TEXTS = {
    "record": "&Record observations…",
    "prn": "Give &PRN…",
    "history": "&History…",
    "decisions": "Clinical &decisions…",
    "fluids": "Record a drink or &fluids…",
    "fluid_plan": "Fluid chart p&lan…",
    "must": "MUST &screen (malnutrition)…",
    "medicines": "Medicines lis&t…",
    "weight": "&Weight and height…",
    "meals": "M&eals, supplements and bowels…",
    "sleep": "Record sleep &overnight…",
}
BUTTON_TEXTS = {
    "meals": "Meals and bowels",
    "must": "MUST screen",
}
"""Shorter words where a patient window's button shows the action (menus keep the full text):
the button grid must fit a 1366-px screen with the window's frame."""


def form_kinds() -> list[EntryKind]:
    """The simple kinds recorded through the form built from their spec
    (``ui/physical/simple_entry.py``), in ``SIMPLE_KINDS`` order; meals and bowels have their
    own window ("Meals, supplements and bowels…")."""
    return [spec.kind for spec in simple_kinds.listed_specs()]


def patient_title(row: CensusRow) -> str:
    return f"{row.patient_name} — Bed {row.bed}"


class BedsideController(QObject):
    """Opens the bedside dialogs; reports every save so the panels can refresh."""

    entries_saved = Signal(int)
    """Something was written for this admission (a round, a PRN dose or effect, a correction)."""

    message_requested = Signal(str)
    """A short message for the status bar (e.g. "Select a patient first")."""

    def __init__(
        self,
        context: UiContext,
        runner: TaskRunner,
        window: QWidget,
        selected_row: Callable[[], CensusRow | None],
    ) -> None:
        super().__init__(window)
        self._context = context
        self._runner = runner
        self._window = window
        self._selected_row = selected_row
        self.record_action = self._make_action("record", window)
        self.prn_action = self._make_action("prn", window)
        self.history_action = self._make_action("history", window)
        self.decisions_action = self._make_action("decisions", window)
        self.decisions_action.triggered.connect(lambda: self._for_selected(self.decide))
        self.fluids_action = self._make_action("fluids", window)
        self.fluid_plan_action = self._make_action("fluid_plan", window)
        self.fluids_action.triggered.connect(lambda: self._for_selected(self.record_fluids))
        self.fluid_plan_action.triggered.connect(lambda: self._for_selected(self.plan_fluids))
        self.must_action = self._make_action("must", window)
        self.meals_action = self._make_action("meals", window)
        self.meals_action.triggered.connect(lambda: self._for_selected(self.record_meals))
        self.weight_action = self._make_action("weight", window)
        self.weight_action.triggered.connect(lambda: self._for_selected(self.weigh))
        self.sleep_action = self._make_action("sleep", window)
        self.sleep_action.triggered.connect(lambda: self._for_selected(self.record_sleep))
        self.must_action.triggered.connect(lambda: self._for_selected(self.screen_must))
        self.medicines_action = self._make_action("medicines", window)
        self.medicines_action.triggered.connect(lambda: self._for_selected(self.keep_medicines))
        self.record_action.triggered.connect(lambda: self._for_selected(self.record))
        self.prn_action.triggered.connect(lambda: self._for_selected(self.give_prn))
        self.history_action.triggered.connect(lambda: self._for_selected(self.show_history))
        self.simple_actions: list[QAction] = []
        for kind in form_kinds():
            action = self._make_simple_action(kind, window)
            action.triggered.connect(
                lambda _checked=False, k=kind: self._for_selected(partial(self.record_simple, k))
            )
            self.simple_actions.append(action)

    @property
    def available(self) -> bool:
        """Whoever is signed in at this station may record now (a read-only visitor may not;
        with nobody signed in, nobody may): the admission offers the baseline set only then."""
        return may(self._context.current_actor, Permission.RECORD)

    def actions(self) -> list[QAction]:
        return [
            self.record_action,
            self.fluids_action,
            self.meals_action,
            *self.simple_actions,
            self.prn_action,
            self.history_action,
            self.medicines_action,
            self.decisions_action,
            self.fluid_plan_action,
            self.weight_action,
            self.must_action,
            self.sleep_action,
        ]

    def on_changes(self, changes: list[Change]) -> None:
        """Nothing to reload here: the patient windows follow the changes themselves."""

    def shutdown(self) -> None:
        """Nothing to stop: each dialog owns its own background work and ends with it."""

    # -- opening the dialogs ----------------------------------------------------------------

    def record(self, row: CensusRow, parent: QWidget | None = None) -> None:
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.bedside.observation_dialog import ObservationDialog

        result = ObservationDialog.ask(
            bedside, row.admission_id, patient_title(row), parent=parent or self._window
        )
        if result is not None:
            self.entries_saved.emit(row.admission_id)

    def give_prn(self, row: CensusRow, parent: QWidget | None = None) -> None:
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.bedside.prn_dialog import PrnDialog

        if PrnDialog.ask(
            bedside, row.admission_id, patient_title(row), parent=parent or self._window
        ):
            self.entries_saved.emit(row.admission_id)

    def show_history(self, row: CensusRow, parent: QWidget | None = None) -> None:
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.patient.history_dialog import HistoryDialog

        if HistoryDialog.ask(
            bedside, row.admission_id, patient_title(row), parent=parent or self._window
        ):
            self.entries_saved.emit(row.admission_id)

    def record_fluids(self, row: CensusRow, parent: QWidget | None = None) -> None:
        """The quick fluid window: a drink in one key press, outputs, this period so far."""
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.physical.fluid_dialog import FluidDialog

        if FluidDialog.ask(
            bedside, row.admission_id, patient_title(row), parent=parent or self._window
        ):
            self.entries_saved.emit(row.admission_id)

    def record_meals(self, row: CensusRow, parent: QWidget | None = None) -> None:
        """Meals, snacks and supplements (one key press per portion) and bowel movements."""
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.physical.meal_dialog import MealDialog

        if MealDialog.ask(
            bedside, row.admission_id, patient_title(row), parent=parent or self._window
        ):
            self.entries_saved.emit(row.admission_id)

    def record_simple(self, kind: str, row: CensusRow, parent: QWidget | None = None) -> None:
        """An entry of a simple kind without a window of its own, on the form built from its
        spec."""
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.physical.simple_entry import SimpleEntryDialog

        if SimpleEntryDialog.record(
            bedside, kind, row.admission_id, patient_title(row), parent=parent or self._window
        ):
            self.entries_saved.emit(row.admission_id)

    def plan_fluids(self, row: CensusRow, parent: QWidget | None = None) -> None:
        """Put the patient on a fluid chart, change it or stop it."""
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.physical.plan_dialog import FluidPlanDialog

        if FluidPlanDialog.ask(
            bedside, row.admission_id, patient_title(row), parent=parent or self._window
        ):
            self.entries_saved.emit(row.admission_id)

    def screen_must(self, row: CensusRow, parent: QWidget | None = None) -> None:
        """The MUST malnutrition screen (an assessment: history, audit, export)."""
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.physical.must_dialog import MustDialog

        if MustDialog.ask(
            bedside, row.admission_id, patient_title(row), parent=parent or self._window
        ):
            self.entries_saved.emit(row.admission_id)

    def keep_medicines(self, row: CensusRow, parent: QWidget | None = None) -> None:
        """The medicines list (a monitoring copy of the drug chart) and regular doses."""
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.medicines.medicines_dialog import MedicinesDialog

        if MedicinesDialog.ask(
            bedside, row.admission_id, patient_title(row), parent=parent or self._window
        ):
            self.entries_saved.emit(row.admission_id)

    def weigh(self, row: CensusRow, parent: QWidget | None = None) -> None:
        """Weight and height (at intake also the weight 3–6 months before admission)."""
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.physical.weight_dialog import WeightDialog

        if WeightDialog.ask(
            bedside, row.admission_id, patient_title(row), parent=parent or self._window
        ):
            self.entries_saved.emit(row.admission_id)

    def record_sleep(self, row: CensusRow, parent: QWidget | None = None) -> None:
        """The nurse's sleep entry for the night (beside the estimate from the checks)."""
        bedside = self._bedside()
        if bedside is None:
            return
        from wardconsole.ui.physical.sleep_dialog import SleepDialog

        if SleepDialog.ask(
            bedside, row.admission_id, patient_title(row), parent=parent or self._window
        ):
            self.entries_saved.emit(row.admission_id)

    def decide(self, row: CensusRow, parent: QWidget | None = None) -> None:
        """SpO2 Scale 2, modified response, frequency (clinicians); RT interval or end."""
        context = self._context
        from wardconsole.ui.bedside.decisions_dialog import DecisionsDialog

        if DecisionsDialog.ask(
            context.decisions,
            self._runner,
            context.current_actor,
            row.admission_id,
            patient_title(row),
            parent=parent or self._window,
        ):
            self.entries_saved.emit(row.admission_id)

    def attach(self, window: PatientWindow) -> list[QAction]:
        """Give a patient window its own actions (same shortcuts, its patient) and a context
        menu with them; done once per window."""
        existing = [a for a in window.actions() if a.objectName().startswith("bedside_")]
        if existing:
            return existing
        window_ref = weakref.ref(window)  # the window owns the actions: no cycle back to it
        made = []
        for key, open_dialog in (
            ("record", self.record),
            ("fluids", self.record_fluids),
            ("meals", self.record_meals),
            ("prn", self.give_prn),
            ("history", self.show_history),
            ("medicines", self.keep_medicines),
            ("fluid_plan", self.plan_fluids),
            ("weight", self.weigh),
            ("must", self.screen_must),
            ("sleep", self.record_sleep),
        ):
            action = self._make_action(key, window)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(
                lambda _checked=False, f=open_dialog: self._for_window(window_ref, f)
            )
            window.addAction(action)
            made.append(action)
        simple = []
        for kind in form_kinds():
            action = self._make_simple_action(kind, window)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(
                lambda _checked=False, k=kind: self._for_window(
                    window_ref, partial(self.record_simple, k)
                )
            )
            window.addAction(action)
            simple.append(action)
        made[3:3] = simple  # after the meals, as in the Patient menu
        window.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        window.header.add_actions(made)
        return made

    def _for_window(
        self,
        window_ref: weakref.ref[PatientWindow],
        open_dialog: Callable[..., None],
    ) -> None:
        window = window_ref()
        if window is not None and not window.discharged:
            open_dialog(window.row, parent=window)

    # -- internals ------------------------------------------------------------------------------

    def _make_action(self, key: str, parent: QObject) -> QAction:
        action = QAction(TEXTS[key], parent)
        action.setObjectName(f"bedside_{key}")
        if key in BUTTON_TEXTS:
            action.setIconText(BUTTON_TEXTS[key])
        if SHORTCUTS[key]:
            action.setShortcut(QKeySequence(SHORTCUTS[key]))
        return action

    def _make_simple_action(self, kind: EntryKind, parent: QObject) -> QAction:
        title = kind.words.title
        if title[1:2].islower():  # "Bowel movement" reads "bowel movement"; "ECG" stays
            title = title[0].lower() + title[1:]
        action = QAction(f"Record {title}…", parent)
        action.setObjectName(f"bedside_record_{kind.value}")
        action.setIconText(kind.words.title)
        return action

    def _for_selected(self, open_dialog: Callable[[CensusRow], None]) -> None:
        row = self._selected_row()
        if row is None:
            self.message_requested.emit("Select a patient on the census first")
            return
        open_dialog(row)

    def _bedside(self) -> Bedside | None:
        context = self._context
        try:
            actor = context.current_actor()
        except ServiceError as exc:
            QMessageBox.warning(self._window, "Cannot record", str(exc))
            return None
        return Bedside(
            recording=context.recording,
            history=context.history,
            actor=actor,
            runner=self._runner,
            current_actor=context.current_actor,
            saves=context.access.saves,
            fluids=context.fluids,
            medicines=context.medicines,
            weights=context.weights,
            nutrition=context.nutrition,
            sleep=context.sleep,
        )
