"""A urine dipstick at the bedside: the blood, leucocyte and nitrite pads as the strip reads.

The ward tests urine because ketamine uropathy (frequency, urgency, bladder pain, haematuria)
is common on this ward, and a urinary infection must be excluded before symptoms are put down
to ketamine: REFERENCE.md §5.3 and §5.5 ("urine dipstick (blood, leucocytes, nitrites)",
[29a–29g]). The values are the strip's own reading scale as printed on its colour chart
(negative, trace, 1+ to 3+; nitrite negative or positive) — recorded as read, never scored.

No escalation is raised from a dipstick: no published ward trigger for a dipstick result was
found, so none is invented. The urinary red flags (visible haematuria, retention, flank pain,
new renal impairment; BNSSG pathway [29f]) stay with the bladder assessment, which escalates.
"""

from __future__ import annotations

from typing import Final

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import Choice, EntryField, EntrySpec, Values

GRADES: Final = (
    Choice("negative", "Negative", "negative"),
    Choice("trace", "Trace", "trace"),
    Choice("1+", "1+", "1+"),
    Choice("2+", "2+", "2+"),
    Choice("3+", "3+", "3+"),
)
"""The graded pads' reading scale, as the strip's colour chart prints it (values persisted)."""

NITRITE: Final = (
    Choice("negative", "Negative", "negative"),
    Choice("positive", "Positive", "positive"),
)
"""The nitrite pad reads negative or positive (values persisted)."""

NOT_READ: Final = "Not read"
"""A pad the nurse could not read (an old strip, a colour between two): recorded as such, never
as negative."""

_PADS: Final = (("blood", "Blood"), ("leucocytes", "Leucocytes"), ("nitrites", "Nitrites"))


def dipstick_text(values: Values) -> str:
    """'Urine dipstick — blood 1+, leucocytes trace, nitrites negative'."""
    parts = []
    for name, words in _PADS:
        value = values.get(name)
        parts.append(f"{words.lower()} {value if value else NOT_READ.lower()}")
    return "Urine dipstick — " + ", ".join(parts)


def _summary(values: Values) -> str:
    """The table cell: 'B 1+ · L trace · N neg'."""
    short = {"negative": "neg", "positive": "pos"}
    cells = []
    for name, words in _PADS:
        value = values.get(name)
        cells.append(f"{words[0]} {short.get(str(value), value) if value else '?'}")
    return " · ".join(cells)


URINE_DIPSTICK_SPEC: Final = EntrySpec(
    EntryKind.URINE_DIPSTICK,
    (
        EntryField("blood", "&Blood:", GRADES, absent=NOT_READ),
        EntryField("leucocytes", "&Leucocytes:", GRADES, absent=NOT_READ),
        EntryField("nitrites", "&Nitrites:", NITRITE, absent=NOT_READ),
    ),
    text=dipstick_text,
    summary=_summary,
    nothing_recorded="no pad was read: read at least one, or do not record the strip",
)
"""A urine dipstick as a simple kind: recorded, queued, corrected, exported from this."""
