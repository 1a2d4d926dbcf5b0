"""Signing in at a shared station: password check, account lockout, lock and unlock.

A wrong staff ID and a wrong password get the same answer (and take the same time), so the
screen does not tell a passer-by which IDs exist. After the local policy's number of failures in
a row the account locks for the policy's time (``resources/policy/access_policy.toml``, LOCAL
POLICY); a supervisor's password reset lifts it. Every sign-in, failed sign-in, lock, unlock and
sign-out is audited.

When the ward database is unavailable the screen can still be unlocked by staff who signed in at
this station since the console started (their verified password hash is kept in memory only);
the audit rows for that wait in the station's queue until the database is back.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wardconsole.domain.access import AccessPolicy
from wardconsole.services.context import Actor, Role, ServiceError
from wardconsole.services.db import Database
from wardconsole.services.safe_saves import SafeSaves, is_unavailable
from wardconsole.services.staff import (
    FIRST_ACCOUNT_COMMAND,
    MAX_PASSWORD_LENGTH,
    STAFF_CODE,
    spend_verification_time,
    verify_password,
)
from wardconsole.store import repository
from wardconsole.store.models import SchemaInfo, Staff

log = logging.getLogger(__name__)

DEMO_WARD_KEY = "demo_ward"
"""``ward_settings`` key set only in databases built by ``wardconsole demo``."""
DEMO_PASSWORD = "demo-password"
"""The password of every demo account. Only demo databases have such accounts (README)."""

NOT_RECOGNISED = "Staff ID or password not recognised."


class SignInPurpose(StrEnum):
    START = "sign_in"
    UNLOCK = "unlock"


class SignInRefused(ServiceError):
    """Sign-in refused; the message is for the person at the screen and names no secret."""


@dataclass(frozen=True, slots=True)
class SignInSetup:
    """What the sign-in screen should say before anyone types."""

    can_sign_in: bool
    """Some active account has a password."""
    demo_password: str | None
    """Set only for a demo ward, so the screen can say how to try it."""
    demo_accounts: tuple[tuple[str, Role], ...] = ()
    """A demo ward's accounts (staff ID, role), for the same reason."""

    @property
    def first_account_hint(self) -> str:
        return (
            "No staff account can sign in to this database yet. Create the first supervisor "
            f"at this PC with:  {FIRST_ACCOUNT_COMMAND}"
        )


@dataclass(frozen=True, slots=True)
class SignedIn:
    actor: Actor
    offline: bool = False
    """Verified against this station's memory because the database is unavailable."""


@dataclass(frozen=True, slots=True)
class _Remembered:
    actor_fields: tuple[int, str, str, Role]
    password_hash: str


class AuthService:
    """One per console process (it remembers who signed in here, for offline unlock)."""

    def __init__(self, db: Database, access: AccessPolicy, saves: SafeSaves | None = None):
        self._db = db
        self.access = access
        self._saves = saves
        self._remembered: dict[str, _Remembered] = {}
        self._offline_failures: dict[str, int] = {}
        self._lock = threading.Lock()

    # -- before sign-in --------------------------------------------------------------------

    def setup(self) -> SignInSetup:
        with self._db.read() as session:
            can = (
                session.scalar(
                    select(Staff.id)
                    .where(
                        Staff.active.is_(True),
                        Staff.password_hash.is_not(None),
                        Staff.role != Role.SYSTEM.value,
                    )
                    .limit(1)
                )
                is not None
            )
            demo = session.get(SchemaInfo, DEMO_WARD_KEY) is not None
            accounts: tuple[tuple[str, Role], ...] = ()
            if demo:
                accounts = tuple(
                    (code, Role(role))
                    for code, role in session.execute(
                        select(Staff.staff_code, Staff.role)
                        .where(
                            Staff.active.is_(True),
                            Staff.password_hash.is_not(None),
                            Staff.role != Role.SYSTEM.value,
                        )
                        .order_by(Staff.role.desc(), Staff.staff_code)
                        .limit(6)
                    )
                )
        return SignInSetup(
            can_sign_in=can, demo_password=DEMO_PASSWORD if demo else None, demo_accounts=accounts
        )

    # -- signing in ------------------------------------------------------------------------

    def sign_in(
        self,
        staff_code: str,
        password: str,
        station: str,
        *,
        purpose: SignInPurpose = SignInPurpose.START,
        previous: Actor | None = None,
    ) -> SignedIn:
        """Check the password; raise ``SignInRefused`` (audited) or return the new actor."""
        code = staff_code.strip()
        if not code or not password:
            raise SignInRefused("Enter your staff ID and password.")
        if not STAFF_CODE.match(code) or len(password) > MAX_PASSWORD_LENGTH:
            # Not an ID anyone could have (and nothing to look up): same answer, same time.
            spend_verification_time(password[:MAX_PASSWORD_LENGTH])
            self.record_anonymous_failure(station, "not a valid staff ID")
            raise SignInRefused(self.not_recognised())
        try:
            return self._sign_in_online(code, password, station, purpose, previous)
        except SignInRefused:
            raise
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            return self._sign_in_offline(code, password, station, purpose, previous)

    def _sign_in_online(
        self,
        code: str,
        password: str,
        station: str,
        purpose: SignInPurpose,
        previous: Actor | None,
    ) -> SignedIn:
        now = self._db.clock()
        with self._db.transaction() as session:
            # A refusal is committed (failure count, audit row) before it is raised.
            outcome = self._check(session, code, password, station, purpose, previous, now)
        if isinstance(outcome, str):
            raise SignInRefused(outcome)
        actor, password_hash = outcome
        with self._lock:
            self._remembered[code.casefold()] = _Remembered(
                (actor.staff_id, actor.staff_code, actor.display_name, actor.role), password_hash
            )
            self._offline_failures.pop(code.casefold(), None)
        return SignedIn(actor)

    def _check(
        self,
        session: Session,
        code: str,
        password: str,
        station: str,
        purpose: SignInPurpose,
        previous: Actor | None,
        now: datetime,
    ) -> str | tuple[Actor, str]:
        """The refusal message, or the actor and their password hash."""
        row = session.scalar(select(Staff).where(Staff.staff_code == code))
        if (
            row is None
            or not row.active
            or row.password_hash is None
            or row.role == Role.SYSTEM.value
        ):
            spend_verification_time(password)
            reason = "unknown staff ID" if row is None else "inactive or no password"
            self._audit_failure(session, now, row.id if row else None, station, code, reason)
            return self.not_recognised()
        if row.locked_until is not None and row.locked_until > now:
            self._audit_failure(session, now, row.id, station, code, "account locked")
            return _locked_message(row.locked_until, now)
        if not verify_password(password, row.password_hash):
            self._audit_failure(session, now, row.id, station, code, "wrong password")
            return self._count_failure(session, row, station, now)
        row.failed_logins = 0
        row.locked_until = None
        repository.write_audit(
            session,
            at=now,
            staff_id=row.id,
            station=station,
            action=purpose.value,
            entity="staff",
            entity_id=row.id,
            detail=_previous_detail(previous),
        )
        actor = Actor(row.id, row.staff_code, row.display_name, Role(row.role), station)
        return actor, row.password_hash

    def _count_failure(self, session: Session, row: Staff, station: str, now: datetime) -> str:
        """One more wrong password in a row; lock the account when the policy says so."""
        if row.locked_until is not None and row.locked_until <= now:
            row.failed_logins = 0  # an expired lock starts the count again
            row.locked_until = None
            session.flush()
        session.execute(
            update(Staff)
            .where(Staff.id == row.id)
            .values(failed_logins=Staff.failed_logins + 1)
            .execution_options(synchronize_session=False)
        )
        session.refresh(row, ["failed_logins"])
        limit = self.access.failed_attempts_before_lock
        if row.failed_logins >= limit:
            row.locked_until = now + self.access.lock_duration
            repository.write_audit(
                session,
                at=now,
                staff_id=row.id,
                station=station,
                action="account_locked",
                entity="staff",
                entity_id=row.id,
                detail={"failed_attempts": row.failed_logins},
            )
            return _locked_message(row.locked_until, now)
        return self.not_recognised()

    def not_recognised(self) -> str:
        """The same answer for an unknown ID and a wrong password, with the lockout rule."""
        minutes = round(self.access.lock_duration.total_seconds() / 60)
        return (
            f"{NOT_RECOGNISED} After {self.access.failed_attempts_before_lock} wrong tries "
            f"in a row an account locks for {minutes} minutes."
        )

    @staticmethod
    def _audit_failure(
        session: Session,
        now: datetime,
        staff_id: int | None,
        station: str,
        code: str,
        reason: str,
    ) -> None:
        repository.write_audit(
            session,
            at=now,
            staff_id=staff_id,
            station=station,
            action="sign_in_failed",
            entity="staff",
            entity_id=staff_id,
            detail={"staff_code": code[:32], "reason": reason},
        )

    def _sign_in_offline(
        self,
        code: str,
        password: str,
        station: str,
        purpose: SignInPurpose,
        previous: Actor | None,
    ) -> SignedIn:
        key = code.casefold()
        with self._lock:
            remembered = self._remembered.get(key)
            failures = self._offline_failures.get(key, 0)
        if remembered is None:
            spend_verification_time(password)
            raise SignInRefused(
                "The ward database is unavailable: only staff who signed in at this station "
                "since it started can unlock it until the database is back."
            )
        if failures >= self.access.failed_attempts_before_lock:
            raise SignInRefused(
                "This account is locked at this station until the database "
                "is back; ask a colleague who signed in here."
            )
        if not verify_password(password, remembered.password_hash):
            with self._lock:
                self._offline_failures[key] = failures + 1
            raise SignInRefused(self.not_recognised())
        with self._lock:
            self._offline_failures.pop(key, None)
        staff_id, staff_code, name, role = remembered.actor_fields
        actor = Actor(staff_id, staff_code, name, role, station)
        self.record(actor, purpose.value, {**_previous_detail(previous), "offline": True})
        return SignedIn(actor, offline=True)

    def record_anonymous_failure(self, station: str, reason: str) -> None:
        try:
            with self._db.transaction() as session:
                self._audit_failure(session, self._db.clock(), None, station, "", reason)
        except Exception as exc:
            if not is_unavailable(exc):
                raise

    # -- lock, sign-out, other station events ----------------------------------------------

    def record_lock(self, actor: Actor, reason: str) -> None:
        """The screen locked (``reason``: 'idle' or 'manual')."""
        self.record(actor, "lock", {"reason": reason})

    def record_sign_out(self, actor: Actor) -> None:
        self.record(actor, "sign_out", {})

    def record(self, actor: Actor, action: str, detail: dict[str, Any]) -> None:
        """An audit row about this member of staff; queued if the database is down."""
        if self._saves is not None:
            self._saves.record_audit(
                actor, action, entity="staff", entity_id=actor.staff_id, detail=detail
            )
            return
        with self._db.transaction() as session:
            repository.write_audit(
                session,
                at=self._db.clock(),
                staff_id=actor.staff_id,
                station=actor.station,
                action=action,
                entity="staff",
                entity_id=actor.staff_id,
                detail=detail,
            )


def mark_demo_ward(session: Session) -> None:
    """Label a database as a demo ward (its accounts share the documented demo password)."""
    session.merge(SchemaInfo(key=DEMO_WARD_KEY, value="true"))


def _previous_detail(previous: Actor | None) -> dict[str, Any]:
    return {"previous": previous.staff_code} if previous is not None else {}


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, round((until - now).total_seconds() / 60))
    return (
        f"This account is locked after too many wrong passwords. Try again in {minutes} "
        f"{'minute' if minutes == 1 else 'minutes'}, or ask a supervisor to reset it."
    )
