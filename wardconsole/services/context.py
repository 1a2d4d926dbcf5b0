"""Who is acting, from where, and the errors a use case can report to the user."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import FrameType


class Role(StrEnum):
    NURSE = "nurse"
    CLINICIAN = "clinician"
    """A doctor or advanced practitioner: records per-patient clinical decisions (SpO2 Scale 2,
    modified response, observation frequency, ending rapid tranquillisation) as well as all a
    nurse does. Created with the owner's connection (``wardconsole staff add ... --role
    clinician``), like a supervisor, since it carries prescribing-level authority."""
    SUPERVISOR = "supervisor"
    READONLY = "readonly"
    SYSTEM = "system"


class Permission(StrEnum):
    RECORD = "record"
    ACKNOWLEDGE = "acknowledge"
    ADMIT = "admit"
    WRITE_HANDOFF = "write_handoff"
    SIGN_HANDOFF = "sign_handoff"
    VIEW_AUDIT = "view_audit"
    MANAGE_STAFF = "manage_staff"
    VIEW = "view"
    EXPORT = "export"
    VIEW_HISTORY = "view_history"
    """Search and read the records of discharged patients (supervisors)."""
    RECORD_DECISION = "record_decision"
    """Document a clinician's per-patient decision (clinicians only; not supervisors)."""


_NURSE = {
    Permission.VIEW,
    Permission.RECORD,
    Permission.ACKNOWLEDGE,
    Permission.ADMIT,
    Permission.WRITE_HANDOFF,
}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.READONLY: frozenset({Permission.VIEW}),
    Role.NURSE: frozenset(_NURSE),
    Role.CLINICIAN: frozenset(_NURSE | {Permission.RECORD_DECISION}),
    # A supervisor manages the ward, not a patient's treatment: no clinician decisions.
    Role.SUPERVISOR: frozenset(set(Permission) - {Permission.RECORD_DECISION}),
    # Automatic and command-line exports run as the system account (audited with the OS user).
    Role.SYSTEM: frozenset(_NURSE | {Permission.EXPORT}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in member of staff and the station they are working at."""

    staff_id: int
    staff_code: str
    display_name: str
    role: Role
    station: str

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


class ServiceError(Exception):
    """A use case refused; the message is written for the nurse and changed nothing."""


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class ConflictError(ServiceError):
    """Someone else changed the same thing first (optimistic locking)."""


class InvalidInput(ServiceError):
    """Bad input; ``problems`` maps field name to a message naming the accepted range."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(_naming(field, msg) for field, msg in problems.items()))


def _naming(field: str, message: str) -> str:
    """The message as shown: it names its field once (most already start with it)."""
    return message if message.startswith(field) else f"{field}: {message}"


_pending: ContextVar[tuple[Actor, Permission, FrameType] | None] = ContextVar(
    "wardconsole_pending_permission", default=None
)
_replaying: ContextVar[bool] = ContextVar("wardconsole_replaying", default=False)
_STACK_DEPTH = 80


def require(actor: Actor, permission: Permission) -> None:
    """Refuse at once if the in-memory role lacks ``permission``; otherwise the next session
    the calling use case opens (``Database.transaction``/``read``) re-reads the actor's role and
    active flag inside its transaction and refuses if the staff list no longer allows it, so a
    deactivated account stops at its next action and a role forged in memory reads nothing."""
    if not actor.can(permission):
        action = permission.value.replace("_", " ")
        raise PermissionDenied(f"{actor.display_name} ({actor.role.value}) may not {action}")
    _pending.set(None if _replaying.get() else (actor, permission, sys._getframe(1)))


def take_pending_check() -> tuple[Actor, Permission] | None:
    """The permission ``require`` left for the session now opening, and forget it. It counts
    only while the use case that asked is still running (its frame is on this stack): a use
    case that refused bad input before opening a session leaves nothing for the next one."""
    pending = _pending.get()
    if pending is None:
        return None
    _pending.set(None)
    actor, permission, asker = pending
    frame: FrameType | None = sys._getframe(1)
    for _ in range(_STACK_DEPTH):
        if frame is None:
            break
        if frame is asker:
            return actor, permission
        frame = frame.f_back
    return None


@contextmanager
def replaying_queued_entries() -> Iterator[None]:
    """Writes made while replaying the station's queue: their author was checked when they
    were stamped (``SafeSaves`` decides what a since-deactivated author's entries may do)."""
    token = _replaying.set(True)
    _pending.set(None)  # nothing left over from a call the outage interrupted
    try:
        yield
    finally:
        _replaying.reset(token)


def as_utc(field: str, value: datetime | None) -> datetime | None:
    """A caller's time normalised to UTC at the service boundary; a naive time is refused.

    A Europe/London time on the clock-change night and the same instant in UTC must give the
    same due times, windows and stored values: arithmetic on an aware datetime in a zone is
    wall-clock arithmetic, so everything past this point works in UTC only.
    """
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput({field: f"{field}: time zone missing; give an aware time (UTC)"})
    return value.astimezone(UTC)
