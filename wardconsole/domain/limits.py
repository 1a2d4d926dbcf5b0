"""Plausibility limits for every numeric clinical field: one table, used everywhere.

Source: REFERENCE.md §7. Reject limits are the MIT-LCP MIMIC-IV ``vitalsign.sql`` filters [36]
(a value outside them is impossible or a mis-entry); glucose uses the typical meter reportable
range [37c]; pain and craving are 0–10 ratings (§6.6, §7). The "confirm" limits are **design
choices** from §7 (engineering defaults needing clinical-governance sign-off): a value beyond them
is possible but extreme, so staff re-measure and confirm it.

Temperatures are quantised to 0.1 °C with ROUND_HALF_UP before any comparison (§1.5), so the
MIMIC open interval 10 < T < 50 °C becomes the inclusive 10.1–49.9 °C here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

_TENTH = Decimal("0.1")
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


@dataclass(frozen=True, slots=True)
class FieldLimit:
    """Accepted (inclusive) and confirm-without-question range of one numeric field."""

    field: str
    label: str
    unit: str
    integer: bool
    """Whole numbers only; otherwise the value is quantised to 0.1 (ROUND_HALF_UP)."""
    low: Decimal
    high: Decimal
    confirm_low: Decimal | None = None
    """Values strictly below this are possible but extreme: accept only when confirmed."""
    confirm_high: Decimal | None = None
    """Values strictly above this are possible but extreme: accept only when confirmed."""

    @property
    def accepted(self) -> str:
        """The accepted range as staff read it, e.g. ``1–299 /min``."""
        return f"{_fmt(self.low)}–{_fmt(self.high)} {self.unit}".rstrip()

    @property
    def usual(self) -> str:
        """The range accepted without confirmation, e.g. ``30–200 /min``."""
        lo = self.confirm_low if self.confirm_low is not None else self.low
        hi = self.confirm_high if self.confirm_high is not None else self.high
        return f"{_fmt(lo)}–{_fmt(hi)} {self.unit}".rstrip()

    def needs_confirmation(self, value: int | Decimal) -> bool:
        """True when an accepted value is extreme enough to need a re-measure and confirmation."""
        return (self.confirm_low is not None and value < self.confirm_low) or (
            self.confirm_high is not None and value > self.confirm_high
        )


def _fmt(value: Decimal) -> str:
    return str(value)


def _d(text: str) -> Decimal:
    return Decimal(text)


LIMITS: Mapping[str, FieldLimit] = MappingProxyType(
    {
        lim.field: lim
        for lim in (
            # Heart rate: MIMIC keeps 0 < HR < 300; confirm < 30 or > 200 (design).
            FieldLimit("pulse", "Pulse", "/min", True, _d("1"), _d("299"), _d("30"), _d("200")),
            # Respiratory rate: MIMIC 0 < RR < 70; confirm < 6 or > 40 (design).
            FieldLimit(
                "respiration_rate",
                "Respiration rate",
                "/min",
                True,
                _d("1"),
                _d("69"),
                _d("6"),
                _d("40"),
            ),
            # Systolic BP: MIMIC 0 < SBP < 400; confirm < 70 or > 250 (design).
            FieldLimit(
                "systolic_bp", "Systolic BP", "mmHg", True, _d("1"), _d("399"), _d("70"), _d("250")
            ),
            # Diastolic BP: MIMIC 0 < DBP < 300; confirm < 30 or > 150 (design); DBP >= SBP is
            # refused by validate_vitals (design, §7).
            FieldLimit(
                "diastolic_bp",
                "Diastolic BP",
                "mmHg",
                True,
                _d("1"),
                _d("299"),
                _d("30"),
                _d("150"),
            ),
            # SpO2: MIMIC 0 < SpO2 <= 100; confirm < 70 (oximeter accuracy is specified for
            # 70–100 % only [37]).
            FieldLimit("spo2", "SpO2", "%", True, _d("1"), _d("100"), _d("70"), None),
            # Temperature: MIMIC 10 < T < 50 °C, at 0.1 °C resolution; confirm < 34.0 or > 41.0.
            FieldLimit(
                "temperature",
                "Temperature",
                "°C",
                False,
                _d("10.1"),
                _d("49.9"),
                _d("34.0"),
                _d("41.0"),
            ),
            # Capillary glucose: meter reportable range 0.6–33.3 mmol/L; outside it the meter
            # shows LO/HI, to be recorded as flagged text, not a number [37c]. Confirm < 2.0 or
            # > 30 mmol/L (design).
            FieldLimit(
                "glucose",
                "Blood glucose",
                "mmol/L",
                False,
                _d("0.6"),
                _d("33.3"),
                _d("2.0"),
                _d("30"),
            ),
            # Pain: 0–10 integer NRS, no confirm range (§7, [39]).
            FieldLimit("pain", "Pain", "(0–10)", True, _d("0"), _d("10")),
            # Craving: 0–10 single-item rating, no norms (§6.6, [35]).
            FieldLimit("craving", "Craving", "(0–10)", True, _d("0"), _d("10")),
        )
    }
)
"""Every numeric field the console records, keyed by field name."""

_INT_BOUNDS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {f: (int(lim.low), int(lim.high)) for f, lim in LIMITS.items() if lim.integer}
)


def check_number(field: str, value: object, *, allow_text: bool = False) -> int | Decimal:
    """Return ``value`` as an int (whole-number fields) or a 0.1-quantised Decimal.

    Raises ValueError naming the field and the accepted range when the value is missing, not
    a number (bool counts as not a number), NaN/infinite, fractional where a whole number is
    expected, or outside the §7 hard limits. Never clamps. ``allow_text`` lets form text such as
    ``" 98 "`` through; the rules and scores call with plain numbers only.
    """
    bounds = _INT_BOUNDS.get(field)
    if bounds is not None and type(value) is int and bounds[0] <= value <= bounds[1]:
        return value  # the common case, kept cheap for whole-ward rescoring
    lim = LIMITS[field]
    number = parse_number(field, value, allow_text=allow_text)
    # Coarse check first so absurd magnitudes never reach quantize()/int().
    if number < lim.low - 1 or number > lim.high + 1:
        raise _problem(field, value, "is outside the accepted range")
    if lim.integer:
        if number != number.to_integral_value():
            raise _problem(field, value, "is not a whole number")
        result: int | Decimal = int(number)
    else:
        result = number.quantize(_TENTH, rounding=ROUND_HALF_UP)
    if not lim.low <= result <= lim.high:
        raise _problem(field, value, "is outside the accepted range")
    return result


def expectation(field: str) -> str:
    """``expected a whole number 1–299 /min``: the tail of every message about ``field``."""
    lim = LIMITS[field]
    return f"expected {'a whole number' if lim.integer else 'a number'} {lim.accepted}"


def parse_number(field: str, value: object, *, allow_text: bool = False) -> Decimal:
    """Read ``value`` as a finite Decimal without range checks; ValueError names the field."""
    if value is None:
        raise _problem(field, None, "missing")
    if isinstance(value, bool):
        raise _problem(field, value, "is a yes/no value, not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _problem(field, value, "is not a finite number")
        # str() gives the shortest repr, so 38.05 stays 38.05 rather than 38.04999…
        return Decimal(str(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _problem(field, value, "is not a finite number")
        return value
    if isinstance(value, str) and allow_text:
        text = value.strip()
        if not text:
            raise _problem(field, None, "missing")
        if len(text) > 32 or not _NUMBER_TEXT.fullmatch(text):
            raise _problem(field, value, "is not a number")
        return Decimal(text)
    raise _problem(field, value, "is not a number")


def _problem(field: str, value: object, what: str) -> ValueError:
    """``pulse: 300 is outside the accepted range; expected a whole number 1–299 /min``."""
    subject = what if value is None else f"{_show(value)} {what}"
    return ValueError(f"{field}: {subject}; {expectation(field)}")


def _show(value: object) -> str:
    """A short, safe rendering of a bad value for an error message."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print (sys.int_info.default_max_str_digits)
        return "<a very large number>"
    return text if len(text) <= 40 else text[:37] + "..."
