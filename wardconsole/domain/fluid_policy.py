"""The ward's food and fluid chart policy: period start, targets, review times, limits.

Every number lives in ``resources/policy/fluid_chart.toml`` and is a local DESIGN CHOICE, not an
NHS standard (REFERENCE-2.md §12.2: no national ward oral-intake threshold exists; NICE CG174's
25–30 ml/kg/day is for IV maintenance prescribing; the 07:00 period and the 15:00 / 06:00 reviews
follow the openEObs product). This module only loads and validates the file, so a typo stops the
console with a ``FluidPolicyError`` naming the file, section and key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time, timedelta
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

from wardconsole.domain.configfiles import (
    TableReader,
    content_digest,
    default_policy_file,
    once_per_content,
    read_toml,
)
from wardconsole.domain.records import Severity

FLUID_POLICY_FILE: Final = "fluid_chart.toml"
NOT_A_STANDARD: Final = (
    "local policy, not an NHS standard (no national ward oral-intake threshold exists)"
)
"""How the console words every fluid target and review threshold wherever it shows one."""


class FluidPolicyError(ValueError):
    """The fluid chart policy file is unusable; the message names file, section and key."""


@dataclass(frozen=True, slots=True)
class ReviewTime:
    """A wall-clock intake review: by ``at``, ``expected_percent`` of the target is expected."""

    at: time
    expected_percent: int

    @property
    def clock(self) -> str:
        return self.at.strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class FluidPolicy:
    name: str
    version: str
    day_start: time
    default_target_ml: int
    min_target_ml: int
    max_target_ml: int
    default_review: timedelta
    max_review: timedelta
    reviews: tuple[ReviewTime, ...]
    intake_max_ml: int
    intake_confirm_above_ml: int
    output_max_ml: int
    output_confirm_above_ml: int
    review_severity: Severity
    no_urine: timedelta
    no_urine_severity: Severity
    presets_ml: tuple[int, ...]
    bowel_flag_days: int = 3
    """Days without a bowel movement before the chart and handoff flag it ([bowels])."""
    bowel_flag_severity: Severity = Severity.ADVISORY
    """How the handoff marks that flag (it raises no escalation)."""
    governance_signoff: str = ""
    source: str = ""
    digest: str = ""

    @property
    def signed_off(self) -> bool:
        return bool(self.governance_signoff.strip())


@once_per_content(FLUID_POLICY_FILE)
def load_fluid_policy(path: Path | None = None) -> FluidPolicy:
    """Load and validate the policy (default: bundled ``policy/fluid_chart.toml``)."""
    source: Path | Traversable = (
        path if path is not None else default_policy_file(FLUID_POLICY_FILE)
    )
    data = read_toml(source, FluidPolicyError)
    return replace(_Parser(str(source)).policy(data), digest=content_digest(data))


class _Parser(TableReader):
    def __init__(self, where: str) -> None:
        super().__init__(where, FluidPolicyError)

    def policy(self, data: Mapping[str, Any]) -> FluidPolicy:
        sections = {
            "policy",
            "periods",
            "targets",
            "reviews",
            "limits",
            "escalation",
            "census",
            "bowels",
        }
        self.only(data, sections, "top level")
        header = self.table(data, "policy", "top level")
        self.only(header, {"name", "version", "governance_signoff"}, "policy")
        periods = self.table(data, "periods", "top level")
        self.only(periods, {"day_start"}, "periods")
        targets = self.table(data, "targets", "top level")
        self.only(
            targets,
            {
                "default_target_ml",
                "min_target_ml",
                "max_target_ml",
                "default_review_hours",
                "max_review_hours",
            },
            "targets",
        )
        low = self.integer(targets, "min_target_ml", "targets", 100, 10_000)
        high = self.integer(targets, "max_target_ml", "targets", low, 10_000)
        default = self.integer(targets, "default_target_ml", "targets", low, high)
        max_review = self.integer(targets, "max_review_hours", "targets", 1, 24 * 14)
        default_review = self.integer(targets, "default_review_hours", "targets", 1, max_review)
        limits = self.table(data, "limits", "top level")
        limit_keys = (
            "intake_max_ml",
            "intake_confirm_above_ml",
            "output_max_ml",
            "output_confirm_above_ml",
        )
        self.only(limits, set(limit_keys), "limits")
        intake_max = self.integer(limits, "intake_max_ml", "limits", 1, 10_000)
        output_max = self.integer(limits, "output_max_ml", "limits", 1, 10_000)
        escalation = self.table(data, "escalation", "top level")
        self.only(
            escalation, {"review_severity", "no_urine_hours", "no_urine_severity"}, "escalation"
        )
        census = self.table(data, "census", "top level")
        self.only(census, {"presets_ml"}, "census")
        bowels = self.table(data, "bowels", "top level")
        self.only(bowels, {"flag_after_days", "flag_severity"}, "bowels")
        return FluidPolicy(
            name=self.text(header, "name", "policy"),
            version=self.text(header, "version", "policy"),
            governance_signoff=self.text(header, "governance_signoff", "policy", empty=True),
            day_start=self.clock(periods, "day_start", "periods"),
            default_target_ml=default,
            min_target_ml=low,
            max_target_ml=high,
            default_review=timedelta(hours=default_review),
            max_review=timedelta(hours=max_review),
            reviews=self.reviews(data.get("reviews")),
            intake_max_ml=intake_max,
            intake_confirm_above_ml=self.integer(
                limits, "intake_confirm_above_ml", "limits", 1, intake_max
            ),
            output_max_ml=output_max,
            output_confirm_above_ml=self.integer(
                limits, "output_confirm_above_ml", "limits", 1, output_max
            ),
            review_severity=self.severity(escalation, "review_severity", "escalation"),
            no_urine=timedelta(
                hours=self.integer(escalation, "no_urine_hours", "escalation", 1, 72)
            ),
            no_urine_severity=self.severity(escalation, "no_urine_severity", "escalation"),
            presets_ml=self.presets(census, intake_max),
            bowel_flag_days=self.integer(bowels, "flag_after_days", "bowels", 1, 14),
            bowel_flag_severity=self.severity(bowels, "flag_severity", "bowels"),
            source=self.where,
        )

    def reviews(self, raw: object) -> tuple[ReviewTime, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail("reviews", "define at least one [[reviews]] table")
        found = []
        for number, item in enumerate(raw, 1):
            section = f"reviews #{number}"
            if not isinstance(item, dict):
                raise self.fail(section, "must be a table")
            self.only(item, {"at", "expected_percent"}, section)
            found.append(
                ReviewTime(
                    self.clock(item, "at", section),
                    self.integer(item, "expected_percent", section, 1, 100),
                )
            )
        clocks = [r.at for r in found]
        if len(set(clocks)) != len(clocks):
            raise self.fail("reviews", "at: two reviews at the same time")
        return tuple(found)

    def presets(self, census: Mapping[str, Any], intake_max: int) -> tuple[int, ...]:
        value = census.get("presets_ml")
        if (
            not isinstance(value, list)
            or not 1 <= len(value) <= 9
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= intake_max
                for v in value
            )
        ):
            raise self.fail(
                "census", f"presets_ml: 1–9 whole numbers of ml (1–{intake_max}), got {value!r}"
            )
        return tuple(value)
