"""Words for times and scores, as the census and the patient window show them.

Pure functions (no Qt) so every phrase a nurse reads can be tested directly. Relative times are
always measured against the snapshot's ``taken_at``, not the wall clock, so a row and the
"data as of" label never disagree.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache

from wardconsole.domain.records import Severity
from wardconsole.domain.rules import news2_severity

NEWS2_BANDS: tuple[str, ...] = ("low", "low-medium", "medium", "high")

_NEWS2_WORDS = {"low": "LOW", "low-medium": "LOW-MED", "medium": "MED", "high": "HIGH"}
"""Words differ per band, so colour is never the only cue."""


def news2_band_text(band: str | None) -> str:
    """'▲ HIGH', '◆ MED', '◆ LOW-MED', '○ LOW'; '' when there is no band. The shape is the
    severity of the deterioration escalation the band raises (``news2_severity``: a single
    parameter scoring 3 is urgent, as medium is); ○ for low, which raises none."""
    if band is None:
        return ""
    severity = news2_severity(band)
    shape = severity.shape if severity is not None else "○"
    return f"{shape} {_NEWS2_WORDS.get(band, band.upper())}"


def news2_rank(band: str | None) -> int:
    """0 for no score, then 1 (low) .. 4 (high)."""
    return NEWS2_BANDS.index(band) + 1 if band in NEWS2_BANDS else 0


def severity_text(severity: Severity) -> str:
    """'▲ EMERGENCY', '◆ URGENT', '● ADVISORY' (``Severity.mark``, the one vocabulary)."""
    return severity.mark


def duration_text(delta: timedelta) -> str:
    """A non-negative span in the units a nurse uses: '40 min', '3 h 10 min', '2 d 4 h'."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return "<1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def ago_text(then: datetime | None, now: datetime) -> str:
    """'3 h 10 min ago', 'just now', or '—' when there is no time."""
    if then is None:
        return "—"
    delta = now - then
    if delta < timedelta(minutes=1):
        return "just now"
    return f"{duration_text(delta)} ago"


def is_overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and due < now


def due_text(due: datetime | None, now: datetime) -> str:
    """'in 40 min', or 'OVERDUE 1 h 5 min' once the time has passed; '—' when nothing is due."""
    if due is None:
        return "—"
    if is_overdue(due, now):
        return f"OVERDUE {duration_text(now - due)}"
    return f"in {duration_text(due - now)}"


def local_time_text(when: datetime | None, *, seconds: bool = False) -> str:
    """Local wall-clock time: '03:12' (or '03:12:45'); '—' when there is no time."""
    if when is None:
        return "—"
    return _local_time_text(when, seconds)


def local_datetime_text(when: datetime | None) -> str:
    """'Tue 26 Nov 03:12' in local time; '—' when there is no time."""
    if when is None:
        return "—"
    return _local_datetime_text(when)


# The words for an instant never change while the console runs (one time zone, one locale),
# and the census words the same few instants on every refresh: ``strftime`` is slow enough
# there, under Qt's import hook, to be a good part of a refresh.
@lru_cache(maxsize=4096)
def _local_time_text(when: datetime, seconds: bool) -> str:
    return when.astimezone().strftime("%H:%M:%S" if seconds else "%H:%M")


@lru_cache(maxsize=4096)
def _local_datetime_text(when: datetime) -> str:
    local = when.astimezone()
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def bed_sort_key(bed: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order for bed labels: 'A2' < 'A10' < 'B1'."""
    parts = re.split(r"(\d+)", bed.casefold())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)
