"""The ward's weight and malnutrition screening policy: weighing interval, input limits, the
MUST medium-risk food chart and the refeeding prompt's wording.

Every number lives in ``resources/policy/weights.toml``. BAPEN asks hospitals to repeat MUST
weekly and to document intake for 3 days at medium risk (REFERENCE-2.md §12.1); the limits are
DESIGN CHOICES that only catch typing errors; the refeeding prompt is the ward's own wording
(no refeeding criteria are verified in the console's references). This module only loads and
validates the file, so a typo stops the console with a ``WeightPolicyError`` naming the file,
section and key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
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

WEIGHT_POLICY_FILE: Final = "weights.toml"
LOCAL_POLICY: Final = "local policy, awaiting governance sign-off"
"""How the console words the weighing interval and the refeeding prompt wherever it shows them."""


class WeightPolicyError(ValueError):
    """The weight policy file is unusable; the message names file, section and key."""


@dataclass(frozen=True, slots=True)
class WeightPolicy:
    name: str
    version: str
    interval: timedelta
    weight_min_kg: Decimal
    weight_max_kg: Decimal
    weight_confirm_below_kg: Decimal
    weight_confirm_above_kg: Decimal
    height_min_m: Decimal
    height_max_m: Decimal
    height_confirm_below_m: Decimal
    height_confirm_above_m: Decimal
    change_confirm_kg: Decimal
    food_chart: timedelta
    refeeding_prompt: str
    governance_signoff: str = ""
    source: str = ""
    digest: str = ""

    @property
    def signed_off(self) -> bool:
        return bool(self.governance_signoff.strip())


@once_per_content(WEIGHT_POLICY_FILE)
def load_weight_policy(path: Path | None = None) -> WeightPolicy:
    """Load and validate the policy (default: bundled ``policy/weights.toml``)."""
    source: Path | Traversable = (
        path if path is not None else default_policy_file(WEIGHT_POLICY_FILE)
    )
    data = read_toml(source, WeightPolicyError)
    return replace(_Parser(str(source)).policy(data), digest=content_digest(data))


def _metres(cm: int) -> Decimal:
    return Decimal(cm) / 100


class _Parser(TableReader):
    def __init__(self, where: str) -> None:
        super().__init__(where, WeightPolicyError)

    def policy(self, data: Mapping[str, Any]) -> WeightPolicy:
        self.only(data, {"policy", "weighing", "limits", "food_chart", "refeeding"}, "top level")
        header = self.table(data, "policy", "top level")
        self.only(header, {"name", "version", "governance_signoff"}, "policy")
        weighing = self.table(data, "weighing", "top level")
        self.only(weighing, {"interval_days"}, "weighing")
        limits = self.table(data, "limits", "top level")
        self.only(
            limits,
            {
                "weight_min_kg",
                "weight_max_kg",
                "weight_confirm_below_kg",
                "weight_confirm_above_kg",
                "height_min_cm",
                "height_max_cm",
                "height_confirm_below_cm",
                "height_confirm_above_cm",
                "change_confirm_kg",
            },
            "limits",
        )
        w_min = self.integer(limits, "weight_min_kg", "limits", 1, 500)
        w_max = self.integer(limits, "weight_max_kg", "limits", w_min, 500)
        w_low = self.integer(limits, "weight_confirm_below_kg", "limits", w_min, w_max)
        w_high = self.integer(limits, "weight_confirm_above_kg", "limits", w_low, w_max)
        h_min = self.integer(limits, "height_min_cm", "limits", 30, 300)
        h_max = self.integer(limits, "height_max_cm", "limits", h_min, 300)
        h_low = self.integer(limits, "height_confirm_below_cm", "limits", h_min, h_max)
        h_high = self.integer(limits, "height_confirm_above_cm", "limits", h_low, h_max)
        food = self.table(data, "food_chart", "top level")
        self.only(food, {"days"}, "food_chart")
        refeeding = self.table(data, "refeeding", "top level")
        self.only(refeeding, {"prompt"}, "refeeding")
        return WeightPolicy(
            name=self.text(header, "name", "policy"),
            version=self.text(header, "version", "policy"),
            governance_signoff=self.text(header, "governance_signoff", "policy", empty=True),
            interval=timedelta(days=self.integer(weighing, "interval_days", "weighing", 1, 31)),
            weight_min_kg=Decimal(w_min),
            weight_max_kg=Decimal(w_max),
            weight_confirm_below_kg=Decimal(w_low),
            weight_confirm_above_kg=Decimal(w_high),
            height_min_m=_metres(h_min),
            height_max_m=_metres(h_max),
            height_confirm_below_m=_metres(h_low),
            height_confirm_above_m=_metres(h_high),
            change_confirm_kg=Decimal(self.integer(limits, "change_confirm_kg", "limits", 1, 50)),
            food_chart=timedelta(days=self.integer(food, "days", "food_chart", 1, 14)),
            refeeding_prompt=self.text(refeeding, "prompt", "refeeding"),
            source=self.where,
        )
