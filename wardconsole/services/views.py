"""Immutable snapshots the services hand to the UI, reports and CLI.

Views never hold live ORM objects, so a Qt ``data()`` call can never trigger a query.
All datetimes are timezone-aware UTC; the UI converts to local time for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wardconsole.domain.fluids import FluidSummary
from wardconsole.domain.records import EscalationInfo, Severity
from wardconsole.domain.sleep import SleepFlag
from wardconsole.services.food_chart import FoodChartView


@dataclass(frozen=True, slots=True)
class CensusRow:
    """One admitted patient on the ward census."""

    admission_id: int
    patient_id: int
    bed: str
    patient_name: str
    hospital_number: str
    age: int
    admitted_at: datetime
    detox_day: int
    news2_total: int | None
    news2_risk: str | None
    """'low' | 'low-medium' | 'medium' | 'high', or None when there is no complete set."""
    latest_set_partial: bool
    """The newest vital-sign set was partial (so its NEWS2 is not a current score)."""
    symptom_total: int | None
    symptom_max: int
    open_escalations: tuple[EscalationInfo, ...]
    """Most urgent first (severity, then oldest)."""
    last_obs_at: datetime | None
    next_obs_due_at: datetime | None
    assigned_nurse: str
    risk_flags: tuple[str, ...] = ()
    observation_level: str = ""
    """Label of the supportive observation level, e.g. 'Intermittent 15 min'."""
    observation_level_short: str = ""
    """The same in a few characters for the census column, e.g. 'Int 15'."""
    observation_raised: bool = False
    """Above general observation: the census shows a countdown to the next check."""
    next_check_due_at: datetime | None = None
    """The latest time the next safety check may happen."""
    check_overdue_since: datetime | None = None
    """The first safety-check deadline missed since the last check (None: not overdue)."""
    check_overdue_severity: Severity | None = None
    """The severity of the missed-check escalation a late check raises on this level (None: the
    level raises none), whose shape the census shows beside LATE."""
    check_prompt_at: datetime | None = None
    """When the console asks for the next check (irregular on intermittent levels)."""
    level_review_suggested: bool = False
    """The level's review time has passed, or an escalation since it was set suggests one."""
    news2_at_least: int | None = None
    """Set when an incomplete set taken after the last complete one has a higher lower bound:
    the risk shown is then "incomplete — at least N (band)", never a total."""
    news2_bound_risk: str | None = None
    """The band of that lower bound (the effective risk when ``news2_at_least`` is set)."""
    news2_bound_detail: str = ""
    """``NEWS2 incomplete — at least 9 (high): RR 3, SpO2 3, HR 3; not taken: SBP``."""

    @property
    def news2_incomplete(self) -> bool:
        return self.news2_at_least is not None

    @property
    def effective_news2_risk(self) -> str | None:
        """The higher of the last complete set's band and a newer partial set's lower bound."""
        return self.news2_bound_risk if self.news2_incomplete else self.news2_risk

    @property
    def news2_text(self) -> str:
        """``NEWS2 5 (medium)``, ``NEWS2 incomplete — at least 7 (high)`` or ``NEWS2 —``."""
        if self.news2_incomplete:
            return f"NEWS2 incomplete — at least {self.news2_at_least} ({self.news2_bound_risk})"
        if self.news2_total is not None:
            return f"NEWS2 {self.news2_total} ({self.news2_risk})"
        return "NEWS2 — incomplete" if self.latest_set_partial else "NEWS2 —"

    post_prn_rass_due_at: datetime | None = None
    """A RASS is due after an oral sedative/anxiolytic/antipsychotic PRN (None: none due)."""
    rt_next_due_at: datetime | None = None
    """Rapid tranquillisation is running: its next check is due then (None: not running)."""
    rt_interval_minutes: int | None = None
    rt_not_possible: bool = False
    """The latest RT check attempt was "asleep, observations not possible"."""
    clinical_decisions: tuple[str, ...] = ()
    """Clinician decisions in force (SpO2 Scale 2, modified response, obs frequency)."""
    news2_not_validated: tuple[str, ...] = ()
    """Why NEWS2 is not validated for this patient ("under 16", "pregnant"); never suppresses
    the score or an escalation."""

    fluid: FluidSummary | None = None
    """This period's fluid intake, output and balance, the chart in force and its review."""
    sleep: SleepFlag | None = None
    """Little sleep on each of the last nights running (policy numbers); None otherwise."""
    food_chart: FoodChartView | None = None
    weighing_due: bool = False
    """Weighing is due by the ward's interval (``weights.toml``; weighed at intake, then weekly)."""
    weighing_text: str = ""
    """'Weighing due — last weighed 8 days ago' or 'Next weighing Thu 12 Dec'."""
    """The food chart a medium-risk MUST screen started: running, or ended within a day."""

    @property
    def top_escalation(self) -> EscalationInfo | None:
        return self.open_escalations[0] if self.open_escalations else None


@dataclass(frozen=True, slots=True)
class WardSummary:
    beds_total: int
    beds_occupied: int
    patients_with_open_escalations: int
    overdue_observations: int
    discharged_with_open_escalations: int = 0
    """Patients no longer on the census with an escalation open (an overdue follow-up)."""


@dataclass(frozen=True, slots=True)
class CensusSnapshot:
    """The whole census at one moment; ``taken_at`` is the clock used for 'due'/'ago'."""

    taken_at: datetime
    rows: tuple[CensusRow, ...]
    free_beds: tuple[str, ...]
    summary: WardSummary
