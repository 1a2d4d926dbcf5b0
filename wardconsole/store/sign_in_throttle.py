"""Storage for sign-in throttling and the ward's identifier key.

The identifier key (a random secret in ``ward_settings``, made by the migration) turns staff IDs
and station names into keyed hashes, so the throttle table and the audit of an unknown ID hold
no typed text: a password typed into the ID field is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wardconsole.domain.sign_in_throttle import Rule, Scope
from wardconsole.store.models import SchemaInfo, SignInThrottleRow

IDENTIFIER_KEY = "identifier_key"


def identifier_key(session: Session) -> bytes:
    """The ward's keyed-hash secret (created here if an older database lacks it)."""
    value = session.scalar(select(SchemaInfo.value).where(SchemaInfo.key == IDENTIFIER_KEY))
    if value is None:
        _insert_ignoring_conflict(session, IDENTIFIER_KEY, secrets.token_hex(32))
        value = session.scalar(select(SchemaInfo.value).where(SchemaInfo.key == IDENTIFIER_KEY))
    assert value is not None
    return bytes.fromhex(value)


def _insert_ignoring_conflict(session: Session, key: str, value: str) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(SchemaInfo).values(key=key, value=value).on_conflict_do_nothing()
    )


def keyed_hash(key: bytes, *parts: str) -> str:
    """HMAC-SHA-256 of ``parts`` (case-folded, unit-separated), as 64 hex digits."""
    message = "\x1f".join(part.casefold() for part in parts).encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def waits(session: Session, keys: dict[Scope, str]) -> dict[Scope, tuple[int, datetime]]:
    """(failures, wait until) for each scope that has a row."""
    found: dict[Scope, tuple[int, datetime]] = {}
    for scope, key in keys.items():
        row = session.get(SignInThrottleRow, (scope.value, key))
        if row is not None:
            found[scope] = (row.failures, row.wait_until)
    return found


def record_failure(
    session: Session, scope: Scope, key: str, account: str | None, now: datetime, rule: Rule
) -> int:
    """Count one more wrong try in ``scope`` (atomic across stations); return the count."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = SignInThrottleRow.__table__
    statement = dialect.insert(table).values(
        scope=scope.value,
        key=key,
        account=account,
        failures=1,
        last_failure_at=now,
        wait_until=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.scope, table.c.key],
        set_={"failures": table.c.failures + 1, "last_failure_at": now},
    ).returning(table.c.failures)
    failures = int(session.execute(statement).scalar_one())
    session.execute(
        update(SignInThrottleRow)
        .where(SignInThrottleRow.scope == scope.value, SignInThrottleRow.key == key)
        .values(wait_until=now + rule.wait_after(failures))
    )
    return failures


def clear_account(session: Session, account: str) -> None:
    """Forget an ID's wrong tries at every station (a success, or a supervisor's reset)."""
    session.execute(delete(SignInThrottleRow).where(SignInThrottleRow.account == account))


def clear_station(session: Session, station_key: str) -> None:
    session.execute(
        delete(SignInThrottleRow).where(
            SignInThrottleRow.scope == Scope.STATION.value, SignInThrottleRow.key == station_key
        )
    )
