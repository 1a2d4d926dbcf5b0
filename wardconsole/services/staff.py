"""Staff accounts. Passwords are stored only as salted scrypt hashes (standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from sqlalchemy import select

from wardconsole.services.context import Actor, InvalidInput, Role, ServiceError
from wardconsole.services.db import Database
from wardconsole.store import repository
from wardconsole.store.models import Staff

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
STAFF_CODE = re.compile(r"^[A-Za-z0-9._-]{2,32}$")
SYSTEM_CODE = "system"


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    parts = ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P),
             base64.b64encode(salt).decode(), base64.b64encode(digest).decode()]
    return "$".join(parts)


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(candidate, base64.b64decode(digest))


class StaffService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self,
        staff_code: str,
        display_name: str,
        role: Role,
        password: str | None,
        *,
        by: Actor | None = None,
    ) -> int:
        """Create an account. The first supervisor is created from the command line."""
        problems = {}
        if role not in set(Role):
            problems["role"] = f"role: one of {', '.join(r.value for r in Role)}"
        if not STAFF_CODE.match(staff_code):
            problems["staff_code"] = "staff_code: 2–32 letters, digits, '.', '_' or '-'"
        if not display_name.strip():
            problems["display_name"] = "display_name: required"
        if password is not None and len(password) < 8:
            problems["password"] = "password: at least 8 characters"
        if problems:
            raise InvalidInput(problems)
        now = self._db.clock()
        with self._db.transaction() as session:
            if session.scalar(select(Staff.id).where(Staff.staff_code == staff_code)):
                raise ServiceError(f"staff ID {staff_code!r} is already in use")
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
                session, at=now, staff_id=by.staff_id if by else None,
                station=by.station if by else "cli", action="add_staff", entity="staff",
                entity_id=row.id, detail={"staff_code": staff_code, "role": Role(role).value},
            )
            return row.id

    def actor(self, staff_code: str, station: str) -> Actor:
        with self._db.read() as session:
            row = session.scalar(select(Staff).where(Staff.staff_code == staff_code))
        if row is None:
            raise ServiceError(f"no staff member with ID {staff_code!r}")
        return Actor(row.id, row.staff_code, row.display_name, Role(row.role), station)

    def system_actor(self, station: str) -> Actor:
        """The account automatic writes (monitor feed, timers, demo) are attributed to."""
        with self._db.read() as session:
            row = session.scalar(select(Staff).where(Staff.staff_code == SYSTEM_CODE))
        if row is None:
            self.add(SYSTEM_CODE, "WardConsole (automatic)", Role.SYSTEM, None)
        return self.actor(SYSTEM_CODE, station)
