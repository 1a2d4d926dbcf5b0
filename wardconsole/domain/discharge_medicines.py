"""Medicines at discharge, for the discharge summary and the discharge letter: what was started
on the ward, what the patient is still taking, what was stopped and why, and taper advice where
a planned reducing regimen or a dependency review applies.

Written from the console's medicines list, a MONITORING COPY of the ward's drug chart
(``domain.medicines``), so every printed medicines section starts with ``MONITORING_COPY``.
The taper advice gives no dose and no schedule of its own: a planned reduction is to be
continued as prescribed to its planned end, and a dependency review is named with the watch's
own words for the prescriber (REFERENCE-2.md §12.4: short courses only; equivalences are never
a conversion of a prescription).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from wardconsole.domain.medicines import MONITORING_COPY, MedicineLine, schedule_parts
from wardconsole.domain.records import route_label

NO_LINES: Final = "No medicines on the ward console's list for this stay."
REVIEW_ADVICE: Final = "Dependency review / taper plan with the prescriber"


@dataclass(frozen=True, slots=True)
class MedicinesSection:
    """The medicines part of a discharge document, in groups (title, lines); ``caveat`` first."""

    caveat: str
    groups: tuple[tuple[str, tuple[str, ...]], ...]

    def lines(self) -> list[str]:
        """Flat lines for a letter: the caveat, then 'Group: line' for each line."""
        out = [self.caveat]
        for title, lines in self.groups:
            out += [f"{title}: {line}" if title else line for line in lines]
        return out


def line_words(line: MedicineLine) -> str:
    """'Zopiclone 7.5 mg Oral, regular at night' / 'Lorazepam 1 mg Oral, PRN (max 2 mg/24 h)'."""
    how, when, most = schedule_parts(line)
    if when:
        how += f" {when}"
    elif most:
        how += f" (max {most} per 24 h)"
    return f"{line.drug} {line.dose} {route_label(line.route)}, {how.lower()}"


def medicines_at_discharge(
    lines: Sequence[MedicineLine],
    review: Sequence[str],
    *,
    admitted_at: datetime,
    discharged_at: datetime,
    when: Callable[[datetime], str],
) -> MedicinesSection:
    """The medicines list at ``discharged_at`` in groups; ``review`` holds the dependency
    watch's words for each class due a review at discharge ("zopiclone 6 of 7 nights, 6 in a
    row — review due")."""
    started: list[str] = []
    taking: list[str] = []
    stopped: list[str] = []
    taper: list[str] = []
    for line in lines:
        if line.starts_at > discharged_at:
            continue
        words = line_words(line)
        if line.starts_at >= admitted_at:
            started.append(f"{words} — from {when(line.starts_at)}")
        if line.active(discharged_at):
            taking.append(words)
        elif line.stop_at is not None:
            reason = line.change_reason or "no reason recorded"
            stopped.append(f"{words} — stopped {when(line.stop_at)}: {reason}")
        end = line.reducing_until
        if end is not None and end > discharged_at and line.active(discharged_at):
            taper.append(
                f"{line.drug} is a planned reducing regimen ending {when(end)}: continue the "
                "reduction as prescribed, not past its planned end"
            )
    taper += [f"{REVIEW_ADVICE} — the ward's watch at discharge: {words}" for words in review]
    groups = [
        (title, tuple(found))
        for title, found in (
            ("Started on the ward", started),
            ("Still taking at discharge", taking),
            ("Stopped", stopped),
            ("Taper advice", taper),
        )
        if found
    ]
    if not groups:
        groups.append(("", (NO_LINES,)))
    return MedicinesSection(MONITORING_COPY, tuple(groups))
