"""Care after discharge: the aftercare plan's fields, when the follow-up contact is due, where
a follow-up stands, and the ward's compliance figure.

Published numbers (REFERENCE-2 §12.8): follow-up within 72 hours of discharge (NHS England
Standard Contract Schedule 4A, since 1 April 2020 [S30]; NCISH recommends 2–3 days [S29]);
within 48 hours when a risk of suicide was identified (NICE NG53, QS159 statement 4 [S30]); a
national ambition of at least 80 % [S30]. How much sooner after a self-discharge, which
destinations start the clock and what counts as suicide risk are local choices. All of them
live in ``resources/policy/follow_up.toml`` (needs governance sign-off), never here.

Due times are elapsed time from the recorded discharge, in UTC: 72 hours is 72 real hours
across a clock change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

from wardconsole.domain.configfiles import content_digest, default_policy_file, read_toml
from wardconsole.domain.discharge import Destination
from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.domain.rules import EscalationTrigger

FOLLOW_UP_FILE: Final = "follow_up.toml"
_KEYS: Final = frozenset(
    {
        "version",
        "governance_signoff",
        "standard_hours",
        "suicide_risk_hours",
        "self_discharge_hours",
        "compliance_target_percent",
        "clock_destinations",
        "suicide_risk_flag",
        "suicide_risk_cssrs",
        "incomplete_plan",
    }
)
INCOMPLETE_PLAN_CHOICES: Final = ("ask", "refuse")
"""What a discharge does without a complete aftercare plan (policy ``incomplete_plan``)."""


class FollowUpPolicyError(ValueError):
    """The follow-up policy file is unusable; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class FollowUpPolicy:
    version: str
    standard_hours: int
    suicide_risk_hours: int
    self_discharge_hours: int
    compliance_target_percent: int
    clock_destinations: frozenset[Destination]
    suicide_risk_flag: str
    suicide_risk_cssrs: frozenset[str]
    governance_signoff: str = ""
    digest: str = ""
    incomplete_plan: str = "ask"
    """"ask": the discharge asks, naming what is missing; "refuse": it is not saved."""

    @property
    def signed_off(self) -> bool:
        return bool(self.governance_signoff)


def load_follow_up_policy(path: Path | Traversable | None = None) -> FollowUpPolicy:
    """Load and check ``follow_up.toml`` (default: the bundled file)."""
    source = path if path is not None else default_policy_file(FOLLOW_UP_FILE)
    data = read_toml(source, FollowUpPolicyError)
    table = data.get("follow_up")
    if not isinstance(table, dict) or set(data) != {"follow_up"}:
        raise FollowUpPolicyError(f"{source}: expected exactly one [follow_up] table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise FollowUpPolicyError(f"{source}: [follow_up] unknown key(s) {', '.join(unknown)}")

    def hours(key: str, low: int = 1, high: int = 24 * 14) -> int:
        value = table.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise FollowUpPolicyError(
                f"{source}: [follow_up] {key}: a whole number {low}–{high}, got {value!r}"
            )
        return value

    def words(key: str) -> list[str]:
        value = table.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FollowUpPolicyError(f"{source}: [follow_up] {key}: a list of text")
        return value

    destinations = set()
    for value in words("clock_destinations"):
        try:
            destinations.add(Destination(value))
        except ValueError:
            raise FollowUpPolicyError(
                f"{source}: [follow_up] clock_destinations: {value!r} is not a destination; "
                f"expected {', '.join(d.value for d in Destination)}"
            ) from None
    incomplete = table.get("incomplete_plan", "ask")
    if incomplete not in INCOMPLETE_PLAN_CHOICES:
        raise FollowUpPolicyError(
            f"{source}: [follow_up] incomplete_plan: one of "
            f"{', '.join(INCOMPLETE_PLAN_CHOICES)}, got {incomplete!r}"
        )
    levels = set(words("suicide_risk_cssrs"))
    if not levels <= {"low", "moderate", "high"}:
        raise FollowUpPolicyError(
            f"{source}: [follow_up] suicide_risk_cssrs: C-SSRS levels are low, moderate, high"
        )
    return FollowUpPolicy(
        version=_text(table, "version", source),
        standard_hours=hours("standard_hours"),
        suicide_risk_hours=hours("suicide_risk_hours"),
        self_discharge_hours=hours("self_discharge_hours"),
        compliance_target_percent=hours("compliance_target_percent", 1, 100),
        clock_destinations=frozenset(destinations),
        suicide_risk_flag=_text(table, "suicide_risk_flag", source),
        suicide_risk_cssrs=frozenset(levels),
        governance_signoff=_text(table, "governance_signoff", source, required=False),
        digest=content_digest(data),
        incomplete_plan=incomplete,
    )


def _text(table: dict[str, Any], key: str, source: object, *, required: bool = True) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise FollowUpPolicyError(f"{source}: [follow_up] {key}: must be non-empty text")
    return value.strip()


# --- when it is due -----------------------------------------------------------------------------


class Basis(StrEnum):
    """Why a follow-up has its time limit. Values are stored."""

    STANDARD = "standard"
    SUICIDE_RISK = "suicide_risk"
    SELF_DISCHARGE = "self_discharge"

    @property
    def label(self) -> str:
        return {
            Basis.STANDARD: "standard follow-up",
            Basis.SUICIDE_RISK: "suicide risk identified during the stay",
            Basis.SELF_DISCHARGE: "self-discharge against advice",
        }[self]

    @property
    def short(self) -> str:
        return {
            Basis.STANDARD: "standard",
            Basis.SUICIDE_RISK: "suicide risk",
            Basis.SELF_DISCHARGE: "self-discharge",
        }[self]


@dataclass(frozen=True, slots=True)
class FollowUpClock:
    basis: Basis
    hours: int
    due_at: datetime


def suicide_risk_identified(
    policy: FollowUpPolicy, risk_flags: Sequence[str], cssrs_levels: Sequence[str]
) -> bool:
    """The intake's suicide-risk flag, or a C-SSRS screen at a policy level during the stay."""
    return policy.suicide_risk_flag in risk_flags or any(
        level in policy.suicide_risk_cssrs for level in cssrs_levels
    )


def follow_up_clock(
    policy: FollowUpPolicy,
    *,
    destination: Destination,
    discharged_at: datetime,
    suicide_risk: bool,
) -> FollowUpClock | None:
    """When contact is due (elapsed hours from discharge), by the strictest limit that applies;
    None when this destination does not start the clock."""
    if destination not in policy.clock_destinations:
        return None
    limits = [(policy.standard_hours, Basis.STANDARD)]
    if suicide_risk:
        limits.append((policy.suicide_risk_hours, Basis.SUICIDE_RISK))
    if destination is Destination.AGAINST_ADVICE:
        limits.append((policy.self_discharge_hours, Basis.SELF_DISCHARGE))
    hours, basis = min(limits, key=lambda limit: limit[0])
    return FollowUpClock(basis, hours, discharged_at + timedelta(hours=hours))


# --- attempts and where a follow-up stands ------------------------------------------------------


class AttemptOutcome(StrEnum):
    """What one attempt to contact the patient came to. Values are stored."""

    CONTACT_MADE = "contact_made"
    NO_ANSWER = "no_answer"
    MESSAGE_LEFT = "message_left"
    UNABLE_TO_CONTACT = "unable_to_contact"

    @property
    def label(self) -> str:
        return {
            AttemptOutcome.CONTACT_MADE: "Contact made",
            AttemptOutcome.NO_ANSWER: "No answer",
            AttemptOutcome.MESSAGE_LEFT: "Message left",
            AttemptOutcome.UNABLE_TO_CONTACT: "Unable to contact (close)",
        }[self]

    @property
    def closes(self) -> bool:
        return self in (AttemptOutcome.CONTACT_MADE, AttemptOutcome.UNABLE_TO_CONTACT)


OVERDUE_SEVERITY: Final = Severity.ADVISORY
"""The follow-up-overdue escalation's severity (a phone call owed, not a bedside emergency);
its shape marks an overdue follow-up wherever it is listed."""


class FollowUpState(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"
    DONE_LATE = "done_late"
    UNABLE = "unable_to_contact"

    @property
    def label(self) -> str:
        return {
            FollowUpState.DUE: "Due",
            FollowUpState.OVERDUE: f"{OVERDUE_SEVERITY.shape} OVERDUE",
            FollowUpState.DONE: "Done",
            FollowUpState.DONE_LATE: "Done late",
            FollowUpState.UNABLE: "Unable to contact",
        }[self]

    @property
    def open(self) -> bool:
        return self in (FollowUpState.DUE, FollowUpState.OVERDUE)


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    outcome: AttemptOutcome
    by: str = ""
    note: str = ""


def follow_up_state(due_at: datetime, attempts: Sequence[Attempt], now: datetime) -> FollowUpState:
    """Where a follow-up stands: closed by its first closing attempt, else due or overdue."""
    for attempt in attempts:
        if attempt.outcome is AttemptOutcome.CONTACT_MADE:
            return FollowUpState.DONE if attempt.at <= due_at else FollowUpState.DONE_LATE
        if attempt.outcome is AttemptOutcome.UNABLE_TO_CONTACT:
            return FollowUpState.UNABLE
    return FollowUpState.OVERDUE if now > due_at else FollowUpState.DUE


OVERDUE_PROMPT: Final = (
    "Call the patient (Aftercare → Follow-ups) and record each attempt; contact made closes this"
)


def overdue_trigger(
    *,
    due_at: datetime,
    hours: int,
    basis: Basis,
    attempts: Sequence[Attempt],
    now: datetime,
    when: Callable[[datetime], str],
) -> EscalationTrigger | None:
    """The advisory "Follow-up overdue" while an open follow-up is past its due time; None
    otherwise. The words say since when and the attempts so far (the escalation names the
    patient); how long overdue is its age, raised by the first ward tick past the due time.
    Advisory: a phone call owed, not a bedside emergency (the due time itself is policy)."""
    if follow_up_state(due_at, attempts, now) is not FollowUpState.OVERDUE:
        return None
    if attempts:
        last = attempts[-1]
        tried = (
            f"{len(attempts)} attempt{'s' if len(attempts) != 1 else ''}, last "
            f"{last.outcome.label.lower()} {when(last.at)}"
        )
    else:
        tried = "no attempt recorded"
    return EscalationTrigger(
        kind=EscalationKind.FOLLOW_UP_OVERDUE,
        severity=OVERDUE_SEVERITY,
        rule_id=f"follow_up/{basis.value}",
        explanation=(
            f"Follow-up contact overdue since {when(due_at)} ({hours} h after discharge, "
            f"{basis.short}) — {tried}"
        ),
        prompts=(OVERDUE_PROMPT,),
        evidence_at=due_at,
    )


@dataclass(frozen=True, slots=True)
class Compliance:
    """Follow-ups whose time limit has passed (or that were done) in a period, against the
    target: ``on_time`` / ``counted``. Still-due ones are not counted yet."""

    counted: int
    on_time: int
    late: int
    unable: int
    overdue: int
    target_percent: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.on_time / self.counted if self.counted else None

    @property
    def meets_target(self) -> bool | None:
        percent = self.percent
        return None if percent is None else percent >= self.target_percent


def compliance(states: Sequence[FollowUpState], target_percent: int) -> Compliance:
    done = states.count(FollowUpState.DONE)
    late = states.count(FollowUpState.DONE_LATE)
    unable = states.count(FollowUpState.UNABLE)
    overdue = states.count(FollowUpState.OVERDUE)
    return Compliance(done + late + unable + overdue, done, late, unable, overdue, target_percent)


# --- the aftercare plan -------------------------------------------------------------------------

PLAN_TEXT_FIELDS: Final = (
    "service",
    "service_contact",
    "patient_phone",
    "crisis_plan_detail",
    "relapse_prevention",
    "peer_support",
    "naloxone",
)


@dataclass(frozen=True, slots=True)
class AftercarePlan:
    """The plan recorded at discharge (the destination is on the admission)."""

    service: str = ""
    """The service the patient is referred to."""
    first_appointment: datetime | None = None
    service_contact: str = ""
    """How to reach the service (a name and a number)."""
    patient_phone: str = ""
    """How the ward reaches the patient for follow-up: shown only to staff making the call."""
    crisis_plan_given: bool = False
    crisis_plan_detail: str = ""
    relapse_prevention: str = ""
    peer_support: str = ""
    opioid_co_user: bool = False
    """From the intake: the plan then states reduced opioid tolerance and naloxone advice."""
    naloxone: str = ""
    """Naloxone supplied / advice given (required for an opioid co-user)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "first_appointment": self.first_appointment.isoformat()
            if self.first_appointment
            else None,
            "service_contact": self.service_contact,
            "patient_phone": self.patient_phone,
            "crisis_plan_given": self.crisis_plan_given,
            "crisis_plan_detail": self.crisis_plan_detail,
            "relapse_prevention": self.relapse_prevention,
            "peer_support": self.peer_support,
            "opioid_co_user": self.opioid_co_user,
            "naloxone": self.naloxone,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AftercarePlan:
        first = data.get("first_appointment")
        return cls(
            service=str(data.get("service") or ""),
            first_appointment=datetime.fromisoformat(first) if first else None,
            service_contact=str(data.get("service_contact") or ""),
            patient_phone=str(data.get("patient_phone") or ""),
            crisis_plan_given=bool(data.get("crisis_plan_given")),
            crisis_plan_detail=str(data.get("crisis_plan_detail") or ""),
            relapse_prevention=str(data.get("relapse_prevention") or ""),
            peer_support=str(data.get("peer_support") or ""),
            opioid_co_user=bool(data.get("opioid_co_user")),
            naloxone=str(data.get("naloxone") or ""),
        )


OPIOID_TOLERANCE_WARNING: Final = (
    "Reduced opioid tolerance after detox: the usual amount can now cause an overdose."
)


def plan_problems(plan: AftercarePlan) -> dict[str, str]:
    """What must be put right before the plan is saved (field -> message naming it)."""
    problems: dict[str, str] = {}
    if not plan.service.strip():
        problems["service"] = "service: name the service the patient is referred to"
    if plan.crisis_plan_given and not plan.crisis_plan_detail.strip():
        problems["crisis_plan_detail"] = "crisis_plan_detail: say what the crisis plan is"
    if plan.opioid_co_user and not plan.naloxone.strip():
        problems["naloxone"] = (
            "naloxone: an opioid co-user — record naloxone supplied or the advice given"
        )
    return problems


def plan_gaps(plan: AftercarePlan, *, opioid_co_user: bool) -> dict[str, str]:
    """What a discharge that owes a follow-up still lacks in its aftercare plan (field ->
    words naming it): ``plan_problems`` plus the patient's phone for the follow-up call."""
    gaps = {
        field: message.split(": ", 1)[-1]
        for field, message in plan_problems(replace(plan, opioid_co_user=opioid_co_user)).items()
    }
    if not plan.patient_phone.strip():
        gaps["patient_phone"] = "the patient's phone number for the follow-up call"
    return gaps


def plan_lines(plan: AftercarePlan, when: Any) -> list[str]:
    """The plan in words (no phone number of the patient: the letter goes to services).
    ``when`` words a datetime."""
    lines = [f"Referred to: {plan.service or 'not recorded'}"]
    if plan.first_appointment is not None:
        lines.append(f"First appointment: {when(plan.first_appointment)}")
    if plan.service_contact:
        lines.append(f"Service contact: {plan.service_contact}")
    lines.append(
        "Crisis plan given: "
        + (f"yes — {plan.crisis_plan_detail}" if plan.crisis_plan_given else "no")
    )
    if plan.relapse_prevention:
        lines.append(f"Relapse prevention: {plan.relapse_prevention}")
    if plan.peer_support:
        lines.append(f"Peer support: {plan.peer_support}")
    if plan.opioid_co_user:
        lines.append(OPIOID_TOLERANCE_WARNING)
        lines.append(f"Naloxone: {plan.naloxone}")
    return lines
