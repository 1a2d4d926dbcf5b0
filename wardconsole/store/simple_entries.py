"""Reading entries of a simple kind (``domain/simple_kinds.py``) for many patients at once: one
statement per kind, whatever the number of patients, so the handoff's statement count does not
grow with the ward."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from wardconsole.store.entries import current
from wardconsole.store.id_lists import among_ids


@dataclass(frozen=True, slots=True)
class SimpleEntry:
    """One current entry of a simple kind: when it was taken and its values by column."""

    id: int
    admission_id: int
    taken_at: datetime
    values: Mapping[str, Any] = field(hash=False)


def entries_between(
    session: Session,
    model: Any,
    columns: Sequence[str],
    admission_ids: Collection[int],
    start: datetime | None,
    end: datetime | None,
    *,
    newest_first: bool = True,
) -> dict[int, list[SimpleEntry]]:
    """Admission id -> its current entries in ``model`` taken in [start, end) (None: no bound,
    the whole stay), newest first unless ``newest_first`` is False (``columns`` are the kind's
    values). One statement."""
    if not admission_ids:
        return {}
    bounds = []
    if start is not None:
        bounds.append(model.taken_at >= bindparam("start"))
    if end is not None:
        bounds.append(model.taken_at < bindparam("end"))
    order = (model.taken_at.desc(), model.id.desc()) if newest_first else (model.taken_at, model.id)
    query = (
        select(
            model.id,
            model.admission_id,
            model.taken_at,
            *(getattr(model, name) for name in columns),
        )
        .where(among_ids(model.admission_id, "admission_ids"), current(model), *bounds)
        .order_by(*order)
    )
    found: dict[int, list[SimpleEntry]] = {}
    params: dict[str, Any] = {"admission_ids": list(admission_ids)}
    params.update({k: v for k, v in (("start", start), ("end", end)) if v is not None})
    for row in session.execute(query, params):
        entry_id, admission_id, taken_at, *values = row
        found.setdefault(admission_id, []).append(
            SimpleEntry(entry_id, admission_id, taken_at, dict(zip(columns, values, strict=True)))
        )
    return found
