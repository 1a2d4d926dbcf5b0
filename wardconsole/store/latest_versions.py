"""What tells a kept "latest entry" read (the census's latest observation sets, symptom chart,
RASS) whether a stay's entries changed since it was read, without reading the entries.

Entries are append-only (``store.entries``: a correction or a strike-out is a new row that names
the row it replaces, with a time taken of its own). So for a stay whose answer was read from its
rows taken at or after some time, nothing that answer depends on changed while (a) the rows taken
from then on are the same ones (their number and highest id: on PostgreSQL ids may commit out
of order, but a row committed late still changes the number) and (b) no row amends one of the
rows the answer was built from (a correction that moves an entry to an earlier time)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from wardconsole.store.id_lists import among_ids, padded

Window = tuple[int, datetime]
"""(Row id, time taken) of one row in a stay's window."""


def rows_from(
    session: Session,
    model: Any,
    starts: Mapping[int, datetime | None],
    kept_ids: Collection[int],
    *,
    kind: str | None = None,
) -> tuple[dict[int, list[Window]], set[int]]:
    """(Admission id -> (id, time taken) of each of its rows, of any status, taken at or after
    its start in ``starts`` (None: the whole stay); the admission ids that have a row amending
    one of ``kept_ids``), in one statement read from the (admission, taken) and amends indexes.
    ``kind``: an assessment kind (the assessments table)."""
    if not starts:
        return {}, set()
    windows = padded([(admission_id, at) for admission_id, at in starts.items() if at is not None])
    params: dict[str, Any] = {
        "whole": [admission_id for admission_id, at in starts.items() if at is None],
        "kept_ids": list(kept_ids),
    }
    for n, (admission_id, at) in enumerate(windows):
        params[f"admission_{n}"], params[f"from_{n}"] = admission_id, at
    found: dict[int, list[Window]] = {}
    amended: set[int] = set()
    for part, admission_id, row_id, taken_at in session.execute(
        _rows_statement(model, kind, len(windows)), params
    ):
        if part:
            amended.add(admission_id)
        else:
            found.setdefault(admission_id, []).append((row_id, taken_at))
    return found, amended


@lru_cache(maxsize=32)
def _rows_statement(model: Any, kind: str | None, windows: int) -> Any:
    """Built once per table and number of windows (a ward's refreshes compile it once)."""
    # The kind in each range, so that each is one range of the (admission, kind, taken) index.
    of_kind = (model.kind == kind,) if kind is not None else ()
    ranges = [
        and_(
            model.admission_id == bindparam(f"admission_{n}"),
            *of_kind,
            model.taken_at >= bindparam(f"from_{n}", type_=model.taken_at.type),
        )
        for n in range(windows)
    ]
    ranges.append(and_(among_ids(model.admission_id, "whole"), *of_kind))

    def part(number: int, *where: Any) -> Any:
        return select(
            literal_column(str(number)).label("part"),
            model.admission_id,
            model.id,
            model.taken_at,
        ).where(*where)

    return union_all(
        part(0, or_(*ranges)),
        part(1, among_ids(model.amends_id, "kept_ids"), *of_kind),
    )


def version(rows: Sequence[Window], start: datetime | None) -> tuple[int, int]:
    """(Number, highest id) of the rows taken at or after ``start`` (None: all of them)."""
    ids = [row_id for row_id, taken_at in rows if start is None or taken_at >= start]
    return len(ids), max(ids, default=0)
