"""Whether an error means the ward database did not answer, and how to say it in one line.

Kept apart from ``services.safe_saves`` (which maps every kind of entry, and so the ORM) so
that the sign-in screen can tell an outage from a refusal before the services have loaded.
"""

from __future__ import annotations

import sys

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from wardconsole.store.engine import DatabaseError


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means "the database did not answer", not "the database said no"."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError | DatabaseError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    # psycopg is loaded only by a PostgreSQL station; without it no error of its kind exists.
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(exc, psycopg.OperationalError):
        return True
    return isinstance(exc, ConnectionError | TimeoutError)


def one_line(exc: BaseException) -> str:
    """A short reason for the nurse (first line of the driver's message, no SQL or values)."""
    source = getattr(exc, "orig", None) or exc
    lines = str(source).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:200]
