"""Checking what a nurse typed before it is stored: refuse the impossible, confirm the extreme.

Source: REFERENCE.md §7 (input validation) — hard limits from MIT-LCP MIMIC-IV
``vitalsign.sql`` [36], glucose meter range [37c], pain/craving 0–10 [39][35]; the confirm
limits, the °F-in-°C prompt range (93–110) and "DBP ≥ SBP is refused" are **design choices**
from §7. The limits live in one table, ``LIMITS`` (re-exported from ``limits``).

Never clamp, never convert silently (§7): a value is either accepted as typed, refused with a
message naming the field and the accepted range, or held until staff confirm it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Final

from wardconsole.domain.limits import LIMITS, FieldLimit, check_number, parse_number
from wardconsole.domain.news2 import ACVPU
from wardconsole.domain.records import VITAL_FIELDS, VitalSigns

__all__ = [
    "FAHRENHEIT_IN_CELSIUS_FIELD",
    "LIMITS",
    "FieldLimit",
    "FieldProblem",
    "ValidationReport",
    "validate_score",
    "validate_vitals",
]

ACCEPTED_FIELDS: Final[tuple[str, ...]] = (*VITAL_FIELDS, "spo2_scale", "glucose")
"""Keys ``validate_vitals`` understands: the vital-sign set, the SpO2 scale and glucose."""

GLUCOSE_FLAGS: Final[tuple[str, ...]] = ("LO", "HI")
"""What a glucose meter shows for a reading below / above its range [37c]: recorded as a
flagged reading (``values["glucose_flag"]``), never refused and never as a made-up number."""

FAHRENHEIT_IN_CELSIUS_FIELD: Final[tuple[Decimal, Decimal]] = (Decimal(93), Decimal(110))
"""A °C entry in this range is probably °F (§7, design): prompt for the °C value."""

_TENTH = Decimal("0.1")
_WHOLE_TEXT = re.compile(r"[+-]?\d{1,9}", re.ASCII)

_OXYGEN_WORDS: Final[Mapping[str, bool]] = MappingProxyType(
    {
        "yes": True,
        "y": True,
        "true": True,
        "o2": True,
        "oxygen": True,
        "on": True,
        "no": False,
        "n": False,
        "false": False,
        "air": False,
        "off": False,
    }
)
_ACVPU_WORDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        **{code.lower(): code for code in ACVPU},
        "alert": "A",
        "confusion": "C",
        "confused": "C",
        "new confusion": "C",
        "voice": "V",
        "pain": "P",
        "unresponsive": "U",
    }
)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One refused or held value, with the message staff see."""

    field: str
    message: str
    """Starts with the field name and states the accepted (or usual) range."""
    suggestion: int | Decimal | None = None
    """A corrected value to offer, e.g. the °C value of a probable °F entry."""
    confirmable: bool = True
    """False when confirming cannot accept the value; staff must correct it (°F in °C field)."""


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """Outcome of checking one vital-sign form."""

    errors: tuple[FieldProblem, ...]
    """Refused: impossible or unreadable values; correct and resubmit."""
    needs_confirmation: tuple[FieldProblem, ...]
    """Extreme but possible values not yet confirmed (or a probable °F entry to correct)."""
    vitals: VitalSigns | None
    """The cleaned set when ``ok`` (fields not taken are None), else None."""
    values: Mapping[str, object] = field(default_factory=dict, hash=False)
    """Every cleaned value, including ``glucose`` (Decimal, mmol/L) and ``glucose_flag``
    (``"LO"``/``"HI"`` or None), which VitalSigns lacks."""
    confirmed: tuple[str, ...] = ()
    """Fields accepted only because staff confirmed them (for the audit trail)."""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.needs_confirmation


def validate_vitals(
    values: Mapping[str, object], *, confirmed: Collection[str] = ()
) -> ValidationReport:
    """Check one vital-sign form; strings from form fields (``" 98 "``, ``"37.2"``) are parsed.

    ``None`` or blank means "not taken" (a partial set is valid; NEWS2 is then incomplete).
    A value beyond the confirm limits is accepted only when its field is in ``confirmed``.
    """
    errors = _unknown_fields(values)
    held: list[FieldProblem] = []
    clean: dict[str, object] = {}
    used_confirmation: list[str] = []

    clean["glucose_flag"] = None
    for name in ACCEPTED_FIELDS:
        raw = values.get(name)
        if name == "glucose" and isinstance(raw, str) and raw.strip().upper() in GLUCOSE_FLAGS:
            clean[name], clean["glucose_flag"] = None, raw.strip().upper()
            continue
        if _blank(raw):
            clean[name] = 1 if name == "spo2_scale" else None
            continue
        try:
            problem = _check_field(name, raw, clean, confirmed, used_confirmation)
            if problem is not None:
                held.append(problem)
        except ValueError as exc:
            message = str(exc)
            if name == "glucose":
                message += "; a meter reading outside its range is recorded as LO or HI"
            errors.append(FieldProblem(name, message))

    sbp, dbp = clean.get("systolic_bp"), clean.get("diastolic_bp")
    if isinstance(sbp, int) and isinstance(dbp, int) and dbp >= sbp:
        errors.append(
            FieldProblem(
                "diastolic_bp",
                f"diastolic_bp: {dbp} mmHg must be lower than the systolic BP ({sbp} mmHg); "
                "check both readings",
            )
        )

    ok = not errors and not held
    vitals = _to_vitals(clean) if ok else None
    return ValidationReport(
        errors=tuple(errors),
        needs_confirmation=tuple(held),
        vitals=vitals,
        values=MappingProxyType(clean),
        confirmed=tuple(used_confirmation),
    )


def validate_score(field: str, value: object, low: int, high: int) -> int:
    """A whole-number rating within ``low..high`` (both inclusive), or ValueError naming field.

    Accepts ints, integral floats/Decimals and digit strings from forms; refuses bools, NaN,
    infinities and fractions. Never clamps.
    """
    expected = f"expected a whole number {low}–{high}"
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{field}: missing; {expected}")
    if isinstance(value, bool):
        raise ValueError(f"{field}: got a yes/no value; {expected}")
    number: int | float | Decimal
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _WHOLE_TEXT.fullmatch(value.strip()):
        number = int(value.strip())
    elif _finite_number(value):
        number = value  # type: ignore[assignment]
    else:
        raise ValueError(f"{field}: {_show(value)} is not a whole number; {expected}")
    if not low <= number <= high:
        raise ValueError(f"{field}: {_show(value)} is outside the accepted range; {expected}")
    if number != int(number):
        raise ValueError(f"{field}: {_show(value)} is not a whole number; {expected}")
    return int(number)


# --- helpers ----------------------------------------------------------------------------------


def _unknown_fields(values: Mapping[str, object]) -> list[FieldProblem]:
    known = ", ".join(ACCEPTED_FIELDS)
    return [
        FieldProblem(str(name)[:40], f"{str(name)[:40]}: unknown field; expected one of {known}")
        for name in values
        if name not in ACCEPTED_FIELDS
    ]


def _check_field(
    name: str,
    raw: object,
    clean: dict[str, object],
    confirmed: Collection[str],
    used_confirmation: list[str],
) -> FieldProblem | None:
    """Parse one filled-in field into ``clean``; a held problem, or raise ValueError."""
    if name == "on_oxygen":
        clean[name] = _parse_oxygen(raw)
    elif name == "consciousness":
        clean[name] = _parse_consciousness(raw)
    elif name == "spo2_scale":
        clean[name] = _parse_scale(raw)
    else:
        return _check_numeric(name, raw, clean, confirmed, used_confirmation)
    return None


def _check_numeric(
    name: str,
    raw: object,
    clean: dict[str, object],
    confirmed: Collection[str],
    used_confirmation: list[str],
) -> FieldProblem | None:
    """Store the cleaned value in ``clean``; return a held problem, raise for a refusal."""
    lim = LIMITS[name]
    if name == "temperature":
        number = parse_number(name, raw, allow_text=True)
        low_f, high_f = FAHRENHEIT_IN_CELSIUS_FIELD
        if low_f <= number <= high_f:
            celsius = ((number - 32) * 5 / 9).quantize(_TENTH, rounding=ROUND_HALF_UP)
            clean[name] = None
            return FieldProblem(
                name,
                f"temperature: {number} looks like °F; enter it in °C ({number} °F = "
                f"{celsius} °C); expected a number {lim.accepted}",
                suggestion=celsius,
                confirmable=False,
            )
    value = check_number(name, raw, allow_text=True)
    clean[name] = value
    if lim.needs_confirmation(value):
        if name in confirmed:
            used_confirmation.append(name)
            return None
        return FieldProblem(
            name,
            f"{name}: {value} {lim.unit} is outside the usual {lim.usual}; re-measure, then "
            "confirm to record it",
        )
    return None


def _to_vitals(clean: Mapping[str, object]) -> VitalSigns:
    temperature = clean.get("temperature")
    return VitalSigns(
        respiration_rate=clean.get("respiration_rate"),  # type: ignore[arg-type]
        spo2=clean.get("spo2"),  # type: ignore[arg-type]
        spo2_scale=clean.get("spo2_scale", 1),  # type: ignore[arg-type]
        on_oxygen=clean.get("on_oxygen"),  # type: ignore[arg-type]
        systolic_bp=clean.get("systolic_bp"),  # type: ignore[arg-type]
        diastolic_bp=clean.get("diastolic_bp"),  # type: ignore[arg-type]
        pulse=clean.get("pulse"),  # type: ignore[arg-type]
        consciousness=clean.get("consciousness"),  # type: ignore[arg-type]
        temperature=None if temperature is None else float(temperature),  # type: ignore[arg-type]
    )


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _parse_oxygen(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _OXYGEN_WORDS:
        return _OXYGEN_WORDS[raw.strip().lower()]
    raise ValueError(f"on_oxygen: {_show(raw)} is not understood; expected air or oxygen (yes/no)")


def _parse_consciousness(raw: object) -> str:
    if isinstance(raw, str) and raw.strip().lower() in _ACVPU_WORDS:
        return _ACVPU_WORDS[raw.strip().lower()]
    raise ValueError(
        f"consciousness: {_show(raw)} is not understood; expected one of A, C, V, P, U (ACVPU)"
    )


def _parse_scale(raw: object) -> int:
    if not isinstance(raw, bool):
        if isinstance(raw, int) and raw in (1, 2):
            return raw
        if isinstance(raw, str) and raw.strip() in ("1", "2"):
            return int(raw.strip())
    raise ValueError(f"spo2_scale: {_show(raw)} is not a scale; expected 1 or 2")


def _finite_number(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, Decimal) and value.is_finite()


def _show(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:
        return "<a very large number>"
    return text if len(text) <= 40 else text[:37] + "..."
