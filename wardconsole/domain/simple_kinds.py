"""Every simple kind of clinical entry, by kind: the one place a new one is registered.

The use cases, the station queue, the history, the corrections, the Physical care table and
the exports read their simple kinds from here (``domain/entry_specs.py`` says what a spec
holds); a kind with a period, a plan or a score (fluids, sleep, weights, observation sets) has
its own code instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Final

from wardconsole.domain.bowels import BOWEL_SPEC
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import EntrySpec, SimpleEntry
from wardconsole.domain.meals import MEAL_SPEC
from wardconsole.domain.urine import URINE_DIPSTICK_SPEC

SIMPLE_KINDS: Final[MappingProxyType[EntryKind, EntrySpec]] = MappingProxyType(
    {spec.kind: spec for spec in (MEAL_SPEC, BOWEL_SPEC, URINE_DIPSTICK_SPEC)}
)
"""Simple kind -> its spec, in the order the forms and exports list them."""


NUTRITION_KINDS: Final = frozenset({EntryKind.MEAL, EntryKind.BOWEL})
"""Meals and bowels: the nutrition course words them itself (their own window, chart tracks,
handoff facts and discharge-summary lines: ``services/nutrition.py``). Every other simple kind
is listed entry by entry in its spec's words (``listed_specs``)."""


def listed_specs() -> tuple[EntrySpec, ...]:
    """The simple kinds not in ``NUTRITION_KINDS``, in ``SIMPLE_KINDS`` order: each is recorded
    on the form built from its spec, shown as a row per entry on the Physical care page, and
    listed entry by entry in the handoff and the discharge summary."""
    return tuple(spec for kind, spec in SIMPLE_KINDS.items() if kind not in NUTRITION_KINDS)


def simple_spec(kind: str) -> EntrySpec | None:
    """The spec of ``kind`` (an ``EntryKind`` value), or None when it is not a simple kind."""
    try:
        return SIMPLE_KINDS.get(EntryKind(kind))
    except ValueError:
        return None


ENTRIES_SHOWN: Final = 3
"""Entries a listed kind's line words; earlier ones are counted."""


def entries_line(
    heading: str,
    spec: EntrySpec,
    entries: Sequence[SimpleEntry],
    when: Callable[[datetime], str],
) -> str:
    """'{heading}: … (when); … (when); and 2 earlier': ``entries`` newest first, the first
    ``ENTRIES_SHOWN`` in the kind's own words (``spec.text``, without the kind's name in front:
    the heading names it once), each with ``when`` it was taken (the handoff and the discharge
    summary)."""
    named = f"{spec.kind.words.label} — "
    shown = [
        f"{spec.text(e.values).removeprefix(named)} ({when(e.taken_at)})"
        for e in entries[:ENTRIES_SHOWN]
    ]
    earlier = len(entries) - ENTRIES_SHOWN
    more = f"; and {earlier} earlier" if earlier > 0 else ""
    return f"{heading}: {'; '.join(shown)}{more}"
