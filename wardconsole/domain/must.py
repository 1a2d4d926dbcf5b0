"""MUST — the BAPEN 'Malnutrition Universal Screening Tool' for adults (REFERENCE-2.md §12.1).

Step 1 BMI (kg/m²): > 20 scores 0, 18.5–20 scores 1, < 18.5 scores 2. Step 2 unplanned weight
loss in the past 3–6 months: < 5 % scores 0, 5–10 % scores 1, > 10 % scores 2 (planned loss
counts as 0 %). Step 3 acute disease effect: acutely ill and no nutritional intake, or likely
none, for more than 5 days scores 2. Total 0 low, 1 medium, 2 or more high risk, with BAPEN's
hospital management advice [S1][S2][S3].

Band edges as published: a BMI of exactly 20.0 or 18.5 scores 1, a loss of exactly 5 % or 10 %
scores 1. The arithmetic is exact (``Decimal`` from the typed digits), so a value binary floating
point would put on the wrong side of an edge (47.36 kg at 1.60 m is 18.5, not 18.4999…) scores
as written, and a value shown rounded never looks safer than the band it scored in.

When height or weight cannot be measured, BAPEN's subjective criteria give a risk category but
no score [S3]: such a screen is stored "estimated — <category>, no score".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Final

BMI_ZERO_ABOVE: Final = Decimal("20")
"""BMI above 20 scores 0; 20.0 itself scores 1 (BAPEN, as written)."""
BMI_TWO_BELOW: Final = Decimal("18.5")
"""BMI below 18.5 scores 2; 18.5 itself scores 1."""
LOSS_ONE_FROM: Final = Decimal("5")
"""Unplanned weight loss of 5 % or more scores 1 ..."""
LOSS_TWO_ABOVE: Final = Decimal("10")
"""... and above 10 % scores 2; 10 % itself scores 1."""


class MustRisk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def advice(self) -> str:
        """BAPEN's management guidance for hospital (step 5), paraphrased."""
        return _ADVICE[self]


_ADVICE: Final = {
    MustRisk.LOW: "Routine clinical care; repeat screening weekly in hospital",
    MustRisk.MEDIUM: "Observe: document dietary intake for 3 days; if intake is not adequate or "
    "improving, follow local policy; repeat screening weekly in hospital",
    MustRisk.HIGH: "Treat: refer to a dietitian or nutrition support team, or follow local "
    "policy; set goals, improve and increase overall intake; monitor and review the care plan "
    "weekly",
}


class MustInputError(ValueError):
    """A measurement is missing or impossible; the message names the field."""


def _decimal(name: str, value: str | int | Decimal) -> Decimal:
    """The typed value as an exact decimal (never through a float)."""
    if isinstance(value, float):
        raise MustInputError(f"{name}: give the value as typed (text or Decimal), not a float")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise MustInputError(f"{name}: not a number: {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise MustInputError(f"{name}: must be a positive number, got {value!r}")
    if not -3 <= number.adjusted() <= 3:  # kilograms and metres, not milligrams or tonnes
        raise MustInputError(f"{name}: {value!r} is not a body measurement in kg or m")
    return number


def bmi(weight_kg: str | Decimal, height_m: str | Decimal) -> Decimal:
    """Weight (kg) ÷ height (m)², exact to 28 significant digits."""
    weight = _decimal("weight_kg", weight_kg)
    height = _decimal("height_m", height_m)
    return weight / (height * height)


def bmi_score(value: Decimal) -> int:
    if value > BMI_ZERO_ABOVE:
        return 0
    if value >= BMI_TWO_BELOW:
        return 1
    return 2


def weight_loss_percent(previous_kg: str | Decimal, current_kg: str | Decimal) -> Decimal:
    """(previous − current) ÷ previous × 100; a gain is 0 %."""
    previous = _decimal("previous_kg", previous_kg)
    current = _decimal("current_kg", current_kg)
    return max(Decimal(0), (previous - current) / previous * 100)


def loss_score(percent: Decimal) -> int:
    if percent > LOSS_TWO_ABOVE:
        return 2
    if percent >= LOSS_ONE_FROM:
        return 1
    return 0


def shown(
    value: Decimal, score_of: Callable[[Decimal], int] | None = None, *, places: int = 1
) -> str:
    """``value`` to ``places`` decimals, with more digits where rounding would show a value of
    another band than the one it scored in (20.04 is shown "20.04", never "20.0")."""
    for digits in range(places, 6):
        text = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        if score_of is None or score_of(text) == score_of(value):
            return f"{text}"
    return f"{value.normalize()}"


@dataclass(frozen=True, slots=True)
class MustResult:
    """A screen's outcome. ``total`` is None for an estimated screen (category, no score)."""

    risk: MustRisk
    total: int | None
    bmi: Decimal | None = None
    bmi_points: int | None = None
    loss_percent: Decimal | None = None
    loss_points: int | None = None
    acute_points: int | None = None
    estimated: bool = False

    @property
    def label(self) -> str:
        """'MUST 2 — high risk (BMI 18.4: 2, weight loss 3.2 %: 0, acute disease: 0)' or
        'MUST estimated — medium risk, no score'."""
        if self.estimated:
            return f"MUST estimated — {self.risk.value} risk, no score"
        parts = []
        if self.bmi is not None:
            parts.append(f"BMI {shown(self.bmi, bmi_score)}: {self.bmi_points}")
        if self.loss_percent is not None:
            parts.append(
                f"weight loss {shown(self.loss_percent, loss_score)} %: {self.loss_points}"
            )
        parts.append(f"acute disease: {self.acute_points}")
        return f"MUST {self.total} — {self.risk.value} risk ({', '.join(parts)})"


def risk_of(total: int) -> MustRisk:
    if total <= 0:
        return MustRisk.LOW
    return MustRisk.MEDIUM if total == 1 else MustRisk.HIGH


def score_must(
    *,
    weight_kg: str | Decimal,
    height_m: str | Decimal,
    weight_before_kg: str | Decimal | None = None,
    loss_planned: bool = False,
    acutely_ill_no_intake_over_5_days: bool = False,
) -> MustResult:
    """A measured screen. ``weight_before_kg``: the weight 3–6 months ago (documented or
    self-reported); None when not known (step 2 then scores 0, as BAPEN's 'no loss known')."""
    value = bmi(weight_kg, height_m)
    points_bmi = bmi_score(value)
    loss = None
    points_loss = 0
    if weight_before_kg is not None:
        loss = Decimal(0) if loss_planned else weight_loss_percent(weight_before_kg, weight_kg)
        points_loss = loss_score(loss)
    acute = 2 if acutely_ill_no_intake_over_5_days else 0
    total = points_bmi + points_loss + acute
    return MustResult(
        risk=risk_of(total),
        total=total,
        bmi=value,
        bmi_points=points_bmi,
        loss_percent=loss,
        loss_points=points_loss if loss is not None else None,
        acute_points=acute,
    )


def estimated_must(category: MustRisk) -> MustResult:
    """Height or weight could not be measured: the nurse's overall evaluation from BAPEN's
    subjective criteria (MUAC, loose clothing, appetite, illness) — a category, never a score."""
    return MustResult(risk=category, total=None, estimated=True)
