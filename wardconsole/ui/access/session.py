"""Who is signed in at this station: the one place the UI asks for the acting member of staff.

``StaffSession`` holds the signed-in ``Actor``. Screens ask ``current_actor()`` on the UI thread
when the nurse acts (not when they were built) and hand the answer to the service call on the
background worker, so after another nurse unlocks the screen, what is saved from then on carries
the new nurse's name. ``AccessContext`` is what the composition root hands
the UI for signing in, locking, staff management, the audit trail and the station's queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from wardconsole.services.context import Actor, Permission, ServiceError
from wardconsole.services.sign_in import SignedIn, SignInPurpose, SignInSetup
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.follows_session import announce_session_changed

if TYPE_CHECKING:  # the sign-in screen shows before these services load (``app.py``)
    from wardconsole.services.audit import AuditService
    from wardconsole.services.safe_saves import SafeSaves
    from wardconsole.services.staff import StaffService


class NotSignedIn(ServiceError):
    """Nobody is signed in at this station (the console is locked or still starting)."""


class StaffSession(QObject):
    """The signed-in member of staff at this station, and whether the screen is locked."""

    actor_changed = Signal(object)
    """A different member of staff is signed in (an ``Actor``), or nobody (None)."""

    locked_changed = Signal(bool)
    """The screen locked (True) or unlocked (False)."""

    def __init__(self, actor: Actor | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._actor = actor
        self._locked = False

    @property
    def actor(self) -> Actor | None:
        return self._actor

    @property
    def locked(self) -> bool:
        return self._locked

    def current_actor(self) -> Actor:
        """Who acts now; raises ``NotSignedIn`` when nobody is signed in."""
        if self._actor is None:
            raise NotSignedIn("Nobody is signed in at this station; sign in first.")
        return self._actor

    def can(self, permission: Permission) -> bool:
        return self._actor is not None and self._actor.can(permission)

    def sign_in(self, actor: Actor) -> None:
        changed = actor != self._actor
        self._actor = actor
        if self._locked:
            self._locked = False
            self.locked_changed.emit(False)
        if changed:
            self.actor_changed.emit(actor)
            announce_session_changed()

    def lock(self) -> None:
        if not self._locked:
            self._locked = True
            self.locked_changed.emit(True)

    def sign_out(self) -> None:
        """Nobody is signed in; the screen stays locked until someone signs in."""
        self.lock()
        if self._actor is not None:
            self._actor = None
            self.actor_changed.emit(None)
            announce_session_changed()


def acting_as(current_actor: Callable[[], Actor]) -> str:
    """``Name · station`` of whoever is signed in now, for a dialog's heading."""
    actor = reader(current_actor)
    return "nobody signed in" if actor is None else f"{actor.display_name} · {actor.station}"


def reader(current_actor: Callable[[], Actor]) -> Actor | None:
    """Who reads now; None when nobody is signed in (which reads only stays still open)."""
    try:
        return current_actor()
    except ServiceError:
        return None


def may(current_actor: Callable[[], Actor], permission: Permission) -> bool:
    """Whether whoever is signed in now may; False when nobody is."""
    actor = reader(current_actor)
    return actor is not None and actor.can(permission)


@dataclass(frozen=True, slots=True)
class AccessContext:
    """Sign-in, lock, staff management, audit trail and the queue (all block: worker only)."""

    sign_in: Callable[[str, str, SignInPurpose, Actor | None], SignedIn]
    setup: Callable[[], SignInSetup]
    record_lock: Callable[[Actor, str], None]
    record_sign_out: Callable[[Actor], None]
    idle_lock_after: timedelta
    """Local policy (``access_policy.toml``)."""
    session: StaffSession
    """Who is signed in (the same object ``UiContext.current_actor`` asks)."""
    station: str
    ward_name: str
    runner: TaskRunner
    """The console's one background worker (built by the composition root)."""
    staff: StaffService | None = None
    audit: AuditService | None = None
    saves: SafeSaves | None = None
    """The station's queue for saves made while the database is unavailable."""
    saves_problem: str | None = None
    """Why this station has no queue (its data folder cannot be written), shown to staff."""
