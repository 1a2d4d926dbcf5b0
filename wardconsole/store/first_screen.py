"""What the sign-in screen reads, in SQLAlchemy Core: it shows before the ORM mapping loads.

``store.models`` maps every table of the ward (a few hundred milliseconds to import on a ward
PC) and the services behind the console import it. The sign-in screen needs none of that to
show itself and say what it has to say (the ward's name, whether anyone can sign in yet, a demo
ward's accounts), so these reads name the few tables and columns they use here; the mapping
and the services load on the worker while the nurse types. ``tests/store`` checks these
names against the mapping.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Connection, Integer, String, column, select, table

STAFF = table(
    "staff",
    column("staff_code", String),
    column("role", String),
    column("password_hash", String),
    column("active", Boolean),
)
BEDS = table("beds", column("ward", String), column("sort_order", Integer))
WARD_SETTINGS = table("ward_settings", column("key", String))

ACCOUNTS_SHOWN = 6
"""A demo ward's sign-in screen lists at most this many accounts."""


def ward_name(connection: Connection) -> str | None:
    """The ward's name, taken from its beds (one database serves one ward); None without
    beds."""
    return connection.scalar(select(BEDS.c.ward).order_by(BEDS.c.sort_order).limit(1))


def has_setting(connection: Connection, key: str) -> bool:
    """Whether the database holds the ward setting ``key`` (e.g. the demo ward's mark)."""
    found = connection.scalar(select(WARD_SETTINGS.c.key).where(WARD_SETTINGS.c.key == key))
    return found is not None


def accounts(connection: Connection, *, excluding_role: str, limit: int) -> list[tuple[str, str]]:
    """Active accounts with a password, other than ``excluding_role`` (the system account):
    (staff ID, role), by role then ID, at most ``limit``."""
    rows = connection.execute(
        select(STAFF.c.staff_code, STAFF.c.role)
        .where(
            STAFF.c.active.is_(True),
            STAFF.c.password_hash.is_not(None),
            STAFF.c.role != excluding_role,
        )
        .order_by(STAFF.c.role.desc(), STAFF.c.staff_code)
        .limit(limit)
    )
    return [(code, role) for code, role in rows]
