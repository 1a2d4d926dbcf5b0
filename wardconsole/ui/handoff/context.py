"""What the handoff windows need from outside the UI package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wardconsole.domain.shifts import ShiftWindow
from wardconsole.services.handoff import HandoffService

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class HandoffUi:
    """The handoff service and the report writer. Both block on the database: the windows call
    them only from their background workers."""

    service: HandoffService
    write_report: Callable[[ShiftWindow, Path, Progress], Path]
    """Write the shift's handoff PDF to the path, reporting progress (any thread)."""
    ward_name: str
