"""Save receipts: how a retried bedside save finds out that its first try already committed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.store.models import SaveReceiptRow


@dataclass(frozen=True, slots=True)
class Receipt:
    save_key: str
    admission_id: int
    kind: str
    entries: Mapping[str, Any]
    recorded_at: datetime


def find_receipt(session: Session, save_key: str) -> Receipt | None:
    row = session.scalar(select(SaveReceiptRow).where(SaveReceiptRow.save_key == save_key))
    if row is None:
        return None
    return Receipt(row.save_key, row.admission_id, row.kind, dict(row.entries), row.recorded_at)


def add_receipt(
    session: Session,
    *,
    save_key: str,
    admission_id: int,
    kind: str,
    entries: Mapping[str, Any],
    at: datetime,
    staff_id: int,
    station: str,
) -> None:
    """Write the receipt in the caller's transaction; a second one with the key cannot commit."""
    session.add(
        SaveReceiptRow(
            save_key=save_key,
            admission_id=admission_id,
            kind=kind,
            entries=dict(entries),
            recorded_at=at,
            recorded_by_id=staff_id,
            station=station,
        )
    )
    session.flush()
