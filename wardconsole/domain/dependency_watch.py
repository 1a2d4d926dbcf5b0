"""The medicines dependency watch: how a patient's use of each watched drug class runs over
nights and ward days (REFERENCE-2.md §12.4).

The ward treats withdrawal with short-term sleep aids and anxiolytics, "carefully monitored to
prevent new dependencies". Published guidance on duration (REFERENCE-2.md §12.4): benzodiazepines
for anxiety 2–4 weeks only (CSM 1988, carried in the BNF [S17]); hypnotics for severe insomnia
for short periods only (NICE TA77 [S18]); NICE CKS insomnia a 3–7 day course, not beyond 2 weeks
(Secondary [S18]); tolerance within 3–14 days (a BNF-based formulary [S17]). How many nights or
days in a row call for a review is therefore local policy (``[rules.dependency_review]``).

Which classes are watched, and each drug's class and diazepam equivalent, come from the
formulary (the one home for drug facts). Definitions, on the ward's clock (``ShiftPattern``, so
midnight and clock changes fall where the ward's clock says):

* a **ward day** starts when the shift covering midday starts (07:00 on a 07:00/19:00 pattern)
  and includes the night that follows;
* a **night** is one occurrence of the shift covering 03:00; a night *of use* has at least one
  dose of the class given during it;
* **in a row** counts back from tonight when a dose has been given tonight, else from last
  night (so the evening before the usual dose still shows the run);
* the **diazepam-equivalent load** of a ward day adds each benzodiazepine or Z-drug dose converted
  with the drug's first formulary equivalent: an approximate reference figure with its source,
  never a conversion of a prescription (REFERENCE-2.md §12.4). A dose whose amount cannot be read
  in mg, or a drug with no equivalent, is named as left out, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import pairwise
from typing import Final

from wardconsole.domain.formulary import DiazepamEquivalent, Formulary
from wardconsole.domain.records import PrnDose
from wardconsole.domain.shifts import ShiftPattern, ShiftWindow

DAY_ANCHOR: Final = time(12, 0)
"""The shift covering midday starts the ward day."""
NIGHT_ANCHOR: Final = time(3, 0)
"""The shift covering 03:00 is the night."""
_AMOUNT = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(mg|milligrams?|micrograms?|mcg|µg)\b", re.IGNORECASE | re.ASCII
)


def dose_mg(text: str) -> Decimal | None:
    """The amount of a dose as written ("7.5 mg", "500 micrograms") in mg; None if unreadable."""
    match = _AMOUNT.match(text or "")
    if match is None:
        return None
    value = Decimal(match.group(1))
    unit = match.group(2).lower()
    return value if unit.startswith(("mg", "milligram")) else value / 1000


@dataclass(frozen=True, slots=True)
class WardCalendar:
    """Ward days and nights on the ward's shift pattern and clock."""

    pattern: ShiftPattern

    def _named(self, clock: time) -> str:
        for shift in self.pattern.shifts:
            if shift.contains(clock):
                return shift.name
        raise LookupError(f"no shift covers {clock:%H:%M}")  # pragma: no cover - policy checks

    def ward_day(self, instant: datetime) -> date:
        """The ward day ``instant`` belongs to (the date its day-starting shift began)."""
        anchor = self._named(DAY_ANCHOR)
        window = self.pattern.containing(instant)
        while window.name != anchor:
            window = self.pattern.previous(window)
        return window.start_date

    def night(self, instant: datetime) -> date | None:
        """The night ``instant`` falls in (the date it began), or None during the day."""
        window = self.pattern.containing(instant)
        return window.start_date if window.name == self._named(NIGHT_ANCHOR) else None

    def latest_night(self, now: datetime) -> ShiftWindow:
        """Tonight if ``now`` is in the night shift, else the last night that ended."""
        anchor = self._named(NIGHT_ANCHOR)
        window = self.pattern.containing(now)
        while window.name != anchor:
            window = self.pattern.previous(window)
        return window

    def nights_back(self, now: datetime, count: int) -> list[date]:
        """The start dates of the latest ``count`` nights, newest first."""
        window = self.latest_night(now)
        name = window.name
        nights: list[date] = []
        while len(nights) < count:
            nights.append(window.start_date)
            window = self.pattern.previous(window)
            while window.name != name:
                window = self.pattern.previous(window)
        return nights

    def days_back(self, now: datetime, count: int) -> list[date]:
        """The latest ``count`` ward days (today first)."""
        today = self.ward_day(now)
        return [date.fromordinal(today.toordinal() - n) for n in range(count)]


@dataclass(frozen=True, slots=True)
class Load:
    """A ward day's diazepam-equivalent load: an approximate reference figure."""

    low_mg: Decimal
    high_mg: Decimal
    sources: tuple[str, ...]
    left_out: tuple[str, ...]
    """Doses not converted (amount unreadable, or no equivalent in the formulary)."""

    @property
    def text(self) -> str:
        """'≈ 17.5 mg diazepam-equivalent (Ashton 2002/2007; approximate reference figure)'."""
        amount = (
            _mg(self.low_mg)
            if self.low_mg == self.high_mg
            else (f"{_mg(self.low_mg)}–{_mg(self.high_mg)}")
        )
        where = "; ".join(self.sources) or "no equivalent"
        text = f"≈ {amount} mg diazepam-equivalent ({where}; approximate reference figure)"
        if self.left_out:
            text += f"; not converted: {', '.join(self.left_out)}"
        return text


@dataclass(frozen=True, slots=True)
class ClassWatch:
    """One watched class for one patient."""

    key: str
    label: str
    drugs: tuple[str, ...]
    """The drugs of the class given in the watch period, most recent first."""
    per_day: tuple[tuple[date, int], ...]
    """PRN doses per ward day, oldest first, up to today."""
    nights_in_row: int
    nights_of_last_7: int
    days_in_row: int
    run_started_at: datetime | None = None
    """The first dose of the first night of the current run of nights (None: no run)."""
    day_run_started_at: datetime | None = None
    """The first dose of the first ward day of the current run of days."""
    latest_dose_at: datetime | None = None
    load_today: Load | None = None
    """Only for classes with diazepam equivalents in the formulary."""

    @property
    def today(self) -> int:
        return self.per_day[-1][1] if self.per_day else 0

    @property
    def name(self) -> str:
        """The drug when it is one ("zopiclone"), else the class ("benzodiazepine")."""
        return self.drugs[0].lower() if len(self.drugs) == 1 else self.label.lower()

    def rising(self, days: int, min_rise: int) -> tuple[int, ...] | None:
        """The last ``days`` completed ward days' counts when each is higher than the one
        before and the rise is at least ``min_rise``; None otherwise."""
        completed = [n for _day, n in self.per_day[:-1]][-days:]
        if len(completed) < days:
            return None
        if all(b > a for a, b in pairwise(completed)) and completed[-1] - completed[0] >= min_rise:
            return tuple(completed)
        return None


@dataclass(frozen=True, slots=True)
class MedicinesWatch:
    """Every watched class a patient has had in the watch period."""

    as_of: datetime
    classes: tuple[ClassWatch, ...]
    overruns: tuple[tuple[str, datetime], ...] = ()
    """Planned reducing regimens that overran: what happened and when
    (``medicines.regimen_overruns``)."""


def watch_medicines(
    doses: Sequence[PrnDose],
    *,
    formulary: Formulary,
    calendar: WardCalendar,
    now: datetime,
    days: int,
    regular: Sequence[PrnDose] = (),
) -> MedicinesWatch:
    """The watch over PRN ``doses`` and ``regular`` doses given (at or before ``now``, any
    order) for ``days`` ward days. Both count for nights, days in a row and the load; the
    day-on-day counts (``per_day``) are PRN doses only."""
    prn_ids = {id(d) for d in doses}
    doses = [*doses, *regular]
    nights = calendar.nights_back(now, max(days, 7))
    ward_days = list(reversed(calendar.days_back(now, days)))
    by_class: dict[str, list[tuple[PrnDose, str, str]]] = {}
    labels: dict[str, str] = {}
    for dose in sorted(doses, key=lambda d: d.given_at, reverse=True):
        if dose.given_at > now:
            continue
        found = formulary.classify(dose.drug, dose.drug_class)
        if not found.dependency_watch:
            continue
        name = found.drug.name if found.drug is not None else dose.drug.strip()
        by_class.setdefault(found.key, []).append((dose, name, found.key))
        labels[found.key] = found.label
    out: list[ClassWatch] = []
    today = ward_days[-1]
    for key, given in by_class.items():
        day_of = [calendar.ward_day(d.given_at) for d, _n, _k in given]
        nights_given = [calendar.night(d.given_at) for d, _n, _k in given]
        night_of = set(nights_given)
        in_row = _in_row(nights, night_of)
        days_in_row = _in_row(list(reversed(ward_days)), set(day_of))
        prn_days = [day for (d, _n, _k), day in zip(given, day_of, strict=True) if id(d) in prn_ids]
        per_day = tuple((day, prn_days.count(day)) for day in ward_days)
        if not any(day in ward_days for day in day_of):
            continue
        out.append(
            ClassWatch(
                key=key,
                label=labels[key],
                drugs=tuple(dict.fromkeys(name for _d, name, _k in given)),
                per_day=per_day,
                nights_in_row=in_row,
                nights_of_last_7=sum(1 for night in nights[:7] if night in night_of),
                days_in_row=days_in_row,
                run_started_at=_run_start(given, nights_given, nights, in_row),
                day_run_started_at=_run_start(
                    given, day_of, list(reversed(ward_days)), days_in_row
                ),
                latest_dose_at=given[0][0].given_at,
                load_today=day_load(
                    [(d, n) for (d, n, _k), day in zip(given, day_of, strict=True) if day == today],
                    formulary,
                ),
            )
        )
    return MedicinesWatch(now, tuple(out))


def _in_row(newest_first: Sequence[date], used: set[date | None]) -> int:
    """Consecutive periods of use counting back from the newest; the newest (tonight, today)
    may still be to come, so a run ending at the one before counts too."""
    periods = list(newest_first)
    if periods and periods[0] not in used:
        periods = periods[1:]
    count = 0
    for period in periods:
        if period not in used:
            break
        count += 1
    return count


def _run_start(
    given: Sequence[tuple[PrnDose, str, str]],
    periods_given: Sequence[date | None],
    newest_first: Sequence[date],
    run: int,
) -> datetime | None:
    """The first dose of the oldest period of a run of ``run`` periods."""
    if run == 0:
        return None
    in_run = [p for p in newest_first if p in set(periods_given)][:run]
    first = in_run[-1]
    return min(
        d.given_at for (d, _n, _k), p in zip(given, periods_given, strict=True) if p == first
    )


def day_load(doses: Sequence[tuple[PrnDose, str]], formulary: Formulary) -> Load | None:
    """Today's diazepam-equivalent load of the doses that have an equivalent in the formulary."""
    low = high = Decimal(0)
    sources: list[str] = []
    left_out: list[str] = []
    any_equivalent = False
    for dose, name in doses:
        drug = formulary.find(dose.drug)
        equivalent: DiazepamEquivalent | None = (
            drug.equivalents[0] if drug is not None and drug.equivalents else None
        )
        amount = dose_mg(dose.dose)
        if equivalent is None:
            left_out.append(f"{name} {dose.dose}".strip())
            continue
        any_equivalent = True
        if amount is None:
            left_out.append(f"{name} {dose.dose or '(no amount)'}".strip())
            continue
        low += amount * equivalent.diazepam_mg / equivalent.dose_mg_high
        high += amount * equivalent.diazepam_mg / equivalent.dose_mg
        where = (
            equivalent.source
            if equivalent.status == "verified"
            else (f"{equivalent.source}, secondary source")
        )
        if where not in sources:
            sources.append(where)
    if not any_equivalent:
        return None
    return Load(low, high, tuple(sources), tuple(left_out))


def _mg(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.1")).normalize(), "f")
    return text


def watch_lines(
    watch: MedicinesWatch, *, max_nights: int, max_days: int, rising_days: int, min_rise: int
) -> list[tuple[str, bool]]:
    """The handoff's words for the watch, each with whether it needs attention, e.g.
    ("zopiclone 6 of 7 nights, 6 in a row — review due", True)."""
    lines: list[tuple[str, bool]] = []
    for c in watch.classes:
        parts = [f"{c.today} PRN today"]
        if c.nights_of_last_7:
            parts.append(f"{c.nights_of_last_7} of 7 nights, {c.nights_in_row} in a row")
        if c.days_in_row > 1:
            parts.append(f"{c.days_in_row} ward days in a row")
        due = c.nights_in_row > max_nights or c.days_in_row > max_days
        rise = c.rising(rising_days, min_rise)
        if rise is not None:
            parts.append("PRN rising " + " → ".join(str(n) for n in rise))
        text = f"{c.name}: {', '.join(parts)}"
        if due:
            text += " — review due"
        if c.load_today is not None:
            text += f"; load today {c.load_today.text}"
        lines.append((text, due or rise is not None))
    for what, _at in watch.overruns:
        lines.append((f"{what} — review the reduction", True))
    return lines
