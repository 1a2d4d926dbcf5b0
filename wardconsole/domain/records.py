"""Plain, immutable records the clinical rules read and the store returns.

These are the vocabulary shared by every layer: the store maps database rows to them, the
rules engine evaluates them, the UI displays them. They hold no behaviour beyond trivial
derived properties, so they can be built freely in tests.

All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from wardconsole.domain.co_use import CoUse
    from wardconsole.domain.dependency_watch import MedicinesWatch


class EscalationKind(StrEnum):
    """What an escalation is about; one open escalation per patient and kind."""

    PANIC = "panic"
    CONFUSION = "confusion"
    HALLUCINATION = "hallucination"
    DETERIORATION = "deterioration"
    SELF_HARM = "self_harm"
    AGITATION = "agitation"
    OVERSEDATION = "oversedation"
    OVERDUE_OBS = "overdue_obs"
    BLADDER = "bladder"
    PRN_REVIEW = "prn_review"
    CRAVING = "craving"
    MISSED_CHECK = "missed_check"
    ABSENT = "absent"
    COGNITIVE_IMPAIRMENT = "cognitive_impairment"
    POST_PRN_RASS = "post_prn_rass"
    RAPID_TRANQUILLISATION = "rapid_tranquillisation"
    DECISION_REVIEW = "decision_review"
    STAFF_CONCERN = "staff_concern"
    """Raised by a member of staff, whatever the scores say (never by a rule)."""
    HYPOGLYCAEMIA = "hypoglycaemia"
    FLUID_INTAKE = "fluid_intake"
    """Intake behind what the fluid chart policy expects at a review time (advisory)."""
    DIETITIAN_REFERRAL = "dietitian_referral"
    """A MUST screen at high risk: BAPEN's advice is a dietitian referral (advisory)."""
    LATE_ENTRY = "late_entry"
    """A set or screen entered after a newer one that would have escalated when taken."""
    ALCOHOL_WITHDRAWAL = "alcohol_withdrawal"
    """CIWA-Ar at or above the ward's threshold (REFERENCE-2.md §12.6)."""
    CIWA_AR_DUE = "ciwa_ar_due"
    """A recent drinker's CIWA-Ar not recorded by its due time."""
    OPIOID_WITHDRAWAL = "opioid_withdrawal"
    """COWS at or above the ward's threshold (REFERENCE-2.md §12.5)."""
    BENZODIAZEPINE_REVIEW = "benzodiazepine_review"
    """Regular benzodiazepine use recorded at intake: prescriber review."""
    DEPENDENCY_REVIEW = "dependency_review"
    """A watched medicine on too many nights or days in a row, or PRN use rising day on day."""
    FOLLOW_UP_OVERDUE = "follow_up_overdue"
    """A discharged patient's follow-up contact not made by its due time (advisory)."""

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    EscalationKind.PANIC: "Panic",
    EscalationKind.CONFUSION: "Confusion",
    EscalationKind.HALLUCINATION: "Hallucination",
    EscalationKind.DETERIORATION: "Deterioration",
    EscalationKind.SELF_HARM: "Self-harm risk",
    EscalationKind.AGITATION: "Agitation",
    EscalationKind.OVERSEDATION: "Over-sedation",
    EscalationKind.OVERDUE_OBS: "Overdue observations",
    EscalationKind.BLADDER: "Bladder red flag",
    EscalationKind.PRN_REVIEW: "PRN review",
    EscalationKind.CRAVING: "Craving",
    EscalationKind.MISSED_CHECK: "Missed safety check",
    EscalationKind.ABSENT: "Absent patient",
    EscalationKind.COGNITIVE_IMPAIRMENT: "Possible cognitive impairment",
    EscalationKind.POST_PRN_RASS: "RASS after PRN",
    EscalationKind.RAPID_TRANQUILLISATION: "Rapid tranquillisation checks",
    EscalationKind.DECISION_REVIEW: "Clinical decision review",
    EscalationKind.STAFF_CONCERN: "Staff concern",
    EscalationKind.HYPOGLYCAEMIA: "Hypoglycaemia",
    EscalationKind.FLUID_INTAKE: "Fluid intake review",
    EscalationKind.DIETITIAN_REFERRAL: "Dietitian referral",
    EscalationKind.LATE_ENTRY: "Recorded late",
    EscalationKind.ALCOHOL_WITHDRAWAL: "Alcohol withdrawal (CIWA-Ar)",
    EscalationKind.CIWA_AR_DUE: "CIWA-Ar due",
    EscalationKind.OPIOID_WITHDRAWAL: "Opioid withdrawal (COWS)",
    EscalationKind.BENZODIAZEPINE_REVIEW: "Benzodiazepine review",
    EscalationKind.DEPENDENCY_REVIEW: "Dependency review",
    EscalationKind.FOLLOW_UP_OVERDUE: "Follow-up overdue",
}


TIME_DRIVEN_KINDS: frozenset[EscalationKind] = frozenset(
    {
        EscalationKind.OVERDUE_OBS,
        EscalationKind.MISSED_CHECK,
        EscalationKind.ABSENT,
        EscalationKind.POST_PRN_RASS,
        EscalationKind.RAPID_TRANQUILLISATION,
        EscalationKind.DECISION_REVIEW,
        EscalationKind.CIWA_AR_DUE,
    }
)
"""Kinds raised because time passed with nothing recorded (a set or check not done, a patient
not found again). Declining, resolving, acknowledging or snoozing one silences it for a bounded
while only: if the condition still holds afterwards it returns (``rules.plan_escalations``).
A new time-driven kind (e.g. an overdue review) belongs here."""


class Severity(IntEnum):
    """Escalation severity; higher is more urgent so max() picks the worst."""

    ADVISORY = 1
    URGENT = 2
    EMERGENCY = 3

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @property
    def shape(self) -> str:
        """The one shape of this severity on every screen and print: ● ◆ ▲ (never colour
        alone; the census, banner, panel, lock screen and handoff all use these)."""
        return _SEVERITY_SHAPES[self]

    @property
    def mark(self) -> str:
        """Shape and word: '▲ EMERGENCY', '◆ URGENT', '● ADVISORY'."""
        return f"{self.shape} {self.name}"


_SEVERITY_SHAPES = {Severity.ADVISORY: "●", Severity.URGENT: "◆", Severity.EMERGENCY: "▲"}
ATTENTION_SIGN: Final = "⚠"
"""The sign of a flag or warning that is not an escalation (a form's warning, a list's "not yet
checked"): never one of the severity shapes, which appear only next to what has that severity."""


class EscalationState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class RecordStatus(StrEnum):
    """Status of a clinical entry; entries are never deleted, only superseded."""

    FINAL = "final"
    ENTERED_IN_ERROR = "entered_in_error"


class MissingReason(StrEnum):
    """Why a value in a partial observation set was not taken."""

    ASLEEP = "asleep"
    REFUSED = "refused"
    AGITATED = "agitated"
    OFF_WARD = "off_ward"
    UNABLE = "unable"
    NOT_IN_SOURCE = "not_in_source"
    """Set only by imports and the monitor feed: the other system did not send this value.
    Not offered at the bedside (see ``BEDSIDE_MISSING_REASONS``)."""

    @property
    def label(self) -> str:
        return {
            MissingReason.ASLEEP: "Asleep",
            MissingReason.REFUSED: "Refused",
            MissingReason.AGITATED: "Agitated / aggressive",
            MissingReason.OFF_WARD: "Off the ward",
            MissingReason.UNABLE: "Unable",
            MissingReason.NOT_IN_SOURCE: "Not in the imported record",
        }[self]


BEDSIDE_MISSING_REASONS: tuple[MissingReason, ...] = tuple(
    r for r in MissingReason if r is not MissingReason.NOT_IN_SOURCE
)
"""The reasons a nurse may give for a value not taken."""


VITAL_FIELDS: tuple[str, ...] = (
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)
"""Fields of a vital-sign set, in chart order. ``spo2_scale`` is a patient setting, not a value."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteVitals:
    """A vital-sign set with every NEWS2 parameter present: what ``news2()`` scores.

    ``VitalSigns.complete()`` narrows a possibly partial set to it, so "incomplete" is decided
    once, by type, before scoring. The values are still checked by ``news2()`` (range, type).
    """

    respiration_rate: int
    spo2: int
    spo2_scale: int
    on_oxygen: bool
    systolic_bp: int
    pulse: int
    consciousness: str
    temperature: float | Decimal


@dataclass(frozen=True, slots=True)
class VitalSigns:
    """One contemporaneous vital-sign set; ``None`` means not taken (see missing_reasons)."""

    respiration_rate: int | None = None
    spo2: int | None = None
    spo2_scale: int = 1
    on_oxygen: bool | None = None
    systolic_bp: int | None = None
    diastolic_bp: int | None = None
    pulse: int | None = None
    consciousness: str | None = None
    temperature: float | None = None

    def complete(self) -> CompleteVitals | None:
        """This set narrowed to what NEWS2 scores, or None when any of it was not taken."""
        if (
            self.respiration_rate is None
            or self.spo2 is None
            or self.on_oxygen is None
            or self.systolic_bp is None
            or self.pulse is None
            or self.consciousness is None
            or self.temperature is None
        ):
            return None
        return CompleteVitals(
            respiration_rate=self.respiration_rate,
            spo2=self.spo2,
            spo2_scale=self.spo2_scale,
            on_oxygen=self.on_oxygen,
            systolic_bp=self.systolic_bp,
            pulse=self.pulse,
            consciousness=self.consciousness,
            temperature=self.temperature,
        )

    def missing_fields(self) -> tuple[str, ...]:
        """Fields NEWS2 needs that are absent (diastolic BP is not scored)."""
        return tuple(
            name for name in VITAL_FIELDS if name != "diastolic_bp" and getattr(self, name) is None
        )

    @property
    def is_complete(self) -> bool:
        return not self.missing_fields()


@dataclass(frozen=True, slots=True)
class ObservationSet:
    """A stored vital-sign set with its NEWS2 result (None when the set is partial)."""

    id: int
    admission_id: int
    taken_at: datetime
    vitals: VitalSigns
    missing_reasons: Mapping[str, str] = field(default_factory=dict)
    news2_total: int | None = None
    news2_risk: str | None = None
    news2_subscores: Mapping[str, int] = field(default_factory=dict)
    note: str = ""
    glucose: float | None = None
    """Capillary blood glucose by meter, mmol/L; None when not taken or out of meter range."""
    glucose_flag: str | None = None
    """``"LO"`` / ``"HI"``: the meter read below / above its range (no number)."""
    recorded_at: datetime | None = None
    """When the set was entered (``taken_at`` is when it was measured)."""

    @property
    def has_glucose(self) -> bool:
        return self.glucose is not None or self.glucose_flag is not None


@dataclass(frozen=True, slots=True)
class SymptomEntry:
    """One withdrawal-chart rating: item key -> score."""

    id: int
    admission_id: int
    taken_at: datetime
    item_scores: Mapping[str, int]
    total: int
    recorded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AssessmentEntry:
    """A bedside assessment (RASS, 4AT, panic, hallucination, C-SSRS, PHQ-9, GAD-7, craving, pain).

    ``answers`` holds the raw items as entered; ``total`` and ``label`` are the domain's scoring.
    """

    id: int
    admission_id: int
    kind: str
    taken_at: datetime
    answers: Mapping[str, Any]
    total: int | None
    label: str = ""
    recorded_at: datetime | None = None
    """When the entry was made (``taken_at`` is when it was done); None in hand-built records."""


PRN_ROUTES: Mapping[str, str] = {
    "oral": "oral",
    "sublingual": "sublingual",
    "buccal": "buccal",
    "im": "IM",
    "iv": "IV",
    "sc": "SC",
    "inhaled": "inhaled",
    "rectal": "rectal",
    "topical": "topical",
}
"""Routes a PRN dose may be given by (stored key -> label). The route decides the monitoring:
IM/IV sedatives and antipsychotics are rapid tranquillisation (policy ``routes``)."""
_ROUTE_ALIASES = {
    "po": "oral",
    "by mouth": "oral",
    "sl": "sublingual",
    "intramuscular": "im",
    "intravenous": "iv",
    "subcutaneous": "sc",
    "pr": "rectal",
}


def route_key(text: str) -> str | None:
    """The route key for what was typed or stored (``"IM"``, ``"PO"``, ``"oral"``); None if
    unknown. Older doses stored free text, so stored routes go through this too."""
    value = " ".join(text.strip().lower().split())
    if value in PRN_ROUTES:
        return value
    return _ROUTE_ALIASES.get(value)


def route_label(text: str) -> str:
    """How a stored route reads ("IM", "Oral"); unknown free text is shown as typed."""
    key = route_key(text)
    return PRN_ROUTES[key] if key is not None else (text.strip() or "route not recorded")


@dataclass(frozen=True, slots=True)
class PrnDose:
    """A PRN medication dose, its class read through the formulary
    (``domain.formulary.Formulary.prn_dose``): the class follows from the drug."""

    id: int
    admission_id: int
    given_at: datetime
    drug: str
    drug_class: str
    """The formulary class key (for a drug not in the formulary whose stored class maps to
    no class, the class as stored)."""
    dose: str = ""
    route: str = ""
    reason: str = ""
    counts_as_sedative: bool = False
    """Counts in the sedative/anxiolytic PRN count (the formulary's class flag)."""
    class_text: str = ""
    """How the class reads ("Benzodiazepine", "… (chosen: not in the formulary)")."""
    class_reason: str = ""
    """Why the class was chosen, for a drug not in the formulary."""


class DecisionKind(StrEnum):
    """A per-patient decision a clinician documents (append-only; the latest of a kind counts)."""

    SPO2_SCALE = "spo2_scale"
    """details ``{"scale": 1 | 2}``: SpO2 Scale 2 (88–92 %) for confirmed hypercapnic failure."""
    MODIFIED_RESPONSE = "modified_response"
    """details ``{"response": text}``, or ``{"response": ""}`` when withdrawn."""
    OBS_FREQUENCY = "obs_frequency"
    """details ``{"minutes": n}`` (0 = withdrawn): can only make sets more frequent."""
    RT_INTERVAL = "rt_interval"
    """details ``{"minutes": n}``: the rapid-tranquillisation check interval of this episode."""
    RT_END = "rt_end"
    """details ``{}``: a clinician ends the rapid-tranquillisation schedule."""

    @property
    def label(self) -> str:
        return {
            DecisionKind.SPO2_SCALE: "SpO2 scale",
            DecisionKind.MODIFIED_RESPONSE: "Modified response",
            DecisionKind.OBS_FREQUENCY: "Observation frequency",
            DecisionKind.RT_INTERVAL: "Rapid tranquillisation check interval",
            DecisionKind.RT_END: "Rapid tranquillisation ended",
        }[self]


@dataclass(frozen=True, slots=True)
class ClinicalDecision:
    """One documented decision about a patient: who, when, why, until when it is reviewed."""

    id: int
    admission_id: int
    kind: DecisionKind
    decided_at: datetime
    decided_by: str
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)
    review_at: datetime | None = None

    @property
    def active(self) -> bool:
        """False for a decision that withdraws an earlier one (Scale 1, empty response, 0 min)."""
        if self.kind is DecisionKind.SPO2_SCALE:
            return self.details.get("scale") == 2
        if self.kind is DecisionKind.MODIFIED_RESPONSE:
            return bool(str(self.details.get("response", "")).strip())
        if self.kind in (DecisionKind.OBS_FREQUENCY, DecisionKind.RT_INTERVAL):
            return bool(self.details.get("minutes"))
        return True


@dataclass(frozen=True, slots=True)
class OpenEscalation:
    """The open (not resolved) escalation of one kind for a patient."""

    id: int
    kind: EscalationKind
    severity: Severity
    state: EscalationState
    raised_at: datetime
    explanation: str
    rule_id: str
    grade: int = 0
    """The highest severity grade within its kind seen while open (0: the kind has none)."""
    acknowledged_at: datetime | None = None
    snoozed_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class PatientClinicalState:
    """Everything the rules engine needs about one admitted patient.

    Sequences are sorted oldest first and cover at least the policy's look-back window.
    """

    admission_id: int
    admitted_at: datetime
    observations: tuple[ObservationSet, ...] = ()
    symptoms: tuple[SymptomEntry, ...] = ()
    assessments: tuple[AssessmentEntry, ...] = ()
    prn_doses: tuple[PrnDose, ...] = ()
    open_escalations: Mapping[EscalationKind, OpenEscalation] = field(default_factory=dict)
    decisions: tuple[ClinicalDecision, ...] = ()
    """Documented clinician decisions of the stay, oldest first (all of them, not a window)."""
    co_use: CoUse | None = None
    """Co-used substances from the current intake that change care (``domain.co_use``)."""
    medicines: MedicinesWatch | None = None
    """The dependency watch over the watched medicine classes (``domain.dependency_watch``)."""


@dataclass(frozen=True, slots=True)
class EscalationInfo:
    """One escalation: the store reads it, the services hand it out, and the census, the
    escalation panel and the alarm centre show it."""

    id: int
    admission_id: int
    bed: str
    patient_name: str
    kind: EscalationKind
    severity: Severity
    state: EscalationState
    rule_id: str
    explanation: str
    prompts: tuple[str, ...]
    raised_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    outcome: str | None
    last_announced_at: datetime | None
    cascade_level: int
    snoozed_until: datetime | None
    version: int
    policy_digest: str | None = None
    """SHA-256 of the policy that raised it (None: raised before digests were kept)."""
    discharged: bool = False
    """The patient has left the ward (an escalation about care after discharge): ``bed`` is
    the bed they had, which may have someone else in it now."""

    @property
    def where(self) -> str:
        """'Bed B01', or 'Discharged' for a patient no longer on the census."""
        return "Discharged" if self.discharged else f"Bed {self.bed}"
