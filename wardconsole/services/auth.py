"""Signing in at a shared station: password check, throttling, lock and unlock.

Every try takes one code path: look the ID up, read its waits, verify the password once
(against the account's hash, or a decoy when there is none), then decide. So an unknown ID, an
inactive account, a wrong password and a try that must wait cost the same single verification,
and unknown IDs are throttled exactly like real ones (by a keyed hash of what was typed), so no
answer tells a passer-by which IDs exist. No account is ever locked outright: after the local
policy's free tries, further tries wait, longer each time (``domain.sign_in_throttle``,
``resources/policy/access_policy.toml``, LOCAL POLICY); a supervisor's password reset clears
the waits. Hashes weaker than today's cost are upgraded at their owner's next sign-in. Every
sign-in, failed sign-in (an unknown ID as its keyed hash, never the text), lock, unlock and
sign-out is audited.

When the ward database is unavailable the screen can still be unlocked by staff who signed in at
this station since the console started (their verified password hash is kept in memory only);
the audit rows for that wait in the station's queue until the database is back.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain.access import AccessPolicy
from wardconsole.domain.sign_in_throttle import Scope, rules
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.safe_saves import SafeSaves
from wardconsole.services.sign_in import (
    DEMO_WARD_KEY,
    SignedIn,
    SignInPurpose,
    SignInRefused,
    SignInSetup,
    read_sign_in_setup,
)
from wardconsole.services.staff import (
    MAX_PASSWORD_LENGTH,
    STAFF_CODE,
    decoy_hash,
    hash_password,
    needs_rehash,
    spend_verification_time,
    verify_password,
)
from wardconsole.services.text_rule import checks_text
from wardconsole.services.unavailable import is_unavailable
from wardconsole.store import repository, sign_in_throttle, staff_writes
from wardconsole.store.models import SchemaInfo, Staff

log = logging.getLogger(__name__)

NOT_RECOGNISED = "Staff ID or password not recognised."


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
            return read_sign_in_setup(session.connection())

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
            # A refusal is committed (failure counts, audit row) before it is raised.
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
        """The refusal message, or the actor and their password hash. One path for every try:
        exactly one password verification whatever the outcome."""
        key = sign_in_throttle.identifier_key(session)
        account = sign_in_throttle.keyed_hash(key, code)
        keys = {
            Scope.PAIR: sign_in_throttle.keyed_hash(key, code, station),
            Scope.ACCOUNT: account,
            Scope.STATION: sign_in_throttle.keyed_hash(key, "station", station),
        }
        row = (
            session.scalar(select(Staff).where(Staff.staff_code == code))
            if STAFF_CODE.match(code)
            else None
        )
        usable = (
            row is not None
            and row.active
            and row.password_hash is not None
            and row.role != Role.SYSTEM.value
        )
        stored = row.password_hash if usable and row is not None else None
        waits = sign_in_throttle.waits(session, keys)
        wait = self._wait(waits, now)
        matched = verify_password(password[:MAX_PASSWORD_LENGTH], stored or decoy_hash())
        matched = matched and stored is not None and len(password) <= MAX_PASSWORD_LENGTH
        staff_id = row.id if row is not None else None
        if wait > timedelta(0):
            self._audit_failure(session, now, staff_id, station, code, account, "tried too soon")
            return self.waiting(wait)
        if not matched or row is None:
            reason = (
                "unknown staff ID"
                if row is None
                else "wrong password"
                if usable
                else "inactive or no password"
            )
            self._audit_failure(session, now, staff_id, station, code, account, reason)
            return self._count_failure(session, keys, now)
        sign_in_throttle.clear_account(session, account)
        sign_in_throttle.clear_station(session, keys[Scope.STATION])
        assert stored is not None
        if needs_rehash(stored):
            stronger = hash_password(password)
            if staff_writes.upgrade_password_hash(session, row.id, stored, stronger):
                stored = stronger
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
        return actor, stored

    @staticmethod
    def _wait(waits: dict[Scope, tuple[int, datetime]], now: datetime) -> timedelta:
        """How long this try must still wait: the longest of its scopes' waits. The station's
        wait counts only for an ID that already failed here (never a first try)."""
        longest = timedelta(0)
        for scope, (_failures, until) in waits.items():
            if scope is Scope.STATION and Scope.PAIR not in waits:
                continue
            longest = max(longest, until - now)
        return longest

    def _count_failure(self, session: Session, keys: dict[Scope, str], now: datetime) -> str:
        """One more wrong try in each scope; say how long the next try with this ID waits."""
        scope_rules = rules(self.access)
        account = keys[Scope.ACCOUNT]
        wait = timedelta(0)
        for scope, key in keys.items():
            owner = None if scope is Scope.STATION else account
            failures = sign_in_throttle.record_failure(
                session, scope, key, owner, now, scope_rules[scope]
            )
            if scope is not Scope.STATION:
                wait = max(wait, scope_rules[scope].wait_after(failures))
        if wait > timedelta(0):
            return f"{NOT_RECOGNISED} {self._next_try(wait)}"
        return self.not_recognised()

    def not_recognised(self) -> str:
        """The same answer for an unknown ID, an unusable account and a wrong password."""
        minutes = round(self.access.longest_delay.total_seconds() / 60)
        return (
            f"{NOT_RECOGNISED} After {self.access.free_attempts} wrong tries in a row, each "
            f"further try with that ID waits, longer each time (up to {minutes} minutes)."
        )

    def waiting(self, wait: timedelta) -> str:
        """The answer while tries with an ID must wait (the same for real and unknown IDs)."""
        return (
            f"Sign-in with this staff ID is paused after wrong passwords. {self._next_try(wait)} "
            "Other staff can sign in now; a supervisor's password reset ends the wait."
        )

    @staticmethod
    def _next_try(wait: timedelta) -> str:
        return f"The next try with this ID can be made in {_duration_text(wait)}."

    @staticmethod
    def _audit_failure(
        session: Session,
        now: datetime,
        staff_id: int | None,
        station: str,
        code: str,
        account: str,
        reason: str,
    ) -> None:
        """A known ID is named; an unknown one only by its keyed hash (it may be a password
        typed into the wrong field)."""
        who = {"staff_code": code} if staff_id is not None else {"id_hash": account[:16]}
        repository.write_audit(
            session,
            at=now,
            staff_id=staff_id,
            station=station,
            action="sign_in_failed",
            entity="staff",
            entity_id=staff_id,
            detail={**who, "reason": reason},
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
        if failures >= self.access.free_attempts:
            spend_verification_time(password)
            raise SignInRefused(
                "This account is locked at this station until the database "
                "is back; ask a colleague who signed in here."
            )
        if not verify_password(password[:MAX_PASSWORD_LENGTH], remembered.password_hash):
            with self._lock:
                self._offline_failures[key] = failures + 1
            raise SignInRefused(self.not_recognised())
        with self._lock:
            self._offline_failures.pop(key, None)
        staff_id, staff_code, name, role = remembered.actor_fields
        actor = Actor(staff_id, staff_code, name, role, station)
        self.record(actor, purpose.value, {**_previous_detail(previous), "offline": True})
        return SignedIn(actor, offline=True)

    # -- lock, sign-out, other station events ----------------------------------------------

    def confirm_second_person(
        self, staff_code: str, password: str, station: str, *, first: Actor
    ) -> Actor:
        """A second member of staff signs in to confirm ``first``'s decision (audited, with the
        same throttle as any sign-in); returns them, without changing who is signed in."""
        signed = self.sign_in(
            staff_code, password, station, purpose=SignInPurpose.CONFIRM, previous=first
        )
        if signed.actor.staff_id == first.staff_id:
            raise SignInRefused("The second member of staff must be someone else.")
        return signed.actor

    @checks_text
    def record_lock(self, actor: Actor, reason: str) -> None:
        """The screen locked (``reason``: 'idle' or 'manual')."""
        self.record(actor, "lock", {"reason": reason})

    def record_sign_out(self, actor: Actor) -> None:
        self.record(actor, "sign_out", {})

    @checks_text
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


def _duration_text(wait: timedelta) -> str:
    seconds = max(1, round(wait.total_seconds()))
    if seconds < 90:
        return f"{seconds} {'second' if seconds == 1 else 'seconds'}"
    minutes = round(seconds / 60)
    return f"{minutes} minutes"
