"""NEWS2 while a set is still being typed: which parameters already score, and how much.

The entry form highlights each parameter as soon as its value is known, before the set is
complete. Parameter scores in NEWS2 Chart 1 are independent of each other except SpO2 on
Scale 2, which depends on air/oxygen (REFERENCE.md §1.1). So each known parameter is scored by
``news2.news2()`` itself, with the other parameters at values that score 0 — the chart's own
code decides every band, nothing is re-implemented here. The total exists only for a complete
set (§1.5: a missing parameter is never scored as 0); an incomplete one shows its lower bound
(``news2.news2_lower_bound``), "incomplete — at least N (band)", which is what it alarms on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from wardconsole.domain.news2 import (
    PARAMETERS,
    News2LowerBound,
    News2Result,
    news2,
    news2_lower_bound,
    score_vitals,
)
from wardconsole.domain.records import CompleteVitals, VitalSigns

_ZERO_SCORING: Mapping[str, Any] = MappingProxyType(
    {
        "respiration_rate": 15,
        "on_oxygen": False,
        "systolic_bp": 120,
        "pulse": 70,
        "consciousness": "A",
        "temperature": 37.0,
    }
)
"""Values that score 0 on Chart 1; SpO2's is chosen per scale (97 on Scale 1, 90 on Scale 2)."""


@dataclass(frozen=True, slots=True)
class LiveNews2:
    """Parameter scores known so far and, for a complete set, the full result."""

    parameter_scores: Mapping[str, int] = field(default_factory=dict, hash=False)
    """Scores of the parameters that can be scored from what has been typed."""
    result: News2Result | None = None
    """The NEWS2 result once every parameter is present, else None ("incomplete")."""
    waiting_for: tuple[str, ...] = ()
    """Parameters present but not yet scoreable (SpO2 on Scale 2 before air/oxygen is known)."""
    bound: News2LowerBound | None = None
    """For an incomplete set with something entered: its known values as a lower bound
    ("incomplete — at least 7 (high)"), which is what the set will alarm on if saved."""


def live_news2(vitals: VitalSigns) -> LiveNews2:
    """Score what is known of a (possibly partial) set of already validated vitals."""
    complete = score_vitals(vitals)
    if complete is not None:
        return LiveNews2(parameter_scores=complete.parameter_scores, result=complete)
    scores: dict[str, int] = {}
    waiting: list[str] = []
    for name in PARAMETERS:
        value = getattr(vitals, name)
        if value is None:
            continue
        if name == "spo2" and vitals.spo2_scale == 2 and vitals.on_oxygen is None:
            on_air = _score_alone(vitals, "spo2", value, on_oxygen=False)
            on_o2 = _score_alone(vitals, "spo2", value, on_oxygen=True)
            if on_air != on_o2:
                waiting.append(name)
                continue
            scores[name] = on_air
            continue
        scores[name] = _score_alone(vitals, name, value, on_oxygen=vitals.on_oxygen)
    bound = news2_lower_bound(vitals) if len(vitals.missing_fields()) < len(PARAMETERS) else None
    return LiveNews2(
        parameter_scores=MappingProxyType(scores), waiting_for=tuple(waiting), bound=bound
    )


def _score_alone(vitals: VitalSigns, name: str, value: Any, *, on_oxygen: bool | None) -> int:
    """The Chart 1 score of one parameter, the others held at values that score 0."""
    neutral = dict(_ZERO_SCORING)
    neutral["spo2"] = 97 if vitals.spo2_scale == 1 else 90
    if name == "spo2" and on_oxygen is not None:
        neutral["on_oxygen"] = on_oxygen
    neutral[name] = value
    result = news2(CompleteVitals(spo2_scale=vitals.spo2_scale, **neutral))
    return result.parameter_scores[name]
