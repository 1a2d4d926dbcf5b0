"""The demo ward's medicines lists (invented, deterministic): each patient's lines transcribed
from the drug chart by a demo nurse soon after admission and second-checked by another, and
regular doses given on the ward's round times, all written through ``MedicinesService`` so every
row is stamped and audited as a nurse's would be.

* every patient: zopiclone 7.5 mg PRN at night (the demo's PRN zopiclone doses);
* patients with a panic or hallucination episode: lorazepam 1 mg PRN (the demo's PRN lorazepam),
  the first of them also diazepam 5 mg PRN, stopped the next day (one benzodiazepine PRN only);
* the longest stay: PRN zopiclone changed to regular zopiclone at night seven nights ago, given
  on six nights in a row since (refused on the first), so the dependency watch's review shows;
  the next longest: regular zopiclone for the last three nights, asleep on one, its line not yet
  second-checked;
* the recent drinker: a planned reducing chlordiazepoxide regimen over five days, given four
  times a day at the reducing dose;
* the newest admission's line is not yet second-checked either.

Lines, checks and stops are written on a clock set to the moment the nurse typed them (never
after the moment the demo is built). Regular doses are recorded at that moment itself, as if
charted on the last round: recording a dose runs the patient's rules, and running them at a past
moment would raise escalations from entries not yet made then.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Any

from wardconsole.domain.shifts import ward_zone
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.medicines import MedicinesService
from wardconsole.store.models import Staff

ROUNDS = (time(8), time(12), time(18), time(22))
"""The demo ward's medicine round times (local)."""
NIGHT_ROUND = time(22)
REDUCING = ("20 mg", "20 mg", "15 mg", "10 mg", "5 mg")
"""The demo chlordiazepoxide regimen: the dose four times a day on each day of the plan."""


@contextmanager
def _clock_at(db: Database, at: datetime) -> Iterator[None]:
    """The services read ``at`` as now (the moment the demo nurse typed the entry)."""
    real = db.clock
    db.clock = lambda: at
    try:
        yield
    finally:
        db.clock = real


def add_medicines(
    db: Database,
    admissions: Mapping[int, datetime],
    courses: Mapping[int, str],
    nurse_ids: Sequence[int],
    *,
    drinker_id: int | None,
    now: datetime,
) -> None:
    """Medicines lists and regular doses for each admission (id -> admitted at)."""
    _Demo(db, admissions, nurse_ids, now).build(courses, drinker_id)


class _Demo:
    def __init__(
        self,
        db: Database,
        admissions: Mapping[int, datetime],
        nurse_ids: Sequence[int],
        now: datetime,
    ) -> None:
        with db.read() as session:
            nurses = [session.get_one(Staff, staff_id) for staff_id in nurse_ids]
        self.actors = [
            Actor(n.id, n.staff_code, n.display_name, Role(n.role), "Station A") for n in nurses
        ]
        self.db = db
        self.service = MedicinesService(db)
        self.zone = ward_zone(db.ward_timezone)
        self.admissions = admissions
        self.now = now

    def build(self, courses: Mapping[int, str], drinker_id: int | None) -> None:
        now = self.now
        admissions = self.admissions
        by_stay = sorted(admissions, key=lambda a: admissions[a])  # longest stay first
        newest = by_stay[-1] if by_stay else None
        benzo_prn = sorted(a for a, c in courses.items() if c in ("panic", "hallucination"))
        regular = [a for a in by_stay if now - admissions[a] > timedelta(days=4)][:2]
        for admission_id in sorted(admissions):
            starts = admissions[admission_id] + timedelta(minutes=45)
            if starts >= now:
                continue
            zopiclone = self.add(
                admission_id,
                starts,
                checked=admission_id != newest,
                drug="Zopiclone",
                dose="7.5 mg",
                route="oral",
                schedule="prn",
                max_per_24h="7.5 mg",
                note="At night if unable to sleep",
            )
            if admission_id in benzo_prn:
                self._benzodiazepine_prn(admission_id, starts, first=admission_id == benzo_prn[0])
            if admission_id == drinker_id:
                self._chlordiazepoxide(admission_id, starts)
            if admission_id in regular:
                self._regular_zopiclone(
                    admission_id, starts, zopiclone, longest=admission_id == regular[0]
                )

    # -- the patients' lines -----------------------------------------------------------------

    def _benzodiazepine_prn(self, admission_id: int, starts: datetime, *, first: bool) -> None:
        self.add(
            admission_id,
            starts,
            checked=True,
            drug="Lorazepam",
            dose="1 mg",
            route="oral",
            schedule="prn",
            max_per_24h="2 mg",
            note="For acute anxiety or agitation",
        )
        stopped_at = starts + timedelta(hours=26)
        if first and stopped_at + timedelta(minutes=10) <= self.now:
            diazepam = self.add(
                admission_id,
                starts,
                checked=True,
                drug="Diazepam",
                dose="5 mg",
                route="oral",
                schedule="prn",
                max_per_24h="10 mg",
            )
            self.stop(
                admission_id,
                diazepam,
                stopped_at,
                "One benzodiazepine PRN only: lorazepam kept (ward round)",
            )

    def _regular_zopiclone(
        self, admission_id: int, starts: datetime, prn_line: int, *, longest: bool
    ) -> None:
        """PRN zopiclone changed to regular at night: seven nights for the longest stay (refused
        on the first, then six in a row), three for the next (asleep on the second)."""
        count = 7 if longest else 3
        rounds = self.night_rounds(self.now - timedelta(days=count + 1))[-count:]
        if not rounds or rounds[0] - timedelta(hours=2) <= starts:
            return
        begins = rounds[0] - timedelta(hours=2)
        self.stop(admission_id, prn_line, begins, "Sleeping poorly most nights: changed to regular")
        line_id = self.add(
            admission_id,
            begins,
            checked=longest,
            drug="Zopiclone",
            dose="7.5 mg",
            route="oral",
            schedule="regular",
            frequency="At night (22:00)",
            note="Review after a week (ward doctor)",
        )
        for number, at in enumerate(rounds):
            if longest and number == 0:
                self.dose(admission_id, line_id, at, omitted="refused")
            elif not longest and number == 1:
                self.dose(admission_id, line_id, at, omitted="asleep")
            else:
                self.dose(admission_id, line_id, at)

    def _chlordiazepoxide(self, admission_id: int, starts: datetime) -> None:
        """The recent drinker's reducing chlordiazepoxide, given at each round since admission
        at the day's dose (asleep for one late round)."""
        line_id = self.add(
            admission_id,
            starts,
            checked=True,
            drug="Chlordiazepoxide",
            dose="20 mg",
            route="oral",
            schedule="regular",
            frequency="Four times a day, reducing over 5 days as charted",
            reducing_until=starts + timedelta(days=len(REDUCING)),
            note="Alcohol withdrawal: reducing regimen",
        )
        day = starts
        given = 0
        while day <= self.now:
            for round_time in ROUNDS:
                at = self.local(day, round_time)
                if not starts < at <= self.now - timedelta(minutes=10):
                    continue
                step = min(int((at - starts).total_seconds() // 86400), len(REDUCING) - 1)
                omitted = "asleep" if given == 5 else ""
                self.dose(admission_id, line_id, at, REDUCING[step], omitted=omitted)
                given += 1
            day += timedelta(days=1)

    # -- writes through the service, each on the clock of the moment it was typed -------------

    def add(self, admission_id: int, starts: datetime, *, checked: bool, **line: Any) -> int:
        """A line typed by one nurse a little after ``starts``, checked by the next; its id."""
        index = admission_id % len(self.actors)
        typed = min(starts + timedelta(minutes=20), self.now)
        with _clock_at(self.db, typed):
            line_id = self.service.add_line(
                self.actors[index], admission_id, starts_at=starts, **line
            )
        if checked:
            with _clock_at(self.db, min(typed + timedelta(minutes=25), self.now)):
                self.service.check_line(self.actors[(index + 1) % len(self.actors)], line_id)
        return line_id

    def stop(self, admission_id: int, line_id: int, at: datetime, reason: str) -> None:
        """A line stopped from ``at`` by one nurse, the stop checked against the chart by the
        next."""
        index = admission_id % len(self.actors)
        typed = min(at + timedelta(minutes=10), self.now)
        with _clock_at(self.db, typed):
            stopped = self.service.stop_line(self.actors[index], line_id, reason=reason, stop_at=at)
        with _clock_at(self.db, min(typed + timedelta(minutes=15), self.now)):
            self.service.check_line(self.actors[(index + 1) % len(self.actors)], stopped)

    def dose(
        self, admission_id: int, line_id: int, at: datetime, amount: str = "", omitted: str = ""
    ) -> None:
        actor = self.actors[(admission_id + at.day) % len(self.actors)]
        with _clock_at(self.db, self.now):
            self.service.record_regular_dose(
                actor,
                line_id,
                outcome="omitted" if omitted else "given",
                omitted_reason=omitted,
                given_at=at,
                dose="" if omitted else amount,
            )

    def local(self, day: datetime, at: time) -> datetime:
        """``at`` on the ward's calendar day of ``day``, in UTC."""
        return datetime.combine(day.astimezone(self.zone).date(), at, self.zone).astimezone(UTC)

    def night_rounds(self, start: datetime) -> list[datetime]:
        """The night rounds from ``start`` up to now."""
        out = []
        day = start
        while (at := self.local(day, NIGHT_ROUND)) <= self.now:
            if at >= start:
                out.append(at)
            day += timedelta(days=1)
        return out
