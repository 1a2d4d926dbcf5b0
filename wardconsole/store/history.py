"""One patient's clinical entries as written, corrections and strike-outs included.

The rules and the census read only *current* entries (``store.entries.current``); the history
reads every row, because "amend, never delete" is only worth something if the original stays
visible. Each entry says which later row, if any, replaced it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from wardconsole.domain.records import VITAL_FIELDS
from wardconsole.domain.simple_kinds import simple_spec
from wardconsole.store.entries import ENTRY_TABLES
from wardconsole.store.models import (
    Admission,
    PrnEffectRow,
    Staff,
)
from wardconsole.store.sessions import craving_links


@dataclass(frozen=True, slots=True)
class PrnEffect:
    assessed_at: datetime
    effect: str
    recorded_by: str


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """A clinical row exactly as stored, with who wrote it and what replaced it."""

    entry_type: str
    id: int
    admission_id: int
    taken_at: datetime
    recorded_at: datetime
    recorded_by: str
    station: str
    status: str
    """'final' or 'entered_in_error' (the strike-out row itself)."""
    amends_id: int | None
    amend_reason: str | None
    note: str
    replaced_by: int | None
    """The oldest row that amends or strikes out this one; None while it is current."""
    values: Mapping[str, Any] = field(default_factory=dict, hash=False)
    """Type-specific content (vital signs, chart ratings, answers, drug...)."""
    effects: tuple[PrnEffect, ...] = ()
    """PRN doses only: effects recorded later, oldest first."""


def entries(
    session: Session,
    admission_id: int,
    *,
    since: datetime | None = None,
    types: Sequence[str] = tuple(ENTRY_TABLES),
    limit: int = 2000,
) -> list[StoredEntry]:
    """Entries of one admission, newest first (by time taken, then by when written)."""
    found: list[StoredEntry] = []
    for entry_type in types:
        found.extend(_entries_of(session, entry_type, admission_id, since, limit))
    found.sort(key=lambda e: (e.taken_at, e.recorded_at, e.id), reverse=True)
    return found[:limit]


def entry(session: Session, entry_type: str, entry_id: int) -> StoredEntry | None:
    model = ENTRY_TABLES[entry_type]
    rows = _select_entries(session, entry_type, model.id == entry_id, None, 1)
    return rows[0] if rows else None


def scale2_prescription(session: Session, admission_id: int) -> tuple[str | None, str | None]:
    """(target range, prescriber) of an admission's SpO2 Scale 2, or (None, None)."""
    row = session.execute(
        select(Admission.spo2_scale2_target, Admission.spo2_scale2_prescribed_by).where(
            Admission.id == admission_id
        )
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _entries_of(
    session: Session, entry_type: str, admission_id: int, since: datetime | None, limit: int
) -> list[StoredEntry]:
    model = ENTRY_TABLES[entry_type]
    return _select_entries(session, entry_type, model.admission_id == admission_id, since, limit)


def _select_entries(
    session: Session, entry_type: str, condition: Any, since: datetime | None, limit: int
) -> list[StoredEntry]:
    model = ENTRY_TABLES[entry_type]
    newer = aliased(model)
    replaced_by = (
        select(func.min(newer.id))
        .where(newer.amends_id == model.id)
        .correlate(model)
        .scalar_subquery()
    )
    query = (
        select(model, Staff.display_name, replaced_by)
        .join(Staff, Staff.id == model.recorded_by_id)
        .where(condition)
    )
    if since is not None:
        query = query.where(model.taken_at >= since)
    query = query.order_by(model.taken_at.desc(), model.id.desc()).limit(limit)
    rows = session.execute(query).all()
    effects = _effects(session, [r[0].id for r in rows]) if entry_type == "prn" else {}
    cravings = craving_links(session, [r[0].id for r in rows]) if entry_type == "session" else {}
    return [
        StoredEntry(
            entry_type=entry_type,
            id=row.id,
            admission_id=row.admission_id,
            taken_at=row.taken_at,
            recorded_at=row.recorded_at,
            recorded_by=name,
            station=row.station,
            status=row.status,
            amends_id=row.amends_id,
            amend_reason=row.amend_reason,
            note=row.note or "",
            replaced_by=newer_id,
            values=_values(entry_type, row, cravings.get(row.id, (None, None))),
            effects=tuple(effects.get(row.id, ())),
        )
        for row, name, newer_id in rows
    ]


_OWN_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        kind: tuple(names.split())
        for kind, names in {
            "fluid": "direction what volume_ml description",
            "sleep": "night_of minutes_slept quality woke_at",
            "fluid_plan": "reason reason_text target_ml review_at active",
            "food_chart": "reason screen_id ends_at active",
            "weight": "weight_kg height_m before_kg before_source before_planned source",
            "regular_dose": "drug drug_class dose route outcome omitted_reason line_id",
        }.items()
    }
)


def entry_columns(entry_type: str) -> tuple[str, ...] | None:
    """The columns holding an entry's values when they are its own columns (the history shows
    them; an import reads and compares them): a simple kind's from its spec
    (``domain/simple_kinds.py``), another kind's as listed here; else None."""
    spec = simple_spec(entry_type)
    if spec is not None:
        return spec.columns
    return _OWN_COLUMNS.get(entry_type)


def _values(
    entry_type: str, row: Any, cravings: tuple[int | None, ...] = (None, None)
) -> dict[str, Any]:
    if entry_type == "observation":
        values = {name: getattr(row, name) for name in VITAL_FIELDS}
        values.update(
            spo2_scale=row.spo2_scale,
            missing_reasons=dict(row.missing_reasons or {}),
            is_complete=row.is_complete,
            news2_total=row.news2_total,
            news2_risk=row.news2_risk,
            news2_subscores=dict(row.news2_subscores or {}),
            source=row.source,
            glucose=row.glucose_flag or row.glucose_mmol,
        )
        return values
    if entry_type == "symptoms":
        return {
            "item_scores": dict(row.item_scores),
            "total": row.total,
            "chart_version": row.chart_version,
        }
    if entry_type == "assessment":
        return {
            "kind": row.kind,
            "answers": dict(row.answers),
            "total": row.total,
            "label": row.label,
        }
    if (columns := entry_columns(entry_type)) is not None:
        return {name: getattr(row, name) for name in columns}
    if entry_type == "session":
        return {
            "session_type": row.session_type,
            "attendance": row.attendance,
            "ended_at": row.ended_at,
            "led_by": row.led_by,
            "craving_before": cravings[0],
            "craving_after": cravings[1],
        }
    return {
        "drug": row.drug,
        "drug_class": row.drug_class,
        "dose": row.dose,
        "route": row.route,
        "reason": row.reason,
        "class_reason": row.class_reason or "",
    }


def _effects(session: Session, dose_ids: Sequence[int]) -> dict[int, list[PrnEffect]]:
    if not dose_ids:
        return {}
    rows = session.execute(
        select(PrnEffectRow, Staff.display_name)
        .join(Staff, Staff.id == PrnEffectRow.recorded_by_id)
        .where(PrnEffectRow.dose_id.in_(list(dose_ids)))
        .order_by(PrnEffectRow.assessed_at, PrnEffectRow.id)
    ).all()
    out: dict[int, list[PrnEffect]] = {}
    for effect, name in rows:
        out.setdefault(effect.dose_id, []).append(
            PrnEffect(effect.assessed_at, effect.effect, name)
        )
    return out
