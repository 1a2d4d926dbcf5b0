"""Staff accounts. Passwords are stored only as salted scrypt hashes (standard library).

The first supervisor comes from the command line (``wardconsole staff add``): there is no
built-in account and no default password. After that, supervisors manage accounts from the
console (add, deactivate, reactivate, reset a password) or from the command line after signing
in at its prompt; every change is audited. The command line acts without a supervisor only while
no active supervisor can sign in (first set-up, or every supervisor deactivated or without a
password), and that check is made inside the same transaction as the change, so it works once.
Accounts are never deleted, because the records and the audit trail name them.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import logging
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wardconsole import password_child
from wardconsole.domain.access import AccessPolicy, load_access_policy
from wardconsole.domain.sign_in_throttle import Scope
from wardconsole.domain.text_input import text_problem
from wardconsole.services.context import (
    Actor,
    InvalidInput,
    NotFound,
    Permission,
    PermissionDenied,
    Role,
    ServiceError,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.text_rule import checks_text
from wardconsole.store import repository, sign_in_throttle, staff_writes
from wardconsole.store.models import Staff

STAFF_CODE = re.compile(r"^[A-Za-z0-9._-]{2,32}$")
SYSTEM_CODE = "system"
MAX_PASSWORD_LENGTH = 1024
"""Longer input is refused rather than hashed: nobody types it, and it costs memory."""
MAX_NAME_LENGTH = 120
HUMAN_ROLES = (Role.NURSE, Role.SUPERVISOR, Role.READONLY)


log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScryptCost:
    """scrypt's work factors; stored in every hash, so each hash is checked with its own."""

    n: int
    r: int
    p: int

    @property
    def maxmem(self) -> int:
        """Memory ``hashlib.scrypt`` may use: 128·r·n bytes plus headroom (OpenSSL refuses
        N = 2**17 under its 32 MiB default)."""
        return 128 * self.r * (self.n + self.p + 2) + 16 * 1024 * 1024

    def weaker_than(self, other: ScryptCost) -> bool:
        return self.n < other.n or self.r < other.r or self.p < other.p


OWASP_SCRYPT = ScryptCost(n=2**17, r=8, p=1)
"""OWASP Password Storage Cheat Sheet (scrypt): N = 2**17 (128 MiB), r = 8, p = 1."""
MAX_VERIFY_N = 2**20
"""A stored hash asking for more work than this is refused, not computed (1 GiB of memory)."""
_cost = OWASP_SCRYPT


def password_cost() -> ScryptCost:
    return _cost


def set_password_cost(cost: ScryptCost) -> None:
    """Change the cost of new hashes (tests use a cheap one; existing hashes keep theirs and
    are upgraded at their owner's next sign-in when weaker than this)."""
    global _cost
    _cost = cost


CHILD_HASH_BYTES = 32 * 1024 * 1024
"""A hash needing at least this much memory runs in a short-lived child process: scrypt's
128 MiB is then never part of the console's own memory (it would stay in its peak for the
whole shift, and a ward PC runs other programs). Cheaper hashes (tests) run in-process."""


def _scrypt(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    secret = password.encode("utf-8", "surrogatepass")
    if cost.maxmem >= CHILD_HASH_BYTES:
        digest = _scrypt_in_child(secret, salt, cost)
        if digest is not None:
            return digest
    return hashlib.scrypt(secret, salt=salt, n=cost.n, r=cost.r, p=cost.p, maxmem=cost.maxmem)


def _scrypt_in_child(secret: bytes, salt: bytes, cost: ScryptCost) -> bytes | None:
    """The same ``hashlib.scrypt`` in a child process (``wardconsole.password_child``: from
    source an isolated interpreter without site packages, in the packaged build the executable
    itself); the password goes through a pipe, never the command line. None when the child
    could not run (the caller then hashes in-process: signing in never depends on it)."""
    request = b"\n".join(
        [secret.hex().encode(), salt.hex().encode()]
        + [str(v).encode() for v in (cost.n, cost.r, cost.p, cost.maxmem)]
    )
    try:
        done = subprocess.run(
            _child_command(),
            input=request,
            capture_output=True,
            timeout=60,
            check=True,
        )
        return bytes.fromhex(done.stdout.decode("ascii"))
    except (OSError, ValueError, subprocess.SubprocessError):
        log.warning("Password hash: the child process failed; hashing in this process")
        return None


def _child_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, password_child.FLAG]
    return [sys.executable, "-I", "-S", password_child.SCRIPT]


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$digest`` at the current cost."""
    cost = _cost
    salt = os.urandom(16)
    digest = _scrypt(password, salt, cost)
    parts = [
        "scrypt",
        str(cost.n),
        str(cost.r),
        str(cost.p),
        base64.b64encode(salt).decode(),
        base64.b64encode(digest).decode(),
    ]
    return "$".join(parts)


def _parse(stored: str) -> tuple[ScryptCost, bytes, bytes] | None:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return None
        cost = ScryptCost(int(n), int(r), int(p))
        if not (1 < cost.n <= MAX_VERIFY_N and 0 < cost.r <= 32 and 0 < cost.p <= 16):
            return None
        return cost, base64.b64decode(salt, validate=True), base64.b64decode(digest)
    except (ValueError, TypeError):
        return None


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored`` (one scrypt computation at its own cost)."""
    parsed = _parse(stored)
    if parsed is None:
        return False
    cost, salt, digest = parsed
    try:
        candidate = _scrypt(password, salt, cost)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(candidate, digest)


def needs_rehash(stored: str) -> bool:
    """The hash is weaker than today's cost (upgrade it at the next sign-in)."""
    parsed = _parse(stored)
    return parsed is None or parsed[0].weaker_than(_cost)


_decoys: dict[ScryptCost, str] = {}


def decoy_hash() -> str:
    """A hash nobody's password matches, at today's cost: verified against when there is no
    real hash, so every sign-in try costs one verification whatever the answer."""
    if _cost not in _decoys:
        _decoys[_cost] = hash_password(base64.b64encode(os.urandom(24)).decode())
    return _decoys[_cost]


def spend_verification_time(password: str) -> None:
    """Verify against the decoy (for paths with no real hash to check)."""
    verify_password(password, decoy_hash())


@dataclass(frozen=True, slots=True)
class CommandLineOrigin:
    """Who ran a staff command at a terminal: recorded in its audit row, whoever authorised it.

    ``authorised_by`` is the supervisor who signed in at the prompt, or None when the command
    ran without one (nobody could sign in as a supervisor: first set-up or recovery).
    """

    os_user: str
    host: str

    @classmethod
    def here(cls) -> CommandLineOrigin:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (containers)
            user = f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
        return cls(os_user=user[:64], host=socket.gethostname()[:64])

    def detail(self, authorised_by: Actor | None) -> dict[str, object]:
        return {
            "os_user": self.os_user,
            "host": self.host,
            "authorised_by": authorised_by.staff_code if authorised_by else None,
            "without_supervisor": authorised_by is None,
        }


OWNER_NEEDED = (
    "This station's database role may not change staff accounts on its own: a supervisor "
    "signs in to do it, or the database owner's connection is used (wardconsole --db "
    "OWNER_URL staff ...)."
)

NO_SUPERVISOR_NEEDED = (
    "A supervisor can sign in to this database, so a staff change from the command line needs "
    "one: give --supervisor ID and their password at the prompt."
)


@dataclass(frozen=True, slots=True)
class StaffAccount:
    """One account as the staff-management screen shows it."""

    id: int
    staff_code: str
    display_name: str
    role: Role
    active: bool
    has_password: bool
    failed_logins: int
    """Wrong passwords in a row for this ID, at every station."""
    locked_until: datetime | None
    """Until when tries with this ID wait (at every station); never an outright lock."""
    created_at: datetime

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def _account(row: Staff, waits: dict[Scope, tuple[int, datetime]]) -> StaffAccount:
    failures, wait_until = waits.get(Scope.ACCOUNT, (0, None))
    return StaffAccount(
        id=row.id,
        staff_code=row.staff_code,
        display_name=row.display_name,
        role=Role(row.role),
        active=row.active,
        has_password=row.password_hash is not None,
        failed_logins=failures,
        locked_until=wait_until,
        created_at=row.created_at,
    )


@contextmanager
def _refusal_as_permission() -> Iterator[None]:
    """The database's refusal of a staff change, as the service's own refusal."""
    try:
        yield
    except staff_writes.StaffWriteRefused as exc:
        raise PermissionDenied(str(exc)) from None


class StaffService:
    def __init__(self, db: Database, access: AccessPolicy | None = None) -> None:
        self._db = db
        self._access = access

    @property
    def access(self) -> AccessPolicy:
        if self._access is None:
            self._access = load_access_policy()
        return self._access

    def password_problem(self, password: str, staff_code: str = "") -> str | None:
        """Why ``password`` may not be used (local policy), or None."""
        minimum = self.access.min_password_length
        if len(password) < minimum:
            return f"password: at least {minimum} characters (local policy)"
        if len(password) > MAX_PASSWORD_LENGTH:
            return f"password: at most {MAX_PASSWORD_LENGTH} characters"
        if not password.strip():
            return "password: cannot be only spaces"
        if "\x00" in password:
            return "password: contains a character that cannot be typed; choose another"
        if staff_code and password.casefold() == staff_code.casefold():
            return "password: must not be the staff ID"
        return None

    @checks_text
    def add(
        self,
        staff_code: str,
        display_name: str,
        role: Role,
        password: str | None,
        *,
        by: Actor | None = None,
        origin: CommandLineOrigin | None = None,
    ) -> int:
        """Create an account. ``by`` None: set-up code, or with ``origin`` the command line
        without a supervisor, refused once any supervisor can sign in."""
        if by is not None:
            require(by, Permission.MANAGE_STAFF)
        problems = {}
        allowed = set(Role) if by is None else set(HUMAN_ROLES)
        if role not in allowed:
            names = ", ".join(r.value for r in HUMAN_ROLES)
            problems["role"] = f"role: one of {names}"
        if not STAFF_CODE.match(staff_code):
            problems["staff_code"] = "staff_code: 2–32 letters, digits, '.', '_' or '-'"
        if problem := text_problem(
            "display_name", display_name.strip(), max_length=MAX_NAME_LENGTH, required=True
        ):
            problems["display_name"] = problem
        if password is not None and (problem := self.password_problem(password, staff_code)):
            problems["password"] = problem
        if problems:
            raise InvalidInput(problems)
        now = self._db.clock()
        with self._db.transaction() as session:
            if by is None and origin is not None:
                self._refuse_if_a_supervisor_can_sign_in(session)
            if session.scalar(select(Staff.id).where(Staff.staff_code == staff_code)):
                raise InvalidInput({"staff_code": f"staff_code: {staff_code!r} is already in use"})
            detail = {
                "staff_code": staff_code,
                "role": Role(role).value,
                **(origin.detail(by) if origin else {}),
            }
            if not staff_writes.may_write_directly(session):
                if by is None:
                    raise PermissionDenied(OWNER_NEEDED)
                with _refusal_as_permission():
                    return staff_writes.add(
                        session,
                        actor_id=by.staff_id,
                        station=by.station,
                        at=now,
                        code=staff_code,
                        name=display_name.strip(),
                        role=Role(role).value,
                        password_hash=hash_password(password) if password else None,
                        detail=detail,
                    )
            row = Staff(
                staff_code=staff_code,
                display_name=display_name.strip(),
                role=Role(role).value,
                password_hash=hash_password(password) if password else None,
                active=True,
                failed_logins=0,
                created_at=now,
            )
            session.add(row)
            session.flush()
            repository.write_audit(
                session,
                at=now,
                staff_id=by.staff_id if by else None,
                station=by.station if by else "cli",
                action="add_staff",
                entity="staff",
                entity_id=row.id,
                detail=detail,
            )
            return row.id

    def list_staff(self, by: Actor) -> list[StaffAccount]:
        """Every account except the automatic one, by staff ID (supervisors)."""
        require(by, Permission.MANAGE_STAFF)
        with self._db.read() as session:
            rows = session.scalars(
                select(Staff).where(Staff.role != Role.SYSTEM.value).order_by(Staff.staff_code)
            ).all()
            key = sign_in_throttle.identifier_key(session)
            return [
                _account(
                    row,
                    sign_in_throttle.waits(
                        session, {Scope.ACCOUNT: sign_in_throttle.keyed_hash(key, row.staff_code)}
                    ),
                )
                for row in rows
            ]

    def set_active(self, by: Actor, staff_id: int, active: bool) -> None:
        """Deactivate (nobody can sign in with it) or reactivate an account."""
        require(by, Permission.MANAGE_STAFF)
        now = self._db.clock()
        with self._db.transaction() as session:
            row = self._human(session, staff_id)
            if row.active == active:
                return
            if not active:
                if row.id == by.staff_id:
                    raise ServiceError("you cannot deactivate your own account")
                if row.role == Role.SUPERVISOR.value and self._active_supervisors(session) <= 1:
                    raise ServiceError(
                        "this is the last active supervisor account; add another first"
                    )
            if not staff_writes.may_write_directly(session):
                with _refusal_as_permission():
                    staff_writes.set_active(
                        session,
                        actor_id=by.staff_id,
                        station=by.station,
                        at=now,
                        staff_id=row.id,
                        active=active,
                        detail={"staff_code": row.staff_code},
                    )
                return
            row.active = active
            repository.write_audit(
                session,
                at=now,
                staff_id=by.staff_id,
                station=by.station,
                action="reactivate_staff" if active else "deactivate_staff",
                entity="staff",
                entity_id=row.id,
                detail={"staff_code": row.staff_code},
            )

    @checks_text
    def reset_password(
        self,
        by: Actor | None,
        staff_id: int,
        password: str,
        *,
        origin: CommandLineOrigin | None = None,
    ) -> None:
        """Set a new password and lift any sign-in lock. ``by`` None: set-up code, or with
        ``origin`` the command line without a supervisor, refused once any supervisor can sign
        in."""
        if by is not None:
            require(by, Permission.MANAGE_STAFF)
        now = self._db.clock()
        with self._db.transaction() as session:
            if by is None and origin is not None:
                self._refuse_if_a_supervisor_can_sign_in(session)
            row = self._human(session, staff_id)
            if problem := self.password_problem(password, row.staff_code):
                raise InvalidInput({"password": problem})
            key = sign_in_throttle.identifier_key(session)
            account = sign_in_throttle.keyed_hash(key, row.staff_code)
            sign_in_throttle.clear_account(session, account)
            detail = {"staff_code": row.staff_code, **(origin.detail(by) if origin else {})}
            if not staff_writes.may_write_directly(session):
                if by is None:
                    raise PermissionDenied(OWNER_NEEDED)
                with _refusal_as_permission():
                    staff_writes.set_password(
                        session,
                        actor_id=by.staff_id,
                        station=by.station,
                        at=now,
                        staff_id=row.id,
                        password_hash=hash_password(password),
                        detail=detail,
                    )
                return
            row.password_hash = hash_password(password)
            repository.write_audit(
                session,
                at=now,
                staff_id=by.staff_id if by else None,
                station=by.station if by else "cli",
                action="reset_password",
                entity="staff",
                entity_id=row.id,
                detail=detail,
            )

    @checks_text
    def staff_id_of(self, staff_code: str) -> int:
        if not STAFF_CODE.match(staff_code):
            raise NotFound(f"no staff member with ID {staff_code[:40]!r}")
        with self._db.read() as session:
            staff_id = session.scalar(select(Staff.id).where(Staff.staff_code == staff_code))
        if staff_id is None:
            raise NotFound(f"no staff member with ID {staff_code!r}")
        return staff_id

    @checks_text
    def actor(self, staff_code: str, station: str) -> Actor:
        with self._db.read() as session:
            row = session.scalar(select(Staff).where(Staff.staff_code == staff_code))
        if row is None:
            raise ServiceError(f"no staff member with ID {staff_code!r}")
        return Actor(row.id, row.staff_code, row.display_name, Role(row.role), station)

    @checks_text
    def system_actor(self, station: str) -> Actor:
        """The account automatic writes (monitor feed, timers, demo) are attributed to."""
        with self._db.read() as session:
            row = session.scalar(select(Staff).where(Staff.staff_code == SYSTEM_CODE))
        if row is None:
            try:
                with self._db.transaction() as session:
                    direct = staff_writes.may_write_directly(session)
                    if not direct:
                        staff_writes.system_account(session, self._db.clock())
                if direct:
                    self.add(SYSTEM_CODE, "WardConsole (automatic)", Role.SYSTEM, None)
            except (IntegrityError, InvalidInput):
                pass  # another station created it at the same moment: it is there now
        return self.actor(SYSTEM_CODE, station)

    @staticmethod
    def _human(session: Session, staff_id: int) -> Staff:
        row = session.get(Staff, staff_id)
        if row is None or row.role == Role.SYSTEM.value:
            raise NotFound(f"staff account {staff_id} does not exist")
        return row

    def supervisor_can_sign_in(self) -> bool:
        """Some active supervisor has a password (so the command line must ask for one)."""
        with self._db.read() as session:
            return self._supervisors_who_can_sign_in(session) > 0

    @classmethod
    def _refuse_if_a_supervisor_can_sign_in(cls, session: Session) -> None:
        if cls._supervisors_who_can_sign_in(session) > 0:
            raise PermissionDenied(NO_SUPERVISOR_NEEDED)

    @staticmethod
    def _supervisors_who_can_sign_in(session: Session) -> int:
        return (
            session.scalar(
                select(func.count(Staff.id)).where(
                    Staff.role == Role.SUPERVISOR.value,
                    Staff.active.is_(True),
                    Staff.password_hash.is_not(None),
                )
            )
            or 0
        )

    @staticmethod
    def _active_supervisors(session: Session) -> int:
        return (
            session.scalar(
                select(func.count(Staff.id)).where(
                    Staff.role == Role.SUPERVISOR.value, Staff.active.is_(True)
                )
            )
            or 0
        )
