"""NEWS2 scoring bands for chart shading, read off the domain's own scoring (no Qt).

The thresholds are never typed here: each parameter is scored by ``domain.news2.news2`` at
every chartable value (whole numbers, or tenths of a degree) across the plausibility limits of
``domain.limits``, holding the other parameters at a set that scores 0, and consecutive values
with the same score become one band. If the domain's tables change, the shading follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import product
from typing import Any

from wardconsole.domain.limits import LIMITS
from wardconsole.domain.news2 import ACVPU, news2
from wardconsole.domain.records import CompleteVitals

_ZERO_SET: dict[str, Any] = {
    # A reference set that scores 0 on every parameter, used only as the background while one
    # parameter is varied; the test suite checks it really scores 0.
    "respiration_rate": 16,
    "spo2": 97,
    "spo2_scale": 1,
    "on_oxygen": False,
    "systolic_bp": 130,
    "pulse": 70,
    "consciousness": "A",
    "temperature": 37.0,
}
_STEP = {"temperature": Decimal("0.1")}


@dataclass(frozen=True, slots=True)
class Band:
    """Values in [low, high] score ``score`` (bounds are chart values, half a step outside)."""

    low: float
    high: float
    score: int
    label: str = ""
    """Right-axis label; the score when empty."""


def _score(parameter: str, value: object, *, scale: int, on_oxygen: bool) -> int:
    values = dict(_ZERO_SET, spo2_scale=scale, on_oxygen=on_oxygen)
    if parameter == "spo2" and scale == 2:
        values["spo2"] = 90  # scores 0 on Scale 2 whatever the oxygen
    values[parameter] = value
    result = news2(CompleteVitals(**values))
    return result.parameter_scores[parameter]


@cache
def parameter_bands(parameter: str, *, scale: int = 1, on_oxygen: bool = False) -> tuple[Band, ...]:
    """The NEWS2 bands of a numeric parameter (respiration_rate, spo2, systolic_bp, pulse,
    temperature), lowest values first, as the domain scores them."""
    limit = LIMITS[parameter]
    step = _STEP.get(parameter, Decimal(1))
    value = limit.low
    half = float(step) / 2
    bands: list[Band] = []
    start = value
    current = _score(parameter, _as_input(parameter, value), scale=scale, on_oxygen=on_oxygen)
    while value <= limit.high:
        score = _score(parameter, _as_input(parameter, value), scale=scale, on_oxygen=on_oxygen)
        if score != current:
            bands.append(Band(_edge(start, -half), _edge(value - step, half), current))
            start, current = value, score
        value += step
    bands.append(Band(_edge(start, -half), _edge(limit.high, half), current))
    return tuple(bands)


def _edge(value: Decimal, offset: float) -> float:
    return round(float(value) + offset, 3)


def consciousness_scores() -> dict[str, int]:
    """ACVPU level -> NEWS2 score, from the domain."""
    return {level: _score("consciousness", level, scale=1, on_oxygen=False) for level in ACVPU}


@cache
def total_risk_bands() -> tuple[tuple[int, int, str], ...]:
    """(lowest total, highest total, risk) for totals reached without any single 3.

    Built from real sets: every combination of parameter values scoring 0, 1 or 2 is scored
    by the domain, which says the risk of each total. (A single 3 makes 'low-medium' whatever
    the total; that is shown per point, not as a band.)
    """
    choices = []
    for parameter in ("respiration_rate", "spo2", "systolic_bp", "pulse", "temperature"):
        options: dict[int, object] = {}
        for band in parameter_bands(parameter):
            if band.score < 3 and band.score not in options:
                options[band.score] = _middle(parameter, band)
        choices.append([(parameter, value) for value in options.values()])
    choices.append([("on_oxygen", False), ("on_oxygen", True)])
    risk_of_total: dict[int, str] = {}
    for combination in product(*choices):
        varied: dict[str, Any] = {**_ZERO_SET, **dict(combination)}
        result = news2(CompleteVitals(**varied))
        if not result.red_flag:
            risk_of_total.setdefault(result.total, result.risk)
    bands: list[tuple[int, int, str]] = []
    for total in sorted(risk_of_total):
        risk = risk_of_total[total]
        if bands and bands[-1][2] == risk and bands[-1][1] == total - 1:
            bands[-1] = (bands[-1][0], total, risk)
        else:
            bands.append((total, total, risk))
    return tuple(bands)


def _as_input(parameter: str, value: Decimal) -> object:
    return float(value) if parameter == "temperature" else int(value)


def _middle(parameter: str, band: Band) -> object:
    step = _STEP.get(parameter, Decimal(1))
    middle = Decimal(str((band.low + band.high) / 2)).quantize(step)
    return _as_input(parameter, middle)
