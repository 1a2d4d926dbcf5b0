"""The medicines list and the doses the dependency watch reads (``domain.dependency_watch``,
``domain.medicines``): current rows only, so corrections and strike-outs never count twice."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from wardconsole.domain.formulary import Formulary
from wardconsole.domain.medicines import GivenDose, MedicineLine
from wardconsole.domain.records import PrnDose
from wardconsole.store.entries import current
from wardconsole.store.models import (
    MedicineLineCheckRow,
    MedicineLineRow,
    PrnDoseRow,
    RegularDoseRow,
    Staff,
)
from wardconsole.store.repository import to_prn


def watched_doses(
    session: Session, admission_id: int, *, since: datetime, formulary: Formulary
) -> list[PrnDose]:
    """Current (not corrected, not struck out) PRN doses given since ``since``, oldest first,
    each with its class read through the formulary."""
    rows = session.scalars(
        select(PrnDoseRow)
        .where(
            PrnDoseRow.admission_id == admission_id,
            PrnDoseRow.taken_at >= since,
            current(PrnDoseRow),
        )
        .order_by(PrnDoseRow.taken_at, PrnDoseRow.id)
    )
    return [to_prn(row, formulary) for row in rows]


def regular_given(session: Session, admission_id: int, *, since: datetime) -> list[PrnDose]:
    """Current regular doses given since ``since`` as dose records the watch reads (their
    ``reason`` names the medicines-list line: ``line:<id>``), oldest first."""
    rows = session.scalars(
        select(RegularDoseRow)
        .where(
            RegularDoseRow.admission_id == admission_id,
            RegularDoseRow.taken_at >= since,
            RegularDoseRow.outcome == "given",
            current(RegularDoseRow),
        )
        .order_by(RegularDoseRow.taken_at, RegularDoseRow.id)
    )
    return [
        PrnDose(
            id=row.id,
            admission_id=row.admission_id,
            given_at=row.taken_at,
            drug=row.drug,
            drug_class=row.drug_class,
            dose=row.dose,
            route=row.route,
            reason=f"line:{row.line_id}",
        )
        for row in rows
    ]


def medicine_lines(session: Session, admission_id: int) -> list[MedicineLine]:
    """The current lines of a stay's medicines list, by start, with who transcribed and who
    checked each against the drug chart."""
    rows = session.execute(_medicine_lines_statement(), {"admission_id": admission_id}).all()
    return [
        MedicineLine(
            id=row.id,
            admission_id=row.admission_id,
            drug=row.drug,
            drug_class=row.drug_class,
            dose=row.dose,
            route=row.route,
            schedule=row.schedule,
            frequency=row.frequency,
            max_per_24h=row.max_per_24h,
            starts_at=row.taken_at,
            stop_at=row.stop_at,
            reducing_until=row.reducing_until,
            transcribed_by=name,
            transcribed_at=row.recorded_at,
            checked_by=checked_by or "",
            checked_at=checked_at,
        )
        for row, name, checked_at, checked_by in rows
    ]


def given_against_lines(session: Session, admission_id: int) -> list[GivenDose]:
    """Every current regular dose given against a line of the stay, named by the line's
    current version (a dose given before the line was changed or stopped still belongs to it)."""
    chain = dict(
        session.execute(
            select(MedicineLineRow.amends_id, MedicineLineRow.id).where(
                MedicineLineRow.admission_id == admission_id,
                MedicineLineRow.amends_id.is_not(None),
            )
        ).all()
    )

    def newest(line_id: int) -> int:
        seen = set()
        while line_id in chain and line_id not in seen:
            seen.add(line_id)
            line_id = chain[line_id]
        return line_id

    rows = session.execute(
        select(RegularDoseRow.line_id, RegularDoseRow.taken_at).where(
            RegularDoseRow.admission_id == admission_id,
            RegularDoseRow.outcome == "given",
            current(RegularDoseRow),
        )
    ).all()
    return [GivenDose(newest(line_id), at) for line_id, at in rows]


@cache
def _medicine_lines_statement() -> Any:
    """Built once: the rules read the list for every patient on every entry, and building
    the aliased joins cost several times more than running them."""
    checker = aliased(Staff)
    check = (
        select(
            MedicineLineCheckRow.line_id,
            func.min(MedicineLineCheckRow.id).label("first_id"),
        )
        .group_by(MedicineLineCheckRow.line_id)
        .subquery()
    )
    first = aliased(MedicineLineCheckRow)
    return (
        select(MedicineLineRow, Staff.display_name, first.recorded_at, checker.display_name)
        .join(Staff, Staff.id == MedicineLineRow.recorded_by_id)
        .outerjoin(check, check.c.line_id == MedicineLineRow.id)
        .outerjoin(first, first.id == check.c.first_id)
        .outerjoin(checker, checker.id == first.recorded_by_id)
        .where(MedicineLineRow.admission_id == bindparam("admission_id"), current(MedicineLineRow))
        .order_by(MedicineLineRow.taken_at, MedicineLineRow.id)
    )
