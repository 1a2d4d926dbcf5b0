"""What the composition root hands to the main window: data sources and labels, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from wardconsole.domain.changes import ChangeFeed
from wardconsole.services.admissions import AdmissionService
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.context import Actor
from wardconsole.services.decisions import DecisionService
from wardconsole.services.discharge import DischargeService
from wardconsole.services.escalations import EscalationService
from wardconsole.services.fluids import FluidService
from wardconsole.services.history import HistoryService
from wardconsole.services.medicines import MedicinesService
from wardconsole.services.nutrition import NutritionService
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.recording import RecordingService
from wardconsole.services.sessions import SessionService
from wardconsole.services.sleep import SleepService
from wardconsole.services.views import CensusSnapshot
from wardconsole.services.weights import WeightService
from wardconsole.ui.access.session import AccessContext
from wardconsole.ui.escalations.alerts import AlertSound
from wardconsole.ui.handoff.context import HandoffUi
from wardconsole.ui.interop.actions import InteropActions
from wardconsole.ui.tasks import TaskRunner

if TYPE_CHECKING:  # the chart series (numpy) load with the first patient window
    from wardconsole.services.charts import PatientSeries


@dataclass(frozen=True, slots=True)
class UiContext:
    """Everything the console window needs from outside the UI package.

    The callables block on the database: the window only ever calls them from its background
    worker (``load_census``) or its change-watcher thread (``open_change_feed``), never from the
    UI thread.
    """

    load_census: Callable[[], CensusSnapshot]
    """Read the census in one short transaction: again only what the change feed opened through
    ``open_change_feed`` reported since the last read can change (everything when that is not
    known); may raise if the database is down."""

    reload_census: Callable[[], CensusSnapshot]
    """Read the whole census again (F5, the periodic refresh, after a save)."""

    open_change_feed: Callable[[], ChangeFeed]
    """Open a new change feed; called again (from the watcher thread) after a failure."""

    station: str
    """This workstation's name, shown in the status bar (e.g. 'Nurses station 1')."""

    ward_name: str
    """Shown in the window title and the summary strip (e.g. 'Ward 7 - Detox')."""

    database_label: str
    """A password-free description of the database (e.g. 'PostgreSQL on db01/ward')."""

    runner: TaskRunner
    """The console's one background worker (built by the composition root, handed down)."""

    current_actor: Callable[[], Actor]
    """Who records at this station, asked each time a bedside dialog opens. Until staff sign
    in, the composition root answers with the station's default account; sign-in replaces this
    one callable."""

    open_alert_sound: Callable[[], AlertSound]
    """Make this station's alert sound (once, on the UI thread). A station without a sound
    device gets a silent one that says so (``ui.escalations.alerts``)."""

    export_discharge_letter: Callable[[Actor, int, Path], Path]
    """Write a discharged patient's letter (who, admission, where) as an audited, owner-only
    PDF export (blocks; background worker only)."""

    observation: ObservationLevelService
    """Observation levels, the safety-check round and compliance (block; background worker
    only), acting as ``current_actor``."""

    sessions: SessionService
    """Therapy and support sessions and the ward's day list (block; background worker only)."""

    admissions: AdmissionService
    """Admit, move bed and amend the intake (block; background worker only), acting as
    ``current_actor``."""

    discharges: DischargeService
    """Discharge and the discharged-patient history (block; background worker only), acting as
    ``current_actor``."""

    aftercare: AftercareService
    """Follow-ups after discharge and aftercare plans (block; background worker only)."""

    fluids: FluidService
    """The food and fluid chart's reads."""

    medicines: MedicinesService
    """The medicines list (a monitoring copy of the drug chart) and regular doses."""

    weights: WeightService
    """Weighings and MUST follow-up reads."""

    nutrition: NutritionService
    """Meals and bowels reads (this period's meals, days since bowels opened)."""

    sleep: SleepService
    """Sleep per night (the estimate from the checks, the nurse's entry)."""

    decisions: DecisionService
    """Clinician decisions and the rapid-tranquillisation interval."""

    escalations: EscalationService
    """The ward's escalations (panel, banner, alarms, raise concern), acting as
    ``current_actor``; a colleague confirming signs in through ``access``."""

    read_chart_ahead: Callable[[int, timedelta | None], int]
    """``read_ahead(admission_id, span)``: read what a patient window showing the last ``span``
    (None: the whole stay) reads first into the chart service's keep, ahead of the open
    (blocks; background worker only)."""

    load_patient_series: Callable[..., PatientSeries]
    """``load(admission_id, *, start, end, last)``: one patient's chart series (blocks; called
    on the background worker only)."""

    recording: RecordingService
    """Bedside recording (rounds, PRN, corrections)."""

    history: HistoryService
    """What the bedside dialogs read (patient, entry history, PRN of the last 24 h)."""

    access: AccessContext
    """Sign-in, the idle auto-lock, staff management, the audit trail and the station's queue
    (block; background worker only). Its session is the one ``current_actor`` asks."""

    interop: InteropActions
    """File → Import FHIR / Export patient (block; background worker only)."""

    handoff: HandoffUi
    """Shift handoff: editor, board and printing (block; background workers only)."""
