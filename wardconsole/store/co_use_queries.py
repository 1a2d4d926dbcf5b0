"""The co-use facts of a stay's current intake (``domain.co_use``), read for the rules engine
and the screens: the substance-use section as admitted, or as last amended."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain import intake as intake_domain
from wardconsole.domain.co_use import CoUse, co_use_of
from wardconsole.store.models import Admission, IntakeAmendmentRow


def co_use(session: Session, admission: Admission) -> CoUse | None:
    """What the current intake says about co-used substances (None: nothing follows, or the
    stay has no structured intake)."""
    amended = session.execute(
        select(IntakeAmendmentRow.content, IntakeAmendmentRow.recorded_at)
        .where(
            IntakeAmendmentRow.admission_id == admission.id,
            IntakeAmendmentRow.section == "substance_use",
        )
        .order_by(IntakeAmendmentRow.id.desc())
        .limit(1)
    ).first()
    if amended is not None:
        content, noted_at = dict(amended[0]), amended[1]
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
