"""The co-use facts of a stay's current intake (``domain.co_use``), read for the rules engine
and the screens: the substance-use section as admitted, or as last amended."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain import intake as intake_domain
from wardconsole.domain.co_use import CoUse, co_use_of
from wardconsole.store.models import Admission, IntakeAmendmentRow


def co_use(session: Session, admission: Admission) -> CoUse | None:
    """What the current intake says about co-used substances (None: nothing follows, or the
    stay has no structured intake)."""
    return co_use_of_stays(session, [admission])[admission.id]


def co_use_of_stays(session: Session, admissions: Sequence[Admission]) -> dict[int, CoUse | None]:
    """``co_use`` of several stays in one statement (the monitor feed rules a ward at once)."""
    if not admissions:
        return {}
    amended: dict[int, tuple[dict[str, Any], datetime]] = {}
    for admission_id, content, recorded_at in session.execute(
        select(
            IntakeAmendmentRow.admission_id,
            IntakeAmendmentRow.content,
            IntakeAmendmentRow.recorded_at,
        )
        .where(
            IntakeAmendmentRow.admission_id.in_([a.id for a in admissions]),
            IntakeAmendmentRow.section == "substance_use",
        )
        .order_by(IntakeAmendmentRow.id.desc())
    ):
        amended.setdefault(admission_id, (dict(content), recorded_at))
    return {a.id: _co_use(a, amended.get(a.id)) for a in admissions}


def _co_use(admission: Admission, amended: tuple[dict[str, Any], datetime] | None) -> CoUse | None:
    if amended is not None:
        content, noted_at = amended
    else:
        content = dict((admission.intake or {}).get("substance_use") or {})
        noted_at = admission.admitted_at
    if not content:
        return None
    try:
        parsed = intake_domain.parse_section(
            "substance_use", content, admitted_at=admission.admitted_at
        )
    except intake_domain.IntakeProblems:
        return None
    return co_use_of(parsed, noted_at)
