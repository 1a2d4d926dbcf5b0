"""Reading meals and bowel movements: the current entries of a span, and each patient's latest
bowel movement — grouped for many patients at once, so the handoff's and the census's statement
count does not grow with the ward."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from wardconsole.domain.bowels import BowelEntry
from wardconsole.domain.food_chart import FoodChart
from wardconsole.domain.meals import MealEntry, Portion
from wardconsole.store.entries import current, plan_rows
from wardconsole.store.id_lists import among_ids
from wardconsole.store.models import Admission, BowelEntryRow, FoodChartRow, MealEntryRow


def meals_between(
    session: Session,
    admission_ids: Collection[int],
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[int, list[MealEntry]]:
    """Admission id -> its current meal entries taken in [start, end), oldest first."""
    if not admission_ids:
        return {}
    values = {"admission_ids": list(admission_ids), "start": start, "end": end}
    out: dict[int, list[MealEntry]] = {}
    for r in session.execute(_meals_statement(start is not None, end is not None), values):
        out.setdefault(r.admission_id, []).append(to_meal(r))
    return out


@cache
def _meals_statement(start: bool, end: bool) -> Any:
    """``meals_between``'s statement, built once per shape, as plain rows (read like the
    model's objects): the census reads the meals of running food charts on every refresh."""
    row = MealEntryRow
    query = select(*row.__table__.columns).where(
        among_ids(row.admission_id, "admission_ids"), current(row)
    )
    if start:
        query = query.where(row.taken_at >= bindparam("start"))
    if end:
        query = query.where(row.taken_at < bindparam("end"))
    return query.order_by(row.taken_at, row.id)


def food_charts(
    session: Session, admission_ids: Collection[int], *, at: datetime | None = None
) -> dict[int, FoodChart]:
    """Admission id -> its latest food chart (running, ended or stopped), or with ``at`` the
    version recorded by then (``entries.plan_rows``). One statement."""
    rows = plan_rows(session, FoodChartRow, admission_ids, at=at)
    return {admission_id: to_food_chart(row) for admission_id, row in rows.items()}


def stay_food_charts(session: Session, admission_id: int) -> list[FoodChart]:
    """Every food chart of one stay (each chart's current version), oldest first."""
    row = FoodChartRow
    query = select(row).where(row.admission_id == admission_id, current(row))
    return [to_food_chart(r) for r in session.scalars(query.order_by(row.taken_at, row.id))]


def to_food_chart(row: FoodChartRow | Any) -> FoodChart:
    return FoodChart(
        id=row.id,
        admission_id=row.admission_id,
        started_at=row.taken_at,
        ends_at=row.ends_at,
        screen_id=row.screen_id,
        active=bool(row.active),
        stop_reason=(row.amend_reason or "") if not row.active else "",
    )


def bowels_between(
    session: Session, admission_id: int, start: datetime | None, end: datetime | None
) -> list[BowelEntry]:
    """One admission's current bowel movements taken in [start, end), oldest first."""
    row = BowelEntryRow
    query = select(row).where(row.admission_id == admission_id, current(row))
    if start is not None:
        query = query.where(row.taken_at >= start)
    if end is not None:
        query = query.where(row.taken_at < end)
    return [to_bowel(r) for r in session.scalars(query.order_by(row.taken_at, row.id))]


def last_bowels(
    session: Session, admission_ids: Collection[int], *, before: datetime | None = None
) -> dict[int, BowelEntry]:
    """Admission id -> its latest current bowel movement (taken before ``before``). One
    statement: per admission the newest entry along the (admission, taken) index."""
    if not admission_ids:
        return {}
    row = aliased(BowelEntryRow)
    latest = select(row.id).where(row.admission_id == Admission.id, current(row))
    if before is not None:
        latest = latest.where(row.taken_at < before)
    newest = (
        latest.order_by(row.taken_at.desc(), row.id.desc())
        .limit(1)
        .correlate(Admission)
        .scalar_subquery()
    )
    rows = session.scalars(
        select(BowelEntryRow).where(
            BowelEntryRow.id.in_(
                select(newest).select_from(Admission).where(Admission.id.in_(list(admission_ids)))
            )
        )
    ).all()
    return {r.admission_id: to_bowel(r) for r in rows}


def to_meal(row: MealEntryRow | Any) -> MealEntry:
    return MealEntry(
        id=row.id,
        admission_id=row.admission_id,
        taken_at=row.taken_at,
        occasion=row.occasion,
        offered=row.offered or "",
        portion=Portion(row.portion) if row.portion else None,
        reason=row.reason or "",
        supplement=row.supplement or "",
        supplement_outcome=row.supplement_outcome or "",
        supplement_reason=row.supplement_reason or "",
    )


def to_bowel(row: BowelEntryRow) -> BowelEntry:
    return BowelEntry(row.id, row.admission_id, row.taken_at, row.bristol_type)


def admitted_at(session: Session, admission_ids: Collection[int]) -> dict[int, datetime]:
    """Admission id -> when the stay began (days since the last bowel movement count from it
    when none was recorded). One statement."""
    if not admission_ids:
        return {}
    rows = session.execute(
        select(Admission.id, Admission.admitted_at).where(Admission.id.in_(list(admission_ids)))
    ).all()
    return {admission_id: at for admission_id, at in rows}
