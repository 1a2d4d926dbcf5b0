"""Shift arithmetic: which shift an instant falls in, the one before it, and their bounds.

The pattern (names and local wall-clock start/end times) is local policy: ``[[shifts]]`` in
``resources/policy/escalation_policy.toml``, loaded by ``domain.policy``. The ward's time zone
comes from the application settings (default Europe/London). "This shift" and "last shift" are
defined here once (``ShiftPattern.this_shift`` / ``last_shift``) and the whole console uses them.

Bounds are aware UTC datetimes computed from local wall-clock times with ``zoneinfo``, so a
night shift from 19:00 to 07:00 lasts 11 hours on the night the clocks go forward and 13 on the
night they go back. A boundary is *the first instant at which the ward's clock reads the
boundary time*: a time skipped when the clocks go forward starts at the moment of the change,
and a time that happens twice when they go back starts at its first occurrence. Because one
shift's end and the next one's start are the same local time resolved the same way, shifts
always tile time exactly: no gap, no overlap, whatever the date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wardconsole.domain.policy import Shift

DEFAULT_WARD_TIMEZONE = "Europe/London"


def ward_zone(name: str | None) -> ZoneInfo:
    """The ward's time zone; ValueError with a readable message for an unknown name."""
    key = (name or DEFAULT_WARD_TIMEZONE).strip()
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {key!r}: use an IANA name such as {DEFAULT_WARD_TIMEZONE}"
        ) from None


@dataclass(frozen=True, slots=True)
class ShiftWindow:
    """One occurrence of a shift: its name, the local date it starts on and its UTC bounds."""

    name: str
    start_date: date
    """The local calendar date on which the shift starts."""
    start: datetime
    """First instant of the shift (aware, UTC)."""
    end: datetime
    """First instant of the next shift (aware, UTC); the shift is ``start <= t < end``."""
    zone: ZoneInfo

    def contains(self, instant: datetime) -> bool:
        _aware("instant", instant)
        return self.start <= instant < self.end

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(self.zone)

    @property
    def key(self) -> str:
        """The local start as ``2026-11-25T19:00`` (what the CLI's ``--shift`` takes)."""
        return f"{self.local_start:%Y-%m-%dT%H:%M}"

    @property
    def label(self) -> str:
        """'Night shift, Wed 25 Nov 19:00 – Thu 26 Nov 07:00' in ward time."""
        start, end = self.local_start, self.local_end
        return (
            f"{self.name} shift, {start:%a} {start.day} {start:%b %H:%M} – "
            f"{end:%a} {end.day} {end:%b %H:%M}"
        )

    def local(self, instant: datetime) -> datetime:
        """An instant on the ward's clock."""
        _aware("instant", instant)
        return instant.astimezone(self.zone)


class ShiftPattern:
    """The ward's shift pattern in its time zone; all arithmetic on shifts goes through here."""

    def __init__(self, shifts: Sequence[Shift], zone: ZoneInfo | str | None = None) -> None:
        if not shifts:
            raise ValueError("a shift pattern needs at least one shift")
        self._shifts = tuple(shifts)
        self._ordered = tuple(sorted(self._shifts, key=lambda s: s.start))
        """By start time, so previous/following follow the clock."""
        self.zone = zone if isinstance(zone, ZoneInfo) else ward_zone(zone)

    @property
    def shifts(self) -> tuple[Shift, ...]:
        return self._shifts

    # -- the two definitions the whole console uses ------------------------------------------

    def this_shift(self, now: datetime) -> ShiftWindow:
        """The shift in progress at ``now``."""
        return self.containing(now)

    def last_shift(self, now: datetime) -> ShiftWindow:
        """The shift before the one in progress at ``now`` (the one most recently handed over)."""
        return self.previous(self.containing(now))

    # -- arithmetic ----------------------------------------------------------------------------

    def containing(self, instant: datetime) -> ShiftWindow:
        """The shift with ``start <= instant < end``."""
        _aware("instant", instant)
        local = instant.astimezone(self.zone)
        shift = self._shift_at(local.time())
        start_date = local.date()
        if shift.start > shift.end and local.time() < shift.end:
            start_date -= timedelta(days=1)  # the small hours of a shift that began yesterday
        window = self._window(shift, start_date)
        # Around a clock change the wall-clock guess can be one shift off; step to the right one.
        for _ in range(4):
            if instant < window.start:
                window = self.previous(window)
            elif instant >= window.end:
                window = self.following(window)
            else:
                return window
        raise AssertionError(f"no shift contains {instant.isoformat()}")  # pragma: no cover

    def previous(self, window: ShiftWindow) -> ShiftWindow:
        """The shift that ends when ``window`` starts."""
        index = self._index(window.name)
        shift = self._ordered[index - 1]
        start_date = window.start_date
        if shift.start >= self._ordered[index].start:
            start_date -= timedelta(days=1)
        return self._window(shift, start_date)

    def following(self, window: ShiftWindow) -> ShiftWindow:
        """The shift that starts when ``window`` ends."""
        index = self._index(window.name)
        shift = self._ordered[(index + 1) % len(self._ordered)]
        start_date = window.start_date
        if shift.start <= self._ordered[index].start:
            start_date += timedelta(days=1)
        return self._window(shift, start_date)

    def starting_at(self, local_start: datetime) -> ShiftWindow:
        """The shift starting at a local wall-clock time (naive, or aware in any zone).

        ValueError when no shift starts then, naming the start times that do exist.
        """
        if local_start.tzinfo is not None:
            local_start = local_start.astimezone(self.zone).replace(tzinfo=None)
        clock = local_start.time().replace(second=0, microsecond=0)
        if local_start.time() != clock:
            raise ValueError("a shift starts on a whole minute")
        for shift in self._shifts:
            if shift.start == clock:
                return self._window(shift, local_start.date())
        starts = ", ".join(f"{s.start:%H:%M} ({s.name})" for s in self._ordered)
        raise ValueError(f"no shift starts at {clock:%H:%M}; shifts start at {starts}")

    def between(self, first: ShiftWindow, last: ShiftWindow) -> list[ShiftWindow]:
        """Every shift from ``first`` to ``last`` inclusive, oldest first."""
        out = [first]
        while out[-1].start < last.start:
            out.append(self.following(out[-1]))
        return out

    # -- helpers -------------------------------------------------------------------------------

    def _index(self, name: str) -> int:
        for index, shift in enumerate(self._ordered):
            if shift.name == name:
                return index
        raise ValueError(f"no shift called {name!r}")

    def _shift_at(self, clock: time) -> Shift:
        for shift in self._shifts:
            if shift.contains(clock):
                return shift
        raise LookupError(f"no shift covers {clock:%H:%M}")

    def _window(self, shift: Shift, start_date: date) -> ShiftWindow:
        end_date = start_date if shift.end > shift.start else start_date + timedelta(days=1)
        return ShiftWindow(
            name=shift.name,
            start_date=start_date,
            start=boundary(start_date, shift.start, self.zone),
            end=boundary(end_date, shift.end, self.zone),
            zone=self.zone,
        )


def boundary(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the clock in ``zone`` reads ``day`` ``clock``.

    A skipped time (clocks go forward) gives the instant of the change; a repeated time (clocks
    go back) gives its first occurrence.
    """
    wall = datetime.combine(day, clock)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # ``wall`` does not exist: fold=0 used the offset before the change, fold=1 the offset after.
    # The change lies between the two readings; find its instant to the second.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    if low > high:
        low, high = high, low
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def _aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: expected a timezone-aware datetime, got {value!r}")
