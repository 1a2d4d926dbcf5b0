"""The medicines list and the doses the dependency watch reads (``domain.dependency_watch``,
``domain.medicines``): current rows only, so corrections and strike-outs never count twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from wardconsole.domain.formulary import Formulary
from wardconsole.domain.medicines import GivenDose, MedicineLine
from wardconsole.domain.records import PrnDose
from wardconsole.store.entries import current
from wardconsole.store.id_lists import among_ids
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
    return watched_doses_of(session, [admission_id], since=since, formulary=formulary)[admission_id]


def watched_doses_of(
    session: Session, admission_ids: Sequence[int], *, since: datetime, formulary: Formulary
) -> dict[int, list[PrnDose]]:
    """``watched_doses`` of several stays in one statement."""
    rows = session.scalars(
        select(PrnDoseRow)
        .where(
            PrnDoseRow.admission_id.in_(list(admission_ids)),
            PrnDoseRow.taken_at >= since,
            current(PrnDoseRow),
        )
        .order_by(PrnDoseRow.taken_at, PrnDoseRow.id)
    )
    found: dict[int, list[PrnDose]] = {admission_id: [] for admission_id in admission_ids}
    for row in rows:
        found[row.admission_id].append(to_prn(row, formulary))
    return found


def regular_given(session: Session, admission_id: int, *, since: datetime) -> list[PrnDose]:
    """Current regular doses given since ``since`` as dose records the watch reads (their
    ``reason`` names the medicines-list line: ``line:<id>``), oldest first."""
    return regular_given_of(session, [admission_id], since=since)[admission_id]


def regular_given_of(
    session: Session, admission_ids: Sequence[int], *, since: datetime
) -> dict[int, list[PrnDose]]:
    """``regular_given`` of several stays in one statement."""
    rows = session.scalars(
        select(RegularDoseRow)
        .where(
            RegularDoseRow.admission_id.in_(list(admission_ids)),
            RegularDoseRow.taken_at >= since,
            RegularDoseRow.outcome == "given",
            current(RegularDoseRow),
        )
        .order_by(RegularDoseRow.taken_at, RegularDoseRow.id)
    )
    found: dict[int, list[PrnDose]] = {admission_id: [] for admission_id in admission_ids}
    for row in rows:
        found[row.admission_id].append(
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
        )
    return found


def medicine_lines(session: Session, admission_id: int) -> list[MedicineLine]:
    """The current lines of a stay's medicines list, by start, with who transcribed and who
    checked each against the drug chart."""
    return medicine_lines_of(session, [admission_id])[admission_id]


def medicine_lines_of(
    session: Session, admission_ids: Sequence[int]
) -> dict[int, list[MedicineLine]]:
    """``medicine_lines`` of several stays in one statement."""
    rows = session.execute(
        _medicine_lines_statement(), {"admission_ids": list(admission_ids)}
    ).all()
    found: dict[int, list[MedicineLine]] = {admission_id: [] for admission_id in admission_ids}
    for row, name, checked_at, checked_by in rows:
        found[row.admission_id].append(
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
                change_reason=row.amend_reason or "",
            )
        )
    return found


def given_against_lines(session: Session, admission_id: int) -> list[GivenDose]:
    """Every current regular dose given against a line of the stay, named by the line's
    current version (a dose given before the line was changed or stopped still belongs to it)."""
    return given_against_lines_of(session, [admission_id])[admission_id]


def given_against_lines_of(
    session: Session, admission_ids: Sequence[int]
) -> dict[int, list[GivenDose]]:
    """``given_against_lines`` of several stays in two statements."""
    ids = list(admission_ids)
    chain = dict(
        session.execute(
            select(MedicineLineRow.amends_id, MedicineLineRow.id).where(
                MedicineLineRow.admission_id.in_(ids),
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
        select(RegularDoseRow.admission_id, RegularDoseRow.line_id, RegularDoseRow.taken_at).where(
            RegularDoseRow.admission_id.in_(ids),
            RegularDoseRow.outcome == "given",
            current(RegularDoseRow),
        )
    ).all()
    found: dict[int, list[GivenDose]] = {admission_id: [] for admission_id in ids}
    for admission_id, line_id, at in rows:
        found[admission_id].append(GivenDose(newest(line_id), at))
    return found


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
        .where(
            among_ids(MedicineLineRow.admission_id, "admission_ids"),
            current(MedicineLineRow),
        )
        .order_by(MedicineLineRow.taken_at, MedicineLineRow.id)
    )
