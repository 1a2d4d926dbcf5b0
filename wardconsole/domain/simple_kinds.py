"""Every simple kind of clinical entry, by kind: the one place a new one is registered.

The use cases, the station queue, the history, the corrections, the Physical care table and
the exports read their simple kinds from here (``domain/entry_specs.py`` says what a spec
holds); a kind with a period, a plan or a score (fluids, sleep, weights, observation sets) has
its own code instead.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from wardconsole.domain.bowels import BOWEL_SPEC
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import EntrySpec
from wardconsole.domain.meals import MEAL_SPEC
from wardconsole.domain.urine import URINE_DIPSTICK_SPEC

SIMPLE_KINDS: Final[MappingProxyType[EntryKind, EntrySpec]] = MappingProxyType(
    {spec.kind: spec for spec in (MEAL_SPEC, BOWEL_SPEC, URINE_DIPSTICK_SPEC)}
)
"""Simple kind -> its spec, in the order the forms and exports list them."""


def simple_spec(kind: str) -> EntrySpec | None:
    """The spec of ``kind`` (an ``EntryKind`` value), or None when it is not a simple kind."""
    try:
        return SIMPLE_KINDS.get(EntryKind(kind))
    except ValueError:
        return None
