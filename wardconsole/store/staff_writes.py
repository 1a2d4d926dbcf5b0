"""The write paths for staff accounts, on a connection that may or may not own the schema.

SQLite, and a PostgreSQL connection that may write ``staff`` (the schema owner's), write the
rows directly. A station's least-privilege PostgreSQL role may not; it goes through the
SECURITY DEFINER functions of migration 0009, which check the acting supervisor in the
database and write the audit row themselves (the design is argued there).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from wardconsole.store.models import Staff

INSUFFICIENT_PRIVILEGE = "42501"
NO_DATA_FOUND = "P0002"


class StaffWriteRefused(Exception):
    """The database refused a staff change; the message is the database's, for the user."""


def may_write_directly(session: Session) -> bool:
    """True on SQLite and for a PostgreSQL role that may INSERT into ``staff`` (the owner)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT has_table_privilege('staff', 'INSERT')")))


def _call(session: Session, sql: str, **params: Any) -> Any:
    try:
        with session.begin_nested():
            return session.execute(text(sql), params).scalar()
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        if state in (INSUFFICIENT_PRIVILEGE, NO_DATA_FOUND):
            diag = getattr(exc.orig, "diag", None)
            message = getattr(diag, "message_primary", None) or str(exc.orig)
            raise StaffWriteRefused(message) from None
        raise


def add(
    session: Session,
    *,
    actor_id: int,
    station: str,
    at: datetime,
    code: str,
    name: str,
    role: str,
    password_hash: str | None,
    detail: dict[str, Any],
) -> int:
    """Add an account through the checking function (least-privilege PostgreSQL)."""
    return int(
        _call(
            session,
            "SELECT wardconsole_add_staff(:actor, :station, :at, :code, :name, :role, :hash,"
            " CAST(:detail AS json))",
            actor=actor_id,
            station=station,
            at=at,
            code=code,
            name=name,
            role=role,
            hash=password_hash,
            detail=json.dumps(detail),
        )
    )


def set_active(
    session: Session,
    *,
    actor_id: int,
    station: str,
    at: datetime,
    staff_id: int,
    active: bool,
    detail: dict[str, Any],
) -> None:
    _call(
        session,
        "SELECT wardconsole_set_staff_active(:actor, :station, :at, :staff, :active,"
        " CAST(:detail AS json))",
        actor=actor_id,
        station=station,
        at=at,
        staff=staff_id,
        active=active,
        detail=json.dumps(detail),
    )


def set_password(
    session: Session,
    *,
    actor_id: int,
    station: str,
    at: datetime,
    staff_id: int,
    password_hash: str,
    detail: dict[str, Any],
) -> None:
    _call(
        session,
        "SELECT wardconsole_set_staff_password(:actor, :station, :at, :staff, :hash,"
        " CAST(:detail AS json))",
        actor=actor_id,
        station=station,
        at=at,
        staff=staff_id,
        hash=password_hash,
        detail=json.dumps(detail),
    )


def upgrade_password_hash(session: Session, staff_id: int, old: str, new: str) -> bool:
    """Store a stronger hash of a just-verified password; False if this connection may not
    (a supervisor's hash on a least-privilege station waits for the owner's connection)."""
    if may_write_directly(session):
        session.execute(
            update(Staff)
            .where(Staff.id == staff_id, Staff.password_hash == old)
            .values(password_hash=new)
        )
        return True
    return bool(
        _call(
            session,
            "SELECT wardconsole_upgrade_password_hash(:staff, :old, :new)",
            staff=staff_id,
            old=old,
            new=new,
        )
    )


def system_account(session: Session, at: datetime) -> int:
    """The automatic account's ID, created if missing (by the function when not the owner)."""
    return int(_call(session, "SELECT wardconsole_system_account(:at)", at=at))
