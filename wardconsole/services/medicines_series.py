"""The Medicines chart page's series: every watched dose of the stay as a point (PRN given,
regular given, regular omitted) on a row per formulary class, PRN doses per ward day, and the
day's diazepam-equivalent load (an approximate reference figure, REFERENCE-2.md §12.4).

Ward days come from the dependency watch's calendar (``domain.dependency_watch``), so the bars
sit where the ward's clock puts them, across midnight and clock changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain.dependency_watch import WardCalendar, day_load
from wardconsole.domain.formulary import Formulary
from wardconsole.domain.medicines import OMITTED_REASONS
from wardconsole.domain.records import PrnDose
from wardconsole.services.db import Database
from wardconsole.store import medicines_queries
from wardconsole.store.entries import current
from wardconsole.store.models import RegularDoseRow


@dataclass(frozen=True, slots=True)
class DosePoint:
    at: float
    row: int
    """The class's row on the page (index into ``MedicinesSeries.classes``)."""
    kind: str
    """prn | regular | omitted"""
    text: str


@dataclass(frozen=True, slots=True)
class DayBar:
    start: float
    end: float
    prn: int
    load_mg: float | None
    load_text: str


@dataclass(frozen=True, slots=True, eq=False)
class MedicinesSeries:
    classes: tuple[str, ...]
    doses: tuple[DosePoint, ...]
    days: tuple[DayBar, ...]

    @staticmethod
    def empty() -> MedicinesSeries:
        return MedicinesSeries((), (), ())

    def load_track(self) -> tuple[np.ndarray, np.ndarray]:
        """One point per ward day with a load, at the day's middle (NaN where none)."""
        x = np.array([(d.start + d.end) / 2 for d in self.days], dtype=float)
        y = np.array([np.nan if d.load_mg is None else d.load_mg for d in self.days], dtype=float)
        return x, y


def read_medicines_series(
    session: Session, db: Database, admission_id: int, start: datetime, end: datetime
) -> MedicinesSeries:
    """The series from ``start`` (admission) to ``end`` (discharge or now)."""
    formulary = db.formulary
    prn = medicines_queries.watched_doses(session, admission_id, since=start, formulary=formulary)
    regular_rows = list(
        session.scalars(
            select(RegularDoseRow)
            .where(RegularDoseRow.admission_id == admission_id, current(RegularDoseRow))
            .order_by(RegularDoseRow.taken_at)
        )
    )
    labels: dict[str, str] = {}
    points: list[tuple[datetime, str, str, str]] = []
    watched: list[tuple[PrnDose, str, bool]] = []
    for dose in prn:
        found = formulary.classify(dose.drug, dose.drug_class)
        if found.dependency_watch:
            labels.setdefault(found.key, found.label)
            points.append((dose.given_at, found.key, "prn", f"PRN {dose.drug} {dose.dose}"))
            watched.append((dose, dose.drug, True))
    for row in regular_rows:
        found = formulary.classify(row.drug, row.drug_class)
        if not found.dependency_watch:
            continue
        labels.setdefault(found.key, found.label)
        if row.outcome == "given":
            points.append((row.taken_at, found.key, "regular", f"Regular {row.drug} {row.dose}"))
            dose = PrnDose(row.id, admission_id, row.taken_at, row.drug, row.drug_class, row.dose)
            watched.append((dose, row.drug, False))
        else:
            why = OMITTED_REASONS.get(row.omitted_reason, row.omitted_reason).lower()
            points.append((row.taken_at, found.key, "omitted", f"{row.drug} omitted: {why}"))
    classes = tuple(labels)
    doses = tuple(
        DosePoint(at.timestamp(), classes.index(key), kind, text)
        for at, key, kind, text in sorted(points, key=lambda p: p[0])
    )
    return MedicinesSeries(
        classes=tuple(labels[key] for key in classes),
        doses=doses,
        days=_days(WardCalendar(db.shifts), watched, formulary, start, end) if watched else (),
    )


def _days(
    calendar: WardCalendar,
    watched: list[tuple[PrnDose, str, bool]],
    formulary: Formulary,
    start: datetime,
    end: datetime,
) -> tuple[DayBar, ...]:
    by_day: dict[date, list[tuple[PrnDose, str, bool]]] = {}
    for item in watched:
        by_day.setdefault(calendar.ward_day(item[0].given_at), []).append(item)
    bars: list[DayBar] = []
    day = calendar.ward_day(start)
    last = calendar.ward_day(end)
    while day <= last:
        day_start = _day_start(calendar, day)
        day_end = _day_start(calendar, day + timedelta(days=1))
        items = by_day.get(day, [])
        load = day_load([(d, name) for d, name, _p in items], formulary)
        bars.append(
            DayBar(
                start=day_start.timestamp(),
                end=day_end.timestamp(),
                prn=sum(1 for _d, _n, is_prn in items if is_prn),
                load_mg=float(load.low_mg) if load is not None else None,
                load_text=load.text if load is not None else "",
            )
        )
        day += timedelta(days=1)
    return tuple(bars)


def _day_start(calendar: WardCalendar, day: date) -> datetime:
    """When the ward day ``day`` starts (the first shift that belongs to it)."""
    noon = datetime.combine(day, time(12, 0), tzinfo=calendar.pattern.zone)
    window = calendar.pattern.containing(noon)
    while calendar.ward_day(window.start) == day:
        previous = calendar.pattern.previous(window)
        if calendar.ward_day(previous.start) != day:
            break
        window = previous
    return window.start
