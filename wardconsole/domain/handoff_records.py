"""The vocabulary of the shift handoff: what goes in (one patient's shift) and what comes out
(SBAR sections of generated facts, plus the numbers the board sorts and flags by).

Generated facts are data, kept apart from what a nurse writes: they are stored as JSON with
each handoff version (``HandoffDraft.to_json``), so a signed handoff shows exactly the facts the
supervisor signed, whatever is recorded or corrected later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from wardconsole.domain.records import (
    AssessmentEntry,
    EscalationKind,
    EscalationState,
    ObservationSet,
    PrnDose,
    Severity,
    SymptomEntry,
)
from wardconsole.domain.shifts import ShiftWindow

SCHEMA_VERSION: Final = 1
"""Version of the stored JSON of generated facts."""


class Section(StrEnum):
    """SBAR (REFERENCE.md §9.1), the order a handoff is read in."""

    SITUATION = "situation"
    BACKGROUND = "background"
    ASSESSMENT = "assessment"
    RECOMMENDATION = "recommendation"

    @property
    def heading(self) -> str:
        """The SBAR heading, e.g. Situation (named so as not to shadow ``str.title``)."""
        return self.value.capitalize()

    @property
    def letter(self) -> str:
        return self.value[0].upper()


class HandoffStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    SIGNED = "signed"
    SENT_BACK = "sent_back"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def editable(self) -> bool:
        """The nurse may change the text (a signed handoff only by amendment)."""
        return self in (HandoffStatus.DRAFT, HandoffStatus.SENT_BACK)


_STATUS_LABELS: Final = MappingProxyType(
    {
        HandoffStatus.DRAFT: "Draft",
        HandoffStatus.SUBMITTED: "Submitted",
        HandoffStatus.REVIEWED: "Reviewed",
        HandoffStatus.SIGNED: "Signed",
        HandoffStatus.SENT_BACK: "Sent back",
    }
)


# --- input: the facts of one patient's shift ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """One line of an escalation's trail (acknowledged, action, snoozed, resolved, ...)."""

    at: datetime
    action: str
    staff: str | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class EscalationHistory:
    """An escalation that was open at some point of the shift, with who handled it."""

    id: int
    kind: EscalationKind
    severity: Severity
    state: EscalationState
    explanation: str
    raised_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    outcome: str | None = None
    prompts: tuple[str, ...] = ()
    steps: tuple[EscalationStep, ...] = ()

    def open_at(self, instant: datetime) -> bool:
        resolved = self.resolved_at
        return self.raised_at <= instant and (resolved is None or resolved > instant)


@dataclass(frozen=True, slots=True)
class PrnEffect:
    at: datetime
    effect: str
    recorded_by: str | None = None


@dataclass(frozen=True, slots=True)
class PrnGiven:
    """A PRN dose with the effects recorded for it."""

    dose: PrnDose
    given_by: str | None = None
    effects: tuple[PrnEffect, ...] = ()


@dataclass(frozen=True, slots=True)
class PatientShiftFacts:
    """Everything recorded about one patient that the handoff for ``shift`` draws on.

    Clinical sequences hold current entries (no superseded or entered-in-error rows), oldest
    first, from the start of ``previous_shift`` (for "what changed since last shift") up to
    ``as_of``, plus the newest complete observation set and symptom rating before that as a
    baseline. ``as_of`` is when the draft is made: the shift's end, or now if it is running.
    """

    admission_id: int
    bed: str
    patient_name: str
    hospital_number: str
    age: int
    admitted_at: datetime
    detox_day: int
    reason: str
    shift: ShiftWindow
    previous_shift: ShiftWindow
    as_of: datetime
    risk_flags: tuple[str, ...] = ()
    intake: Mapping[str, Any] = field(default_factory=dict)
    """The intake as stored (JSON); summarised generically when ``intake_lines`` is empty."""
    intake_lines: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The intake in words, (section title, lines), as the intake module writes it."""
    assigned_nurse: str = ""
    observations: tuple[ObservationSet, ...] = ()
    symptoms: tuple[SymptomEntry, ...] = ()
    assessments: tuple[AssessmentEntry, ...] = ()
    prn: tuple[PrnGiven, ...] = ()
    escalations: tuple[EscalationHistory, ...] = ()
    observation: tuple[Fact, ...] = ()
    """Observation levels, safety checks and absences in the shift, already worded
    (``services.observation_handoff``)."""
    medicines: tuple[Fact, ...] = ()
    """The medicines dependency watch, already worded (``dependency_watch.watch_lines``)."""
    sessions: tuple[Fact, ...] = ()
    """Therapy and support sessions in the shift, already worded (``domain.sessions``)."""
    fluids: tuple[Fact, ...] = ()
    """The food and fluid chart this shift and this period, already worded
    (``services.fluid_handoff``); empty where the facts were not read."""
    weight: tuple[Fact, ...] = ()
    """Weight and its trend, when weighing is due, the latest MUST screen and its follow-up,
    already worded (``services.weight_handoff``); empty where the facts were not read."""
    sleep: tuple[Fact, ...] = ()
    """Last night's sleep (the nurse's entry or the estimate from the safety checks, and the
    withdrawal chart's sleep item) and the little-sleep flag, already worded
    (``services.sleep.sleep_handoff_facts``); empty where the facts were not read."""


# --- output: generated facts ----------------------------------------------------------------------


UNRATED_MARK: Final = "! ATTENTION"
"""A fact stored before facts carried a severity, marked then as needing attention: it is shown
with this mark, never given a severity it was not drafted with (and never a severity's shape)."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One generated statement. ``severity`` marks what needs the next nurse's attention, in
    the escalations' one vocabulary (``Severity.mark``: '▲ EMERGENCY', '◆ URGENT',
    '● ADVISORY'), chosen from what the fact says — the severity its escalation or census cell
    has; None is a plain statement (•)."""

    text: str
    topic: str
    severity: Severity | None = None
    unrated: bool = False
    """Read from a handoff stored before facts carried a severity, where it was an alert
    (``UNRATED_MARK``); a fact drafted now never is."""

    @property
    def alert(self) -> bool:
        """Needs the next nurse's attention (any severity, or an unrated stored alert)."""
        return self.severity is not None or self.unrated

    @property
    def mark(self) -> str:
        """'▲ EMERGENCY', '◆ URGENT', '● ADVISORY', '! ATTENTION' (unrated), or '•'."""
        if self.severity is not None:
            return self.severity.mark
        return UNRATED_MARK if self.unrated else "•"

    @property
    def line(self) -> str:
        """The fact as shown and printed: '◆ URGENT · Next NEWS2 set: OVERDUE since 02:00',
        '• All sets on time'."""
        return f"{self.mark} · {self.text}" if self.alert else f"• {self.text}"

    def to_json(self) -> dict[str, Any]:
        """As stored: ``alert`` stays (what earlier versions read), ``severity`` is added."""
        out: dict[str, Any] = {"text": self.text, "topic": self.topic, "alert": self.alert}
        if self.severity is not None:
            out["severity"] = self.severity.name.lower()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fact:
        """A stored fact; one stored without a severity keeps its alert as ``unrated``."""
        severity = data.get("severity")
        text, topic = str(data["text"]), str(data.get("topic", ""))
        if severity is not None:
            return cls(text, topic, Severity[str(severity).upper()])
        return cls(text, topic, unrated=bool(data.get("alert", False)))


def worst(facts: Iterable[Fact]) -> Severity | None:
    """The highest severity among ``facts`` (None: none has one)."""
    return max((f.severity for f in facts if f.severity is not None), default=None)


@dataclass(frozen=True, slots=True)
class HandoffSummary:
    """The numbers behind the facts: the board sorts and flags by these, the report charts them."""

    news2_now: int | None = None
    news2_band_now: str | None = None
    news2_now_at: datetime | None = None
    news2_min: int | None = None
    news2_max: int | None = None
    news2_sets: int = 0
    news2_band_before: str | None = None
    """Band of the newest complete set before this shift (the end of the last shift)."""
    symptom_first: int | None = None
    symptom_last: int | None = None
    symptom_trend: str | None = None
    """'better' | 'same' | 'worse', or None without two ratings to compare."""
    symptom_ratings: int = 0
    escalations_in_shift: int = 0
    escalations_raised: int = 0
    open_escalations: int = 0
    top_open_severity: int = 0
    prn_doses: int = 0
    prn_doses_previous: int = 0
    prn_drugs: tuple[str, ...] = ()
    late_observations: int = 0
    missed_observations: int = 0
    overdue_at_end: bool = False
    next_obs_due: datetime | None = None
    changes: tuple[str, ...] = ()
    """What changed since the last shift: new escalations, NEWS2 band change, new PRN pattern."""
    risk_rank: int = 0
    """Higher is more worrying: open escalation severity, then NEWS2 band, then overdue."""
    news2_at_least: int | None = None
    """An incomplete set after the latest complete one scores at least this (its lower bound
    is above the complete set): shown as "incomplete — at least N (band)", never a total."""
    news2_bound_band: str | None = None
    """The band of that lower bound (then the patient's effective NEWS2 band)."""


@dataclass(frozen=True, slots=True)
class HandoffDraft:
    """The generated part of one patient's handoff for one shift."""

    admission_id: int
    shift_key: str
    generated_at: datetime
    sections: Mapping[Section, tuple[Fact, ...]]
    summary: HandoffSummary

    def facts(self, section: Section) -> tuple[Fact, ...]:
        return self.sections.get(section, ())

    def text(self, section: Section) -> str:
        """Plain text of a section, one fact per line as shown ('◆ URGENT · …', '• …')."""
        return "\n".join(f.line for f in self.facts(section))

    def to_json(self) -> dict[str, Any]:
        summary = asdict(self.summary)
        for key in ("news2_now_at", "next_obs_due"):
            value = summary[key]
            summary[key] = value.isoformat() if value is not None else None
        summary["prn_drugs"] = list(self.summary.prn_drugs)
        summary["changes"] = list(self.summary.changes)
        return {
            "schema": SCHEMA_VERSION,
            "admission_id": self.admission_id,
            "shift_key": self.shift_key,
            "generated_at": self.generated_at.isoformat(),
            "sections": {
                section.value: [f.to_json() for f in self.facts(section)] for section in Section
            },
            "summary": summary,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HandoffDraft:
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"generated facts: unknown schema {data.get('schema')!r}")
        raw = dict(data["summary"])
        for key in ("news2_now_at", "next_obs_due"):
            raw[key] = datetime.fromisoformat(raw[key]) if raw.get(key) else None
        raw["prn_drugs"] = tuple(raw.get("prn_drugs", ()))
        raw["changes"] = tuple(raw.get("changes", ()))
        known = set(HandoffSummary.__dataclass_fields__)
        summary = HandoffSummary(**{k: v for k, v in raw.items() if k in known})
        sections = {
            Section(name): tuple(Fact.from_json(f) for f in facts)
            for name, facts in data["sections"].items()
        }
        return cls(
            admission_id=int(data["admission_id"]),
            shift_key=str(data["shift_key"]),
            generated_at=datetime.fromisoformat(data["generated_at"]),
            sections=MappingProxyType(sections),
            summary=summary,
        )
