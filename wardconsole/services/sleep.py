"""Reading sleep: each night's estimate from the safety checks, the nurse's entry and the
withdrawal chart's sleep item, for one patient (chart page, discharge) or the whole ward (the
census flag, the handoff) in a fixed number of statements. Writes go through
``RecordingService.record_sleep`` or, at the bedside, ``SafeSaves.save_sleep``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from wardconsole.domain.handoff_records import Fact
from wardconsole.domain.safety_checks import CheckRecord
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.domain.sleep import (
    LITTLE_SLEEP_SEVERITY,
    NOT_A_STANDARD,
    ChartSleep,
    NightSleep,
    SleepEntry,
    SleepFlag,
    SleepPolicy,
    little_sleep_flag,
    night_for_entry,
    nights_sleep,
    recent_nights,
)
from wardconsole.services.context import NotFound
from wardconsole.services.db import Database
from wardconsole.store import safety_checks, sleep
from wardconsole.store.models import Admission

TOPIC = "sleep"
CHART_ITEM = "sleep_disturbance"
"""The withdrawal chart's sleep item (``resources/policy/withdrawal_chart.toml``)."""


class SleepReader:
    """The reads every sleep view shares, inside a caller's session."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._kept: dict[tuple[int, datetime], tuple[object, NightSleep]] = {}
        """(admission id, night start) -> (what it was computed from, the night's sleep): the
        census flag's completed nights, kept between refreshes by a reader that lives as long
        as its census."""
        self._flagged: dict[int, SleepFlag | None] = {}
        """Admission id -> its flag from the nights in ``_kept``: when none of its nights was
        worked out again (so the nights read are the same ones), the flag is the same."""

    @property
    def policy(self) -> SleepPolicy:
        return self._db.sleep_policy

    def _interval_of(self, level: str) -> timedelta:
        """The check interval of an observation level (a level no longer in the policy file:
        the default level's)."""
        levels = self._db.observation_levels
        found = levels.levels.get(level)
        return (found or levels.default).check_interval

    def nights(
        self,
        session: Session,
        admission_ids: Sequence[int],
        nights: Sequence[ShiftWindow],
        *,
        with_chart: bool = True,
        admitted: Mapping[int, datetime] | None = None,
        discharged: Mapping[int, datetime] | None = None,
        as_of: datetime | None = None,
    ) -> dict[int, list[NightSleep]]:
        """``NightSleep`` for each admission and night (oldest first): three statements (two
        without the withdrawal chart's sleep item). ``admitted``: admission id -> admitted at,
        so that the night of the admission counts from it; ``discharged``: admission id ->
        discharged at, so that the night of the discharge ends then; ``as_of``: a night still in
        progress then counts until then."""
        if not nights or not admission_ids:
            return {i: [] for i in admission_ids}
        checks, entries, chart = self._read(session, admission_ids, nights, with_chart)
        since, until = admitted or {}, discharged or {}
        return {
            i: self._compute(
                nights,
                checks.get(i, ()),
                entries.get(i, ()),
                chart.get(i, ()),
                since.get(i),
                until.get(i),
                as_of,
            )
            for i in admission_ids
        }

    def _read(
        self,
        session: Session,
        admission_ids: Sequence[int],
        nights: Sequence[ShiftWindow],
        with_chart: bool,
    ) -> tuple[
        dict[int, list[CheckRecord]], dict[int, list[SleepEntry]], dict[int, list[ChartSleep]]
    ]:
        spans = [(n.start, n.end) for n in nights]
        checks = safety_checks.checks_for(session, admission_ids, spans)
        entries = sleep.sleep_entries(
            session, admission_ids, nights[0].start_date, nights[-1].start_date
        )
        chart: dict[int, list[ChartSleep]] = {}
        if with_chart:
            start, end = nights[0].start, self._db.shifts.following(nights[-1]).end
            ratings = sleep.chart_item_ratings(session, admission_ids, CHART_ITEM, start, end)
            chart = self._chart_sleep(ratings)
        return checks, entries, chart

    def _compute(
        self,
        nights: Sequence[ShiftWindow],
        checks: Sequence[CheckRecord],
        entries: Sequence[SleepEntry],
        chart: Sequence[ChartSleep],
        admitted_at: datetime | None = None,
        discharged_at: datetime | None = None,
        as_of: datetime | None = None,
    ) -> list[NightSleep]:
        return nights_sleep(
            self._db.shifts,
            nights,
            checks,
            entries,
            chart,
            self._interval_of,
            self.policy,
            admitted_at,
            discharged_at,
            as_of,
        )

    def flags(
        self,
        session: Session,
        admission_ids: Sequence[int],
        now: datetime,
        admitted: Mapping[int, datetime] | None = None,
        *,
        changed: Collection[int] | None = None,
    ) -> dict[int, SleepFlag]:
        """The little-sleep flag of each admission that has one (the census).

        The flag reads completed nights only, and a completed night changes only when a check
        or sleep entry in it is added, corrected or struck out (at any station). So each
        night's sleep is kept with the version of the rows behind it
        (``store.sleep.night_versions``, one grouped statement), and only the nights whose
        version changed are read again (two more statements, whatever the number): never a
        stale flag, and a refresh with nothing new reads no check. ``changed``: the only
        stays whose rows may have changed since the last call (the change feed named them):
        the others' kept nights, when they are the same nights, are taken without a
        statement."""
        policy = self.policy
        nights = recent_nights(self._db.shifts, now, policy, policy.nights_running)
        if not admission_ids:
            return {}
        since = admitted or {}
        kept: dict[tuple[int, datetime], tuple[object, NightSleep]] = {}
        asked: list[int] = []
        for admission_id in admission_ids:
            places = [(admission_id, night.start) for night in nights]
            if (
                changed is not None
                and admission_id not in changed
                and admission_id in self._flagged
                and all(place in self._kept for place in places)
            ):
                kept.update((place, self._kept[place]) for place in places)
            else:
                asked.append(admission_id)
        versions = (
            sleep.night_versions(session, asked, [(n.start, n.end, n.start_date) for n in nights])
            if asked
            else {}
        )
        basis = (policy.digest, self._db.observation_levels.digest)
        stale: dict[tuple[int, datetime], tuple[object, ShiftWindow]] = {}
        for admission_id in asked:
            for index, night in enumerate(nights):
                key = (
                    basis,
                    night.end,
                    since.get(admission_id),
                    versions.get((admission_id, index)),
                )
                place = (admission_id, night.start)
                found = self._kept.get(place)
                if found is not None and found[0] == key:
                    kept[place] = found
                else:
                    stale[place] = (key, night)
        if stale:
            stays = sorted({admission_id for admission_id, _start in stale})
            again = sorted({night.start: night for _key, night in stale.values()}.items())
            checks, entries, _chart = self._read(
                session, stays, [night for _start, night in again], False
            )
            for (admission_id, start), (read_from, night) in stale.items():
                (found_night,) = self._compute(
                    [night],
                    checks.get(admission_id, ()),
                    entries.get(admission_id, ()),
                    (),
                    since.get(admission_id),
                )
                kept[(admission_id, start)] = (read_from, found_night)
        self._kept = kept
        worked_out = {admission_id for admission_id, _start in stale}
        flagged: dict[int, SleepFlag | None] = {}
        for admission_id in admission_ids:
            if admission_id in worked_out or admission_id not in self._flagged:
                per_night = [kept[(admission_id, night.start)][1] for night in nights]
                flagged[admission_id] = little_sleep_flag(per_night, policy)
            else:  # the same nights, none worked out again: the same flag
                flagged[admission_id] = self._flagged[admission_id]
        self._flagged = flagged
        return {admission_id: flag for admission_id, flag in flagged.items() if flag is not None}

    def last_night(
        self, session: Session, admission_ids: Sequence[int], now: datetime
    ) -> dict[int, NightSleep]:
        """Last night's sleep for each admission (the handoff)."""
        (night,) = recent_nights(self._db.shifts, now, self.policy, 1)
        return {i: found[0] for i, found in self.nights(session, admission_ids, [night]).items()}

    def handoff_facts(
        self,
        session: Session,
        stays: Sequence[tuple[int, datetime, datetime | None]],
        until: datetime,
    ) -> dict[int, tuple[Fact, ...]]:
        """(admission id, admitted at, discharged at or None) -> the sleep facts of a handoff
        drafted at ``until``:
        the night in progress or the last one ("slept ≈ 4 h last night (estimate from 8
        checks…)" or the nurse's entry), and the little-sleep flag."""
        pattern, policy = self._db.shifts, self.policy
        night = night_for_entry(pattern, until, policy)
        so_far = night.contains(until)
        latest_end = night.end if so_far else until
        nights = recent_nights(pattern, latest_end, policy, policy.nights_running)
        found = self.nights(
            session,
            [i for i, _in, _out in stays],
            nights,
            admitted={i: admitted_at for i, admitted_at, _out in stays},
            discharged={i: left for i, _in, left in stays if left is not None},
            as_of=until,
        )
        out: dict[int, tuple[Fact, ...]] = {}
        for admission_id, admitted_at, _left in stays:
            per_night = found[admission_id]
            if night.end <= admitted_at or not per_night:
                continue
            latest = per_night[-1]
            when = "tonight so far" if so_far else "last night"
            facts = [Fact(f"Sleep: {latest.fact(when)}", TOPIC)]
            flag = little_sleep_flag(per_night, policy)
            if flag is not None and not so_far:
                facts.append(
                    Fact(
                        f"Little sleep {policy.nights_running} nights running: "
                        + ", ".join(f"{n.hours:g} h ({n.source})" for n in flag.nights)
                        + f" — {NOT_A_STANDARD}",
                        TOPIC,
                        LITTLE_SLEEP_SEVERITY,
                    )
                )
            out[admission_id] = tuple(facts)
        return out

    def stay(
        self,
        session: Session,
        admission_id: int,
        admitted_at: datetime,
        until: datetime,
        discharged_at: datetime | None = None,
    ) -> list[NightSleep]:
        """Every night of a stay that has begun by ``until`` (the chart page, discharge). A
        stay ``discharged_at`` has no night beginning at or after it, and the night of the
        discharge ends then."""
        nights = self.stay_nights(admitted_at, until)
        if discharged_at is not None:
            nights = [n for n in nights if n.start < discharged_at]
        found = self.nights(
            session,
            [admission_id],
            nights,
            admitted={admission_id: admitted_at},
            discharged={admission_id: discharged_at} if discharged_at is not None else None,
            as_of=until,
        )
        return found[admission_id]

    def stay_nights(self, admitted_at: datetime, until: datetime) -> list[ShiftWindow]:
        pattern = self._db.shifts
        last = night_for_entry(pattern, until, self.policy)
        found = [last]
        while True:
            before = pattern.previous(found[-1])
            while before.name != self.policy.night_shift:
                before = pattern.previous(before)
            if before.end <= admitted_at:
                break
            found.append(before)
        return found[::-1] if last.end > admitted_at else []

    def _chart_sleep(
        self, ratings: dict[int, list[tuple[datetime, int]]]
    ) -> dict[int, list[ChartSleep]]:
        try:
            item = self._db.chart.item(CHART_ITEM)
        except KeyError:
            return {}
        return {
            i: [ChartSleep(s, item.max_score, item.anchor_for(s), at) for at, s in found]
            for i, found in ratings.items()
        }


@dataclass(frozen=True, slots=True)
class SleepOverview:
    """One patient's sleep as of ``as_of``: the night a new entry is about by default, and each
    night of the stay (oldest first) with its estimate, nurse's entry and chart rating."""

    admission_id: int
    as_of: datetime
    entry_night: ShiftWindow
    nights: tuple[NightSleep, ...]
    policy: SleepPolicy

    def night(self, start_date: date) -> NightSleep | None:
        return next((n for n in self.nights if n.night.start_date == start_date), None)


class SleepService:
    """One patient's sleep for the bedside dialog, the chart page and the discharge summary."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._reader = SleepReader(db)

    @property
    def policy(self) -> SleepPolicy:
        return self._db.sleep_policy

    def overview(self, admission_id: int, now: datetime | None = None) -> SleepOverview:
        now = now or self._db.clock()
        with self._db.read() as session:
            admission = session.get(Admission, admission_id)
            if admission is None:
                raise NotFound(f"admission {admission_id} does not exist")
            until = admission.discharged_at or now
            nights = self._reader.stay(
                session, admission_id, admission.admitted_at, until, admission.discharged_at
            )
        return SleepOverview(
            admission_id,
            now,
            night_for_entry(self._db.shifts, until, self.policy),
            tuple(nights),
            self.policy,
        )


@dataclass(frozen=True, slots=True)
class SleepSeries:
    """The stay's nights for the Physical care chart page (oldest first) and the policy's
    little-sleep hours (its reference line)."""

    nights: tuple[NightSleep, ...] = ()
    little_hours: int = 0

    @classmethod
    def empty(cls) -> SleepSeries:
        return cls()

    def night_at(self, at: float) -> NightSleep | None:
        """The night under the cursor (epoch seconds), or None (daytime, outside the stay)."""
        for night in self.nights:
            if night.night.start.timestamp() <= at < night.night.end.timestamp():
                return night
        return None


def read_sleep_series(
    session: Session,
    db: Database,
    admission_id: int,
    admitted_at: datetime,
    until: datetime,
    discharged_at: datetime | None = None,
) -> SleepSeries:
    """Every night of the stay so far (or until ``discharged_at``) with its estimate, nurse's
    entry and chart rating."""
    nights = SleepReader(db).stay(session, admission_id, admitted_at, until, discharged_at)
    return SleepSeries(tuple(nights), db.sleep_policy.little_sleep_hours)
