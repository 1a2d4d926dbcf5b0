"""NEWS2 (National Early Warning Score 2) scoring.

Source: REFERENCE.md §1 — RCP 2017 NEWS2 Chart 1 (parameter bands), Chart 2 (clinical risk) and
Chart 4 (monitoring frequency and clinical response) [1][2][3][4]. Verified against the public
suites listed in REFERENCE.md §0 and the vectors in ``tests/data/news2``.

Rules that matter for safety:

* A missing parameter is never scored as 0 (§1.5): ``news2()`` refuses it and ``score_vitals()``
  returns None ("incomplete NEWS2"). ``news2_lower_bound()`` scores the known parameters of an
  incomplete set as a floor ("incomplete — at least 7 (high)"), never as a total.
* Impossible values (outside the §7 hard limits in ``limits.LIMITS``) are refused, never clamped.
* Temperature is quantised to 0.1 °C with ROUND_HALF_UP before banding (§1.5 rounding trap:
  ``round(38.05, 1) == 38.0`` but 38.05 °C charts as 38.1 and scores 1).
* Chart 4 says "at least 4–6-hourly" for totals 1–4; the console uses the stricter 4 h
  (design choice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Final, Literal

from wardconsole.domain.limits import check_number
from wardconsole.domain.records import CompleteVitals, VitalSigns

Risk = Literal["low", "low-medium", "medium", "high"]

PARAMETERS: Final[tuple[str, ...]] = (
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)
"""Keys of ``News2Result.parameter_scores``, in Chart 1 order."""

PARAMETER_ABBREVIATIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "respiration_rate": "RR",
        "spo2": "SpO2",
        "on_oxygen": "O2",
        "systolic_bp": "SBP",
        "pulse": "HR",
        "consciousness": "ACVPU",
        "temperature": "T",
    }
)
"""Short chart labels for explanations such as "RR 3, SpO2 2"."""

ACVPU: Final[tuple[str, ...]] = ("A", "C", "V", "P", "U")
"""Alert, new Confusion, Voice, Pain, Unresponsive (§1.3). Only A scores 0."""

RISK_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "low": "Low",
        "low-medium": "Low–medium (red score)",
        "medium": "Medium",
        "high": "High",
    }
)
"""Display text for each clinical-risk value (Chart 2, §1.4)."""

# Chart 4 clinical response, paraphrased (§1.4). Keys: "zero" (total 0) and the risk values.
_RESPONSES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "zero": "Continue routine NEWS2 monitoring.",
        "low": "Inform the registered nurse, who must assess the patient and decide whether to "
        "increase monitoring and/or escalate care.",
        "low-medium": "Urgent ward-based response: the registered nurse informs the medical team, "
        "who review and decide whether escalation is needed.",
        "medium": "Urgent response: inform the medical team immediately and request urgent "
        "assessment by a clinician competent in acute illness; care in a monitored environment.",
        "high": "Emergency response: inform the medical team immediately (at least registrar); "
        "emergency assessment by a critical-care team; consider transfer to level 2/3 care.",
    }
)

# Chart 4 minimum observation frequency (§1.4). 1–4 uses the stricter end of "4–6-hourly".
_INTERVAL_ZERO: Final = timedelta(hours=12)
_INTERVAL_LOW: Final = timedelta(hours=4)
_INTERVAL_URGENT: Final = timedelta(hours=1)
_INTERVAL_CONTINUOUS: Final = timedelta(0)

_T_35_0, _T_36_0, _T_38_0, _T_39_0 = (Decimal(x) for x in ("35.0", "36.0", "38.0", "39.0"))


@dataclass(frozen=True, slots=True)
class News2Result:
    """A complete NEWS2 score with what Chart 4 says to do about it."""

    total: int
    parameter_scores: Mapping[str, int] = field(hash=False)
    """Read-only; keyed exactly by ``PARAMETERS``."""
    red_flag: bool
    """Some single parameter scored 3 (the "red score", §1.4)."""
    risk: Risk
    response: str
    """Chart 4 clinical response, paraphrased."""
    min_obs_interval: timedelta
    """Longest allowed gap to the next full set; ``timedelta(0)`` means continuous monitoring."""

    @property
    def risk_label(self) -> str:
        return RISK_LABELS[self.risk]

    @property
    def continuous(self) -> bool:
        return self.min_obs_interval == _INTERVAL_CONTINUOUS

    def describe(self) -> str:
        """One line a nurse reads at a glance: ``NEWS2 7 (high): RR 3, SpO2 2, HR 2``."""
        scored = [
            f"{PARAMETER_ABBREVIATIONS[name]} {score}"
            for name, score in self.parameter_scores.items()
            if score
        ]
        detail = ", ".join(scored) if scored else "all parameters 0"
        return f"NEWS2 {self.total} ({self.risk}): {detail}"


def news2(vitals: CompleteVitals) -> News2Result:
    """Score one complete, contemporaneous vital-sign set (RCP 2017 Chart 1).

    Raises ValueError naming the parameter when any value is missing or impossible (the type
    says every value is there; data from outside Python's checks may still hold a None).
    """
    rr = int(check_number("respiration_rate", vitals.respiration_rate))
    sat = int(check_number("spo2", vitals.spo2))
    sbp = int(check_number("systolic_bp", vitals.systolic_bp))
    hr = int(check_number("pulse", vitals.pulse))
    temp = Decimal(check_number("temperature", vitals.temperature))
    scale = _check_scale(vitals.spo2_scale)
    oxygen = _check_oxygen(vitals.on_oxygen)
    acvpu = _check_consciousness(vitals.consciousness)

    scores = {
        "respiration_rate": _score_rr(rr),
        "spo2": _score_spo2(sat, scale, oxygen),
        "on_oxygen": 2 if oxygen else 0,
        "systolic_bp": _score_sbp(sbp),
        "pulse": _score_pulse(hr),
        "consciousness": 0 if acvpu == "A" else 3,
        "temperature": _score_temperature(temp),
    }
    total = sum(scores.values())
    red_flag = 3 in scores.values()
    risk = _risk(total, red_flag)
    return News2Result(
        total=total,
        parameter_scores=MappingProxyType(scores),
        red_flag=red_flag,
        risk=risk,
        response=_RESPONSES["zero" if total == 0 else risk],
        min_obs_interval=_interval(total, red_flag),
    )


def score_vitals(v: VitalSigns) -> News2Result | None:
    """NEWS2 for a stored set, or None when it is incomplete (never score missing as 0)."""
    complete = v.complete()
    return None if complete is None else news2(complete)


@dataclass(frozen=True, slots=True)
class News2LowerBound:
    """The least NEWS2 an incomplete set can have: its known parameters, each at its lowest.

    A missing parameter can only add to a total (every Chart 1 score is 0 or more), so the sum
    of the known scores is a floor, and the band of that floor is the least the patient's risk
    can be. It is never shown as a total: ``text`` reads "incomplete — at least 7 (high)".
    """

    at_least: int
    parameter_scores: Mapping[str, int] = field(hash=False)
    """Known parameters only (keys from ``PARAMETERS``), each at the smallest score it can
    have; SpO2 on Scale 2 without the air/oxygen item takes the smaller of its two scores."""
    missing: tuple[str, ...]
    """NEWS2 parameters not taken, in Chart 1 order (``PARAMETERS`` names)."""
    red_flag: bool
    risk: Risk
    """The band of the floor: Chart 2 precedence applied to ``at_least`` and the red score."""
    response: str
    min_obs_interval: timedelta

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def risk_label(self) -> str:
        return RISK_LABELS[self.risk]

    @property
    def text(self) -> str:
        """``incomplete — at least 7 (high)``: what every screen shows instead of a total."""
        return f"incomplete — at least {self.at_least} ({self.risk})"

    def scored(self) -> str:
        """The known values that scored, e.g. ``RR 3, SpO2 3, HR 3`` (or ``none scored``)."""
        parts = [
            f"{PARAMETER_ABBREVIATIONS[name]} {score}"
            for name, score in self.parameter_scores.items()
            if score
        ]
        return ", ".join(parts) if parts else "none scored"

    def describe(self) -> str:
        """``NEWS2 incomplete — at least 7 (high): RR 3, SpO2 3, HR 3; not taken: SBP, T``."""
        missing = ", ".join(PARAMETER_ABBREVIATIONS[name] for name in self.missing)
        text = f"NEWS2 {self.text}: {self.scored()}"
        return f"{text}; not taken: {missing}" if missing else text


@lru_cache(maxsize=8192)
def news2_lower_bound(vitals: VitalSigns) -> News2LowerBound:
    """Score the known parameters of a possibly incomplete set as a lower bound.

    Sources: RCP 2017 Chart 1 bands and Chart 2 precedence (REFERENCE.md §1.1, §1.4): a 3 in
    any single parameter is a red score (at least low–medium), a total of 5 or more is medium,
    7 or more high; ACVPU C, V, P or U scores 3 (§1.3). On incomplete sets REFERENCE-2.md
    §12.10 records that **no published RCP rule for partial sets was found (NOT VERIFIED)** —
    the RCP aggregate assumes all seven parameters — and REFERENCE.md §1.5 forbids scoring a
    missing value as 0 as a total. Treating the known scores as a floor is therefore a LOCAL
    DECISION needing governance sign-off (it replaces "incomplete → no band", §9A): it only
    ever makes a patient look worse than "no score", never better, because a missing
    parameter can only add to the total. ``news2()`` stays strict and refuses missing values.

    Where a known value's score depends on a missing one (SpO2 on Scale 2 without the
    air/oxygen item) it takes the smallest score it could have. Raises ValueError naming the
    parameter when a known value is impossible.

    Remembered per set of values (both are immutable): the rules score every partial set of
    the trend window on every pass, and a monitor's stream is mostly the same few sets.
    """
    scale = _check_scale(vitals.spo2_scale)
    oxygen = None if vitals.on_oxygen is None else _check_oxygen(vitals.on_oxygen)
    scores: dict[str, int] = {}
    if vitals.respiration_rate is not None:
        scores["respiration_rate"] = _score_rr(
            int(check_number("respiration_rate", vitals.respiration_rate))
        )
    if vitals.spo2 is not None:
        sat = int(check_number("spo2", vitals.spo2))
        if oxygen is None:
            scores["spo2"] = min(_score_spo2(sat, scale, False), _score_spo2(sat, scale, True))
        else:
            scores["spo2"] = _score_spo2(sat, scale, oxygen)
    if oxygen is not None:
        scores["on_oxygen"] = 2 if oxygen else 0
    if vitals.systolic_bp is not None:
        scores["systolic_bp"] = _score_sbp(int(check_number("systolic_bp", vitals.systolic_bp)))
    if vitals.pulse is not None:
        scores["pulse"] = _score_pulse(int(check_number("pulse", vitals.pulse)))
    if vitals.consciousness is not None:
        scores["consciousness"] = 0 if _check_consciousness(vitals.consciousness) == "A" else 3
    if vitals.temperature is not None:
        scores["temperature"] = _score_temperature(
            Decimal(check_number("temperature", vitals.temperature))
        )
    ordered = {name: scores[name] for name in PARAMETERS if name in scores}
    total = sum(ordered.values())
    red_flag = 3 in ordered.values()
    risk = _risk(total, red_flag)
    return News2LowerBound(
        at_least=total,
        parameter_scores=MappingProxyType(ordered),
        missing=tuple(name for name in PARAMETERS if name not in ordered),
        red_flag=red_flag,
        risk=risk,
        response=_RESPONSES["zero" if total == 0 else risk],
        min_obs_interval=_interval(total, red_flag),
    )


def risk_rank(risk: str | None) -> int:
    """0 low (or none), 1 low–medium, 2 medium, 3 high: for "the higher of two bands"."""
    return {"low-medium": 1, "medium": 2, "high": 3}.get(risk or "", 0)


def _risk(total: int, red_flag: bool) -> Risk:
    """Chart 2 precedence (§1.4): >=7 high, >=5 medium, any single 3 low-medium, else low."""
    if total >= 7:
        return "high"
    if total >= 5:
        return "medium"
    if red_flag:
        return "low-medium"
    return "low"


def _interval(total: int, red_flag: bool) -> timedelta:
    """Chart 4 minimum observation frequency (§1.4)."""
    if total >= 7:
        return _INTERVAL_CONTINUOUS
    if total >= 5 or red_flag:
        return _INTERVAL_URGENT
    if total >= 1:
        return _INTERVAL_LOW
    return _INTERVAL_ZERO


def _score_rr(rr: int) -> int:
    # <=8: 3 | 9–11: 1 | 12–20: 0 | 21–24: 2 | >=25: 3
    if rr <= 8:
        return 3
    if rr <= 11:
        return 1
    if rr <= 20:
        return 0
    if rr <= 24:
        return 2
    return 3


def _score_spo2(sat: int, scale: int, on_oxygen: bool) -> int:
    return _score_spo2_scale1(sat) if scale == 1 else _score_spo2_scale2(sat, on_oxygen)


def _score_spo2_scale1(sat: int) -> int:
    # <=91: 3 | 92–93: 2 | 94–95: 1 | >=96: 0
    if sat <= 91:
        return 3
    if sat <= 93:
        return 2
    if sat <= 95:
        return 1
    return 0


def _score_spo2_scale2(sat: int, on_oxygen: bool) -> int:
    # <=83: 3 | 84–85: 2 | 86–87: 1 | 88–92 or >=93 on air: 0 | on O2 93–94: 1, 95–96: 2, >=97: 3
    if sat <= 83:
        return 3
    if sat <= 85:
        return 2
    if sat <= 87:
        return 1
    if not on_oxygen or sat <= 92:
        return 0
    if sat <= 94:
        return 1
    if sat <= 96:
        return 2
    return 3


def _score_sbp(sbp: int) -> int:
    # <=90: 3 | 91–100: 2 | 101–110: 1 | 111–219: 0 | >=220: 3
    if sbp <= 90:
        return 3
    if sbp <= 100:
        return 2
    if sbp <= 110:
        return 1
    if sbp <= 219:
        return 0
    return 3


def _score_pulse(hr: int) -> int:
    # <=40: 3 | 41–50: 1 | 51–90: 0 | 91–110: 1 | 111–130: 2 | >=131: 3
    if hr <= 40:
        return 3
    if hr <= 50:
        return 1
    if hr <= 90:
        return 0
    if hr <= 110:
        return 1
    if hr <= 130:
        return 2
    return 3


def _score_temperature(temp: Decimal) -> int:
    # <=35.0: 3 | 35.1–36.0: 1 | 36.1–38.0: 0 | 38.1–39.0: 1 | >=39.1: 2 (no 3 on the high side)
    if temp <= _T_35_0:
        return 3
    if temp <= _T_36_0:
        return 1
    if temp <= _T_38_0:
        return 0
    if temp <= _T_39_0:
        return 1
    return 2


def _check_scale(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, 2):
        raise ValueError(f"spo2_scale: expected 1 or 2, got {value!r}")
    return value


def _check_oxygen(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"on_oxygen: expected True (oxygen) or False (air), got {value!r}")
    return value


def _check_consciousness(value: object) -> str:
    if isinstance(value, str):
        code = value.strip().upper()
        if code in ACVPU:
            return code
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    raise ValueError(f"consciousness: expected one of A, C, V, P, U (ACVPU), got {shown}")
