"""The change-feed contract: how a station learns that another one wrote something.

Pure records and a protocol: the store implements the feed, the screens consume it."""

from __future__ import annotations

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
