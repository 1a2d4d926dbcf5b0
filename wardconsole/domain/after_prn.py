"""What is due after a PRN dose: a RASS after an oral sedative or antipsychotic, and the
rapid-tranquillisation schedule after a parenteral one.

Sources: REFERENCE.md §5.5 ("RASS after any sedative PRN", design); REFERENCE-2.md §12.9:
NICE QS154 statement 4 (verified) — after rapid tranquillisation monitor side effects, vital
signs, hydration and level of consciousness at least every hour until there are no further
concerns; NICE NG10 1.4.52 (NOT VERIFIED, text not read) — every 15 minutes in some conditions,
and RT defined as parenteral. No NICE frequency for oral PRN antipsychotics was found, so the
post-PRN RASS interval is local policy. Every number comes from the escalation policy
(``rules.post_prn_rass``, ``rules.rapid_tranquillisation``, ``[schedule] rass_after_prn_minutes``).

A rapid-tranquillisation (RT) schedule starts with an IM/IV dose of a listed class and runs until
a clinician ends it (``DecisionKind.RT_END``); each check has three parts — a complete NEWS2 set,
a RASS, and hydration with side effects (``rt_check``) — each due an interval after the later of
the latest RT dose and its own last entry. "Asleep, observations not possible" never satisfies a
part: it brings the next attempt forward to the close interval instead.

All inputs are oldest first, as in ``PatientClinicalState``; datetimes are aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from wardconsole.domain import assessments as a
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import (
    AssessmentEntry,
    ClinicalDecision,
    DecisionKind,
    ObservationSet,
    PrnDose,
    route_key,
)

RT_PARTS: Final[Mapping[str, str]] = {
    "news2": "NEWS2 set",
    "rass": "RASS",
    "rt_check": "hydration and side effects",
}
"""The parts of each rapid-tranquillisation check, in the order staff take them."""


@dataclass(frozen=True, slots=True)
class PostPrnRass:
    """A RASS outstanding after an oral (non-RT) PRN of a listed class."""

    dose: PrnDose
    due_at: datetime


@dataclass(frozen=True, slots=True)
class RtStatus:
    """A running rapid-tranquillisation schedule."""

    started_at: datetime
    """The first RT dose of this episode."""
    latest_dose: PrnDose
    interval: timedelta
    interval_reason: str
    """Why a clinician or nurse chose this interval; empty for the policy default."""
    due: Mapping[str, datetime]
    """Part key (``RT_PARTS``) -> when it is next due."""
    not_possible_at: datetime | None = None
    """The latest "asleep, observations not possible" since the last complete check."""
    side_effects: str = ""
    """The side effects found at the latest hydration/side-effect check, if any."""
    hydration_concern: bool = False

    @property
    def next_due(self) -> datetime:
        return min(self.due.values())

    def overdue_parts(self, now: datetime, grace: timedelta = timedelta(0)) -> tuple[str, ...]:
        return tuple(key for key, due in self.due.items() if now > due + grace)


def is_rt_dose(dose: PrnDose, policy: EscalationPolicy) -> bool:
    """An IM/IV (policy ``routes``) dose of a class the RT rule lists. An unknown stored route
    is not RT: it still gets the post-PRN RASS, so it is never left unmonitored."""
    rule = policy.rules.get("rapid_tranquillisation")
    if rule is None or not rule.enabled:
        return False
    return (
        dose.drug_class in rule.params["drug_classes"]
        and route_key(dose.route) in rule.params["routes"]
    )


def post_prn_rass_due(
    prn_doses: Sequence[PrnDose],
    assessments: Sequence[AssessmentEntry],
    policy: EscalationPolicy,
) -> PostPrnRass | None:
    """The RASS due after the latest non-RT dose of a ``post_prn_rass`` class, unless a RASS
    has been recorded since; None when nothing is outstanding."""
    rule = policy.rules.get("post_prn_rass")
    classes = rule.params["drug_classes"] if rule is not None else ()
    dose = next(
        (d for d in reversed(prn_doses) if d.drug_class in classes and not is_rt_dose(d, policy)),
        None,
    )
    if dose is None:
        return None
    for entry in reversed(assessments):
        if entry.taken_at < dose.given_at:
            break
        if entry.kind == "rass":
            return None
    return PostPrnRass(dose, dose.given_at + policy.rass_after_prn)


def oral_antipsychotic_count(
    prn_doses: Sequence[PrnDose], *, now: datetime, window: timedelta, policy: EscalationPolicy
) -> int:
    """Antipsychotic PRN doses in ``window`` before ``now`` that were not rapid tranquillisation.
    Counted apart from the sedative count, whose meaning (the PRN-review rule) is unchanged."""
    since = now - window
    return sum(
        1
        for d in prn_doses
        if since <= d.given_at <= now
        and d.drug_class == "antipsychotic"
        and not is_rt_dose(d, policy)
    )


def rt_episode(
    prn_doses: Sequence[PrnDose],
    decisions: Sequence[ClinicalDecision],
    *,
    now: datetime,
    policy: EscalationPolicy,
) -> list[PrnDose]:
    """The running RT episode's doses, oldest first (empty when none): RT doses in the rule's
    look-back after the latest decision ending RT. ``rt_status`` reads checks from its first."""
    rule = policy.rules.get("rapid_tranquillisation")
    if rule is None or not rule.enabled:
        return []
    ended = max((d.decided_at for d in decisions if d.kind is DecisionKind.RT_END), default=None)
    since = now - rule.lookback
    return [
        d
        for d in prn_doses
        if d.given_at >= since
        and d.given_at <= now
        and (ended is None or d.given_at > ended)
        and is_rt_dose(d, policy)
    ]


def rt_status(
    *,
    prn_doses: Sequence[PrnDose],
    assessments: Sequence[AssessmentEntry],
    observations: Sequence[ObservationSet],
    decisions: Sequence[ClinicalDecision],
    now: datetime,
    policy: EscalationPolicy,
) -> RtStatus | None:
    """The running RT schedule, or None (no RT dose in the look-back, or a clinician ended it)."""
    rule = policy.rules.get("rapid_tranquillisation")
    episode = rt_episode(prn_doses, decisions, now=now, policy=policy)
    if rule is None or not episode:
        return None
    started, latest = episode[0].given_at, episode[-1]
    interval = timedelta(minutes=rule.number("interval_minutes"))
    reason = ""
    chosen = [
        d for d in decisions if d.kind is DecisionKind.RT_INTERVAL and d.decided_at >= started
    ]
    if chosen and chosen[-1].active:
        interval = timedelta(minutes=int(chosen[-1].details["minutes"]))
        reason = chosen[-1].reason
    last: dict[str, datetime | None] = dict.fromkeys(RT_PARTS)
    for obs in observations:
        if obs.taken_at >= started and obs.vitals.is_complete:
            last["news2"] = obs.taken_at
    not_possible: datetime | None = None
    side_effects, hydration = "", False
    for entry in assessments:
        if entry.taken_at < started:
            continue
        if entry.kind == "rass":
            last["rass"] = entry.taken_at
        elif entry.kind == "rt_check":
            flags = _flags(entry)
            if a.RT_NOT_POSSIBLE in flags:
                not_possible = entry.taken_at
            else:
                last["rt_check"] = entry.taken_at
                side_effects = entry.label if a.RT_SIDE_EFFECT in flags else ""
                hydration = a.RT_HYDRATION_CONCERN in flags
    due: dict[str, datetime] = {}
    for key, at in last.items():
        base = latest.given_at if at is None or at < latest.given_at else at
        due[key] = base + interval
    done_since = min(due.values()) - interval
    if not_possible is not None and not_possible >= done_since:
        retry = not_possible + timedelta(minutes=rule.number("close_interval_minutes"))
        due = {key: min(at, retry) for key, at in due.items()}
    else:
        not_possible = None
    return RtStatus(
        started_at=started,
        latest_dose=latest,
        interval=interval,
        interval_reason=reason,
        due=due,
        not_possible_at=not_possible,
        side_effects=side_effects,
        hydration_concern=hydration,
    )


def _flags(entry: AssessmentEntry) -> tuple[str, ...]:
    try:
        return a.score_assessment(entry.kind, entry.answers).flags
    except ValueError:
        # Answers that no longer parse cannot prove a check was done: treat as not possible.
        return (a.RT_NOT_POSSIBLE,)
