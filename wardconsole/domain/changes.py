"""The change-feed contract: how a station learns that another one wrote something.

Pure records and a protocol: the store implements the feed, the screens consume it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Change:
    """One committed write: ``seq`` grows monotonically per database."""

    seq: int
    topic: str
    """'observation' | 'escalation' | 'admission' | 'assessment' | 'prn' | 'handoff' | ..."""
    admission_id: int | None


class ChangeFeed(Protocol):
    """Blocking source of changes, used from a background thread only."""

    def wait(self, timeout: float) -> list[Change]:
        """Return changes committed since the previous call; block up to ``timeout`` s if none."""

    def wake(self) -> None:
        """Make a ``wait`` in progress on another thread return soon with what it has (possibly
        nothing); callable from any thread, the feed stays open. A station that is closing
        uses it so that it never waits out a poll interval."""

    def close(self) -> None: ...


ESCALATION_TOPICS = frozenset({"escalation", "safety_check", "admission"})
"""Topics of the writes that can change the open escalations the board lists: an escalation's
own (raised, acknowledged, resolved… by any service), a safety check (written on the trail of
an open missed-check escalation) and a stay's (its bed, name or discharge, shown with them)."""


def may_change_escalations(changes: Iterable[Change]) -> bool:
    """Whether the escalation board must be read again after these changes (a change naming no
    patient may be anything)."""
    return any(c.topic in ESCALATION_TOPICS or c.admission_id is None for c in changes)
