"""Adversarial inputs and the properties every validator and import path must keep.

The properties: never crash (only the documented refusal is raised), never accept an impossible
value, and always name the bad field. ``FUZZED`` counts every input tried, for the closing
figures (printed by ``tests/safety/conftest.py`` and ``bench/safety.py``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from wardconsole.domain.limits import LIMITS
from wardconsole.domain.records import VitalSigns

FUZZED: Counter[str] = Counter()
"""Inputs tried per property (the bench and the terminal summary report the total)."""

SQLISH = [
    "'; DROP TABLE audit_log; --",
    "Robert'); DROP TABLE patients;--",
    "1 OR 1=1",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "$$; SELECT pg_sleep(10); $$",
    "NULL",
    "null",
]
WEIRD_TEXT = [
    "",
    " ",
    "\t",
    "\n",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-400",
    "37,5",
    "٣٧",
    "３７",
    "³⁷",
    "½",
    "0x25",
    "1_000",
    " 37 ",
    "+37",
    "−37",
    "37.",
    ".5",
    "--5",
    "🙂",
    "\x00",
    "\u202e72",
    "A" * 5000,
    "é" * 300,
    "9" * 40,
    "-0",
    "0" * 30 + "1",
]

far_times = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]),
)
naive_times = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))

nasty_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=-5, max_value=400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            math.nan,
            math.inf,
            -math.inf,
            1e308,
            -0.0,
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("1E+999"),
            2**63,
            -(2**63) - 1,
        ]
    ),
    st.text(max_size=40),
    st.sampled_from(SQLISH + WEIRD_TEXT),
    far_times,
    naive_times,
)
nasty = st.one_of(
    nasty_scalars,
    st.lists(nasty_scalars, max_size=3),
    st.dictionaries(st.text(max_size=8), nasty_scalars, max_size=3),
    st.sets(st.sampled_from(["a", "panic", "visual", ""]), max_size=3),
)
nasty_text = st.one_of(st.text(max_size=300), st.sampled_from(SQLISH + WEIRD_TEXT))


def vital_forms(fields: tuple[str, ...]) -> st.SearchStrategy[dict[str, object]]:
    """A vital-sign form: known fields with nasty values, sometimes unknown keys too."""
    known = st.dictionaries(st.sampled_from(fields), nasty, max_size=len(fields))
    plausible = st.fixed_dictionaries(
        {
            name: st.one_of(
                st.integers(limit.low.to_integral_value() - 5, limit.high.to_integral_value() + 5),
                nasty,
            )
            for name, limit in LIMITS.items()
            if name in fields
        }
    )
    extra = st.dictionaries(
        st.one_of(st.text(max_size=12), st.sampled_from(SQLISH)), nasty, max_size=2
    )
    return st.one_of(known, plausible, st.builds(lambda a, b: {**a, **b}, known, extra))


def assert_plausible(vitals: VitalSigns) -> None:
    """No stored value outside the table of plausibility limits (never NaN or infinite)."""
    for name, limit in LIMITS.items():
        value = getattr(vitals, name, None)
        if value is None:
            continue
        assert not isinstance(value, bool), name
        number = Decimal(str(value))
        assert number.is_finite(), (name, value)
        assert limit.low <= number <= limit.high, (name, value)
        if limit.integer:
            assert number == number.to_integral_value(), (name, value)


def names_a_field(message: str, candidates: object = ()) -> bool:
    """The message reads "<field>: <what is wrong>": a field from ``candidates`` (as the
    validators show them) or, for fields the input left out, a plain name."""
    for candidate in candidates:  # type: ignore[attr-defined]
        text = str(candidate)
        for shown in (
            text,
            text[:40],
            text.strip()[:40] or repr(candidate),
            repr(candidate),
            repr(candidate)[:40],
        ):
            if message.startswith(f"{shown}:") and message[len(shown) + 1 :].strip():
                return True
    return re.match(r"^[^\s:][^:\n]{0,59}: \S", message) is not None
