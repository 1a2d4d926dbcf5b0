"""Facts drafted earlier against the record as it stands now: what changed, and a seal.

A handoff's generated facts are stored with each version. When a handoff is shown or printed
the facts are drafted again from the record; where the two differ, the change is marked on the
fact ("record changed since the draft: was …"), so a correction made after the draft (a NEWS2
set struck out, a late entry) is never hidden behind the older wording. A signed handoff keeps
the facts the supervisor signed, and the marks say what the record says now.

A signature covers exactly the text displayed: ``seal`` fingerprints the facts shown for each
handoff (with the revision of the nurse's text), the sign use case drafts the facts again as of
the same instant and refuses when any fingerprint differs.

Pure: no clock, no database.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Final

from wardconsole.domain.handoff_records import Fact, HandoffDraft, Section

CHANGE_MARK: Final = "Δ"
"""Shown before a changed fact, on screen and in print (a shape and words, never colour)."""

_SPANS: Final = re.compile(r"\b\d+ h(?: \d{1,2} min)?\b|\b\d+ min\b|\bby \d{2}:\d{2}\b")
"""What moves with the clock alone while a shift runs: "in 2 h 10 min", "(40 min)", "overdue by
1 h 5 min", "none taken by 06:30"."""


class Basis(StrEnum):
    """What the shown facts are compared with."""

    DRAFT = "draft"
    """The shown facts are the record now; the comparison is the stored draft."""
    SIGNED = "signed"
    """The shown facts are those signed; the comparison is the record now."""

    @property
    def since(self) -> str:
        return "since the draft" if self is Basis.DRAFT else "since signing"


@dataclass(frozen=True, slots=True)
class FactChange:
    """One difference between the facts shown and the other side of the comparison."""

    section: Section
    shown: Fact | None
    """The fact on screen (None: a fact of the other side with no counterpart shown)."""
    other: Fact | None
    """The stored draft's fact (``Basis.DRAFT``) or the record's now (``Basis.SIGNED``)."""
    basis: Basis
    position: int | None = None
    """Where ``shown`` is in its section's facts (None without ``shown``)."""
    rank: int | None = None
    """Which fact of its topic ``other`` is in its section (None without ``other``)."""

    @property
    def key(self) -> tuple[Section, str, int | None]:
        """The same ``other`` fact compared twice gives the same key."""
        fact = self.other or self.shown
        assert fact is not None
        return self.section, fact.topic, self.rank

    @property
    def text(self) -> str:
        """The mark, e.g. 'record changed since the draft: was “NEWS2 now 6 (medium) …”'."""
        since = f"record changed {self.basis.since}"
        if self.shown is not None and self.other is not None:
            word = "was" if self.basis is Basis.DRAFT else "now"
            return f"{since}: {word} “{self.other.text}”"
        if self.shown is not None:
            return (
                f"new {self.basis.since}"
                if self.basis is Basis.DRAFT
                else f"{since}: no longer in the record"
            )
        assert self.other is not None
        if self.basis is Basis.DRAFT:
            return f"{since}: no longer says “{self.other.text}”"
        return f"{since}: now also “{self.other.text}”"


def fact_changes(shown: HandoffDraft, other: HandoffDraft, basis: Basis) -> tuple[FactChange, ...]:
    """Facts that differ, section by section. Within a topic the two lists are aligned as a
    text diff: lines both have stay unmarked, a replaced run is paired in order (the NEWS2 line
    with the NEWS2 line, so a changed number reads as one change), and a line one side lacks
    is new or gone."""
    out: list[FactChange] = []
    for section in Section:
        mine = _by_topic(shown.facts(section))
        theirs = _by_topic(other.facts(section))
        for topic in dict.fromkeys([*mine, *theirs]):
            a, b = mine.get(topic, []), theirs.get(topic, [])
            matcher = SequenceMatcher(
                None, [(f.text, f.alert) for f, _ in a], [(f.text, f.alert) for f, _ in b], False
            )
            for op, a0, a1, b0, b1 in matcher.get_opcodes():
                if op == "equal":
                    continue
                for step in range(max(a1 - a0, b1 - b0)):
                    fact, position = a[a0 + step] if a0 + step < a1 else (None, None)
                    rank = b0 + step if b0 + step < b1 else None
                    other_fact = b[rank][0] if rank is not None else None
                    out.append(FactChange(section, fact, other_fact, basis, position, rank))
    return tuple(out)


def draft_changes(now: HandoffDraft, stored: HandoffDraft) -> tuple[FactChange, ...]:
    """The marks for facts drafted again (``now``) against the ``stored`` draft: every line
    added, gone or reworded, except a line whose only difference is a span of time the clock
    moved ("due in 50 min" → "due in 40 min") — nothing new was recorded for it."""
    return tuple(
        c
        for c in fact_changes(now, stored, Basis.DRAFT)
        if c.shown is None or c.other is None or not clock_only(c.shown, c.other)
    )


def clock_only(a: Fact, b: Fact) -> bool:
    """The two wordings differ only in spans of time (see ``_SPANS``)."""
    same_mark = a.alert == b.alert and (a.unrated or b.unrated or a.severity == b.severity)
    return same_mark and _SPANS.sub("…", a.text) == _SPANS.sub("…", b.text)


def marks_for(changes: Iterable[FactChange], section: Section) -> dict[int, str]:
    """Position of a shown fact in ``section`` -> its mark, for the facts that changed."""
    return {c.position: c.text for c in changes if c.section is section and c.position is not None}


def unshown(changes: Iterable[FactChange], section: Section) -> list[str]:
    """Marks for the other side's facts with no counterpart on screen, in ``section``."""
    return [c.text for c in changes if c.section is section and c.shown is None]


def _by_topic(facts: Iterable[Fact]) -> dict[str, list[tuple[Fact, int]]]:
    grouped: dict[str, list[tuple[Fact, int]]] = {}
    for position, fact in enumerate(facts):
        grouped.setdefault(fact.topic, []).append((fact, position))
    return grouped


def seal(revision: int, draft: HandoffDraft) -> str:
    """A fingerprint of the facts shown for one handoff and the revision of its text: each
    fact's words and its mark (a fact's severity is part of what is shown, so it is sealed; a
    fact without one seals exactly as before severities existed)."""
    body = {
        "revision": revision,
        "sections": {
            section.value: [_sealed(f) for f in draft.facts(section)] for section in Section
        },
    }
    encoded = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _sealed(fact: Fact) -> list[object]:
    plain: list[object] = [fact.text, fact.topic, fact.alert]
    return plain if fact.severity is None else [*plain, fact.severity.name.lower()]
