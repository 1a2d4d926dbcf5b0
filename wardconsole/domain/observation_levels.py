"""Supportive observation levels: the ward's local policy, loaded and validated.

The levels (general, intermittent, within eyesight, within arm's length…), their check intervals
and the check-round settings are local policy, not published standards: they live in
``resources/policy/observation_levels.toml``, marked there as DESIGN CHOICE defaults that need
clinical-governance sign-off. This module only loads and checks them, so a typo stops the console
with an ``ObservationLevelError`` naming the file, section and key rather than silently
disabling a safety check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from wardconsole.domain.configfiles import (
    TableReader,
    content_digest,
    default_policy_file,
    once_per_content,
    read_toml,
)
from wardconsole.domain.records import EscalationKind, Severity

LEVELS_FILE: Final = "observation_levels.toml"

_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}", re.ASCII)


class ObservationLevelError(ValueError):
    """The levels file is unusable; the message names the file, section, key and problem."""


@dataclass(frozen=True, slots=True)
class LevelDefinition:
    """One observation level as the policy defines it."""

    key: str
    label: str
    short_label: str
    description: str
    check_interval: timedelta
    """The longest time allowed between two recorded checks."""
    continuous: bool
    irregular: bool
    """Prompt each check at a random time within the interval."""
    raised: bool
    """Above general observation: the console shows a countdown to the next check."""
    escalate_missed: bool

    @property
    def check_minutes(self) -> int:
        return int(self.check_interval.total_seconds() // 60)

    @property
    def summary(self) -> str:
        """'Intermittent 15 min (check at least every 15 min)'."""
        kind = "record at least every" if self.continuous else "check at least every"
        return f"{self.label} ({kind} {self.check_minutes} min)"


@dataclass(frozen=True, slots=True)
class ObservationLevelPolicy:
    """The validated levels and check-round settings."""

    name: str
    version: str
    levels: Mapping[str, LevelDefinition] = field(hash=False)
    """In the file's order: lowest to highest observation."""
    default_level: str
    min_after_check: timedelta
    min_before_deadline: timedelta
    max_backdate: timedelta
    default_review: timedelta
    max_review: timedelta
    missed_check_severity: Severity
    absent_severity: Severity
    missed_check_prompts: tuple[str, ...]
    absent_prompts: tuple[str, ...]
    review_prompt_kinds: frozenset[EscalationKind]
    locations: tuple[str, ...]
    governance_signoff: str = ""
    source: str = ""
    digest: str = ""
    """SHA-256 of the file's content (see ``policy.content_digest``)."""

    @property
    def signed_off(self) -> bool:
        return bool(self.governance_signoff.strip())

    @property
    def default(self) -> LevelDefinition:
        return self.levels[self.default_level]

    def level(self, key: str) -> LevelDefinition:
        """The level ``key``; a key no longer in the file keeps working as an unknown level."""
        return self.levels[key]

    def short_label(self, key: str) -> str:
        found = self.levels.get(key)
        return found.short_label if found is not None else key[:10]

    def label(self, key: str) -> str:
        """The label for a stored level key, or the key itself if the file no longer has it."""
        found = self.levels.get(key)
        return found.label if found is not None else key

    @property
    def max_interval(self) -> timedelta:
        return max(level.check_interval for level in self.levels.values())


@once_per_content(LEVELS_FILE)
def load_observation_levels(path: Path | None = None) -> ObservationLevelPolicy:
    """Load and validate the levels (default: bundled ``policy/observation_levels.toml``)."""
    source: Path | Traversable = path if path is not None else default_policy_file(LEVELS_FILE)
    data = read_toml(source, ObservationLevelError)
    return replace(_Parser(str(source)).policy(data), digest=content_digest(data))


class _Parser(TableReader):
    """Validation with messages of the form ``<file>: [section] key: problem``."""

    def __init__(self, where: str) -> None:
        super().__init__(where, ObservationLevelError)

    def absent_floor(self, checks: Mapping[str, Any]) -> Severity:
        """A patient not found is a safety floor: its severity cannot be below emergency."""
        severity = self.severity(checks, "absent_severity", "checks")
        if severity is not Severity.EMERGENCY:
            raise self.fail(
                "checks",
                "absent_severity: the 'absent' rule is a safety floor; its severity cannot be "
                "lower than emergency",
            )
        return severity

    def texts(self, table: Mapping[str, Any], key: str, section: str) -> tuple[str, ...]:
        value = table.get(key)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise self.fail(section, f"{key}: must be a non-empty list of text")
        return tuple(v.strip() for v in value)

    def policy(self, data: Mapping[str, Any]) -> ObservationLevelPolicy:
        self.only(data, {"policy", "checks", "levels"}, "top level")
        header = self.table(data, "policy", "top level")
        self.only(header, {"name", "version", "governance_signoff", "default_level"}, "policy")
        levels = self.levels(data.get("levels"))
        default_level = self.text(header, "default_level", "policy")
        if default_level not in levels:
            raise self.fail(
                "policy", f"default_level: {default_level!r} is not one of the [[levels]] keys"
            )
        checks = self.table(data, "checks", "top level")
        self.only(
            checks,
            {
                "min_after_check_minutes",
                "min_before_deadline_minutes",
                "max_backdate_minutes",
                "default_review_hours",
                "max_review_hours",
                "missed_check_severity",
                "absent_severity",
                "missed_check_prompts",
                "absent_prompts",
                "review_prompt_kinds",
                "locations",
            },
            "checks",
        )
        after = self.integer(checks, "min_after_check_minutes", "checks", 0, 60)
        before = self.integer(checks, "min_before_deadline_minutes", "checks", 0, 60)
        for level in levels.values():
            if level.irregular and level.check_minutes <= after + before:
                raise self.fail(
                    f"levels.{level.key}",
                    f"check_minutes: {level.check_minutes} leaves no time for an irregular "
                    f"prompt between min_after_check_minutes ({after}) and "
                    f"min_before_deadline_minutes ({before})",
                )
        default_review = self.integer(checks, "default_review_hours", "checks", 1, 24 * 7)
        max_review = self.integer(checks, "max_review_hours", "checks", 1, 24 * 14)
        if default_review > max_review:
            raise self.fail("checks", "default_review_hours: must not be above max_review_hours")
        return ObservationLevelPolicy(
            name=self.text(header, "name", "policy"),
            version=self.text(header, "version", "policy"),
            governance_signoff=self.text(header, "governance_signoff", "policy", empty=True),
            levels=MappingProxyType(levels),
            default_level=default_level,
            min_after_check=timedelta(minutes=after),
            min_before_deadline=timedelta(minutes=before),
            max_backdate=timedelta(
                minutes=self.integer(checks, "max_backdate_minutes", "checks", 0, 240)
            ),
            default_review=timedelta(hours=default_review),
            max_review=timedelta(hours=max_review),
            missed_check_severity=self.severity(checks, "missed_check_severity", "checks"),
            absent_severity=self.absent_floor(checks),
            missed_check_prompts=self.texts(checks, "missed_check_prompts", "checks"),
            absent_prompts=self.texts(checks, "absent_prompts", "checks"),
            review_prompt_kinds=self.kinds(checks),
            locations=self.texts(checks, "locations", "checks"),
            source=self.where,
        )

    def short(self, item: Mapping[str, Any], section: str) -> str:
        value = self.text(item, "short_label", section)
        if len(value) > 10:
            raise self.fail(section, f"short_label: at most 10 characters, got {value!r}")
        return value

    def kinds(self, checks: Mapping[str, Any]) -> frozenset[EscalationKind]:
        values = checks.get("review_prompt_kinds")
        known = {k.value: k for k in EscalationKind}
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self.fail("checks", "review_prompt_kinds: must be a list of escalation kinds")
        unknown = [v for v in values if v not in known]
        if unknown:
            raise self.fail(
                "checks",
                f"review_prompt_kinds: unknown kind(s) {', '.join(map(repr, unknown))}; "
                f"use {', '.join(known)}",
            )
        return frozenset(known[v] for v in values)

    def levels(self, raw: object) -> dict[str, LevelDefinition]:
        if not isinstance(raw, list) or not raw:
            raise self.fail("levels", "define at least one [[levels]] table")
        levels: dict[str, LevelDefinition] = {}
        allowed = {
            "key",
            "label",
            "short_label",
            "description",
            "check_minutes",
            "continuous",
            "irregular",
            "raised",
            "escalate_missed",
        }
        for index, item in enumerate(raw, start=1):
            section = f"levels #{index}"
            if not isinstance(item, dict):
                raise self.fail(section, "must be a table")
            key = item.get("key")
            if not isinstance(key, str) or not _KEY.fullmatch(key):
                raise self.fail(section, f"key: must be a short lower-case id, got {key!r}")
            section = f"levels.{key}"
            if key in levels:
                raise self.fail(section, "key: used by another level")
            self.only(item, allowed, section)
            continuous = self.flag(item, "continuous", section)
            irregular = self.flag(item, "irregular", section)
            if continuous and irregular:
                raise self.fail(section, "irregular: a continuous level has no rounds to vary")
            levels[key] = LevelDefinition(
                key=key,
                label=self.text(item, "label", section),
                short_label=self.short(item, section),
                description=self.text(item, "description", section),
                check_interval=timedelta(
                    minutes=self.integer(item, "check_minutes", section, 1, 24 * 60)
                ),
                continuous=continuous,
                irregular=irregular,
                raised=self.flag(item, "raised", section),
                escalate_missed=self.flag(item, "escalate_missed", section),
            )
        return levels
