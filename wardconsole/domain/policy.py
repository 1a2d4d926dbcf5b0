"""The ward's escalation policy: local thresholds, windows, alert timings and shifts.

Source: REFERENCE.md §9A (trigger summary; rows marked "Design" need sign-off), §1.4 (NEWS2
responses, RCP Chart 4), §2 (RASS design thresholds), §3.1 (4AT ≥ 4), §6.3 (C-SSRS triage),
§6.6 (craving). The numbers live in ``resources/policy/escalation_policy.toml``, each marked
there as published or DESIGN CHOICE; this module only loads and validates them, so a typo or an
out-of-range value stops the console with a ``PolicyError`` naming the file, section and key
instead of silently disabling a safety rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from wardconsole.domain.assessments import (
    CIWA_AR_MAX,
    CIWA_AR_SCHEMES,
    COWS_BANDS,
    COWS_MAX,
    BandScheme,
)
from wardconsole.domain.configfiles import (
    TableReader,
    content_digest,
    default_policy_file,
    once_per_content,
    read_toml,
)
from wardconsole.domain.records import PRN_ROUTES, Severity

POLICY_FILE: Final = "escalation_policy.toml"
RISK_KEYS: Final[tuple[str, ...]] = ("high", "medium", "low-medium", "low", "unscored")
"""Keys of ``[schedule.partial_recheck_minutes]``: NEWS2 risk values plus "unscored"."""

_ID = re.compile(r"[a-z][a-z0-9_.-]{0,39}", re.ASCII)
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)", re.ASCII)
_SEVERITIES: Final = MappingProxyType({s.name.lower(): s for s in Severity})


class PolicyError(ValueError):
    """The policy file is unusable; the message names the file, section, key and problem."""


# Schema of each rule's thresholds: key -> (type, low, high). Types: "int", "severity", "classes",
# "mmol" (a number with one decimal, e.g. 4.0, within low..high).
_HOURS = ("int", 1, 24 * 14)
_SEVERITY = ("severity", None, None)
_GRADES = ("grades", None, None)
_TEXT = ("text", None, None)
RULE_SCHEMA: Final[Mapping[str, Mapping[str, tuple[str, int | None, int | None]]]] = (
    MappingProxyType(
        {
            "deterioration": {
                "lookback_hours": _HOURS,
                "urgent_call": _TEXT,
                "emergency_call": _TEXT,
            },
            "panic": {"severity": _SEVERITY, "lookback_hours": _HOURS},
            "confusion": {
                "severity": _SEVERITY,
                "four_at_at_or_above": ("int", 1, 12),
                "lookback_hours": _HOURS,
            },
            "hallucination": {
                "severity": _SEVERITY,
                "bprse_at_or_above": ("int", 2, 7),
                "new_onset_at_or_above": ("int", 2, 7),
                "new_onset_baseline_hours": _HOURS,
                "lookback_hours": _HOURS,
                "grades": _GRADES,
            },
            "self_harm": {
                "severity_high": _SEVERITY,
                "severity_moderate": _SEVERITY,
                "severity_low": _SEVERITY,
                "phq9_item9_severity": _SEVERITY,
                "lookback_hours": _HOURS,
            },
            "agitation": {
                "severity": _SEVERITY,
                "rass_at_or_above": ("int", 1, 4),
                "lookback_hours": _HOURS,
                "grades": _GRADES,
            },
            "oversedation": {
                "severity": _SEVERITY,
                "rass_at_or_below": ("int", -5, -1),
                "news2_prompt_at_or_below": ("int", -5, -1),
                "lookback_hours": _HOURS,
                "grades": _GRADES,
            },
            "overdue_obs": {"severity": _SEVERITY, "grace_minutes": ("int", 0, 240)},
            "bladder": {"severity": _SEVERITY, "lookback_hours": _HOURS},
            "dietitian_referral": {"severity": _SEVERITY, "lookback_hours": _HOURS},
            "prn_review": {
                "severity": _SEVERITY,
                "max_doses": ("int", 0, 50),
                "window_hours": ("int", 1, 168),
            },
            "hypoglycaemia": {
                "urgent_below_mmol": ("mmol", 1, 10),
                "emergency_below_mmol": ("mmol", 1, 10),
                "lookback_hours": _HOURS,
            },
            "late_entry": {"lookback_hours": _HOURS},
            "craving": {
                "severity": _SEVERITY,
                "score_at_or_above": ("int", 1, 10),
                "rise_ratings": ("int", 2, 20),
                "min_rise": ("int", 1, 10),
                "lookback_hours": _HOURS,
            },
            "cognitive_impairment": {"severity": _SEVERITY, "lookback_hours": _HOURS},
            "post_prn_rass": {
                "severity": _SEVERITY,
                "grace_minutes": ("int", 0, 240),
                "drug_classes": ("classes", None, None),
            },
            "rapid_tranquillisation": {
                "severity": _SEVERITY,
                "drug_classes": ("classes", None, None),
                "routes": ("routes", None, None),
                # NICE QS154 statement 4: at least hourly, so never longer than 60 minutes.
                "interval_minutes": ("int", 5, 60),
                "close_interval_minutes": ("int", 5, 60),
                "grace_minutes": ("int", 0, 60),
                "lookback_hours": _HOURS,
            },
            "decision_review": {"severity": _SEVERITY},
            "alcohol_withdrawal": {
                "band_scheme": ("scheme", None, None),
                "urgent_at_or_above": ("int", 1, CIWA_AR_MAX),
                "emergency_at_or_above": ("int", 1, CIWA_AR_MAX),
                "lookback_hours": _HOURS,
                "ward_protocol_prompt": ("prompt", None, None),
            },
            "ciwa_ar_due": {
                "severity": _SEVERITY,
                "interval_minutes": ("int", 15, 24 * 60),
                # Never shorter than the 48 h in which seizures usually occur (REFERENCE-2 §12.6).
                "watch_hours": ("int", 48, 24 * 14),
                "grace_minutes": ("int", 0, 240),
            },
            "opioid_withdrawal": {
                "urgent_at_or_above": ("int", 1, COWS_MAX),
                "emergency_at_or_above": ("int", 1, COWS_MAX),
                "lookback_hours": _HOURS,
            },
            "benzodiazepine_review": {"severity": _SEVERITY},
            "dependency_review": {
                "severity": _SEVERITY,
                "max_consecutive_nights": ("int", 1, 28),
                "max_consecutive_days": ("int", 1, 28),
                "rising_days": ("int", 2, 14),
                "min_rise": ("int", 1, 20),
                "watch_days": ("int", 7, 28),
                "diazepam_load_above_mg": ("int", 0, 1000),
            },
        }
    )
)
"""Every rule the engine runs and the thresholds its table must define (no more, no fewer)."""

GRADED_SCALES: Final[Mapping[str, tuple[str, int]]] = MappingProxyType(
    {
        "agitation": ("rass_at_or_above", 4),  # RASS +4 combative is the end of the scale
        "oversedation": ("rass_at_or_below", -5),  # RASS -5 unarousable
        "hallucination": ("bprse_at_or_above", 7),  # BPRS-E item 7 "extremely severe"
    }
)
"""Rules with severity grades: the threshold key the grades start at and the scale's end.
The grades must cover every value from the threshold to the end, each exactly once."""


@dataclass(frozen=True, slots=True)
class Grade:
    """One severity grade within a kind: the values it covers, its name and its severity.

    Grades are numbered from 1 in the order of the file (mildest first); a higher grade on an
    open escalation re-opens it for a fresh acknowledgement, a higher value within the same
    grade only updates its text.
    """

    number: int
    label: str
    values: frozenset[int]
    severity: Severity


SAFETY_FLOORS: Final[Mapping[str, Mapping[str, Severity]]] = MappingProxyType(
    {
        # RCP NEWS2 Chart 4: the band -> severity mapping is fixed in code; the rule stays on.
        "deterioration": MappingProxyType({}),
        # Columbia triage (REFERENCE.md §6.3): high risk = immediate precautions.
        "self_harm": MappingProxyType({"severity_high": Severity.EMERGENCY}),
        # Staff concern must always be possible (SIGN 167; REFERENCE-2.md §12.10). It is raised
        # by staff, not by a rule, so a file may not even mention it.
        "staff_concern": MappingProxyType({}),
    }
)
"""Rules a policy file may not switch off, and severities it may not lower (key -> minimum).
Loading refuses such a file naming the rule. The absent-patient floor is in observation_levels.
A rule key not in ``RULE_SCHEMA`` is skipped (its file section does not exist yet)."""


@dataclass(frozen=True, slots=True)
class RulePolicy:
    """One rule's switch, rationale and thresholds as loaded from the policy file."""

    key: str
    """The rule's table name, e.g. ``hallucination`` (the EscalationKind it feeds)."""
    id: str
    """Stable id stored with escalations; triggers use ``"<id>/<reason>"``."""
    enabled: bool
    rationale: str
    params: Mapping[str, Any] = field(hash=False)

    def number(self, name: str) -> int:
        """A whole-number threshold, e.g. ``rule.number("rass_at_or_above")``."""
        return int(self.params[name])

    def severity(self, name: str = "severity") -> Severity:
        return Severity(self.params[name])

    def mmol(self, name: str) -> Decimal:
        """A concentration threshold, e.g. ``rule.mmol("urgent_below_mmol")`` (mmol/L)."""
        return Decimal(self.params[name])

    def hours(self, name: str = "lookback_hours") -> timedelta:
        return timedelta(hours=self.params[name])

    def text(self, name: str) -> str:
        return str(self.params[name])

    def grade_of(self, value: int) -> Grade | None:
        """The grade covering ``value`` (None: below the trigger, or the rule has no grades)."""
        grades: tuple[Grade, ...] = self.params.get("grades", ())
        for grade in grades:
            if value in grade.values:
                return grade
        return None

    @property
    def lookback(self) -> timedelta:
        """Only data newer than ``now - lookback`` counts for this rule."""
        return self.hours("lookback_hours")


@dataclass(frozen=True, slots=True)
class Shift:
    """A named shift in local wall-clock time; ``end`` before ``start`` crosses midnight."""

    name: str
    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """The validated policy the rules engine, scheduler and alerting read."""

    name: str
    version: str
    rules: Mapping[str, RulePolicy] = field(hash=False)
    partial_recheck: Mapping[str, timedelta] = field(hash=False)
    """Re-check interval after a partial set, by NEWS2 risk (``RISK_KEYS``)."""
    reannounce: Mapping[Severity, timedelta | None] = field(hash=False)
    """How often an unacknowledged alert sounds again; None = never (advisory)."""
    cascade: tuple[str, ...]
    cascade_after: Mapping[Severity, timedelta | None] = field(hash=False)
    """Move to the next role in ``cascade`` after this long unacknowledged; None = never."""
    max_snooze: timedelta
    shifts: tuple[Shift, ...]
    governance_signoff: str = ""
    source: str = ""
    rass_after_prn: timedelta = timedelta(hours=1)
    """A RASS is due this long after a sedative/anxiolytic PRN (``[schedule]``, design choice)."""
    max_sound_mute: timedelta = timedelta(minutes=5)
    """The longest a station may mute its alert sound (``[alerts] max_sound_mute_minutes``)."""
    ward_checks_stale: timedelta = timedelta(minutes=5)
    """Warn on every station when the time-driven ward checks last ran longer ago than this
    (``[alerts] ward_checks_stale_minutes``): with no console running nothing is overdue."""
    max_clock_skew: timedelta = timedelta(seconds=60)
    """Warn when a station's clock differs from the database server's by more than this
    (``[alerts] max_clock_skew_seconds``)."""
    second_person_for_emergency: bool = True
    """Declining or snoozing an emergency needs a second member of staff to confirm
    (``[alerts] emergency_needs_second_person``, default on)."""
    digest: str = ""
    """SHA-256 of the file's content (comments and layout aside): stations on one ward compare
    it, and each escalation stores the digest of the policy that raised it."""
    time_driven_silence: timedelta = timedelta(minutes=30)
    """The longest a decline, resolve or acknowledgement silences a time-driven alarm
    (``[alerts] time_driven_silence_minutes``); never longer than the Chart 4 interval."""

    def rule(self, key: str) -> RulePolicy:
        return self.rules[key]

    @property
    def signed_off(self) -> bool:
        return bool(self.governance_signoff.strip())

    @property
    def history_window(self) -> timedelta:
        """How much history the store must load for ``rules.evaluate`` to see everything."""
        spans = [timedelta(hours=24)]
        for rule in self.rules.values():
            for key, value in rule.params.items():
                if key.endswith("_hours"):
                    spans.append(timedelta(hours=value))
        return max(spans)

    def shift_at(self, local: datetime | time) -> Shift:
        """The shift covering a local wall-clock time (the caller converts from UTC)."""
        clock = local.time() if isinstance(local, datetime) else local
        for shift in self.shifts:
            if shift.contains(clock):
                return shift
        raise LookupError(f"no shift covers {clock:%H:%M}")  # pragma: no cover - load checks


@once_per_content(POLICY_FILE)
def load_policy(path: Path | None = None) -> EscalationPolicy:
    """Load and validate the policy (default: bundled ``policy/escalation_policy.toml``)."""
    source: Path | Traversable = path if path is not None else default_policy_file(POLICY_FILE)
    data = read_toml(source, PolicyError)
    return replace(_Parser(str(source)).policy(data), digest=content_digest(data))


class _Parser(TableReader):
    """Validation with messages of the form ``<file>: [section] key: problem``."""

    def __init__(self, where: str) -> None:
        super().__init__(where, PolicyError)

    def severity(self, table: Mapping[str, Any], key: str, section: str) -> Severity:
        value = table.get(key)
        if not isinstance(value, str) or value not in _SEVERITIES:
            raise self.fail(
                section, f"{key}: must be one of {', '.join(_SEVERITIES)}, got {value!r}"
            )
        return _SEVERITIES[value]

    def policy(self, data: Mapping[str, Any]) -> EscalationPolicy:
        self.only(data, {"policy", "rules", "schedule", "alerts", "shifts"}, "top level")
        header = self.table(data, "policy", "top level")
        self.only(header, {"name", "version", "governance_signoff"}, "policy")
        rules = self.rules(self.table(data, "rules", "top level"))
        schedule = self.table(data, "schedule", "top level")
        self.only(schedule, {"partial_recheck_minutes", "rass_after_prn_minutes"}, "schedule")
        recheck_table = self.table(schedule, "partial_recheck_minutes", "schedule")
        section = "schedule.partial_recheck_minutes"
        self.only(recheck_table, set(RISK_KEYS), section)
        recheck = {
            key: timedelta(minutes=self.integer(recheck_table, key, section, 1, 12 * 60))
            for key in RISK_KEYS
        }
        alerts = self.table(data, "alerts", "top level")
        self.only(
            alerts,
            {
                "max_snooze_minutes",
                "cascade",
                "reannounce_minutes",
                "cascade_after_minutes",
                "max_sound_mute_minutes",
                "emergency_needs_second_person",
                "time_driven_silence_minutes",
                "ward_checks_stale_minutes",
                "max_clock_skew_seconds",
            },
            "alerts",
        )
        second_person = alerts.get("emergency_needs_second_person", True)
        if not isinstance(second_person, bool):
            raise self.fail(
                "alerts",
                f"emergency_needs_second_person: must be true or false, got {second_person!r}",
            )
        cascade = alerts.get("cascade")
        if (
            not isinstance(cascade, list)
            or not cascade
            or not all(isinstance(c, str) and c.strip() for c in cascade)
        ):
            raise self.fail("alerts", "cascade: must be a non-empty list of role names")
        return EscalationPolicy(
            name=self.text(header, "name", "policy"),
            version=self.text(header, "version", "policy"),
            governance_signoff=self.text(header, "governance_signoff", "policy", empty=True),
            rules=MappingProxyType(rules),
            partial_recheck=MappingProxyType(recheck),
            reannounce=self.per_severity(alerts, "reannounce_minutes"),
            cascade=tuple(c.strip() for c in cascade),
            cascade_after=self.per_severity(alerts, "cascade_after_minutes"),
            max_snooze=timedelta(
                minutes=self.integer(alerts, "max_snooze_minutes", "alerts", 1, 240)
            ),
            max_sound_mute=timedelta(
                minutes=self.integer(alerts, "max_sound_mute_minutes", "alerts", 1, 30)
                if "max_sound_mute_minutes" in alerts
                else 5
            ),
            time_driven_silence=timedelta(
                minutes=self.integer(alerts, "time_driven_silence_minutes", "alerts", 1, 12 * 60)
                if "time_driven_silence_minutes" in alerts
                else 30
            ),
            ward_checks_stale=timedelta(
                minutes=self.integer(alerts, "ward_checks_stale_minutes", "alerts", 2, 60)
                if "ward_checks_stale_minutes" in alerts
                else 5
            ),
            max_clock_skew=timedelta(
                seconds=self.integer(alerts, "max_clock_skew_seconds", "alerts", 1, 3600)
                if "max_clock_skew_seconds" in alerts
                else 60
            ),
            shifts=self.shifts(data.get("shifts")),
            second_person_for_emergency=second_person,
            rass_after_prn=timedelta(
                minutes=self.integer(schedule, "rass_after_prn_minutes", "schedule", 1, 24 * 60)
            ),
            source=self.where,
        )

    def rule_param(
        self, raw: Mapping[str, Any], name: str, kind: str, low: Any, high: Any, section: str
    ) -> Any:
        """One parameter of a rule, checked as its schema kind says."""
        if name not in raw:
            raise self.fail(section, f"{name}: missing")
        if kind == "int":
            return self.integer(raw, name, section, low or 0, high or 0)
        if kind == "severity":
            return self.severity(raw, name, section)
        if kind == "routes":
            return self.routes(raw, name, section)
        if kind == "mmol":
            return self.mmol(raw, name, section, low or 0, high or 0)
        if kind == "scheme":
            value = raw.get(name)
            if not isinstance(value, str) or value not in CIWA_AR_SCHEMES:
                raise self.fail(
                    section,
                    f"{name}: must be one of the published schemes {', '.join(CIWA_AR_SCHEMES)}, "
                    f"got {value!r}",
                )
            return value
        if kind == "prompt":
            value = raw.get(name)
            if not isinstance(value, str) or len(value) > 300:
                raise self.fail(section, f"{name}: must be text (empty for none), at most 300")
            return value.strip()
        return self.classes(raw, name, section)

    def rules(self, table: Mapping[str, Any]) -> dict[str, RulePolicy]:
        missing = sorted(set(RULE_SCHEMA) - set(table))
        if missing:
            raise self.fail("rules", f"missing rule(s) {', '.join(missing)}")
        fixed = sorted(set(table) & (set(SAFETY_FLOORS) - set(RULE_SCHEMA)))
        if fixed:
            raise self.fail(
                f"rules.{fixed[0]}",
                f"the '{fixed[0]}' rule is a safety floor built into the console; a policy file "
                "cannot switch it off or change it",
            )
        self.only(table, set(RULE_SCHEMA), "rules")
        rules: dict[str, RulePolicy] = {}
        seen_ids: set[str] = set()
        for key, schema in RULE_SCHEMA.items():
            section = f"rules.{key}"
            raw = self.table(table, key, "rules")
            self.only(raw, {"id", "enabled", "rationale", *schema}, section)
            rule_id = raw.get("id")
            if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
                raise self.fail(section, f"id: must be a short lower-case id, got {rule_id!r}")
            if rule_id in seen_ids:
                raise self.fail(section, f"id: {rule_id!r} is used by another rule")
            seen_ids.add(rule_id)
            enabled = raw.get("enabled")
            if not isinstance(enabled, bool):
                raise self.fail(section, f"enabled: must be true or false, got {enabled!r}")
            params: dict[str, Any] = {}
            for name, (kind, low, high) in schema.items():
                if kind in ("text", "grades") and name not in raw:
                    raise self.fail(section, f"{name}: missing")
                if kind == "text":
                    params[name] = self.text(raw, name, section)
                elif kind == "grades":
                    params[name] = self.grades(key, raw, params, section)
                else:
                    params[name] = self.rule_param(raw, name, kind, low, high, section)
            self.cross_checks(key, params, section)
            self.floors(key, enabled, params, section)
            rules[key] = RulePolicy(
                key=key,
                id=rule_id,
                enabled=enabled,
                rationale=self.text(raw, "rationale", section),
                params=MappingProxyType(params),
            )
        return rules

    def cross_checks(self, key: str, params: Mapping[str, Any], section: str) -> None:
        if (
            key == "oversedation"
            and params["news2_prompt_at_or_below"] > params["rass_at_or_below"]
        ):
            raise self.fail(section, "news2_prompt_at_or_below: must not be above rass_at_or_below")
        if key == "hallucination" and params["new_onset_at_or_above"] > params["bprse_at_or_above"]:
            raise self.fail(section, "new_onset_at_or_above: must not be above bprse_at_or_above")
        if (
            key == "rapid_tranquillisation"
            and params["close_interval_minutes"] > params["interval_minutes"]
        ):
            raise self.fail(section, "close_interval_minutes: must not be above interval_minutes")
        if key == "hypoglycaemia" and params["emergency_below_mmol"] > params["urgent_below_mmol"]:
            raise self.fail(section, "emergency_below_mmol: must not be above urgent_below_mmol")
        if key == "alcohol_withdrawal":
            self.band_thresholds(CIWA_AR_SCHEMES[params["band_scheme"]], params, section)
        if key == "opioid_withdrawal":
            cows = BandScheme("cows", "COWS", "Wesson & Ling 2003", COWS_BANDS)
            self.band_thresholds(cows, params, section)

    def band_thresholds(self, scheme: BandScheme, params: Mapping[str, Any], section: str) -> None:
        """Escalation thresholds sit where a published band starts (no number of our own)."""
        starts = scheme.starts
        for name in ("urgent_at_or_above", "emergency_at_or_above"):
            if params[name] not in starts:
                raise self.fail(
                    section,
                    f"{name}: must be where a {scheme.name} band starts "
                    f"({', '.join(str(v) for v in starts)}), got {params[name]}",
                )
        if params["emergency_at_or_above"] < params["urgent_at_or_above"]:
            raise self.fail(section, "emergency_at_or_above: must not be below urgent_at_or_above")

    def floors(self, key: str, enabled: bool, params: Mapping[str, Any], section: str) -> None:
        """Refuse a file that switches off a safety-floor rule or lowers its severity."""
        floor = SAFETY_FLOORS.get(key)
        if floor is None:
            return
        if not enabled:
            raise self.fail(
                section, f"enabled: the '{key}' rule is a safety floor and cannot be switched off"
            )
        for name, lowest in floor.items():
            if params[name] < lowest:
                raise self.fail(
                    section,
                    f"{name}: the '{key}' rule is a safety floor; its severity cannot be lower "
                    f"than {lowest.name.lower()}",
                )

    def routes(self, raw: Mapping[str, Any], name: str, section: str) -> tuple[str, ...]:
        value = raw.get(name)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip().lower() in PRN_ROUTES for v in value)
        ):
            raise self.fail(
                section, f"{name}: must be a non-empty list of routes from {', '.join(PRN_ROUTES)}"
            )
        return tuple(v.strip().lower() for v in value)

    def mmol(self, raw: Mapping[str, Any], name: str, section: str, low: int, high: int) -> str:
        """A decimal threshold kept as text (``"4.0"``) so it compares exactly as a Decimal."""
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(section, f"{name}: must be a number in mmol/L, got {value!r}")
        number = Decimal(str(value))
        if not low <= number <= high or number != number.quantize(Decimal("0.1")):
            raise self.fail(
                section, f"{name}: must be {low}–{high} mmol/L with one decimal, got {value!r}"
            )
        return str(number.quantize(Decimal("0.1")))

    def grades(
        self, key: str, raw: Mapping[str, Any], params: Mapping[str, Any], section: str
    ) -> tuple[Grade, ...]:
        """``[[rules.<key>.grades]]``: every value from the trigger to the end of the scale in
        exactly one grade, mildest first, severities never falling (a gap is refused)."""
        trigger_key, end = GRADED_SCALES[key]
        start = params[trigger_key]  # the schema lists the threshold before the grades
        step = 1 if end >= start else -1
        expected = list(range(start, end + step, step))
        items = raw.get("grades")
        if not isinstance(items, list) or not items:
            raise self.fail(section, "grades: missing; add [[" + section + ".grades]] tables")
        grades: list[Grade] = []
        seen: dict[int, str] = {}
        for number, item in enumerate(items, start=1):
            where = f"{section}.grades #{number}"
            if not isinstance(item, dict):
                raise self.fail(where, "must be a table")
            self.only(item, {"label", "values", "severity"}, where)
            label = self.text(item, "label", where)
            values = item.get("values")
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
            ):
                raise self.fail(
                    where, f"values: must be a non-empty list of whole numbers, got {values!r}"
                )
            for value in values:
                if value not in expected:
                    raise self.fail(
                        where,
                        f"values: {value} is outside {start}..{end} ({trigger_key} to the end "
                        "of the scale)",
                    )
                if value in seen:
                    raise self.fail(where, f"values: {value} is already in grade {seen[value]!r}")
                seen[value] = label
            severity = self.severity(item, "severity", where)
            if grades and severity < grades[-1].severity:
                raise self.fail(where, "severity: a higher grade may not be less severe")
            grades.append(Grade(number, label, frozenset(values), severity))
        gaps = [v for v in expected if v not in seen]
        if gaps:
            raise self.fail(
                section,
                f"grades: {', '.join(str(v) for v in gaps)} not covered; grades must cover "
                f"every value from {trigger_key} ({start}) to the end of the scale ({end})",
            )
        order = [min(g.values, key=lambda v: abs(v - start)) for g in grades]
        if order != sorted(order, key=lambda v: abs(v - start)):
            raise self.fail(section, "grades: list them mildest first")
        return tuple(grades)

    def classes(self, raw: Mapping[str, Any], name: str, section: str) -> tuple[str, ...]:
        value = raw.get(name)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise self.fail(section, f"{name}: must be a non-empty list of drug classes")
        return tuple(v.strip().lower() for v in value)

    def per_severity(
        self, alerts: Mapping[str, Any], key: str
    ) -> Mapping[Severity, timedelta | None]:
        section = f"alerts.{key}"
        table = self.table(alerts, key, "alerts")
        self.only(table, set(_SEVERITIES), section)
        result: dict[Severity, timedelta | None] = {}
        for name, severity in _SEVERITIES.items():
            if name in table:
                result[severity] = timedelta(minutes=self.integer(table, name, section, 1, 240))
            else:
                result[severity] = None
        return MappingProxyType(result)

    def shifts(self, raw: object) -> tuple[Shift, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail("shifts", "define at least one [[shifts]] (name, start, end)")
        shifts: list[Shift] = []
        for index, item in enumerate(raw, start=1):
            section = f"shifts #{index}"
            if not isinstance(item, dict):
                raise self.fail(section, "must be a table")
            self.only(item, {"name", "start", "end"}, section)
            name = self.text(item, "name", section)
            start, end = (self.clock(item, k, section) for k in ("start", "end"))
            if start == end:
                raise self.fail(section, "start and end must differ")
            shifts.append(Shift(name, start, end))
        # Every minute of the day must fall in exactly one shift.
        for minute in range(0, 24 * 60):
            clock = time(minute // 60, minute % 60)
            covering = [s.name for s in shifts if s.contains(clock)]
            if len(covering) != 1:
                problem = "is not covered" if not covering else f"is in {', '.join(covering)}"
                raise self.fail(
                    "shifts", f"{clock:%H:%M} {problem}; shifts must cover the day once"
                )
        return tuple(shifts)

    def clock(self, item: Mapping[str, Any], key: str, section: str) -> time:
        value = item.get(key)
        match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(section, f"{key}: must be a 24-hour time HH:MM, got {value!r}")
        return time(int(match.group(1)), int(match.group(2)))
