"""Reading entries of a simple kind (``domain/simple_kinds.py``) for many patients at once: one
statement per kind, whatever the number of patients, so the handoff's statement count does not
grow with the ward."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import SimpleEntry
from wardconsole.domain.simple_kinds import listed_specs
from wardconsole.store.entries import ENTRY_TABLES, current
from wardconsole.store.id_lists import among_ids


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


def listed_stay_entries(
    session: Session, admission_id: int
) -> dict[EntryKind, tuple[SimpleEntry, ...]]:
    """Each listed simple kind (``simple_kinds.listed_specs``) -> the stay's current entries,
    oldest first (empty when there are none). One statement per kind."""
    return {
        spec.kind: tuple(
            entries_between(
                session,
                ENTRY_TABLES[spec.kind],
                spec.columns,
                [admission_id],
                None,
                None,
                newest_first=False,
            ).get(admission_id, ())
        )
        for spec in listed_specs()
    }
