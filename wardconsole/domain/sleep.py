"""Sleep: hours asleep per night estimated from the safety checks, the nurse's sleep entry, and
the "little sleep two nights running" flag.

The **night** is a shift of the ward's shift pattern (``[night] shift`` in
``resources/policy/sleep.toml``; the pattern itself is ``domain.shifts``), so it runs on the
ward's wall clock, crosses midnight, and lasts 11 or 13 hours on the nights the clocks change.
All arithmetic is on elapsed time.

The **estimate** reads the night's safety checks ("Asleep — breathing observed" is asleep; calm,
distressed and agitated are awake; "not found" says nothing about sleep). Checks are samples:
each stands for at most half its level's check interval on either side, and only up to halfway
to its neighbour, so a gap longer than the interval leaves time that no check covers. That time
is counted as *not covered*, never as asleep or awake, and the words say so. An estimate covering
less than the policy's share of the night is "too few checks", never a number of hours.

The nurse's entry (hours slept, settled or disturbed, woke at) is the nurse's judgement and is
preferred to the estimate wherever one number is needed (the census flag, the handoff). The
thresholds are local policy, not a published standard (the UI says so).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

from wardconsole.domain.configfiles import (
    TableReader,
    content_digest,
    default_policy_file,
    once_per_content,
    read_toml,
)
from wardconsole.domain.fluids import ago_text
from wardconsole.domain.records import Severity
from wardconsole.domain.safety_checks import CheckRecord, Presentation
from wardconsole.domain.shifts import ShiftPattern, ShiftWindow
from wardconsole.domain.text_input import MAX_NOTE, text_problem

SLEEP_POLICY_FILE: Final = "sleep.toml"
NOT_A_STANDARD: Final = "local policy, not a published standard"
LITTLE_SLEEP_SEVERITY: Final = Severity.ADVISORY
"""Little sleep raises no escalation: a flag for the next nurse's attention at most advisory, so
the census, the chart and the handoff mark it with the advisory shape (●), never louder."""
"""How the console words the sleep thresholds wherever it shows them."""
SAMPLES: Final = "checks are samples"


# -- policy ---------------------------------------------------------------------------------------


class SleepPolicyError(ValueError):
    """The sleep policy file is unusable; the message names file, section and key."""


@dataclass(frozen=True, slots=True)
class SleepPolicy:
    name: str
    version: str
    night_shift: str
    min_covered_percent: int
    little_sleep_hours: int
    nights_running: int
    governance_signoff: str = ""
    source: str = ""
    digest: str = ""

    @property
    def signed_off(self) -> bool:
        return bool(self.governance_signoff.strip())

    @property
    def flag_rule(self) -> str:
        """'under 4 h asleep 2 nights running (local policy, not a published standard)'."""
        return (
            f"under {self.little_sleep_hours} h asleep {self.nights_running} nights running "
            f"({NOT_A_STANDARD})"
        )


@once_per_content(SLEEP_POLICY_FILE)
def load_sleep_policy(path: Path | None = None) -> SleepPolicy:
    """Load and validate the policy (default: bundled ``policy/sleep.toml``)."""
    source: Path | Traversable = (
        path if path is not None else default_policy_file(SLEEP_POLICY_FILE)
    )
    data = read_toml(source, SleepPolicyError)
    reader = TableReader(str(source), SleepPolicyError)
    reader.only(data, {"policy", "night", "estimate", "flag"}, "top level")
    header = reader.table(data, "policy", "top level")
    reader.only(header, {"name", "version", "governance_signoff"}, "policy")
    night = reader.table(data, "night", "top level")
    reader.only(night, {"shift"}, "night")
    estimate = reader.table(data, "estimate", "top level")
    reader.only(estimate, {"min_covered_percent"}, "estimate")
    flag = reader.table(data, "flag", "top level")
    reader.only(flag, {"little_sleep_hours", "nights_running"}, "flag")
    return SleepPolicy(
        name=reader.text(header, "name", "policy"),
        version=reader.text(header, "version", "policy"),
        governance_signoff=reader.text(header, "governance_signoff", "policy", empty=True),
        night_shift=reader.text(night, "shift", "night"),
        min_covered_percent=reader.integer(estimate, "min_covered_percent", "estimate", 1, 100),
        little_sleep_hours=reader.integer(flag, "little_sleep_hours", "flag", 1, 12),
        nights_running=reader.integer(flag, "nights_running", "flag", 1, 7),
        source=str(source),
        digest=content_digest(data),
    )


# -- nights ---------------------------------------------------------------------------------------


def night_on(pattern: ShiftPattern, day: date, policy: SleepPolicy) -> ShiftWindow:
    """The night starting on the local ``day`` (ValueError when the pattern has no such shift)."""
    for shift in pattern.shifts:
        if shift.name == policy.night_shift:
            return pattern.starting_at(datetime.combine(day, shift.start))
    names = ", ".join(s.name for s in pattern.shifts)
    raise ValueError(f"the sleep policy's night shift {policy.night_shift!r} is not one of {names}")


def last_night(pattern: ShiftPattern, now: datetime, policy: SleepPolicy) -> ShiftWindow:
    """The newest night that has ended by ``now`` ("last night", also during the next night)."""
    window = pattern.containing(now)
    night_on(pattern, window.start_date, policy)  # names a bad [night] shift clearly
    window = pattern.previous(window)
    while window.name != policy.night_shift:
        window = pattern.previous(window)
    return window


def night_for_entry(pattern: ShiftPattern, now: datetime, policy: SleepPolicy) -> ShiftWindow:
    """The night a sleep entry made at ``now`` is about by default: the night in progress, or
    else the last one."""
    window = pattern.containing(now)
    return window if window.name == policy.night_shift else last_night(pattern, now, policy)


def recent_nights(
    pattern: ShiftPattern, now: datetime, policy: SleepPolicy, count: int
) -> list[ShiftWindow]:
    """The last ``count`` nights that have ended by ``now``, oldest first."""
    nights = [last_night(pattern, now, policy)]
    while len(nights) < count:
        before = pattern.previous(nights[-1])
        while before.name != policy.night_shift:
            before = pattern.previous(before)
        nights.append(before)
    return nights[::-1]


def night_label(night: ShiftWindow, *, capital: bool = False) -> str:
    """'night of Wed 25 → Thu 26 Nov' (+ ' (13 h: the clocks went back)'); 'Night of …'."""
    start, end = night.local_start, night.local_end
    text = f"{'N' if capital else 'n'}ight of {start:%a} {start.day} → {end:%a} {end.day} {end:%b}"
    hours = night.duration.total_seconds() / 3600
    nominal = _nominal_hours(night)
    if hours < nominal:
        text += f" ({hours:g} h: the clocks went forward)"
    elif hours > nominal:
        text += f" ({hours:g} h: the clocks went back)"
    return text


def _nominal_hours(night: ShiftWindow) -> float:
    start, end = night.local_start, night.local_end
    wall = (end.replace(tzinfo=None) - start.replace(tzinfo=None)).total_seconds() / 3600
    return wall


# -- the estimate from safety checks --------------------------------------------------------------


_ASLEEP = frozenset({Presentation.ASLEEP})
_AWAKE = frozenset({Presentation.CALM, Presentation.DISTRESSED, Presentation.AGITATED})


@dataclass(frozen=True, slots=True)
class SleepEstimate:
    """What the night's safety checks say about sleep: time each state was seen, and time that
    no check stands for."""

    night: ShiftWindow
    checks: int
    """Checks that saw the patient (asleep or awake); "not found" ones are not counted."""
    asleep_checks: int
    first_at: datetime | None
    last_at: datetime | None
    asleep: timedelta
    awake: timedelta
    min_covered_percent: int = 50
    admitted_at: datetime | None = None
    """Set when the patient was admitted during the night: the night counts from then."""
    discharged_at: datetime | None = None
    """Set when the patient was discharged before the night ended: the night ends then."""
    as_of: datetime | None = None
    """Set while the night is still in progress: it counts until then, so the rest of the
    night is neither asleep nor "not covered by a check"."""

    @property
    def on_ward(self) -> timedelta:
        """The part of the night the patient was on the ward (all of it, unless admitted or
        discharged during it)."""
        first, last = on_ward_span(self.night, self.admitted_at, self.discharged_at, self.as_of)
        return last - first

    @property
    def covered(self) -> timedelta:
        return self.asleep + self.awake

    @property
    def not_covered(self) -> timedelta:
        return max(timedelta(0), self.on_ward - self.covered)

    @property
    def enough(self) -> bool:
        """The checks stand for enough of the night on the ward to state hours (the policy's
        share)."""
        return self.checks > 0 and self.covered * 100 >= self.on_ward * self.min_covered_percent

    @property
    def hours(self) -> float | None:
        """Hours asleep to the nearest half hour; None with too few checks."""
        return half_hours(self.asleep) if self.enough else None

    @property
    def text(self) -> str:
        """'≈ 5 h asleep (from 9 checks, 22:00–06:30; checks are samples)'."""
        if self.checks == 0:
            return "no safety checks saw the patient — sleep not estimated"
        span = f"{self._clock(self.first_at)}–{self._clock(self.last_at)}"
        count = f"{self.checks} check{'s' if self.checks > 1 else ''}"
        if not self.enough:
            seen = (
                "asleep at every one"
                if self.asleep_checks == self.checks
                else f"asleep at {self.asleep_checks}"
            )
            return f"too few checks to estimate ({count}, {span}, {seen}; {SAMPLES})"
        extra = ""
        if self.asleep_checks == 0:
            extra = "; awake at every check"
        gap = self.not_covered
        if gap >= timedelta(minutes=30):
            extra += f"; {ago_text(gap)} not covered by a check"
        return f"≈ {hours_text(self.asleep)} asleep (from {count}, {span}{extra}; {SAMPLES})"

    def _clock(self, at: datetime | None) -> str:
        return self.night.local(at).strftime("%H:%M") if at else "—"

    @property
    def short(self) -> str:
        """'≈ 5 h (estimate from 8 checks)' / 'too few checks'."""
        if self.hours is None:
            return "too few checks"
        return f"≈ {hours_text(self.asleep)} (estimate from {self.checks} checks)"


def estimate_sleep(
    night: ShiftWindow,
    checks: Iterable[CheckRecord],
    interval_of: Callable[[str], timedelta],
    policy: SleepPolicy,
    admitted_at: datetime | None = None,
    discharged_at: datetime | None = None,
    as_of: datetime | None = None,
) -> SleepEstimate:
    """Estimate time asleep in ``night`` from its safety checks (current ones; any order).

    ``interval_of(level)`` is the check interval of the observation level the check was taken
    on. Each check stands for the time around it: up to half its interval before and after,
    never past halfway to the neighbouring check nor outside the night. A gap between two checks
    longer than their intervals is left partly uncovered. A patient admitted during the night
    is on the ward from ``admitted_at``, and one discharged during it until ``discharged_at``:
    the time off the ward is neither covered nor "not covered", and no check stands for it.
    A night still in progress at ``as_of`` counts until then: the hours still to come are not
    "not covered".
    """
    first, last = on_ward_span(night, admitted_at, discharged_at, as_of)
    seen = sorted(
        (c for c in checks if first <= c.taken_at < last and c.presentation.found),
        key=lambda c: (c.taken_at, c.id),
    )
    asleep = awake = timedelta(0)
    for i, check in enumerate(seen):
        half = interval_of(check.level) / 2
        before = half
        after = half
        if i > 0:
            before = min(before, (check.taken_at - seen[i - 1].taken_at) / 2)
        if i + 1 < len(seen):
            after = min(after, (seen[i + 1].taken_at - check.taken_at) / 2)
        start = max(first, check.taken_at - before)
        end = min(last, check.taken_at + after)
        span = max(timedelta(0), end - start)
        if check.presentation in _ASLEEP:
            asleep += span
        elif check.presentation in _AWAKE:
            awake += span
    return SleepEstimate(
        night=night,
        checks=len(seen),
        asleep_checks=sum(1 for c in seen if c.presentation in _ASLEEP),
        first_at=seen[0].taken_at if seen else None,
        last_at=seen[-1].taken_at if seen else None,
        asleep=asleep,
        awake=awake,
        min_covered_percent=policy.min_covered_percent,
        admitted_at=admitted_at if admitted_at is not None and admitted_at > night.start else None,
        discharged_at=(
            discharged_at if discharged_at is not None and discharged_at < night.end else None
        ),
        as_of=as_of if as_of is not None and as_of < night.end else None,
    )


def on_ward_span(
    night: ShiftWindow,
    admitted_at: datetime | None,
    discharged_at: datetime | None,
    as_of: datetime | None = None,
) -> tuple[datetime, datetime]:
    """The part of ``night`` between the admission and the discharge, or ``as_of`` for a night
    still in progress (any may be None: the night's own edge). Empty (start == end) when the
    stay does not reach into the night."""
    first, last = night.start, night.end
    if admitted_at is not None and admitted_at > first:
        first = min(admitted_at, last)
    for end in (discharged_at, as_of):
        if end is not None and end < last:
            last = max(end, first)
    return first, last


# -- the nurse's sleep entry ----------------------------------------------------------------------


class SleepQuality(StrEnum):
    """How the night was (persisted)."""

    SETTLED = "settled"
    DISTURBED = "disturbed"

    @property
    def label(self) -> str:
        return "Settled" if self is SleepQuality.SETTLED else "Disturbed"


@dataclass(frozen=True, slots=True)
class SleepInput:
    """A nurse's sleep entry as typed: the night (its local start date), hours slept in whole
    minutes, settled or disturbed, and when the patient woke (optional)."""

    night_of: date
    minutes_slept: int
    quality: SleepQuality
    woke_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class SleepEntry:
    """One current nurse sleep entry."""

    id: int
    admission_id: int
    night_of: date
    minutes_slept: int
    quality: SleepQuality
    woke_at: datetime | None
    taken_at: datetime
    nurse: str = ""

    @property
    def asleep(self) -> timedelta:
        return timedelta(minutes=self.minutes_slept)

    def text(self, zone: tzinfo | None = None) -> str:
        """'slept 4 h, disturbed, woke 05:10 (nurse's entry)'."""
        woke = f", woke {self.woke_at.astimezone(zone):%H:%M}" if self.woke_at else ""
        return (
            f"slept {hours_text(self.asleep)}, {self.quality.label.lower()}{woke} (nurse's entry)"
        )


def sleep_problems(entry: SleepInput, night: ShiftWindow, now: datetime) -> dict[str, str]:
    """What is wrong with ``entry`` for ``night`` (field -> message naming it); empty when fine.

    Hours slept cannot exceed the night's length (11 or 13 h on clock-change nights); the
    waking time lies within the night or the following day's shift, never in the future."""
    problems: dict[str, str] = {}
    minutes = entry.minutes_slept
    longest = int(night.duration.total_seconds() // 60)
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        problems["minutes_slept"] = "hours slept: a number of hours"
    elif not 0 <= minutes <= longest:
        problems["minutes_slept"] = (
            f"hours slept: {minutes / 60:g} h is not possible in a {longest / 60:g}-hour night "
            f"(0–{longest / 60:g} h)"
        )
    if not isinstance(entry.quality, SleepQuality):
        problems["quality"] = "quality: settled or disturbed"
    if night.start > now:
        problems["night_of"] = "night: that night has not begun yet"
    woke = entry.woke_at
    if woke is not None:
        if woke.tzinfo is None:
            problems["woke_at"] = "woke at: a ward time with its date"
        elif woke > now:
            problems["woke_at"] = "woke at: that time has not come yet"
        elif not night.start <= woke < night.end + night.duration:
            problems["woke_at"] = (
                f"woke at: between the night's start ({night.local_start:%a %H:%M}) "
                "and the next night"
            )
    if problem := text_problem("note", entry.note, max_length=MAX_NOTE, multiline=True):
        problems["note"] = problem
    return problems


# -- one night, all sources together --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartSleep:
    """The withdrawal chart's sleep item rated for a night (the rating after the night's start
    and before the next night)."""

    score: int
    max_score: int
    anchor: str
    taken_at: datetime

    @property
    def text(self) -> str:
        return f"withdrawal chart sleep {self.score}/{self.max_score} ({self.anchor})"


@dataclass(frozen=True, slots=True)
class NightSleep:
    """A night's sleep as the ward knows it: the estimate, the nurse's entry, the chart item."""

    night: ShiftWindow
    estimate: SleepEstimate
    entry: SleepEntry | None = None
    chart: ChartSleep | None = None

    @property
    def asleep(self) -> timedelta | None:
        """The nurse's hours when entered, else the estimate's (None: too few checks)."""
        if self.entry is not None:
            return self.entry.asleep
        return self.estimate.asleep if self.estimate.enough else None

    @property
    def hours(self) -> float | None:
        found = self.asleep
        return None if found is None else half_hours(found)

    @property
    def source(self) -> str:
        if self.entry is not None:
            return "nurse's entry"
        if self.estimate.enough:
            return f"estimate from {self.estimate.checks} checks"
        return ""

    def little(self, policy: SleepPolicy) -> bool | None:
        """Fewer than the policy's hours asleep; None when unknown."""
        found = self.asleep
        if found is None:
            return None
        return found < timedelta(hours=policy.little_sleep_hours)

    @property
    def detail(self) -> str:
        """The night without naming it (chart hover, table, read-out): the nurse's entry and
        the estimate, or the estimate alone, and the chart's sleep rating."""
        parts = []
        if self.entry is not None:
            parts.append(self.entry.text(self.night.zone))
        parts.append(self.estimate.text)
        if self.chart is not None:
            parts.append(self.chart.text)
        return "; ".join(parts)

    def fact(self, when: str = "last night") -> str:
        """'slept ≈ 4 h last night (estimate from 8 checks)' or the nurse's entry, with the chart
        item when rated."""
        estimate = self.estimate
        if self.entry is not None:
            text = f"{when}: {self.entry.text(self.night.zone)}"
            if estimate.checks:
                text += f"; checks: {estimate.short}"
        elif estimate.enough:
            text = (
                f"slept ≈ {hours_text(estimate.asleep)} {when} "
                f"(estimate from {estimate.checks} checks; {SAMPLES})"
            )
        else:
            text = f"{when}: {estimate.text}"
        if self.chart is not None:
            text += f"; {self.chart.text}"
        return text


def nights_sleep(
    pattern: ShiftPattern,
    nights: Sequence[ShiftWindow],
    checks: Iterable[CheckRecord],
    entries: Iterable[SleepEntry],
    chart: Sequence[ChartSleep],
    interval_of: Callable[[str], timedelta],
    policy: SleepPolicy,
    admitted_at: datetime | None = None,
    discharged_at: datetime | None = None,
    as_of: datetime | None = None,
) -> list[NightSleep]:
    """One ``NightSleep`` per night (oldest first): the estimate, the newest current nurse entry
    for that night, and the withdrawal chart's sleep item as first rated after the night (in the
    shift that follows it: the morning rating describes the night before). The night of the
    admission counts from ``admitted_at``, the night of the discharge until ``discharged_at``,
    and a night in progress at ``as_of`` until then."""
    all_checks = list(checks)
    by_night: dict[date, SleepEntry] = {}
    for entry in sorted(entries, key=lambda e: (e.taken_at, e.id)):
        by_night[entry.night_of] = entry
    out = []
    for night in nights:
        morning = pattern.following(night)
        rated = [c for c in chart if morning.contains(c.taken_at)]
        out.append(
            NightSleep(
                night,
                estimate_sleep(
                    night, all_checks, interval_of, policy, admitted_at, discharged_at, as_of
                ),
                by_night.get(night.start_date),
                min(rated, key=lambda c: c.taken_at) if rated else None,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class SleepFlag:
    """Little sleep on each of the last nights running (the census flag)."""

    nights: tuple[NightSleep, ...]
    policy: SleepPolicy

    @property
    def text(self) -> str:
        """'● little sleep 3 h, 2.5 h' (the advisory shape: ``LITTLE_SLEEP_SEVERITY``)."""
        hours = ", ".join(hours_text(n.asleep or timedelta(0)) for n in self.nights)
        return f"{LITTLE_SLEEP_SEVERITY.shape} little sleep {hours}"

    @property
    def detail(self) -> list[str]:
        lines = [
            f"{night_label(n.night, capital=True)}: {hours_text(n.asleep or timedelta(0))} "
            f"({n.source})"
            for n in self.nights
        ]
        lines.append(f"Flag: {self.policy.flag_rule}")
        return lines


def little_sleep_flag(nights: Sequence[NightSleep], policy: SleepPolicy) -> SleepFlag | None:
    """The flag when each of the last ``policy.nights_running`` nights had little sleep (an
    unknown night breaks the run: the console does not guess)."""
    recent = tuple(nights[-policy.nights_running :])
    if len(recent) < policy.nights_running:
        return None
    if all(n.little(policy) for n in recent):
        return SleepFlag(recent, policy)
    return None


# -- words ----------------------------------------------------------------------------------------


def half_hours(span: timedelta) -> float:
    """``span`` in hours to the nearest half hour (a quarter past rounds up)."""
    minutes = int(span.total_seconds() // 60)
    return ((minutes + 15) // 30) / 2


def hours_text(span: timedelta) -> str:
    """'5 h', '5.5 h', '0 h' — to the nearest half hour."""
    return f"{half_hours(span):g} h"


def sleep_entry_text(values: Mapping[str, object]) -> str:
    """The history's words for a stored sleep entry's values."""
    minutes = values.get("minutes_slept")
    slept = hours_text(timedelta(minutes=minutes)) if isinstance(minutes, int) else "?"
    quality = str(values.get("quality") or "")
    night = values.get("night_of")
    when = f"Night of {night:%a %d %b}: " if isinstance(night, date) else ""
    woke = values.get("woke_at")
    woke_text = f", woke {woke.astimezone():%H:%M}" if isinstance(woke, datetime) else ""
    return f"{when}slept {slept}, {quality}{woke_text}"


def course_line(nights: Sequence[NightSleep], policy: SleepPolicy) -> str:
    """The discharge summary's sleep course: the first and last nights' hours, the nights with
    little sleep and those the checks could not say, marking estimates with '≈'."""
    if not nights:
        return "Sleep: no night recorded in the console."
    known = [(number, n) for number, n in enumerate(nights, 1) if n.hours is not None]
    if not known:
        return f"Sleep: {_count(len(nights))}; too few safety checks to estimate any of them."

    def hours(night: NightSleep) -> str:
        prefix = "" if night.entry is not None else "≈ "
        return f"{prefix}{night.hours:g} h"

    first_number, first = known[0]
    last_number, last = known[-1]
    text = f"Sleep: {_count(len(nights))}; night {first_number} {hours(first)}"
    if last_number != first_number:
        text += f", night {last_number} {hours(last)}"
    little = [number for number, n in known if n.little(policy)]
    if little:
        text += (
            f"; under {policy.little_sleep_hours} h on {_count(len(little))} "
            f"({_numbers(little)}; {NOT_A_STANDARD})"
        )
    unknown = len(nights) - len(known)
    if unknown:
        text += f"; {_count(unknown)} with too few checks to say"
    if any(n.entry is None for _number, n in known):
        text += f". ≈: estimated from the safety checks ({SAMPLES})"
    return text + "."


def _count(nights: int) -> str:
    """'1 night', '3 nights'."""
    return f"{nights} night{'s' if nights != 1 else ''}"


def _numbers(numbers: Sequence[int]) -> str:
    """'nights 1–3, 5' from [1, 2, 3, 5]."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    return f"night{'s' if len(numbers) > 1 else ''} {', '.join(parts)}"
