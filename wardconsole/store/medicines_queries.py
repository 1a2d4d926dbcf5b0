"""Doses the medicines dependency watch reads (``domain.dependency_watch``): the current PRN
doses of a stay over the watch period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain.formulary import Formulary
from wardconsole.domain.records import PrnDose
from wardconsole.store.entries import current
from wardconsole.store.models import PrnDoseRow
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
