"""What the bedside dialogs share: the services, who is recording, the worker.

The main window builds one ``Bedside`` per dialog from its ``UiContext`` (so the signed-in
actor is read when the dialog opens). The dialogs mark themselves ``FormKind.ENTRY``, so the
application style sheet colours an input by the NEWS2 score its value earns, in the same
colours as the census cells of that weight.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCompleter, QLineEdit, QMessageBox, QWidget

from wardconsole.domain.formulary import Formulary
from wardconsole.services.context import Actor, ServiceError
from wardconsole.services.db import utc_now
from wardconsole.services.fluids import FluidService
from wardconsole.services.history import HistoryService
from wardconsole.services.medicines import MedicinesService
from wardconsole.services.nutrition import NutritionService
from wardconsole.services.recording import RecordingService
from wardconsole.services.safe_saves import QueuedSave, SafeSaves
from wardconsole.services.sleep import SleepService
from wardconsole.services.weights import WeightService
from wardconsole.ui import formatting as fmt
from wardconsole.ui.tasks import TaskRunner


@dataclass(frozen=True, slots=True)
class Bedside:
    """Dependencies of the observation, PRN and history dialogs."""

    recording: RecordingService
    history: HistoryService
    actor: Actor
    runner: TaskRunner
    clock: Callable[[], datetime] = utc_now
    """Only for showing "now" in the time field; saves use the database's clock."""
    current_actor: Callable[[], Actor] | None = None
    """Asked at save time (``acting``): after another nurse unlocks the station, what is saved
    from a dialog left open carries the name of the nurse who saves it."""
    saves: SafeSaves | None = None
    """Rounds and PRN doses saved while the database is unavailable go to the station's
    queue and are written when it is back; None: the dialogs keep retrying instead."""
    fluids: FluidService | None = None
    """The food and fluid chart's reads (this period so far, the plan); None: not set up."""
    medicines: MedicinesService | None = None
    """The medicines list and regular doses; None: the medicines list is off."""
    weights: WeightService | None = None
    """Weighings and MUST follow-up (the last weighing, the MUST screen's starting answers)."""
    nutrition: NutritionService | None = None
    """Meals and bowels reads (this period's meals, days since bowels opened)."""
    sleep: SleepService | None = None
    """Each night's sleep (the estimate from the checks, the nurse's entry, the chart item)."""

    def acting(self) -> Actor:
        """Who is saving now (the signed-in member of staff at this moment)."""
        return self.current_actor() if self.current_actor is not None else self.actor

    @property
    def recording_as(self) -> str:
        """'Recording as Adaeze Okafor · Station A': whoever is signed in now."""
        try:
            actor = self.acting()
        except ServiceError:  # the station is locked with nobody signed in
            return "Nobody signed in — sign in to record"
        return f"Recording as {actor.display_name} · {actor.station}"


def queued_text(result: QueuedSave) -> str:
    """The confirmation for a save kept on this station while the database is unavailable."""
    return (
        f"✔ KEPT ON THIS STATION at {fmt.local_time_text(result.entry.queued_at)} — the "
        "ward database is unavailable; this entry will be written automatically, with this "
        "time and your name, as soon as it is back (Staff → Saved on this station)"
    )


def field_message(field: str, message: str, labels: dict[str, str]) -> str:
    """A domain message ('pulse: 400 is outside…') with the field's name as staff read it."""
    label = labels.get(field)
    if label and message.startswith(f"{field}:"):
        message = f"{label}:{message[len(field) + 1 :]}"
    # Form values arrive as text; show 400, not '400'.
    return re.sub(r"'(-?[\d.]+)'", r"\1", message)


def confirm_discard(parent: QWidget, what: str) -> bool:
    """Ask before throwing typed entries away; True to discard."""
    answer = QMessageBox.question(
        parent,
        "Discard entries?",
        f"{what} has NOT been saved. Close and discard what you typed?",
        QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Discard


def drug_field(formulary: Formulary, object_name: str) -> QLineEdit:
    """A drug typed with the formulary's names offered as the nurse types (any part matches);
    the class follows from the drug, so the field says so."""
    field = QLineEdit()
    field.setObjectName(object_name)
    field.setMaxLength(120)
    field.setPlaceholderText("Type the drug; the formulary fills in its class")
    completer = QCompleter(list(formulary.names()), field)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    field.setCompleter(completer)
    return field
