"""The escalation rules engine: which escalations a patient's recent data calls for.

Source: REFERENCE.md §9A (consolidated trigger summary) with §1.4 (NEWS2 Chart 4 responses),
§1.3 (new confusion), §2 (RASS), §3.1 (4AT), §5.3 (urinary red flags), §5.6 (withdrawal chart
item red flags), §6.1 (panic; never suppresses NEWS2), §6.2 (BPRS-E), §6.3 (C-SSRS triage;
PHQ-9 item 9), §6.6 (craving); REFERENCE-2.md §12.7 (capillary glucose: JBDS-IP < 4.0 mmol/L,
level 2 < 3.0). Thresholds, severities and look-back windows come from the escalation policy
file (local policy; DESIGN CHOICE where marked there).

Entries count as recent when taken or recorded within a rule's look-back, so a late entry is
judged when it is entered; one entered behind a newer entry of its kind is never current and
raises "recorded late … was it acted on?" if it would have escalated. Time-driven kinds
(``TIME_DRIVEN_KINDS``) come back after a bounded silence (``plan_escalations``).

``evaluate`` is a pure function of the patient's state, the clock, the policy and the chart: it
returns at most one trigger per EscalationKind (the most severe; other reasons of the same kind
are appended to its explanation). ``plan_escalations`` turns triggers into actions against the
patient's open escalations: one open escalation per kind, re-triggering updates it (raising
severity if needed), severity is never lowered automatically, and nothing happens when nothing
changed. Within a kind, policy severity grades (RASS −4/−5 above −2, BPRS-E 6–7 above 5; NEWS2
bands by RCP Chart 2) make "worse" louder: a higher grade re-opens an acknowledged escalation
and announces it again, a worse value inside the same grade only updates the text. Each rule is
independent, so a panic label never suppresses a NEWS2 escalation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from itertools import groupby, pairwise
from typing import Final, Literal

from wardconsole.domain import assessments as a
from wardconsole.domain.after_prn import RT_PARTS, post_prn_rass_due, rt_status
from wardconsole.domain.co_use import alcohol_timing, ciwa_ar_due
from wardconsole.domain.decisions import (
    REVIEWED_DECISIONS,
    current_decision,
    describe_decision,
    documented_due,
)
from wardconsole.domain.news2 import PARAMETER_ABBREVIATIONS, score_vitals
from wardconsole.domain.news2_effective import effective_news2
from wardconsole.domain.policy import EscalationPolicy, RulePolicy
from wardconsole.domain.records import (
    TIME_DRIVEN_KINDS,
    AssessmentEntry,
    DecisionKind,
    EscalationKind,
    EscalationState,
    ObservationSet,
    OpenEscalation,
    PatientClinicalState,
    Severity,
    SymptomEntry,
    route_label,
)
from wardconsole.domain.schedule import due_from_effective, overdue_by
from wardconsole.domain.withdrawal import ChartItem, WithdrawalChart

ActionName = Literal["raise", "raise_severity", "update", "reopen"]


@dataclass(frozen=True, slots=True)
class EscalationTrigger:
    """Why a patient needs an escalation of one kind, in words a nurse reads at a glance."""

    kind: EscalationKind
    severity: Severity
    rule_id: str
    """``"<policy rule id>/<reason>"``, e.g. ``"hallucination/bprse"``."""
    explanation: str
    prompts: tuple[str, ...] = ()
    """What to do, e.g. ``"Take a full NEWS2 set now"``."""
    evidence_at: datetime | None = None
    """Time of the newest data behind it, so services can ignore evidence already resolved."""
    grade: int = 0
    """Severity grade within the kind (policy grades; NEWS2: 1 low–medium, 2 medium, 3 high).
    A higher grade than the open escalation's re-opens it; 0 = the kind is not graded."""


@dataclass(frozen=True, slots=True)
class EscalationAction:
    """What to do with the patient's open escalation of ``kind``."""

    kind: EscalationKind
    action: ActionName
    """raise: open a new one; raise_severity: a higher severity or a higher grade — the open
    one is re-opened for a fresh acknowledgement and announced again; update: same or lower
    severity and grade, new explanation (severity and grade are never lowered); reopen: a
    time-driven alarm acknowledged or snoozed for its while, still true, is open and
    unacknowledged again."""
    trigger: EscalationTrigger


@dataclass(frozen=True, slots=True)
class _Candidate:
    severity: Severity
    reason: str
    explanation: str
    prompts: tuple[str, ...] = ()
    evidence_at: datetime | None = None
    grade: int = 0


_NEWS2_PROMPTS: Final = {
    "low-medium": "Urgent ward-based response (RCP Chart 4, red score): the registered nurse "
    "informs the medical team caring for the patient, who review and decide whether escalation "
    "is needed; observations at least hourly",
    "medium": "Urgent response (RCP Chart 4, NEWS2 5–6): the registered nurse immediately informs "
    "the medical team and requests urgent assessment by a clinician with core competencies in "
    "acute illness; care in an environment with monitoring; observations at least hourly",
    "high": "Emergency response (RCP Chart 4, NEWS2 7+): inform the medical team immediately, at "
    "least at specialist-registrar level; emergency assessment by a team with critical-care "
    "competencies including advanced airway skills; consider transfer to level 2/3 care; "
    "continuous monitoring",
}
"""RCP 2017 Chart 4 clinical response by clinical risk, paraphrased (REFERENCE.md §1.4)."""
_NEWS2_GRADES: Final = {"low-medium": 1, "medium": 2, "high": 3}
"""NEWS2 grades are fixed by RCP Chart 2 (not configurable): a higher band re-opens."""
PROMPT_SEPSIS: Final = (
    "Consider sepsis if infection is known or suspected (NEWS2 5 or more). On this ward urinary "
    "symptoms are often sterile ketamine cystitis: they neither confirm nor exclude infection — "
    "dipstick and send an MSU"
)
"""RCP 2017 key revision as summarised in trust policies (REFERENCE.md §1.4 "Sepsis"); ketamine
urine is typically sterile, so exclude UTI rather than assume it (REFERENCE.md §5.3 [29i][29f])."""
_NEWS2_SEVERITY: Final = {
    "low-medium": Severity.URGENT,
    "medium": Severity.URGENT,
    "high": Severity.EMERGENCY,
}


def news2_severity(band: str | None) -> Severity | None:
    """The deterioration escalation's severity for a NEWS2 band (RCP Chart 4, fixed): urgent for
    low-medium and medium, emergency for high; None for low or no band."""
    return _NEWS2_SEVERITY.get(band) if band else None


_CSSRS_PROMPTS: Final = {
    "high": "Immediate safety precautions (e.g. constant observation) until a mental-health "
    "professional evaluates",
    "moderate": "Mental-health evaluation; safety planning; increase observation per local policy",
    "low": "Behavioural-health evaluation or referral; safety planning",
}
PROMPT_NEWS2_NOW: Final = "Take a full NEWS2 set now"
PROMPT_CSSRS_REQUIRED: Final = "C-SSRS required"


def evaluate(
    state: PatientClinicalState,
    *,
    now: datetime,
    policy: EscalationPolicy,
    chart: WithdrawalChart,
    zone: tzinfo | None = None,
) -> list[EscalationTrigger]:
    """Triggers for one patient, at most one per kind, most severe first.

    ``state`` sequences are oldest first and must cover ``policy.history_window`` before
    ``now`` by the time entries were taken and by the time they were recorded; entries entered
    in error must already be excluded by the store. ``zone``: the ward's time zone for clock
    times in explanations (None: this computer's).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now: expected a timezone-aware datetime (UTC), got {now!r}")
    return _evaluate(state, now, policy, chart, zone, skip=frozenset())


def _evaluate(
    state: PatientClinicalState,
    now: datetime,
    policy: EscalationPolicy,
    chart: WithdrawalChart,
    zone: tzinfo | None,
    *,
    skip: frozenset[str],
) -> list[EscalationTrigger]:
    facts = _Facts(state, now, chart, zone)
    triggers: list[EscalationTrigger] = []
    for key, rule_fn in _RULES:
        rule = policy.rules.get(key)
        if rule is None or not rule.enabled or key in skip:
            continue
        candidates = rule_fn(facts, rule, policy)
        if candidates:
            triggers.append(_merge(EscalationKind(key), rule, candidates))
    triggers.sort(key=lambda t: -t.severity)
    return triggers


def plan_escalations(
    open: Mapping[EscalationKind, OpenEscalation],
    triggers: Iterable[EscalationTrigger],
    *,
    resolved_at: Mapping[EscalationKind, datetime] | None = None,
    now: datetime | None = None,
    silence: timedelta | None = None,
) -> list[EscalationAction]:
    """Actions that bring the open escalations in line with ``triggers``.

    One open escalation per kind: a new kind is raised; the same kind re-triggering raises
    severity when the trigger is more severe, otherwise updates the explanation when it changed
    (keeping the open severity: never lowered automatically); no action when nothing changed.
    Optional ``resolved_at`` (last resolution time per kind) stops evidence that staff already
    resolved from raising the same escalation again.

    Time-driven kinds (``TIME_DRIVEN_KINDS``) are different: their evidence does not change
    while nothing is done, so a resolution would silence them for good. With ``now`` and
    ``silence`` (``silence_window``), a resolved or declined one stays quiet for ``silence``
    only, an acknowledged one likewise from its acknowledgement, a snoozed one until its snooze
    ends; then, if the trigger still holds, it is raised again or re-opened (unacknowledged).
    """
    best: dict[EscalationKind, EscalationTrigger] = {}
    for trigger in triggers:
        seen = best.get(trigger.kind)
        if seen is None or trigger.severity > seen.severity:
            best[trigger.kind] = trigger
    clock = (now, silence) if now is not None and silence is not None else None
    actions: list[EscalationAction] = []
    for kind, trigger in best.items():
        existing = open.get(kind)
        recurs = clock is not None and kind in TIME_DRIVEN_KINDS
        if existing is None:
            resolved = (resolved_at or {}).get(kind)
            if (
                resolved is not None
                and trigger.evidence_at is not None
                and (trigger.evidence_at <= resolved)
                and not (clock is not None and recurs and clock[0] >= resolved + clock[1])
            ):
                continue
            actions.append(EscalationAction(kind, "raise", trigger))
        elif reopens(trigger, existing.severity, existing.grade):
            raised = replace(
                trigger,
                severity=max(trigger.severity, existing.severity),
                grade=max(trigger.grade, existing.grade),
            )
            actions.append(EscalationAction(kind, "raise_severity", raised))
        elif clock is not None and recurs and _quiet_over(existing, *clock):
            kept = replace(
                trigger, severity=existing.severity, grade=max(trigger.grade, existing.grade)
            )
            actions.append(EscalationAction(kind, "reopen", kept))
        elif (
            trigger.explanation != existing.explanation
            or trigger.rule_id != existing.rule_id
            or trigger.grade > existing.grade
        ):
            kept = replace(
                trigger, severity=existing.severity, grade=max(trigger.grade, existing.grade)
            )
            actions.append(EscalationAction(kind, "update", kept))
    return actions


def reopens(trigger: EscalationTrigger, severity: Severity, grade: int) -> bool:
    """Whether ``trigger`` makes an open escalation (at ``severity``/``grade``) louder: a higher
    severity, or a higher grade than a graded one. Grade 0 is "not graded yet" (a chart flag,
    or a row written before grades existed): it takes the trigger's grade without re-opening,
    so an upgrade never re-announces every open escalation at once."""
    return trigger.severity > severity or (grade > 0 and trigger.grade > grade)


def _quiet_over(existing: OpenEscalation, now: datetime, silence: timedelta) -> bool:
    """An acknowledged time-driven alarm whose quiet while has run out: ``silence`` after the
    acknowledgement, or the end of a later snooze. (An unacknowledged snoozed alarm needs no
    re-opening: the station sounds it again when the snooze ends.)"""
    if existing.state is not EscalationState.ACKNOWLEDGED:
        return False
    ends = [existing.snoozed_until] if existing.snoozed_until is not None else []
    if existing.acknowledged_at is not None:
        ends.append(existing.acknowledged_at + silence)
    return bool(ends) and now >= max(ends)


def silence_window(policy: EscalationPolicy, latest_complete: ObservationSet | None) -> timedelta:
    """How long a decline, resolve or acknowledgement may silence a time-driven alarm.

    The policy's ``time_driven_silence`` (local DESIGN CHOICE), never longer than the patient's
    current RCP Chart 4 minimum observation interval (REFERENCE.md §1.4) from the latest
    complete set. Continuous monitoring (NEWS2 ≥ 7, interval zero) and a patient with no
    complete set use the policy's partial re-check for "high" / "unscored" instead, so the
    alarm is never silenced longer than the policy would wait for a re-check.
    """
    cap: timedelta
    result = score_vitals(latest_complete.vitals) if latest_complete is not None else None
    if result is None:
        cap = policy.partial_recheck["unscored"]
    elif result.continuous:
        cap = policy.partial_recheck["high"]
    else:
        cap = result.min_obs_interval
    return min(policy.time_driven_silence, cap)


# --- facts: the patient's recent data, looked up newest first -------------------------------------


class _Facts:
    """Newest-first lookups over the oldest-first sequences of one patient's state.

    An entry counts as recent when it was taken OR recorded within the window: a screen
    entered late (an intake typed in on day 2, an amendment) is judged when it is recorded.
    Which entry of a kind is current is decided by when it was taken.
    """

    __slots__ = ("chart", "now", "state", "zone")

    def __init__(
        self,
        state: PatientClinicalState,
        now: datetime,
        chart: WithdrawalChart,
        zone: tzinfo | None = None,
    ) -> None:
        self.state = state
        self.now = now
        self.chart = chart
        self.zone = zone

    def latest(self, kind: str, within: timedelta) -> AssessmentEntry | None:
        """The current (newest taken) entry of ``kind``, if taken or recorded within."""
        since = self.now - within
        for entry in reversed(self.state.assessments):
            if entry.kind == kind:
                return entry if _in_window(entry.taken_at, entry.recorded_at, since) else None
        return None

    def recent(self, kind: str, within: timedelta) -> list[AssessmentEntry]:
        """Entries of ``kind`` newer than ``now - within``, oldest first."""
        since = self.now - within
        found: list[AssessmentEntry] = []
        for entry in reversed(self.state.assessments):
            if entry.taken_at < since:
                break
            if entry.kind == kind:
                found.append(entry)
        found.reverse()
        return found

    def latest_symptoms(self, within: timedelta) -> SymptomEntry | None:
        symptoms = self.state.symptoms
        since = self.now - within
        if symptoms and _in_window(symptoms[-1].taken_at, symptoms[-1].recorded_at, since):
            return symptoms[-1]
        return None

    def latest_set(
        self, within: timedelta | None = None, *, where: Callable[[ObservationSet], bool]
    ) -> ObservationSet | None:
        since = None if within is None else self.now - within
        for obs in reversed(self.state.observations):
            if where(obs):
                if since is None or _in_window(obs.taken_at, obs.recorded_at, since):
                    return obs
                return None
        return None


def _in_window(taken_at: datetime, recorded_at: datetime | None, since: datetime) -> bool:
    return taken_at >= since or (recorded_at is not None and recorded_at >= since)


def _score(entry: AssessmentEntry) -> a.AssessmentScore:
    """Re-score stored answers; fall back to the stored total (no flags) if they no longer parse."""
    try:
        return a.score_assessment(entry.kind, entry.answers)
    except ValueError:
        return a.AssessmentScore(entry.total, entry.label)


def _chart_flags(facts: _Facts, rule: RulePolicy, group: str) -> list[_Candidate]:
    entry = facts.latest_symptoms(rule.lookback)
    if entry is None:
        return []
    flagged = [i for i in facts.chart.red_flags_of(entry.item_scores) if i.group == group]
    if not flagged:
        return []
    text = ", ".join(_item_text(item, entry.item_scores[item.key]) for item in flagged)
    return [
        _Candidate(
            rule.severity(), "chart", f"Withdrawal chart: {text}", evidence_at=entry.taken_at
        )
    ]


def _item_text(item: ChartItem, value: int) -> str:
    return f"{item.label} {value}/{item.max_score} ({item.anchor_for(value).lower()})"


# --- the rules ---------------------------------------------------------------------------------


def _deterioration(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    """NEWS2 by its effective risk: the last complete set, or a newer incomplete set's lower
    bound when that is higher (``news2_effective``; a partial set never lowers it)."""
    effective = effective_news2(facts.state.observations, now=facts.now, lookback=rule.lookback)
    risk = effective.risk
    source = effective.source
    if risk is None or risk == "low" or source is None:
        return []
    total = effective.total or 0
    prompts = [_NEWS2_PROMPTS[risk], *_modified_response(facts)]
    call = rule.text("emergency_call" if risk == "high" else "urgent_call")
    prompts.append(f"Who to call (ward escalation chain, local policy): {call}")
    if total >= 5:
        prompts.append(PROMPT_SEPSIS)
    reason = "news2"
    if effective.from_partial and effective.bound is not None:
        reason = "news2_incomplete"
        missing = ", ".join(PARAMETER_ABBREVIATIONS[p] for p in effective.bound.missing)
        prompts.insert(0, f"Set incomplete: take the missing values now ({missing})")
    return [
        _Candidate(
            _NEWS2_SEVERITY[risk],
            reason,
            effective.describe(),
            tuple(prompts),
            source.taken_at,
            _NEWS2_GRADES[risk],
        )
    ]


def _graded(rule: RulePolicy, value: int) -> tuple[Severity, int, str]:
    """Severity, grade number and (above the first grade) a ``" — deep sedation"`` suffix."""
    grade = rule.grade_of(value)
    if grade is None:
        return rule.severity(), 0, ""
    return grade.severity, grade.number, f" — {grade.label}" if grade.number > 1 else ""


def _modified_response(facts: _Facts) -> tuple[str, ...]:
    """A clinician's documented modified response, shown beside (never instead of) Chart 4."""
    decision = current_decision(facts.state.decisions, DecisionKind.MODIFIED_RESPONSE)
    if decision is None:
        return ()
    return (describe_decision(decision),)


def _panic(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    found: list[_Candidate] = []
    entry = facts.latest("panic", rule.lookback)
    if entry is not None:
        scored = _score(entry)
        if a.PANIC_GRADUAL_ONSET in scored.flags:
            found.append(
                _Candidate(
                    rule.severity(),
                    "gradual_onset",
                    scored.label,
                    (
                        "Look for other causes: withdrawal, infection, intoxication",
                        "Take a full NEWS2 set",
                    ),
                    entry.taken_at,
                )
            )
        if a.PANIC_ATTACK in scored.flags:
            found.append(
                _Candidate(
                    rule.severity(),
                    "panic_attack",
                    scored.label,
                    (
                        "Take a full NEWS2 set: chest pain, breathlessness and palpitations can "
                        "have medical causes",
                    ),
                    entry.taken_at,
                )
            )
    return found + _chart_flags(facts, rule, "panic")


def _confusion(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    found: list[_Candidate] = []
    obs = facts.latest_set(rule.lookback, where=lambda o: o.vitals.consciousness is not None)
    if obs is not None and obs.vitals.consciousness == "C":
        found.append(
            _Candidate(
                rule.severity(),
                "acvpu",
                "New confusion (ACVPU C) on the latest obs set",
                ("Medical review; consider a 4AT and a screen for causes",),
                obs.taken_at,
            )
        )
    entry = facts.latest("4at", rule.lookback)
    if entry is not None:
        scored = _score(entry)
        if scored.total is not None and scored.total >= rule.number("four_at_at_or_above"):
            found.append(
                _Candidate(
                    rule.severity(),
                    "4at",
                    f"4AT {scored.total}: possible delirium",
                    ("Medical review and a delirium screen for causes",),
                    entry.taken_at,
                )
            )
    return found + _chart_flags(facts, rule, "confusion")


def _hallucination(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    found = _chart_flags(facts, rule, "hallucination")
    entry = facts.latest("hallucination", rule.lookback)
    if entry is None:
        return found
    scored = _score(entry)
    value = scored.total or 0
    modalities = _modalities(entry)
    prompt = ("Medical/psychiatric review",)
    if value >= rule.number("bprse_at_or_above"):
        severity, grade, label = _graded(rule, value)
        found.insert(
            0,
            _Candidate(
                severity,
                "bprse",
                f"Hallucinations {value}/7{modalities} (BPRS-E){label}",
                prompt,
                entry.taken_at,
                grade,
            ),
        )
    elif value >= rule.number("new_onset_at_or_above"):
        since = entry.taken_at - rule.hours("new_onset_baseline_hours")
        onset = rule.number("new_onset_at_or_above")
        earlier = [
            e
            for e in facts.recent("hallucination", facts.now - since)
            if e.taken_at < entry.taken_at and (_score(e).total or 0) >= onset
        ]
        if not earlier:
            days = rule.number("new_onset_baseline_hours") / 24
            span = f"{days:g} days" if days >= 1 else f"{rule.number('new_onset_baseline_hours')} h"
            found.insert(
                0,
                _Candidate(
                    rule.severity(),
                    "new_onset",
                    f"New hallucinations {value}/7{modalities} (BPRS-E; none this severe in the "
                    f"previous {span})",
                    prompt,
                    entry.taken_at,
                ),
            )
    return found


def _modalities(entry: AssessmentEntry) -> str:
    try:
        names = a.hallucination_modalities(entry.answers)
    except ValueError:
        return ""
    return f" {', '.join(names)}" if names else ""


def _self_harm(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    found: list[_Candidate] = []
    cssrs = facts.latest("cssrs", rule.lookback)
    if cssrs is not None:
        risk = a.cssrs_risk(_score(cssrs).flags)
        if risk != "none":
            found.append(
                _Candidate(
                    rule.severity(f"severity_{risk}"),
                    "cssrs",
                    f"C-SSRS {risk} risk",
                    (_CSSRS_PROMPTS[risk],),
                    cssrs.taken_at,
                )
            )
    phq9 = facts.latest("phq9", rule.lookback)
    if phq9 is not None and a.CSSRS_REQUIRED in _score(phq9).flags:
        answered = cssrs is not None and cssrs.taken_at >= phq9.taken_at
        if not answered:
            item9 = phq9.answers.get("q9")
            found.append(
                _Candidate(
                    rule.severity("phq9_item9_severity"),
                    "phq9_item9",
                    f"PHQ-9 item 9 positive ({item9}/3), no C-SSRS since",
                    (PROMPT_CSSRS_REQUIRED,),
                    phq9.taken_at,
                )
            )
    return found


def _rass(facts: _Facts, rule: RulePolicy) -> tuple[AssessmentEntry, int, str] | None:
    entry = facts.latest("rass", rule.lookback)
    if entry is None:
        return None
    scored = _score(entry)
    if scored.total is None:
        return None
    return entry, scored.total, scored.label


def _agitation(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    found = _rass(facts, rule)
    if found is None or found[1] < rule.number("rass_at_or_above"):
        return []
    entry, value, label = found
    severity, grade, grade_label = _graded(rule, value)
    return [
        _Candidate(
            severity,
            "rass",
            f"RASS {label}{grade_label}",
            ("Alert the nurse in charge",),
            entry.taken_at,
            grade,
        )
    ]


def _oversedation(facts: _Facts, rule: RulePolicy, policy: EscalationPolicy) -> list[_Candidate]:
    found = _rass(facts, rule)
    if found is None or found[1] > rule.number("rass_at_or_below"):
        return []
    entry, value, label = found
    prompts = ["Alert the nurse in charge"]
    if value <= rule.number("news2_prompt_at_or_below"):
        prompts.insert(0, PROMPT_NEWS2_NOW)
    severity, grade, grade_label = _graded(rule, value)
    text = f"RASS {label}{grade_label}"
    prn = _last_sedative(facts, policy, before=entry.taken_at, within=rule.lookback)
    if prn is not None:
        text += f" after PRN {prn}"
    return [_Candidate(severity, "rass", text, tuple(prompts), entry.taken_at, grade)]


def _last_sedative(
    facts: _Facts, policy: EscalationPolicy, *, before: datetime, within: timedelta
) -> str | None:
    """The sedative/anxiolytic PRN given in the ``within`` before a RASS, for the explanation."""
    since = before - within
    for dose in reversed(facts.state.prn_doses):
        if dose.given_at > before:
            continue
        if dose.given_at < since:
            break
        if dose.counts_as_sedative:
            return f"{dose.drug} {dose.dose}".strip()
    return None


def _overdue(facts: _Facts, rule: RulePolicy, policy: EscalationPolicy) -> list[_Candidate]:
    latest_any = facts.state.observations[-1] if facts.state.observations else None
    effective = effective_news2(facts.state.observations, now=facts.now)
    latest_complete = effective.complete
    due = due_from_effective(effective, admitted_at=facts.state.admitted_at, policy=policy)
    due = documented_due(
        facts.state.decisions, latest_complete.taken_at if latest_complete else None, due
    )
    late = overdue_by(due, facts.now)
    if late <= timedelta(minutes=rule.number("grace_minutes")):
        return []
    if latest_any is None:
        text = f"No observation set recorded; due since admission, overdue by {_duration(late)}"
    else:
        text = f"Observations overdue by {_duration(late)}"
    return [_Candidate(rule.severity(), "news2_due", text, (PROMPT_NEWS2_NOW,), due)]


def _bladder(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    entry = facts.latest("bladder", rule.lookback)
    if entry is None:
        return []
    scored = _score(entry)
    if a.BLADDER_RED_FLAG not in scored.flags:
        return []
    return [
        _Candidate(
            rule.severity(),
            "red_flag",
            scored.label,
            ("Medical review; urology pathway",),
            entry.taken_at,
        )
    ]


def _dietitian_referral(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    """The latest MUST screen at high risk (BAPEN step 5, REFERENCE-2.md §12.1)."""
    entry = facts.latest("must", rule.lookback)
    if entry is None or a.MUST_HIGH not in _score(entry).flags:
        return []
    return [
        _Candidate(
            rule.severity(),
            "must_high",
            entry.label or "MUST high risk",
            (
                "Refer to a dietitian or nutrition support team, or follow local policy; set "
                "goals, improve and increase overall intake (BAPEN)",
            ),
            entry.taken_at,
        )
    ]


def _prn_review(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    """Sedative/anxiolytic PRN doses (the formulary's ``counts_as_sedative``) in the window."""
    since = facts.now - rule.hours("window_hours")
    doses = []
    for dose in reversed(facts.state.prn_doses):
        if dose.given_at < since:
            break
        if dose.given_at <= facts.now and dose.counts_as_sedative:
            doses.append(dose)
    if len(doses) <= rule.number("max_doses"):
        return []
    counts: dict[str, tuple[str, int]] = {}
    for dose in reversed(doses):
        key = " ".join(dose.drug.split()).casefold()
        name, n = counts.get(key, (dose.drug.strip(), 0))
        counts[key] = (name, n + 1)
    detail = ", ".join(f"{drug} ×{n}" for drug, n in counts.values())
    return [
        _Candidate(
            rule.severity(),
            "sedative_count",
            f"{len(doses)} sedative/anxiolytic PRN doses in "
            f"{rule.number('window_hours')} h ({detail})",
            ("Prescriber review of the PRN regimen",),
            doses[0].given_at,
        )
    ]


PROMPT_HYPO: Final = "Treat hypoglycaemia now (ward hypoglycaemia protocol); recheck glucose"


def _hypoglycaemia(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    """Capillary glucose below 4.0 mmol/L (JBDS-IP "four is the floor") is urgent; below 3.0
    (IHSG/ADA level 2, clinically significant) or a meter "LO" (below the meter's range, so
    possibly far lower) is an emergency. REFERENCE-2.md §12.7; thresholds from the policy.
    The latest reading within the look-back decides: a later normal reading ends the trigger."""
    obs = facts.latest_set(rule.lookback, where=lambda o: o.has_glucose)
    if obs is None:
        return []
    if obs.glucose_flag == "LO":
        text = "Capillary glucose LO: below the meter's range"
        return [_Candidate(Severity.EMERGENCY, "lo", text, (PROMPT_HYPO,), obs.taken_at)]
    if obs.glucose is None:  # "HI": recorded and shown, not a hypoglycaemia
        return []
    value = Decimal(str(obs.glucose))
    if value < rule.mmol("emergency_below_mmol"):
        text = (
            f"Capillary glucose {value} mmol/L: below {rule.mmol('emergency_below_mmol')} "
            "(level 2 hypoglycaemia)"
        )
        return [_Candidate(Severity.EMERGENCY, "level2", text, (PROMPT_HYPO,), obs.taken_at)]
    if value < rule.mmol("urgent_below_mmol"):
        text = (
            f"Capillary glucose {value} mmol/L: below {rule.mmol('urgent_below_mmol')} "
            "(hypoglycaemia)"
        )
        return [_Candidate(Severity.URGENT, "below_floor", text, (PROMPT_HYPO,), obs.taken_at)]
    return []


def _craving(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    n = rule.number("rise_ratings")
    recent = facts.recent("craving", rule.lookback)[-n:]  # only the last N can matter
    values = [(e, v) for e in recent if (v := _score(e).total) is not None]
    if not values:
        return []
    latest, latest_value = values[-1]
    prompt = ("Keyworker review",)
    if latest_value >= rule.number("score_at_or_above"):
        return [
            _Candidate(
                rule.severity(), "high", f"Craving {latest_value}/10", prompt, latest.taken_at
            )
        ]
    last = [v for _, v in values]
    if (
        len(last) == n
        and all(b > a_ for a_, b in pairwise(last))
        and (last[-1] - last[0] >= rule.number("min_rise"))
    ):
        trend = " → ".join(str(v) for v in last)
        return [
            _Candidate(
                rule.severity(),
                "rising",
                f"Craving rising: {trend} (0–10)",
                prompt,
                latest.taken_at,
            )
        ]
    return []


def _late_entries(facts: _Facts, rule: RulePolicy, policy: EscalationPolicy) -> list[_Candidate]:
    """A set or screen recorded within the look-back that was never current (a newer one of
    its kind was already on record when it was entered) and would have escalated when it was
    taken: "recorded late — taken at HH:MM: … was it acted on?". At the severity it would have
    had (late data may make a patient look worse, never better); the evidence is the time it
    was recorded, so a resolved one stays resolved."""
    since = facts.now - rule.lookback
    state = facts.state
    found: list[_Candidate] = []
    late = _never_current(
        [(o.taken_at, o.recorded_at, "set", o.vitals.is_complete) for o in state.observations],
        since,
    )
    late += _never_current(
        [(e.taken_at, e.recorded_at, e.kind, True) for e in state.assessments], since
    )
    late = sorted(set(late), key=lambda pair: pair[1])[-_MAX_LATE_SHOWN:]
    for taken_at, recorded_at in late:
        then = replace(
            state,
            observations=tuple(o for o in state.observations if o.taken_at <= taken_at),
            symptoms=tuple(e for e in state.symptoms if e.taken_at <= taken_at),
            assessments=tuple(e for e in state.assessments if e.taken_at <= taken_at),
            prn_doses=tuple(d for d in state.prn_doses if d.given_at <= taken_at),
            open_escalations={},
        )
        would = [
            t
            for t in _evaluate(then, taken_at, policy, facts.chart, facts.zone, skip=_NOT_LATE)
            if t.evidence_at == taken_at and t.kind not in TIME_DRIVEN_KINDS
        ]
        for trigger in would:
            clock = taken_at.astimezone(facts.zone).strftime("%H:%M")
            found.append(
                _Candidate(
                    trigger.severity,
                    trigger.kind.value,
                    f"Recorded late — taken at {clock}: {trigger.explanation}: was it acted on?",
                    ("Check it was acted on at the time; record what was done",),
                    recorded_at,
                )
            )
    return found


def _never_current(
    entries: Sequence[tuple[datetime, datetime | None, str, bool]], since: datetime
) -> list[tuple[datetime, datetime]]:
    """(taken_at, recorded_at) of the entries recorded since ``since`` when a newer one of
    their kind (a complete one, for sets) was already on record: one pass, newest taken first,
    keeping per kind the earliest time a newer qualifying entry was recorded."""
    earliest: dict[str, datetime] = {}
    found: list[tuple[datetime, datetime]] = []
    ordered = sorted(entries, key=lambda e: e[0], reverse=True)
    for _taken, group in groupby(ordered, key=lambda e: e[0]):
        same_time = list(group)  # entries taken at the same moment are not newer than each other
        for taken_at, recorded_at, kind, _counts in same_time:
            newer = earliest.get(kind)
            entered_after_newer = (
                newer is not None and recorded_at is not None and newer <= recorded_at
            )
            if entered_after_newer and recorded_at is not None and recorded_at >= since:
                found.append((taken_at, recorded_at))
        for _taken_at, recorded_at, kind, counts in same_time:
            newer = earliest.get(kind)
            if counts and recorded_at is not None and (newer is None or recorded_at < newer):
                earliest[kind] = recorded_at
    return found


_NOT_LATE: Final = frozenset({"late_entry"})
_MAX_LATE_SHOWN: Final = 5
"""The most recently recorded late entries explained (a bulk import can bring many)."""


def _cognitive_impairment(
    facts: _Facts, rule: RulePolicy, policy: EscalationPolicy
) -> list[_Candidate]:
    """4AT 1–3 (the4at.com v1.2, REFERENCE.md §3.1): possible cognitive impairment. Its own
    advisory kind; 4AT at or above the confusion rule's threshold is delirium, not this."""
    entry = facts.latest("4at", rule.lookback)
    if entry is None:
        return []
    total = _score(entry).total
    confusion = policy.rules.get("confusion")
    delirium_from = confusion.number("four_at_at_or_above") if confusion is not None else 4
    if total is None or not 1 <= total < delirium_from:
        return []
    return [
        _Candidate(
            rule.severity(),
            "4at",
            f"4AT {total}: possible cognitive impairment",
            ("Fuller cognitive assessment and an informant history",),
            entry.taken_at,
        )
    ]


def _post_prn_rass(facts: _Facts, rule: RulePolicy, policy: EscalationPolicy) -> list[_Candidate]:
    found = post_prn_rass_due(facts.state.prn_doses, facts.state.assessments, policy)
    if found is None:
        return []
    late = overdue_by(found.due_at, facts.now)
    if late <= timedelta(minutes=rule.number("grace_minutes")):
        return []
    dose = found.dose
    route = route_label(dose.route)
    return [
        _Candidate(
            rule.severity(),
            "overdue",
            f"RASS after PRN {dose.drug} {dose.dose} {route} overdue by {_duration(late)}",
            ("Record a RASS now",),
            found.due_at,
        )
    ]


def _rapid_tranquillisation(
    facts: _Facts, rule: RulePolicy, policy: EscalationPolicy
) -> list[_Candidate]:
    state = facts.state
    status = rt_status(
        prn_doses=state.prn_doses,
        assessments=state.assessments,
        observations=state.observations,
        decisions=state.decisions,
        now=facts.now,
        policy=policy,
    )
    if status is None:
        return []
    dose = status.latest_dose
    what = f"{dose.drug} {dose.dose} {route_label(dose.route)}"
    found: list[_Candidate] = []
    grace = timedelta(minutes=rule.number("grace_minutes"))
    overdue = status.overdue_parts(facts.now, grace)
    if overdue:
        due = min(status.due[key] for key in overdue)
        parts = ", ".join(RT_PARTS[key] for key in overdue)
        text = f"Rapid tranquillisation ({what}): {parts} overdue by {_duration(facts.now - due)}"
        if status.not_possible_at is not None:
            text += "; last attempt: asleep, observations not possible"
        found.append(
            _Candidate(
                rule.severity(),
                "overdue",
                text,
                ("Take a NEWS2 set, RASS, hydration and side effects now",),
                due,
            )
        )
    if status.side_effects:
        found.append(
            _Candidate(
                rule.severity(),
                "side_effect",
                f"After rapid tranquillisation ({what}): {status.side_effects}",
                ("Medical review of the side effects now",),
                status.started_at,
            )
        )
    return found


def _decision_review(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    found: list[_Candidate] = []
    for kind in REVIEWED_DECISIONS:
        decision = current_decision(facts.state.decisions, kind)
        if decision is None or decision.review_at is None or decision.review_at > facts.now:
            continue
        found.append(
            _Candidate(
                rule.severity(),
                kind.value,
                f"{describe_decision(decision)}: review date reached",
                ("Clinician to review the decision and record it again or withdraw it",),
                decision.review_at,
            )
        )
    return found


# --- co-used substances (REFERENCE-2.md §12.5, §12.6; domain.co_use) ---------------------------

PROMPT_ALCOHOL: Final = (
    "Medical review under the ward's alcohol withdrawal protocol (NICE CG100: CIWA-Ar is an "
    "adjunct to clinical judgement)"
)
PROMPT_OPIOID: Final = "Medical review of opioid withdrawal"


def _threshold_candidates(
    facts: _Facts, rule: RulePolicy, kind: str, extra: str, prompts: tuple[str, ...]
) -> list[_Candidate]:
    """The latest rating of ``kind`` at or above the rule's urgent / emergency thresholds."""
    entry = facts.latest(kind, rule.lookback)
    if entry is None:
        return []
    scored = _score(entry)
    total = scored.total
    if total is None or total < rule.number("urgent_at_or_above"):
        return []
    emergency = total >= rule.number("emergency_at_or_above")
    severity, grade = (Severity.EMERGENCY, 2) if emergency else (Severity.URGENT, 1)
    text = f"{scored.label}{extra}"
    return [_Candidate(severity, "score", text, prompts, entry.taken_at, grade)]


def _alcohol_withdrawal(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    """CIWA-Ar at or above the ward's thresholds (band starts of the chosen scheme)."""
    co_use = facts.state.co_use
    extra = ""
    if co_use is not None and co_use.alcohol_recent:
        extra = f"; {alcohol_timing(co_use, facts.now, facts.zone)}"
    local = rule.text("ward_protocol_prompt")
    prompts = (PROMPT_ALCOHOL, PROMPT_NEWS2_NOW, *((local,) if local else ()))
    return _threshold_candidates(facts, rule, "ciwa_ar", extra, prompts)


def _opioid_withdrawal(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    """COWS at or above the ward's thresholds (published band starts, REFERENCE-2.md §12.5)."""
    return _threshold_candidates(facts, rule, "cows", "", (PROMPT_OPIOID, PROMPT_NEWS2_NOW))


def _ciwa_ar_due(facts: _Facts, rule: RulePolicy, policy: EscalationPolicy) -> list[_Candidate]:
    """A recent drinker's CIWA-Ar not recorded by its due time (``co_use.ciwa_ar_due``)."""
    alcohol = policy.rules.get("alcohol_withdrawal")
    keep_on = alcohol.number("urgent_at_or_above") if alcohol is not None else 1
    due = ciwa_ar_due(
        facts.state.co_use,
        [e for e in facts.state.assessments if e.kind == "ciwa_ar"],
        admitted_at=facts.state.admitted_at,
        interval=timedelta(minutes=rule.number("interval_minutes")),
        watch=rule.hours("watch_hours"),
        keep_on_at_or_above=keep_on,
    )
    if due is None:
        return []
    late = overdue_by(due.due_at, facts.now)
    if late <= timedelta(minutes=rule.number("grace_minutes")):
        return []
    what = "No CIWA-Ar recorded yet" if due.last_taken_at is None else "CIWA-Ar"
    return [
        _Candidate(
            rule.severity(),
            "overdue",
            f"{what}: due {_duration(late)} ago ({due.reason})",
            ("Record a CIWA-Ar now",),
            due.due_at,
        )
    ]


def _benzodiazepine_review(
    facts: _Facts, rule: RulePolicy, _: EscalationPolicy
) -> list[_Candidate]:
    """Regular benzodiazepine use at intake: one advisory until staff resolve it."""
    co_use = facts.state.co_use
    if co_use is None or not co_use.benzodiazepines_regular:
        return []
    return [
        _Candidate(
            rule.severity(),
            "regular_use",
            "Regular benzodiazepine use recorded at intake",
            ("Prescriber review: how the benzodiazepine is continued or reduced on the ward",),
            co_use.noted_at,
        )
    ]


PROMPT_DEPENDENCY: Final = "Dependency review / taper plan with the prescriber"


def _dependency_review(facts: _Facts, rule: RulePolicy, _: EscalationPolicy) -> list[_Candidate]:
    """Watched medicines on more nights or ward days in a row than the policy allows, PRN use
    rising day on day, and (only with a governance threshold) the diazepam-equivalent load."""
    watch = facts.state.medicines
    if watch is None:
        return []
    found: list[_Candidate] = []
    severity = rule.severity()
    for what, at in watch.overruns:
        text = f"{what} — planned reducing regimen overran"
        found.append(
            _Candidate(severity, "regimen", text, ("Review the reduction with the prescriber",), at)
        )
    for c in watch.classes:
        if c.nights_in_row > rule.number("max_consecutive_nights"):
            text = f"{c.name} {c.nights_of_last_7} of 7 nights, {c.nights_in_row} in a row"
            found.append(
                _Candidate(
                    severity,
                    "nights",
                    f"{text} — review due",
                    (PROMPT_DEPENDENCY,),
                    c.run_started_at,
                )
            )
        elif c.days_in_row > rule.number("max_consecutive_days"):
            text = f"{c.name} on {c.days_in_row} ward days in a row — review due"
            found.append(
                _Candidate(severity, "days", text, (PROMPT_DEPENDENCY,), c.day_run_started_at)
            )
        rise = c.rising(rule.number("rising_days"), rule.number("min_rise"))
        if rise is not None:
            text = f"{c.name} PRN rising day on day: {' → '.join(str(n) for n in rise)} a day"
            found.append(
                _Candidate(severity, "rising", text, (PROMPT_DEPENDENCY,), c.latest_dose_at)
            )
        above = rule.number("diazepam_load_above_mg")
        load = c.load_today
        if above and load is not None and load.low_mg > above:
            text = f"{c.label} load today {load.text}: above {above} mg (local threshold)"
            found.append(_Candidate(severity, "load", text, (PROMPT_DEPENDENCY,), c.latest_dose_at))
    return found


_RuleFn = Callable[[_Facts, RulePolicy, EscalationPolicy], list[_Candidate]]
_RULES: Final[Sequence[tuple[str, _RuleFn]]] = (
    ("deterioration", _deterioration),
    ("self_harm", _self_harm),
    ("panic", _panic),
    ("confusion", _confusion),
    ("hallucination", _hallucination),
    ("agitation", _agitation),
    ("oversedation", _oversedation),
    ("overdue_obs", _overdue),
    ("bladder", _bladder),
    ("dietitian_referral", _dietitian_referral),
    ("prn_review", _prn_review),
    ("craving", _craving),
    ("cognitive_impairment", _cognitive_impairment),
    ("post_prn_rass", _post_prn_rass),
    ("rapid_tranquillisation", _rapid_tranquillisation),
    ("decision_review", _decision_review),
    ("hypoglycaemia", _hypoglycaemia),
    ("alcohol_withdrawal", _alcohol_withdrawal),
    ("ciwa_ar_due", _ciwa_ar_due),
    ("opioid_withdrawal", _opioid_withdrawal),
    ("benzodiazepine_review", _benzodiazepine_review),
    ("dependency_review", _dependency_review),
    ("late_entry", _late_entries),
)


def _merge(
    kind: EscalationKind, rule: RulePolicy, candidates: list[_Candidate]
) -> EscalationTrigger:
    """One trigger per kind: the most severe reason first, the others appended."""
    ordered = sorted(candidates, key=lambda c: -c.severity)  # stable: rule order breaks ties
    top = ordered[0]
    prompts: list[str] = []
    for c in ordered:
        prompts.extend(p for p in c.prompts if p not in prompts)
    evidence = [c.evidence_at for c in ordered if c.evidence_at is not None]
    return EscalationTrigger(
        kind=kind,
        severity=top.severity,
        rule_id=f"{rule.id}/{top.reason}",
        explanation="; ".join(c.explanation for c in ordered),
        prompts=tuple(prompts),
        evidence_at=max(evidence) if evidence else None,
        grade=max(c.grade for c in ordered),
    )


def _duration(span: timedelta) -> str:
    """``45 min`` / ``2 h 10 min``, floored to 5 minutes so explanations do not churn."""
    minutes = int(span.total_seconds() // 60)
    minutes -= minutes % 5
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"
