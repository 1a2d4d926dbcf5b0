"""Reads of the food and fluid chart: per-period totals, plans in force, entries.

Totals are grouped sums over the *current* entries (``entries.current``), so a corrected or
struck-out entry is never counted twice, and one statement serves any number of patients and
periods: the census, the handoff and the charts read the same ``period_totals``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import BindParameter, bindparam, case, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from wardconsole.domain.fluids import Direction, FluidEntry, FluidPlan, FluidTotals
from wardconsole.store.entries import current, plan_rows
from wardconsole.store.id_lists import among_ids
from wardconsole.store.models import Admission, FluidEntryRow, FluidPlanRow


def period_totals(
    session: Session, admission_ids: Collection[int], bounds: Sequence[datetime]
) -> dict[tuple[int, int], FluidTotals]:
    """(admission id, period index) -> totals, for the periods [bounds[i], bounds[i + 1]).

    One grouped statement whatever the number of patients or periods; a period with no entry
    is absent (its totals are all zero)."""
    if not admission_ids or len(bounds) < 2:
        return {}
    values: dict[str, Any] = {"admission_ids": list(admission_ids)}
    values.update({f"bound_{index}": at for index, at in enumerate(bounds)})
    found: dict[tuple[int, int], dict[str, int]] = {}
    for (
        admission_id,
        index,
        direction,
        count,
        volume,
        measured_count,
        urine_count,
    ) in session.execute(_totals_statement(len(bounds)), values).all():
        sums = found.setdefault((admission_id, int(index)), {})
        if direction == Direction.INTAKE.value:
            sums.update(intake_ml=int(volume), intake_count=int(count))
        else:
            sums.update(
                output_ml=int(volume),
                output_count=int(measured_count),
                unmeasured_outputs=int(count) - int(measured_count),
                urine_count=int(urine_count or 0),
            )
    return {key: FluidTotals(**sums) for key, sums in found.items()}


@lru_cache(maxsize=16)
def _totals_statement(bounds: int) -> Any:
    """``period_totals``'s statement for a number of period bounds, built once (the census
    runs it on every refresh, and building it cost more than running it); bound by
    ``admission_ids`` and ``bound_<i>``."""
    row = FluidEntryRow
    ends: list[BindParameter[Any]] = [bindparam(f"bound_{index}") for index in range(1, bounds)]
    period = case(*((row.taken_at < end, index) for index, end in enumerate(ends)), else_=-1).label(
        "period"
    )
    measured = func.count(row.volume_ml)
    urine = func.sum(case((row.what == "urine", 1), else_=0))
    return (
        select(
            row.admission_id,
            period,
            row.direction,
            func.count(),
            func.coalesce(func.sum(row.volume_ml), 0),
            measured,
            urine,
        )
        .where(
            among_ids(row.admission_id, "admission_ids"),
            row.taken_at >= bindparam("bound_0"),
            row.taken_at < bindparam(f"bound_{bounds - 1}"),
            current(row),
        )
        .group_by(row.admission_id, period, row.direction)
    )


FluidVersion = tuple[int, int, int, int, int, int]
"""What one stay's fluid rows behind a period's totals and plan add up to: (entries taken in
the period, the newest of their ids; entries amending any entry of the stay, the newest of
their ids; the stay's plan versions, the newest of their ids). Rows are never changed or
deleted, so an entry added, corrected or struck out in the period, or a plan set, changed or
stopped, changes it."""


def period_versions(
    session: Session, admission_ids: Collection[int], start: datetime, end: datetime
) -> dict[int, FluidVersion]:
    """Admission id -> its ``FluidVersion`` for the period [start, end), in one grouped
    statement whatever the ward's size: read from the (admission, taken), (admission, amended)
    and plans' indexes alone, without probing any entry for a newer version."""
    if not admission_ids:
        return {}
    values = {"admission_ids": list(admission_ids), "start": start, "end": end}
    found = {admission_id: [0] * 6 for admission_id in admission_ids}
    for kind, admission_id, count, newest in session.execute(_versions_statement(), values):
        found[admission_id][2 * kind : 2 * kind + 2] = [count, newest]
    return {admission_id: (v[0], v[1], v[2], v[3], v[4], v[5]) for admission_id, v in found.items()}


@cache
def _versions_statement() -> Any:
    """``period_versions``'s statement, built once; bound by ``admission_ids``, ``start`` and
    ``end``."""

    def counted(kind: int, model: Any, *where: Any) -> Any:
        return (
            select(
                literal_column(str(kind)).label("kind"),
                model.admission_id.label("admission_id"),
                func.count().label("count"),
                func.max(model.id).label("newest"),
            )
            .where(among_ids(model.admission_id, "admission_ids"), *where)
            .group_by(model.admission_id)
        )

    entry = FluidEntryRow
    return union_all(
        counted(0, entry, entry.taken_at >= bindparam("start"), entry.taken_at < bindparam("end")),
        counted(1, entry, entry.amends_id.is_not(None)),
        counted(2, FluidPlanRow),
    )


def last_taken(
    session: Session,
    admission_ids: Collection[int],
    *,
    direction: Direction,
    what: str | None = None,
    before: datetime | None = None,
) -> dict[int, datetime]:
    """Admission id -> when its latest current entry of ``direction`` (and ``what``) was taken.

    One statement (issued even for no admissions, so a read's statement count is fixed): per
    admission, the newest matching entry found walking back along the (admission, taken)
    index, so the cost does not grow with the length of the stay."""
    values: dict[str, Any] = {"admission_ids": list(admission_ids), "direction": direction.value}
    if what is not None:
        values["what"] = what
    if before is not None:
        values["before"] = before
    rows = session.execute(
        _last_taken_statement(what is not None, before is not None), values
    ).all()
    return {admission_id: _aware(at) for admission_id, at in rows if at is not None}


@cache
def _last_taken_statement(what: bool, before: bool) -> Any:
    """``last_taken``'s statement, built once per shape; bound by ``admission_ids``,
    ``direction`` and (when the flags say) ``what`` and ``before``."""
    row = FluidEntryRow
    latest = select(row.taken_at).where(
        row.admission_id == Admission.id, row.direction == bindparam("direction"), current(row)
    )
    if what:
        latest = latest.where(row.what == bindparam("what"))
    if before:
        latest = latest.where(row.taken_at < bindparam("before"))
    newest = latest.order_by(row.taken_at.desc()).limit(1).correlate(Admission).scalar_subquery()
    return select(Admission.id, newest).where(among_ids(Admission.id, "admission_ids"))


def plans_in_force(
    session: Session, admission_ids: Collection[int], *, at: datetime | None = None
) -> dict[int, FluidPlan]:
    """Admission id -> its current fluid chart plan (stopped ones included, ``active`` False),
    or with ``at`` the plan in force then (``entries.plan_rows``)."""
    rows = plan_rows(session, FluidPlanRow, admission_ids, at=at)
    return {admission_id: to_plan(row) for admission_id, row in rows.items()}


def entries_between(
    session: Session, admission_id: int, start: datetime | None, end: datetime | None
) -> list[FluidEntry]:
    """The current entries of one admission taken in [start, end), oldest first."""
    row = FluidEntryRow
    query = select(row).where(row.admission_id == admission_id, current(row))
    if start is not None:
        query = query.where(row.taken_at >= start)
    if end is not None:
        query = query.where(row.taken_at < end)
    return [to_entry(r) for r in session.scalars(query.order_by(row.taken_at, row.id))]


def to_entry(row: FluidEntryRow) -> FluidEntry:
    return FluidEntry(
        id=row.id,
        admission_id=row.admission_id,
        taken_at=row.taken_at,
        direction=Direction(row.direction),
        what=row.what,
        volume_ml=row.volume_ml,
        description=row.description or "",
    )


def to_plan(row: FluidPlanRow | Any) -> FluidPlan:
    return FluidPlan(
        id=row.id,
        admission_id=row.admission_id,
        started_at=row.taken_at,
        reason=row.reason,
        reason_text=row.reason_text or "",
        target_ml=row.target_ml,
        review_at=row.review_at,
        active=bool(row.active),
    )


def _aware(at: datetime) -> datetime:
    """An aggregate's time as an aware UTC datetime (``max()`` keeps the column's type)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
