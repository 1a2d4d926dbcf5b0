"""Free text a nurse types: what can be stored, and a message naming the field when not.

PostgreSQL text cannot hold a NUL character, and every bounded column has a length; such input
must be refused with a message, not fail deep in the database. Control characters other than
line breaks and tabs never come from a keyboard, so they are refused too.
"""

from __future__ import annotations

import unicodedata
from typing import Final

MAX_NOTE: Final = 20_000
"""A free-text note: long enough for any bedside note, short of a pasted document."""


def text_problem(
    field: str, value: object, *, max_length: int, required: bool = False, multiline: bool = False
) -> str | None:
    """Why ``value`` cannot be stored in ``field`` (a message starting "field: "), or None."""
    if not isinstance(value, str):
        return f"{field}: expected text"
    if required and not value.strip():
        return f"{field}: required"
    if len(value) > max_length:
        return f"{field}: at most {max_length} characters ({len(value)} typed)"
    if value.isprintable():  # no character of any control or surrogate category
        return None
    allowed = "\n\t\r" if multiline else ""
    for char in value:
        if char in allowed:
            continue
        if unicodedata.category(char) in ("Cc", "Cs") or char == "\x00":
            return f"{field}: contains a control character that cannot be stored; retype it"
    return None
