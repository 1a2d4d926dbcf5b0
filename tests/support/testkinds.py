"""A test-only simple kind of entry, registered for one test.

The generic paths for simple kinds (the station queue and its replay, the history's columns,
the import's checks, the handoff) must serve a kind no file names. Until a third real kind
exists, a test registers this one: a reading with three choices and a free-text field, stored
in the bowel table's columns (``bristol_type``; ``note`` is the shared column) under an entry
kind that is neither simple nor queued (``EntryKind.FOOD_CHART``), so nothing a real kind does
is reached through a member the code names.

``register_simple_kind`` swaps ``SIMPLE_KINDS`` and ``ENTRY_TABLES`` for copies holding the
test kind in every loaded module that imported them by name, so whatever reads either finds
it; ``monkeypatch`` puts everything back after the test.
"""

from __future__ import annotations

import sys
from types import MappingProxyType
from typing import Any

import pytest

from wardconsole.domain import simple_kinds
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import Choice, EntryField, EntrySpec, Values
from wardconsole.store import entries
from wardconsole.store.models import BowelEntryRow

TEST_KIND = EntryKind.FOOD_CHART
"""Neither a simple kind nor a ``QueueKind`` member: the code names it nowhere as simple."""

READINGS = {1: "negative", 2: "trace", 3: "positive"}


def reading_text(values: Values) -> str:
    reading = values.get("bristol_type")
    return f"Test reading {READINGS.get(reading, 'not read')}"  # type: ignore[call-overload]


TEST_SPEC = EntrySpec(
    TEST_KIND,
    (
        EntryField(
            "bristol_type",
            "&Reading:",
            tuple(Choice(n, words.title(), words) for n, words in READINGS.items()),
            absent="Not read",
        ),
    ),
    text=reading_text,
)


def _swap(monkeypatch: pytest.MonkeyPatch, name: str, original: Any, replacement: Any) -> None:
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("wardconsole") and (
            getattr(module, name, None) is original
        ):
            monkeypatch.setattr(module, name, replacement)


def register_simple_kind(
    monkeypatch: pytest.MonkeyPatch, spec: EntrySpec = TEST_SPEC, model: Any = BowelEntryRow
) -> EntrySpec:
    """Make ``spec`` a simple kind for this test, its entries written to ``model``."""
    kinds = MappingProxyType({**simple_kinds.SIMPLE_KINDS, spec.kind: spec})
    tables = MappingProxyType({**entries.ENTRY_TABLES, spec.kind: model})
    _swap(monkeypatch, "SIMPLE_KINDS", simple_kinds.SIMPLE_KINDS, kinds)
    _swap(monkeypatch, "ENTRY_TABLES", entries.ENTRY_TABLES, tables)
    return spec
