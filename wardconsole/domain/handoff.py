"""The generated part of a shift handoff: SBAR sections of facts, with their numbers.

Structure: SBAR (REFERENCE.md §9.1; "the console can prefill S/B/A from stored data"), with the
Recommendation holding I-PASS's action list and contingencies (§9.2). Everything here is drawn
from what was recorded — nothing is inferred that a nurse did not chart — and every statement
carries its numbers and times (ward time), so the next nurse can check it against the chart.

* NEWS2 now, its range over the shift and the band change: RCP 2017 (§1.4), scored in
  ``domain.news2``; the Chart 4 response text is quoted for bands above low.
* Observation timeliness: ``handoff_timeliness`` (Chart 4 frequencies + local grace period).
* Withdrawal chart trend: the chart is an unvalidated local tool with no bands (§5.6); "better /
  same / worse" uses ``symptom_trend_min_change`` from ``handoff_policy.toml`` (DESIGN CHOICE).
* PRN: doses with their recorded effects; the sedative count is compared with the PRN-review
  rule of the escalation policy (local policy).
* Severity: a fact that needs attention carries the severity its escalation (or census cell)
  has — an open escalation its own, a NEWS2 band the deterioration rule's (RCP Chart 4), an
  overdue set the overdue-observations rule's, a C-SSRS flag the self-harm rule's — and
  advisory where nothing is escalated (a past late set, an effect not yet recorded). No new
  threshold: each comes from the escalation policy or the fixed NEWS2 mapping.

Pure: no clock, no database. The caller passes the facts and the policies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from wardconsole.domain.assessments import assessment_name
from wardconsole.domain.configfiles import default_policy_file, read_toml
from wardconsole.domain.handoff_records import (
    EscalationHistory,
    Fact,
    HandoffDraft,
    HandoffStatus,
    HandoffSummary,
    PatientShiftFacts,
    PrnGiven,
    Section,
)
from wardconsole.domain.handoff_timeliness import ObservationTimeliness, observation_timeliness
from wardconsole.domain.intake import CSSRS_DUE, SUICIDE_HIGH, SUICIDE_LOW, SUICIDE_MODERATE
from wardconsole.domain.news2 import RISK_LABELS, score_vitals
from wardconsole.domain.news2_effective import effective_news2
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import ObservationSet, Severity, SymptomEntry
from wardconsole.domain.rules import news2_severity
from wardconsole.domain.schedule import rass_due_after_prn
from wardconsole.domain.withdrawal import WithdrawalChart

__all__ = [
    "Fact",
    "HandoffDraft",
    "HandoffPolicy",
    "HandoffPolicyError",
    "HandoffStatus",
    "HandoffSummary",
    "PatientShiftFacts",
    "Section",
    "draft_handoff",
    "load_handoff_policy",
]

HANDOFF_POLICY_FILE: Final = "handoff_policy.toml"

BANDS: Final[tuple[str, ...]] = ("low", "low-medium", "medium", "high")

_FLAG_SEVERITY: Final = MappingProxyType(
    {
        SUICIDE_HIGH.label.casefold(): "severity_high",
        SUICIDE_MODERATE.label.casefold(): "severity_moderate",
        SUICIDE_LOW.label.casefold(): "severity_low",
        CSSRS_DUE.label.casefold(): "phq9_item9_severity",
    }
)
"""Intake risk flags that a self-harm rule severity belongs to (``[rules.self_harm]``); the
census badges show the same shapes (Suicide▲ / ◆ / ●)."""

_STEP_WORDS: Final = MappingProxyType(
    {
        "acknowledged": "acknowledged",
        "action": "action",
        "snoozed": "snoozed",
        "resolved": "resolved",
        "raise_severity": "severity raised",
        "cascaded": "cascaded",
    }
)


class HandoffPolicyError(ValueError):
    """The handoff policy file is unusable; the message names the file and key."""


@dataclass(frozen=True, slots=True)
class HandoffPolicy:
    version: str
    symptom_trend_min_change: int
    governance_signoff: str = ""
    source: str = ""


def load_handoff_policy(path: Path | None = None) -> HandoffPolicy:
    """Load and validate ``handoff_policy.toml`` (default: the bundled file)."""
    source: Path | Traversable = (
        path if path is not None else default_policy_file(HANDOFF_POLICY_FILE)
    )
    data = read_toml(source, HandoffPolicyError)
    table = data.get("handoff")
    if not isinstance(table, dict) or set(data) != {"handoff"}:
        raise HandoffPolicyError(f"{source}: expected exactly one [handoff] table")
    unknown = sorted(set(table) - {"version", "governance_signoff", "symptom_trend_min_change"})
    if unknown:
        raise HandoffPolicyError(f"{source}: [handoff] unknown key(s) {', '.join(unknown)}")
    version = table.get("version")
    if not isinstance(version, str) or not version.strip():
        raise HandoffPolicyError(f"{source}: [handoff] version: must be non-empty text")
    change = table.get("symptom_trend_min_change")
    if not isinstance(change, int) or isinstance(change, bool) or not 1 <= change <= 50:
        raise HandoffPolicyError(
            f"{source}: [handoff] symptom_trend_min_change: must be a whole number 1–50, "
            f"got {change!r}"
        )
    signoff = table.get("governance_signoff", "")
    if not isinstance(signoff, str):
        raise HandoffPolicyError(f"{source}: [handoff] governance_signoff: must be text")
    return HandoffPolicy(version.strip(), change, signoff.strip(), str(source))


# --- the draft ------------------------------------------------------------------------------------


def draft_handoff(
    facts: PatientShiftFacts,
    *,
    policy: EscalationPolicy,
    chart: WithdrawalChart,
    handoff_policy: HandoffPolicy,
) -> HandoffDraft:
    """The generated SBAR facts for one patient's shift."""
    writer = _Writer(facts, policy, chart, handoff_policy)
    intake = facts.intake_lines or generic_intake_lines(facts.intake)
    sections = {
        Section.SITUATION: writer.situation(),
        Section.BACKGROUND: writer.background(intake),
        Section.ASSESSMENT: writer.assessment(),
        Section.RECOMMENDATION: writer.recommendation(),
    }
    return HandoffDraft(
        admission_id=facts.admission_id,
        shift_key=facts.shift.key,
        generated_at=facts.as_of,
        sections=MappingProxyType(sections),
        summary=writer.summary(),
    )


def brief_change(change: str) -> str:
    """A change since the last shift in a few words, for tables: 'New ◆ Panic 02:05' (the
    escalation's severity as its shape, the one vocabulary of every screen)."""
    change = _NEW_ESCALATION.sub(
        lambda m: f"New {Severity[m['severity'].upper()].shape} {m['kind']}", change
    )
    for long, short in (("NEWS2 band up: ", "NEWS2 ↑ "), ("NEWS2 band down: ", "NEWS2 ↓ ")):
        change = change.replace(long, short)
    return change


_NEW_ESCALATION: Final = re.compile(
    r"New escalation: (?P<kind>.+?) \((?P<severity>emergency|urgent|advisory)\)"
)


def band_rank(band: str | None) -> int:
    """0 without a score, then 1 (low) … 4 (high)."""
    return BANDS.index(band) + 1 if band in BANDS else 0


def generic_intake_lines(intake: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """(section, lines) from an intake stored as nested JSON, skipping empty values."""
    out: list[tuple[str, list[str]]] = []
    for key, value in intake.items():
        if key in ("version", "demo") or _empty(value):
            continue
        title = key.replace("_", " ").capitalize()
        if isinstance(value, Mapping):
            lines = [
                f"{k.replace('_', ' ').capitalize()}: {_plain(v)}"
                for k, v in value.items()
                if not _empty(v) and not isinstance(v, Mapping)
            ]
            if lines:
                out.append((title, lines))
        else:
            out.append((title, [_plain(value)]))
    return out


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {} or value is False


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v).replace("_", " ") for v in value)
    if value is True:
        return "yes"
    return str(value)


class _Writer:
    """Writes the sections; computes each shared number once."""

    def __init__(
        self,
        facts: PatientShiftFacts,
        policy: EscalationPolicy,
        chart: WithdrawalChart,
        handoff_policy: HandoffPolicy,
    ) -> None:
        self.f = facts
        self.policy = policy
        self.chart = chart
        self.hp = handoff_policy
        shift, as_of = facts.shift, facts.as_of
        self.in_shift = [o for o in facts.observations if shift.start <= o.taken_at <= as_of]
        self.scored = [o for o in self.in_shift if o.news2_total is not None]
        complete_upto = [
            o for o in facts.observations if o.news2_total is not None and o.taken_at <= as_of
        ]
        self.latest: ObservationSet | None = complete_upto[-1] if complete_upto else None
        before = [o for o in complete_upto if o.taken_at < shift.start]
        self.before: ObservationSet | None = before[-1] if before else None
        self.effective = effective_news2(
            [o for o in facts.observations if o.taken_at <= as_of], now=as_of
        )
        self.timeliness: ObservationTimeliness = observation_timeliness(
            facts.observations,
            window_start=shift.start,
            as_of=as_of,
            admitted_at=facts.admitted_at,
            policy=policy,
        )
        self.ratings = [s for s in facts.symptoms if shift.start <= s.taken_at <= as_of]
        prior = [s for s in facts.symptoms if s.taken_at < shift.start]
        self.rating_before: SymptomEntry | None = prior[-1] if prior else None
        self.escalations = [
            e
            for e in facts.escalations
            if e.raised_at <= as_of and (e.resolved_at is None or e.resolved_at >= shift.start)
        ]
        self.raised = [e for e in self.escalations if e.raised_at >= shift.start]
        self.open_now = sorted(
            (e for e in self.escalations if e.open_at(as_of)),
            key=lambda e: (-e.severity, e.raised_at),
        )
        self.prn = [p for p in facts.prn if shift.start <= p.dose.given_at <= as_of]
        previous = facts.previous_shift
        self.prn_previous = [
            p for p in facts.prn if previous.start <= p.dose.given_at < previous.end
        ]
        self.assessments = [a for a in facts.assessments if shift.start <= a.taken_at <= as_of]

    # -- words -------------------------------------------------------------------------------

    def when(self, instant: datetime) -> str:
        """'02:10' during the shift (its end included); 'Wed 16:10' outside it (ward time)."""
        local = self.f.shift.local(instant)
        if self.f.shift.start <= instant <= self.f.shift.end:
            return f"{local:%H:%M}"
        return f"{local:%a} {local:%H:%M}"

    @staticmethod
    def news2(observation: ObservationSet) -> str:
        return f"{observation.news2_total} ({observation.news2_risk})"

    # -- severities (the escalations' own; advisory where nothing is escalated) ---------------

    def rule_severity(self, key: str, name: str = "severity") -> Severity:
        return self.policy.rule(key).severity(name)

    @staticmethod
    def band_severity(*bands: str | None) -> Severity:
        """The deterioration rule's severity for the worst of ``bands``; advisory for low."""
        found = [s for s in (news2_severity(b) for b in bands) if s is not None]
        return max(found, default=Severity.ADVISORY)

    def overdue_severity(self) -> Severity:
        return self.rule_severity("overdue_obs")

    def unscored_severity(self) -> Severity:
        """No complete set to go by: the overdue rule's once one is overdue, else advisory."""
        overdue = self.timeliness.overdue_since is not None
        return self.overdue_severity() if overdue else Severity.ADVISORY

    def flags_severity(self, flags: Iterable[str]) -> Severity:
        """The self-harm rule's severity for a C-SSRS flag; advisory for any other flag."""
        keys = [_FLAG_SEVERITY.get(flag.casefold()) for flag in flags]
        found = [self.rule_severity("self_harm", key) for key in keys if key is not None]
        return max(found, default=Severity.ADVISORY)

    # -- numbers -----------------------------------------------------------------------------

    def symptom_trend(self) -> tuple[int | None, int | None, str | None]:
        if not self.ratings:
            return None, None, None
        first = self.rating_before or self.ratings[0]
        last = self.ratings[-1]
        if first is last:
            return first.total, last.total, None
        change = last.total - first.total
        if abs(change) < self.hp.symptom_trend_min_change:
            trend = "same"
        else:
            trend = "worse" if change > 0 else "better"
        return first.total, last.total, trend

    def changes(self) -> tuple[str, ...]:
        out = [
            f"New escalation: {e.kind.label} ({e.severity.label.lower()}) {self.when(e.raised_at)}"
            for e in self.raised
        ]
        now_band = self.latest.news2_risk if self.latest else None
        before_band = self.before.news2_risk if self.before else None
        if now_band and before_band and now_band != before_band:
            direction = "up" if band_rank(now_band) > band_rank(before_band) else "down"
            out.append(f"NEWS2 band {direction}: {before_band} → {now_band}")
        drugs_before = {p.dose.drug.casefold() for p in self.prn_previous}
        new_drugs = sorted(
            {p.dose.drug for p in self.prn if p.dose.drug.casefold() not in drugs_before}
        )
        if new_drugs:
            out.append(f"New PRN: {', '.join(new_drugs)}")
        if len(self.prn) > len(self.prn_previous) and self.prn_previous:
            out.append(f"More PRN: {len(self.prn)} doses (last shift {len(self.prn_previous)})")
        return tuple(out)

    def summary(self) -> HandoffSummary:
        first, last, trend = self.symptom_trend()
        totals = [o.news2_total for o in self.scored if o.news2_total is not None]
        top = max((int(e.severity) for e in self.open_now), default=0)
        overdue = self.timeliness.overdue_since is not None
        band_now = self.latest.news2_risk if self.latest else None
        bound = self.effective.bound if self.effective.from_partial else None
        return HandoffSummary(
            news2_at_least=bound.at_least if bound else None,
            news2_bound_band=bound.risk if bound else None,
            news2_now=self.latest.news2_total if self.latest else None,
            news2_band_now=band_now,
            news2_now_at=self.latest.taken_at if self.latest else None,
            news2_min=min(totals) if totals else None,
            news2_max=max(totals) if totals else None,
            news2_sets=len(totals),
            news2_band_before=self.before.news2_risk if self.before else None,
            symptom_first=first,
            symptom_last=last,
            symptom_trend=trend,
            symptom_ratings=len(self.ratings),
            escalations_in_shift=len(self.escalations),
            escalations_raised=len(self.raised),
            open_escalations=len(self.open_now),
            top_open_severity=top,
            prn_doses=len(self.prn),
            prn_doses_previous=len(self.prn_previous),
            prn_drugs=tuple(dict.fromkeys(p.dose.drug for p in self.prn)),
            late_observations=len(self.timeliness.late),
            missed_observations=self.timeliness.missed,
            overdue_at_end=overdue,
            next_obs_due=self.timeliness.next_due,
            changes=self.changes(),
            risk_rank=top * 100
            + band_rank(self.effective.risk or band_now) * 10
            + (5 if overdue else 0)
            + min(len(self.raised), 4),
        )

    # -- S -------------------------------------------------------------------------------------

    def situation(self) -> tuple[Fact, ...]:
        f = self.f
        out = [
            Fact(f"Bed {f.bed} · {f.patient_name}, {f.age} · {f.hospital_number}", "patient"),
            Fact(f"Detox day {f.detox_day} (admitted {self._date(f.admitted_at)})", "detox"),
        ]
        if self.latest is None:
            out.append(
                Fact("No complete NEWS2 set recorded yet", "news2", self.unscored_severity())
            )
        else:
            stale = self.latest.taken_at < f.shift.start
            text = f"NEWS2 {self.news2(self.latest)} at {self.when(self.latest.taken_at)}"
            if stale:
                text += " — no complete set this shift"
            out.append(Fact(text, "news2", self._latest_severity(stale)))
        incomplete = self._incomplete_fact()
        if incomplete is not None:
            out.append(incomplete)
        if self.ratings:
            last = self.ratings[-1]
            out.append(
                Fact(
                    f"Withdrawal chart {last.total}/{self.chart.max_total} at "
                    f"{self.when(last.taken_at)}",
                    "symptoms",
                )
            )
        if self.open_now:
            for e in self.open_now:
                owner = (
                    f"acknowledged by {e.acknowledged_by}"
                    if e.acknowledged_by
                    else "NOT YET ACKNOWLEDGED"
                )
                out.append(
                    Fact(
                        f"Open escalation: {e.kind.label} ({e.severity.label.lower()}), "
                        f"raised {self.when(e.raised_at)}, {owner}",
                        "escalation",
                        e.severity,
                    )
                )
        else:
            out.append(Fact("No open escalations", "escalation"))
        return tuple(out)

    def _incomplete_fact(self) -> Fact | None:
        """An incomplete set whose known values are above the latest complete set: stated as a
        lower bound ("incomplete — at least 9 (high)") with the values that scored."""
        effective = self.effective
        if not effective.from_partial or effective.bound is None or effective.partial is None:
            return None
        return Fact(
            f"{effective.bound.describe()} at {self.when(effective.partial.taken_at)} — "
            "above the latest complete set",
            "news2",
            self.band_severity(effective.bound.risk),
        )

    def _latest_severity(self, stale: bool) -> Severity | None:
        """The latest complete set's: its band's (low-medium and up), and the overdue rule's
        when no set was taken this shift and one is overdue; advisory when merely from before
        the shift; None for a current low score."""
        assert self.latest is not None
        found = [s for s in (news2_severity(self.latest.news2_risk),) if s is not None]
        if stale:
            found.append(self.unscored_severity())
        return max(found, default=None)

    def _date(self, instant: datetime) -> str:
        local = self.f.shift.local(instant)
        return f"{local:%a} {local.day} {local:%b %H:%M}"

    # -- B -------------------------------------------------------------------------------------

    def background(self, intake_lines: Iterable[tuple[str, Sequence[str]]]) -> tuple[Fact, ...]:
        f = self.f
        out = [Fact(f"Admission reason: {f.reason or 'not recorded'}", "reason")]
        if f.risk_flags:
            out.append(
                Fact(
                    f"Risk flags: {', '.join(f.risk_flags)}",
                    "risk_flags",
                    self.flags_severity(f.risk_flags),
                )
            )
        lines = [
            (title, [line.strip() for line in body if line.strip() != "No risk flags."])
            for title, body in intake_lines
        ]
        lines = [(title, body) for title, body in lines if body]
        if lines:
            for title, body in lines:
                text = " ".join(line if line.endswith(".") else f"{line}." for line in body)
                out.append(Fact(f"{title}: {text}", "intake"))
        else:
            out.append(Fact("Intake assessment: not recorded in the console", "intake"))
        if f.assigned_nurse:
            out.append(Fact(f"Assigned nurse: {f.assigned_nurse}", "nurse"))
        return tuple(out)

    # -- A -------------------------------------------------------------------------------------

    def assessment(self) -> tuple[Fact, ...]:
        out: list[Fact] = [self._news2_fact()]
        out += self._timeliness_facts()
        out.append(self._symptom_fact())
        out += self._escalation_facts()
        out += self.f.observation
        out += self.f.sessions
        out += self._prn_facts()
        out += self.f.medicines
        out += self._assessment_facts()
        out += self._sleep_and_nutrition()
        out += self.f.weight
        return tuple(out)

    def _news2_fact(self) -> Fact:
        if not self.scored:
            last = (
                f"; last {self.news2(self.latest)} at {self.when(self.latest.taken_at)}"
                if self.latest
                else ""
            )
            return Fact(
                f"NEWS2: no complete set this shift{last}", "news2", self.unscored_severity()
            )
        totals = [o.news2_total for o in self.scored if o.news2_total is not None]
        latest = self.scored[-1]
        start = f"; at the start of the shift {self.news2(self.before)}" if self.before else ""
        sets = "set" if len(totals) == 1 else "sets"
        later = ""
        bound = self.effective.bound if self.effective.from_partial else None
        if bound is not None:
            later = f"; a later set is {bound.text}"
        return Fact(
            f"NEWS2 now {self.news2(latest)} at {self.when(latest.taken_at)}; "
            f"range over the shift {min(totals)}–{max(totals)} across {len(totals)} complete "
            f"{sets}{start}{later}",
            "news2",
            self._news2_now_severity(latest, bound),
        )

    def _news2_now_severity(self, latest: ObservationSet, bound: Any) -> Severity | None:
        """The band's severity from low-medium up, or the lower bound's when it is a red flag."""
        if bound is not None and bound.red_flag:
            return self.band_severity(latest.news2_risk, bound.risk)
        return news2_severity(latest.news2_risk)

    def _timeliness_facts(self) -> list[Fact]:
        t = self.timeliness
        partial = [o for o in self.in_shift if o.news2_total is None]
        counts = f"{t.complete_sets} complete"
        if partial:
            reasons = sorted({r for o in partial for r in o.missing_reasons.values()})
            why = f" ({', '.join(r.replace('_', ' ') for r in reasons)})" if reasons else ""
            counts += f", {len(partial)} partial{why}"
        out = [Fact(f"Observation sets this shift: {counts}", "obs")]
        for late in t.late:
            text = (
                f"Late set at {self.when(late.taken_at)}: {_span(late.late_by)} after due "
                f"{self.when(late.due_at)}"
            )
            if late.missed_before:
                text += f" ({late.missed_before} further due set(s) missed before it)"
            out.append(Fact(text, "obs", Severity.ADVISORY))  # past: nothing escalated now
        if t.overdue_since is not None:
            out.append(
                Fact(
                    f"OVERDUE at handover: set due {self.when(t.overdue_since)}, none "
                    f"taken by {self.when(self.f.as_of)} "
                    f"({_span(self.f.as_of - t.overdue_since)})",
                    "obs",
                    self.overdue_severity(),
                )
            )
        if t.missed:
            out.append(
                Fact(f"Missed observation sets this shift: {t.missed}", "obs", Severity.ADVISORY)
            )
        if not t.late and t.overdue_since is None and t.continuous_since is None:
            out.append(Fact("All sets on time", "obs"))
        if t.continuous_since is not None:
            out.append(
                Fact(
                    f"Continuous monitoring required since "
                    f"{self.when(t.continuous_since)} (NEWS2 ≥ 7)",
                    "obs",
                    self.band_severity("high"),
                )
            )
        return out

    def _symptom_fact(self) -> Fact:
        first, last, trend = self.symptom_trend()
        maximum = self.chart.max_total
        if last is None:
            before = (
                f"; last {self.rating_before.total}/{maximum} at "
                f"{self.when(self.rating_before.taken_at)}"
                if self.rating_before
                else ""
            )
            return Fact(
                f"Withdrawal chart: not rated this shift{before}", "symptoms", Severity.ADVISORY
            )
        if trend is None:
            return Fact(
                f"Withdrawal chart: {last}/{maximum} (one rating this shift, nothing to compare)",
                "symptoms",
            )
        assert first is not None
        change = last - first
        since = "the last rating before the shift" if self.rating_before else "the first rating"
        return Fact(
            f"Withdrawal chart {trend.upper()}: {first} → {last}/{maximum} ({change:+d}) from "
            f"{since} over {len(self.ratings)} rating(s) this shift",
            "symptoms",
            Severity.ADVISORY if trend == "worse" else None,
        )

    def _escalation_facts(self) -> list[Fact]:
        if not self.escalations:
            return [Fact("Escalations this shift: none", "escalation")]
        out = [
            Fact(
                f"Escalations this shift: {len(self.escalations)} "
                f"({len(self.raised)} raised this shift)",
                "escalation",
            )
        ]
        for e in sorted(self.escalations, key=lambda e: e.raised_at):
            severity = e.severity if e.open_at(self.f.as_of) else None
            out.append(Fact(self._escalation_text(e), "escalation", severity))
        return out

    def _escalation_text(self, e: EscalationHistory) -> str:
        parts = [
            f"{e.kind.label} ({e.severity.label.lower()}) raised "
            f"{self.when(e.raised_at)}: {e.explanation}"
        ]
        for step in e.steps:
            if step.action in ("raised", "update") or step.at > self.f.as_of:
                continue
            word = _STEP_WORDS.get(step.action, step.action.replace("_", " "))
            who = f" by {step.staff}" if step.staff else ""
            detail = f": {step.detail}" if step.detail and step.action != "resolved" else ""
            parts.append(f"{word} {self.when(step.at)}{who}{detail}")
        if not e.steps and e.acknowledged_at is not None:
            who = f" by {e.acknowledged_by}" if e.acknowledged_by else ""
            parts.append(f"acknowledged {self.when(e.acknowledged_at)}{who}")
        if e.resolved_at is not None and e.resolved_at <= self.f.as_of:
            if not any(s.action == "resolved" for s in e.steps):
                who = f" by {e.resolved_by}" if e.resolved_by else ""
                parts.append(f"resolved {self.when(e.resolved_at)}{who}")
            parts.append(f"outcome: {e.outcome or 'not recorded'}")
        else:
            parts.append("STILL OPEN")
        return "; ".join(parts)

    def _prn_facts(self) -> list[Fact]:
        if not self.prn:
            return [Fact("PRN this shift: none given", "prn")]
        out = [Fact(f"PRN this shift: {len(self.prn)} dose(s)", "prn")]
        for given in self.prn:
            severity = None if given.effects else Severity.ADVISORY
            out.append(Fact(self._prn_text(given), "prn", severity))
        sedatives = self._sedatives_24h()
        rule = self.policy.rule("prn_review")
        if sedatives:
            out.append(
                Fact(
                    f"Sedative/anxiolytic PRN in the last {rule.number('window_hours')} h: "
                    f"{sedatives} (local policy: review above {rule.number('max_doses')})",
                    "prn",
                    rule.severity() if sedatives > rule.number("max_doses") else None,
                )
            )
        return out

    def _prn_text(self, given: PrnGiven) -> str:
        d = given.dose
        by = f", given by {given.given_by}" if given.given_by else ""
        reason = f" for {d.reason}" if d.reason else ""
        text = f"{d.drug} {d.dose} {d.route} at {self.when(d.given_at)}{reason}{by}"
        if given.effects:
            effects = "; ".join(f"{self.when(e.at)} {e.effect}" for e in given.effects)
            return f"{text} → effect {effects}"
        return f"{text} → effect NOT RECORDED"

    def _sedatives_24h(self) -> int:
        rule = self.policy.rule("prn_review")
        since = self.f.as_of - rule.hours("window_hours")
        return sum(
            1
            for p in self.f.prn
            if since <= p.dose.given_at <= self.f.as_of and p.dose.counts_as_sedative
        )

    def _assessment_facts(self) -> list[Fact]:
        latest: dict[str, Any] = {}
        counts: dict[str, int] = {}
        for entry in self.assessments:
            latest[entry.kind] = entry
            counts[entry.kind] = counts.get(entry.kind, 0) + 1
        if self.f.weight:  # the weight facts carry the latest MUST screen: say it once
            latest.pop("must", None)
        out = []
        for kind, entry in latest.items():
            names = assessment_name(kind)
            name = names.full
            label = entry.label or (str(entry.total) if entry.total is not None else "")
            text = label if label.startswith((name, names.short)) else f"{name}: {label}"
            more = f" (latest of {counts[kind]})" if counts[kind] > 1 else ""
            out.append(Fact(f"{text} at {self.when(entry.taken_at)}{more}", "assessment"))
        return out

    def _sleep_and_nutrition(self) -> list[Fact]:
        asleep = [o for o in self.in_shift if "asleep" in o.missing_reasons.values()]
        sleep_parts = []
        if asleep:
            sleep_parts.append("asleep at obs " + ", ".join(self.when(o.taken_at) for o in asleep))
        if self.f.sleep:  # the night's sleep, with the chart's sleep item, already worded
            out = list(self.f.sleep)
            if sleep_parts:
                out.append(Fact("Sleep: " + sleep_parts[0], "sleep"))
        else:
            sleep_parts += self._chart_item_text("sleep_disturbance")
            text = "; ".join(sleep_parts) if sleep_parts else "not recorded"
            out = [Fact(f"Sleep: {text}", "sleep")]
        appetite = self._chart_item_text("nausea_appetite")
        if self.f.fluids:
            out.extend(self.f.fluids)
            if appetite:
                out.append(Fact(f"Appetite: {appetite[0]}", "nutrition"))
            if not any(f.topic == "meals" for f in self.f.fluids):
                out.append(Fact("Meals: not recorded in the console this shift", "nutrition"))
            return out
        nutrition = "not recorded in the console this shift"
        if appetite:
            nutrition += f"; {appetite[0]}"
        out.append(Fact(f"Nutrition and fluids: {nutrition}", "nutrition"))
        return out

    def _chart_item_text(self, key: str) -> list[str]:
        rated = [s for s in self.ratings if key in s.item_scores]
        if not rated:
            return []
        try:
            item = self.chart.item(key)
        except KeyError:
            return []
        last = rated[-1]
        score = int(last.item_scores[key])
        return [
            f"{item.label.lower()} {score}/{item.max_score} "
            f"({item.anchor_for(score)}) at {self.when(last.taken_at)}"
        ]

    # -- R -------------------------------------------------------------------------------------

    def recommendation(self) -> tuple[Fact, ...]:
        out: list[Fact] = []
        t = self.timeliness
        as_of = self.f.as_of
        if t.continuous_since is not None:
            out.append(
                Fact(
                    "Vital signs: continuous monitoring (NEWS2 ≥ 7)",
                    "next_obs",
                    self.band_severity("high"),
                )
            )
        elif t.next_due <= as_of:
            out.append(
                Fact(
                    f"Next NEWS2 set: OVERDUE since {self.when(t.next_due)}",
                    "next_obs",
                    self.overdue_severity(),
                )
            )
        else:
            out.append(
                Fact(
                    f"Next NEWS2 set due {self._date(t.next_due)} (in {_span(t.next_due - as_of)})",
                    "next_obs",
                )
            )
        rass_due = rass_due_after_prn(
            prn_doses=[p.dose for p in self.f.prn],
            assessments=list(self.f.assessments),
            policy=self.policy,
        )
        if rass_due is not None:
            state = "OVERDUE" if rass_due <= as_of else "due"
            out.append(
                Fact(
                    f"RASS after sedative PRN {state} {self.when(rass_due)}",
                    "rass",
                    self.rule_severity("post_prn_rass") if rass_due <= as_of else None,
                )
            )
        for e in self.open_now:
            prompts = f": {'; '.join(e.prompts)}" if e.prompts else ""
            out.append(
                Fact(
                    f"Outstanding: {e.kind.label} escalation still open{prompts}",
                    "escalation",
                    e.severity,
                )
            )
        for given in self.prn:
            if not given.effects:
                out.append(
                    Fact(
                        f"Record the effect of {given.dose.drug} given "
                        f"{self.when(given.dose.given_at)}",
                        "prn",
                        Severity.ADVISORY,
                    )
                )
        out += self._watch_for()
        return tuple(out)

    def _watch_for(self) -> list[Fact]:
        out: list[Fact] = []
        bound = self.effective.bound if self.effective.from_partial else None
        if bound is not None and band_rank(bound.risk) >= 1:
            out.append(
                Fact(
                    f"Watch: NEWS2 {bound.text} — take a full set now; {bound.response}",
                    "watch",
                    self.band_severity(bound.risk),
                )
            )
        if self.latest is not None and band_rank(self.latest.news2_risk) >= 2:
            result = score_vitals(self.latest.vitals)
            if result is not None:
                band = RISK_LABELS.get(result.risk, result.risk)
                out.append(
                    Fact(
                        f"Watch: NEWS2 {result.total} ({band}) — {result.response}",
                        "watch",
                        self.band_severity(result.risk),
                    )
                )
        if (
            self.latest
            and self.before
            and band_rank(self.latest.news2_risk) > band_rank(self.before.news2_risk)
        ):
            out.append(
                Fact(
                    f"Watch: NEWS2 rose this shift from {self.news2(self.before)} to "
                    f"{self.news2(self.latest)}",
                    "watch",
                    self.band_severity(self.latest.news2_risk),
                )
            )
        first, last, trend = self.symptom_trend()
        if trend == "worse":
            out.append(
                Fact(
                    f"Watch: withdrawal symptoms rising ({first} → {last})",
                    "watch",
                    Severity.ADVISORY,
                )
            )
        for kind in dict.fromkeys(e.kind for e in self.raised):
            of_kind = [e for e in self.raised if e.kind is kind]
            times = ", ".join(self.when(e.raised_at) for e in of_kind)
            out.append(
                Fact(
                    f"Watch: {kind.label.lower()} — escalated this shift at {times}",
                    "watch",
                    max(e.severity for e in of_kind),
                )
            )
        for flag in self.f.risk_flags:
            out.append(Fact(f"Watch: intake risk — {flag}", "watch"))
        if not out:
            out.append(Fact("Watch: nothing flagged by the record; continue routine care", "watch"))
        return out


def _span(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
