"""Immutable results of the observation-level and safety-check use cases.

Like ``services.views``: plain frozen data, UTC-aware datetimes, no live ORM objects, so the UI,
the handoff and the reports can hold them on any thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wardconsole.domain.records import Severity
from wardconsole.domain.safety_checks import (
    CheckRecord,
    CheckSlot,
    ComplianceCounts,
    Presentation,
    SlotOutcome,
)
from wardconsole.services.escalations import EscalationChange


@dataclass(frozen=True, slots=True)
class LevelView:
    """One observation level as set (or the policy default when ``id`` is None)."""

    id: int | None
    admission_id: int
    level: str
    label: str
    check_minutes: int
    effective_from: datetime
    until: datetime | None
    """When the next level replaced it; None while it is in force."""
    reason: str
    review_at: datetime | None
    set_by: str
    agreed_with: str
    raised: bool
    continuous: bool


@dataclass(frozen=True, slots=True)
class PatientChecks:
    """One patient's level and next check, as the census and the rounds view show them."""

    admission_id: int
    bed: str
    patient_name: str
    level: str
    level_label: str
    level_short: str
    raised: bool
    continuous: bool
    deadline: datetime
    """The latest time the next check may happen."""
    prompt_at: datetime
    """When the console asks for it (an irregular time on intermittent levels)."""
    overdue_since: datetime | None
    missed: int
    last_check: CheckRecord | None
    review_at: datetime | None
    review_suggested: bool
    """The level's review time has passed, or an escalation since it was set suggests one."""
    level_id: int | None
    """The level row now in force (a change must supersede it); None for the default."""
    overdue_severity: Severity | None = None
    """The missed-check escalation's severity when a late check raises one on this level (the
    policy's ``missed_check_severity``); None where the level raises none."""
    absent_severity: Severity = Severity.EMERGENCY
    """The 'not found' escalation's severity (the policy's ``absent_severity``, an emergency
    floor)."""

    def overdue_at(self, now: datetime) -> datetime | None:
        """Since when the check is overdue at ``now`` (the clock moves on after the snapshot)."""
        if self.overdue_since is not None:
            return self.overdue_since
        return self.deadline if now > self.deadline else None

    def due_now(self, now: datetime) -> bool:
        """Prompted or overdue: a nurse should go and check."""
        return self.overdue_at(now) is not None or now >= self.prompt_at


@dataclass(frozen=True, slots=True)
class RoundsSnapshot:
    """Every admitted patient's next check, in the order a nurse walks: overdue first, then
    those prompted now, then by deadline."""

    taken_at: datetime
    rows: tuple[PatientChecks, ...]
    locations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What recording a check did, for the confirmation and the panels to refresh."""

    check_id: int
    admission_id: int
    taken_at: datetime
    presentation: Presentation
    next_deadline: datetime
    escalations: tuple[EscalationChange, ...]
    already_saved: bool = False


@dataclass(frozen=True, slots=True)
class LevelChange:
    level_id: int
    admission_id: int
    level: str
    next_deadline: datetime
    escalations: tuple[EscalationChange, ...]


@dataclass(frozen=True, slots=True)
class ChecksDuring:
    """A patient's safety checks in a time window (a shift), for the handoff."""

    admission_id: int
    start: datetime
    end: datetime
    checks: tuple[CheckRecord, ...]
    """Checks recorded in the window, oldest first."""
    slots: tuple[CheckSlot, ...]
    """Checks that fell due in the window and how each ended."""
    counts: ComplianceCounts
    absent: tuple[CheckRecord, ...]
    """Checks in the window that did not find the patient (absent-patient events)."""

    @property
    def missed(self) -> tuple[CheckSlot, ...]:
        """Checks due in the window and never done within a further interval."""
        return tuple(s for s in self.slots if s.outcome is SlotOutcome.MISSED)


@dataclass(frozen=True, slots=True)
class PatientCompliance:
    admission_id: int
    bed: str
    patient_name: str
    levels: tuple[str, ...]
    """Labels of the levels in force during the shift, in order."""
    counts: ComplianceCounts
    slots: tuple[CheckSlot, ...]


@dataclass(frozen=True, slots=True)
class NurseCompliance:
    nurse: str
    counts: ComplianceCounts


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    """Observation compliance for one shift: checks due, on time, late, missed."""

    start: datetime
    end: datetime
    label: str
    taken_at: datetime
    patients: tuple[PatientCompliance, ...]
    nurses: tuple[NurseCompliance, ...]
    totals: ComplianceCounts

    @property
    def complete(self) -> bool:
        """The shift is over (figures for a shift in progress stop at ``taken_at``)."""
        return self.taken_at >= self.end
