"""The store's side of a kind of clinical entry: its table, its shared columns, and which
version of an entry is the current one.

Entries are append-only: a correction is a new row whose ``amends_id`` points at the row it
replaces, and a strike-out is such a row with status ``entered_in_error``. The *current*
version of an entry is therefore a final row that no later row amends — the one rule that the
census, the rules, the charts, the handoff and the corrections all read through ``current``
(in a query) or ``superseded_by`` (for a row already loaded).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any, Final, TypeVar

from sqlalchemy import ColumnElement, and_, bindparam, exists, inspect, select
from sqlalchemy.orm import Session, aliased

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.records import RecordStatus
from wardconsole.store.id_lists import among_ids
from wardconsole.store.models import (
    AssessmentRow,
    BowelEntryRow,
    FluidEntryRow,
    FluidPlanRow,
    FoodChartRow,
    MealEntryRow,
    ObservationSetRow,
    PrnDoseRow,
    RegularDoseRow,
    SleepEntryRow,
    SupportSessionRow,
    SymptomEntryRow,
    UrineDipstickRow,
    WeightEntryRow,
)

E = TypeVar("E")

ENTRY_TABLES: Final[Mapping[str, Any]] = MappingProxyType(
    {
        EntryKind.OBSERVATION: ObservationSetRow,
        EntryKind.SYMPTOMS: SymptomEntryRow,
        EntryKind.ASSESSMENT: AssessmentRow,
        EntryKind.PRN: PrnDoseRow,
        EntryKind.SESSION: SupportSessionRow,
        EntryKind.FLUID: FluidEntryRow,
        EntryKind.FLUID_PLAN: FluidPlanRow,
        EntryKind.FOOD_CHART: FoodChartRow,
        EntryKind.SLEEP: SleepEntryRow,
        EntryKind.REGULAR_DOSE: RegularDoseRow,
        EntryKind.WEIGHT: WeightEntryRow,
        EntryKind.MEAL: MealEntryRow,
        EntryKind.BOWEL: BowelEntryRow,
        EntryKind.URINE_DIPSTICK: UrineDipstickRow,
    }
)
"""Every ``EntryKind`` -> its table (checked by the tests)."""


@dataclass(frozen=True, slots=True)
class EntryStamp:
    """The columns every clinical entry carries: whose, when, who wrote it where, and what it
    corrects. Row builders pass one of these instead of re-typing the columns."""

    admission_id: int
    taken_at: datetime
    recorded_at: datetime
    recorded_by_id: int
    station: str
    note: str = ""
    amends_id: int | None = None
    amend_reason: str | None = None
    status: str = RecordStatus.FINAL.value

    def columns(self) -> dict[str, Any]:
        return {
            "admission_id": self.admission_id,
            "taken_at": self.taken_at,
            "recorded_at": self.recorded_at,
            "recorded_by_id": self.recorded_by_id,
            "station": self.station,
            "note": self.note.strip(),
            "amends_id": self.amends_id,
            "amend_reason": self.amend_reason,
            "status": self.status,
        }


def new_entry(model: type[E], stamp: EntryStamp, **values: Any) -> E:
    """A new (unsaved) row of the entry table ``model``: the stamp's columns plus its own."""
    return model(**stamp.columns(), **values)


class NotCurrent(StrEnum):
    """Why a loaded entry is not the current version."""

    ENTERED_IN_ERROR = "entered_in_error"
    """It is itself a strike-out row."""
    AMENDED = "amended"
    """A later row amends it or strikes it out."""


@cache
def current(entity: Any) -> ColumnElement[bool]:
    """A final entry that no later entry amends or marks as entered in error.

    ``entity`` is an entry table or an alias of one (a correlated "latest" subquery). Built once
    per entity: adapting an aliased entity's columns costs about a millisecond, and the
    expression is immutable, so every query can share it.
    """
    newer = aliased(inspect(entity).mapper.class_)
    return and_(
        entity.status == RecordStatus.FINAL.value,
        ~exists().where(newer.amends_id == entity.id),
    )


def plan_rows(
    session: Session,
    model: Any,
    admission_ids: Collection[int],
    *,
    at: datetime | None = None,
) -> dict[int, Any]:
    """Admission id -> the current row of a per-patient plan table (a fluid chart plan, a food
    chart; stopped ones included), as a plain row of the table's columns (read like the
    model's objects). One statement; of two current versions (set at once at two stations) the
    newer wins.

    With ``at``, the version that was in force then instead (a handoff drafted for a past
    shift): the newest version recorded at or before ``at`` — a later change or stop does not
    reach back — unless that version was struck out as entered in error."""
    if not admission_ids:
        return {}
    values: dict[str, Any] = {"admission_ids": list(admission_ids)}
    if at is not None:
        values["at"] = at
    found = session.execute(_plan_statement(model, at is not None), values).all()
    return {r.admission_id: r for r in found}


@cache
def _plan_statement(model: Any, at: bool) -> Any:
    """``plan_rows``'s statement, built once per table and shape: the census reads the fluid
    and food chart plans on every refresh."""
    row: Any = model
    ids = among_ids(row.admission_id, "admission_ids")
    if not at:
        query = select(*row.__table__.columns).where(ids, current(row))
    else:
        struck = aliased(row)
        query = select(*row.__table__.columns).where(
            ids,
            row.recorded_at <= bindparam("at"),
            row.status == RecordStatus.FINAL.value,
            ~exists().where(
                struck.amends_id == row.id,
                struck.status == RecordStatus.ENTERED_IN_ERROR.value,
            ),
        )
    return query.order_by(row.recorded_at, row.id)


def superseded_by(session: Session, row: Any) -> NotCurrent | None:
    """Why the loaded entry ``row`` is no longer current; None while it is."""
    if row.status != RecordStatus.FINAL.value:
        return NotCurrent.ENTERED_IN_ERROR
    model = type(row)
    newer = session.scalar(select(model.id).where(model.amends_id == row.id).limit(1))
    return NotCurrent.AMENDED if newer is not None else None
