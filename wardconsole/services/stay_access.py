"""Who may read a stay that has ended: one check for every path that reads a stay's detail.

The patients on the ward are every station's business; a discharged patient's record is not.
Reading a discharged stay's admission detail, intake (C-SSRS, PHQ-9, psychosis and self-harm
history), bed history, entries or chart series needs the history permission — as the search of
discharged patients does — re-read from the staff list inside the read, and each such read is
audited ("view_history", with what was read). A stay still open needs nothing more than the
station's sign-in, as before.

The exception the ward needs: while a discharged patient's follow-up is open, staff who record
may read what the follow-up needs (the discharge letter's facts), audited the same way. (The
console does not show previous stays' risk flags at readmission today: the admission form says
only that the number is a readmission.)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.services.context import Actor, Permission, PermissionDenied
from wardconsole.services.db import Database, confirm_actor
from wardconsole.store import repository
from wardconsole.store.models import Admission, FollowUpRow


def ensure_may_read(
    db: Database,
    session: Session,
    admission_id: int,
    reader: Actor | None,
    what: str,
    *,
    for_follow_up: bool = False,
) -> None:
    """Refuse to read ``what`` of a discharged stay unless ``reader`` holds the history
    permission in the staff list now; audit the read when it is allowed. A stay still open (or
    one that does not exist: the caller says NotFound) passes without a reader.
    ``for_follow_up``: what the follow-up after discharge needs (its letter) may also be read
    by staff who record, while that follow-up is open."""
    discharged = session.scalar(select(Admission.discharged_at).where(Admission.id == admission_id))
    if discharged is None:
        return
    if for_follow_up and reader is not None and reader.can(Permission.RECORD):
        open_follow_up = session.scalar(
            select(FollowUpRow.id).where(
                FollowUpRow.admission_id == admission_id, FollowUpRow.closed_at.is_(None)
            )
        )
        if open_follow_up is not None:
            confirm_actor(session, reader, Permission.RECORD)
            audit_history_read(db, reader, "admission", admission_id, f"{what} (follow-up open)")
            return
    if reader is None or not reader.can(Permission.VIEW_HISTORY):
        who = "this station" if reader is None else f"{reader.display_name} ({reader.role.value})"
        raise PermissionDenied(
            f"This patient has been discharged: {who} may not read their {what}. "
            "Discharged records are for staff with the history permission (supervisors)."
        )
    confirm_actor(session, reader, Permission.VIEW_HISTORY)
    audit_history_read(db, reader, "admission", admission_id, what)


def audit_history_read(db: Database, reader: Actor, entity: str, entity_id: int, what: str) -> None:
    """One audit row for a read of a discharged patient's record (its own transaction)."""
    with db.transaction() as session:
        repository.write_audit(
            session,
            at=db.clock(),
            staff_id=reader.staff_id,
            station=reader.station,
            action="view_history",
            entity=entity,
            entity_id=entity_id,
            detail={"what": what},
        )
