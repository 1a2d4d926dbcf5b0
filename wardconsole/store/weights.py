"""Reads of weighings and the latest MUST screen, for any number of patients in one statement
each (the census, the handoff, the charts and the discharge summary read the same rows)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wardconsole.domain.weights import MustScreen, WeightEntry, must_screen_of, parse_decimal
from wardconsole.store.entries import current
from wardconsole.store.models import AssessmentRow, WeightEntryRow


def _number(text: str | None) -> Decimal | None:
    return parse_decimal(text) if text else None


def weighings(session: Session, admission_ids: Collection[int]) -> dict[int, list[WeightEntry]]:
    """admission id -> its current weighings, oldest first."""
    if not admission_ids:
        return {}
    row = WeightEntryRow
    found: dict[int, list[WeightEntry]] = {i: [] for i in admission_ids}
    # Plain rows, not ORM records: the census reads every weighing of every stay on each refresh.
    for (
        entry_id,
        admission_id,
        taken_at,
        weight,
        height,
        before,
        source,
        planned,
    ) in session.execute(
        select(
            row.id,
            row.admission_id,
            row.taken_at,
            row.weight_kg,
            row.height_m,
            row.before_kg,
            row.before_source,
            row.before_planned,
        )
        .where(row.admission_id.in_(list(admission_ids)), current(row))
        .order_by(row.admission_id, row.taken_at, row.id)
    ):
        found[admission_id].append(
            WeightEntry(
                id=entry_id,
                admission_id=admission_id,
                taken_at=taken_at,
                weight_kg=_number(weight),
                height_m=_number(height),
                before_kg=_number(before),
                before_source=source,
                before_planned=planned,
            )
        )
    return found


def last_weighed(session: Session, admission_ids: Collection[int]) -> dict[int, datetime]:
    """admission id -> when its latest current weight was taken (absent: never weighed this
    stay); one grouped statement, whatever the length of the stays (the census)."""
    if not admission_ids:
        return {}
    row = WeightEntryRow
    return {
        admission_id: taken_at
        for admission_id, taken_at in session.execute(
            select(row.admission_id, func.max(row.taken_at))
            .where(
                row.admission_id.in_(list(admission_ids)),
                current(row),
                row.weight_kg.is_not(None),
                row.weight_kg != "",
            )
            .group_by(row.admission_id)
        )
    }


def must_screens(session: Session, admission_ids: Collection[int]) -> dict[int, list[MustScreen]]:
    """admission id -> its current MUST screens, oldest first."""
    if not admission_ids:
        return {}
    row = AssessmentRow
    found: dict[int, list[MustScreen]] = {i: [] for i in admission_ids}
    for admission_id, taken_at, answers, label in session.execute(
        select(row.admission_id, row.taken_at, row.answers, row.label)
        .where(row.admission_id.in_(list(admission_ids)), row.kind == "must", current(row))
        .order_by(row.admission_id, row.taken_at, row.id)
    ):
        found[admission_id].append(must_screen_of(taken_at, dict(answers or {}), label or ""))
    return found
