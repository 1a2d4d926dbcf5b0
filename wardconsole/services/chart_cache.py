"""The observation sets a patient's charts have read, kept so a re-open or a live update does
not read a month of one-minute sets again.

Observation sets are append-only (a correction is a new set), so the admission's sets change
exactly when their (count, largest id, sum of ids) changes. Every read checks that marker in
its own transaction, one index-only query:

* unchanged: the kept matrix is used as it is;
* changed, and everything new was stored after the kept sets (count and id sum add up): only
  the new sets are read and merged in;
* anything else (a set committed out of id order by another station, a range not kept yet):
  the range is read again in full.

So a correction saved at another station is in the next read, never drawn stale. Only the
observation sets are kept; the few other entries (ratings, PRN doses, escalations) are read
every time. Entries are per admission, least recently used dropped first.

A prefetch (``read(..., prefetch=True)``: the census row a nurse has stopped on, read before she
opens it) keeps its sets like any read, but only the last ``PREFETCHED_KEPT`` such entries that
no open has read yet are kept: arrowing through the census never keeps every patient's stay,
nor pushes out the sets of the windows that are open.

Whole series (``SeriesKeep``): what a patient window draws, built from these sets and every
other entry of the stay, is kept too, for the last ``KEPT_SERIES`` reads. It is served again
only while nothing it was read from can have changed: the same observation-set marker and the
same change-log marker for the admission and for the ward (``changes.admission_marker``: every
write logs a change naming its admission in its own transaction, the same log the other
stations hear), read less than ``SERIES_AGE_S`` ago and in the same shift. So the census row a
nurse stops on is read whole before she presses Return, and the window opens onto it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

import numpy as np
from sqlalchemy.orm import Session

from wardconsole.store import series

KEPT_ADMISSIONS: Final = 8
"""Admissions whose sets are kept (a month at one a minute is about 5 MB)."""
PREFETCHED_KEPT: Final = 2
"""Prefetched entries kept until a window reads them; older ones are dropped first (the one
being opened and the one before it: a nurse going back a row)."""
EDGE_S: Final = 0.0005
"""Times are read rounded to the millisecond; a range edge within half of one is inside."""

KEPT_SERIES: Final = 3
"""Whole series kept (the window being opened, the one before it, one more)."""
SERIES_AGE_S: Final = 60.0
"""A kept series is served only this soon after it was read: it says "As of" its read, and a
window should not open onto a time the nurse would take for stale. DESIGN CHOICE, not a
clinical threshold (HAZ-137, awaiting sign-off): the "As of" time is shown to the minute, and a
nurse who stopped on a census row opens it within seconds; nothing written since is ever served
from the keep, whatever its age."""

_TIME = series.OBSERVATION_COLUMNS.index("taken_at")
_ID = series.OBSERVATION_COLUMNS.index("id")

MatrixReader = Callable[..., np.ndarray]
"""``observation_matrix`` with the code tables bound: (session, admission, start, end, *,
after_id)."""


@dataclass(slots=True, eq=False)
class KeptSets:
    """The sets of one admission taken in [start, end] (None: open), as of ``marker``."""

    start: datetime | None
    end: datetime | None
    marker: tuple[int, int, int]
    matrix: np.ndarray
    reasons: dict[int, Mapping[str, str]]
    derived: dict[tuple[int, int], Any] = field(default_factory=dict)
    """Whatever the caller computed from a slice (first row, row after the last), reused while
    the sets are unchanged."""
    prefetched: bool = False
    """Read by a prefetch and by no open since."""

    def serves(self, start: datetime | None, end: datetime | None) -> bool:
        starts_in = self.start is None or (start is not None and start >= self.start)
        ends_in = self.end is None or (end is not None and end <= self.end)
        return starts_in and ends_in

    def rows(self, start: datetime | None, end: datetime | None) -> tuple[int, int]:
        """The slice of ``matrix`` taken in [start, end]."""
        times = self.matrix[:, _TIME]
        first = 0 if start is None else int(np.searchsorted(times, start.timestamp() - EDGE_S))
        stop = (
            len(times)
            if end is None
            else int(np.searchsorted(times, end.timestamp() + EDGE_S, side="right"))
        )
        return first, stop


class ObservationCache:
    """Per-admission kept sets (see module docstring). Safe to share between threads."""

    def __init__(self, kept: int = KEPT_ADMISSIONS, prefetched: int = PREFETCHED_KEPT) -> None:
        self._kept = kept
        self._prefetched_kept = prefetched
        self._entries: OrderedDict[int, KeptSets] = OrderedDict()
        self._lock = threading.Lock()
        self.full_reads = 0
        """Reads of a whole range (for tests and the bench: how often the cache missed)."""

    def read(
        self,
        session: Session,
        admission_id: int,
        start: datetime | None,
        end: datetime | None,
        read_matrix: MatrixReader,
        *,
        prefetch: bool = False,
        marker: tuple[int, int, int] | None = None,
    ) -> tuple[KeptSets, int, int]:
        """The kept sets for the admission, current as of this transaction, and the slice
        (first row, row after the last) taken in [start, end]. ``prefetch``: read ahead of
        an open (see module docstring). ``marker``: ``observation_marker`` if the caller has
        read it in this transaction."""
        if marker is None:
            marker = series.observation_marker(session, admission_id)
        with self._lock:
            entry = self._entries.get(admission_id)
        prefetched = prefetch and (entry is None or entry.prefetched)
        if entry is not None and entry.serves(start, end) and entry.marker != marker:
            entry = self._caught_up(session, admission_id, entry, marker, read_matrix)
        if entry is None or not entry.serves(start, end):
            self.full_reads += 1
            entry = KeptSets(
                start=start,
                end=end,
                marker=marker,
                matrix=_frozen(read_matrix(session, admission_id, start, end)),
                reasons=series.missing_reasons(session, admission_id, start, end),
            )
        entry.prefetched = prefetched
        with self._lock:
            self._entries[admission_id] = entry
            self._entries.move_to_end(admission_id)
            ahead = [key for key, kept in self._entries.items() if kept.prefetched]
            for key in ahead[: max(0, len(ahead) - self._prefetched_kept)]:
                del self._entries[key]
            while len(self._entries) > self._kept:
                self._entries.popitem(last=False)
        first, stop = entry.rows(start, end)
        return entry, first, stop

    def opened(self, admission_id: int) -> None:
        """A window opened onto the admission's kept sets without reading them again (its
        series was kept whole): they are a window's now, no longer a prefetch."""
        with self._lock:
            entry = self._entries.get(admission_id)
            if entry is not None:
                entry.prefetched = False

    def kept(self, admission_id: int) -> KeptSets | None:
        """The entry kept for the admission, if any (as of its last read)."""
        with self._lock:
            return self._entries.get(admission_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _caught_up(
        self,
        session: Session,
        admission_id: int,
        entry: KeptSets,
        marker: tuple[int, int, int],
        read_matrix: MatrixReader,
    ) -> KeptSets | None:
        """The entry with the sets stored since, or None when only a full read is safe."""
        count, last_id, id_sum = entry.marker
        added, added_sum = series.observations_after(session, admission_id, last_id)
        if (count + added, id_sum + added_sum) != (marker[0], marker[2]):
            return None  # a set below the largest id appeared (out-of-order commit)
        new = read_matrix(session, admission_id, entry.start, entry.end, after_id=last_id)
        reasons = dict(entry.reasons)
        reasons.update(
            series.missing_reasons(session, admission_id, entry.start, entry.end, after_id=last_id)
        )
        matrix = entry.matrix
        if len(new):
            matrix = np.concatenate([matrix, new])
            if len(entry.matrix) and new[0, _TIME] < entry.matrix[-1, _TIME]:
                order = np.lexsort((matrix[:, _ID], matrix[:, _TIME]))
                matrix = matrix[order]
        return KeptSets(
            start=entry.start,
            end=entry.end,
            marker=marker,
            matrix=_frozen(matrix),
            reasons=reasons,
        )


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


Series = TypeVar("Series")

SeriesMarker = tuple[tuple[int, int, int], tuple[int, int, int, int]]
"""(observation-set marker, change-log marker) of an admission, read in one transaction."""


@dataclass(frozen=True, slots=True)
class SeriesRead:
    """One read of a patient's whole series: what was asked, and what the database said in
    that read's transaction."""

    admission_id: int
    request: tuple[Any, ...]
    """The read's arguments (start, end, last) as asked."""
    marker: SeriesMarker
    at: float
    """The database clock at the read (epoch seconds)."""
    shift_started_at: float

    def served_by(self, kept: SeriesRead, age_s: float) -> bool:
        """Whether a series read as ``kept`` answers this read unchanged."""
        return (
            kept.request == self.request
            and kept.marker == self.marker
            and kept.shift_started_at == self.shift_started_at
            and 0.0 <= self.at - kept.at <= age_s
        )


class SeriesKeep(Generic[Series]):
    """The last ``KEPT_SERIES`` whole series read, one per admission (module docstring).
    Safe to share between threads."""

    def __init__(self, kept: int = KEPT_SERIES, age_s: float = SERIES_AGE_S) -> None:
        self._kept = kept
        self._age_s = age_s
        self._entries: OrderedDict[int, tuple[SeriesRead, Series]] = OrderedDict()
        self._lock = threading.Lock()
        self.served = 0
        """Reads answered from the keep (for tests and the bench)."""

    def get(self, read: SeriesRead) -> Series | None:
        """The series kept for exactly this read, if nothing it was read from has changed."""
        with self._lock:
            entry = self._entries.get(read.admission_id)
            if entry is None or not read.served_by(entry[0], self._age_s):
                return None
            self._entries.move_to_end(read.admission_id)
            self.served += 1
            return entry[1]

    def put(self, read: SeriesRead, series: Series) -> None:
        with self._lock:
            self._entries[read.admission_id] = (read, series)
            self._entries.move_to_end(read.admission_id)
            while len(self._entries) > self._kept:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
