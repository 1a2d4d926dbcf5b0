"""What the sign-in screen needs from the services, without the ORM mapping behind them.

The console shows its sign-in screen before ``store.models`` and the services have loaded
(they load on the worker while the nurse types). The screen's words and the answers it waits
for are defined here, and so is what it reads before anyone types (``read_sign_in_setup``,
SQLAlchemy Core only); ``services.auth`` checks passwords with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection

from wardconsole.services.context import Actor, Role, ServiceError
from wardconsole.store import first_screen

DEMO_WARD_KEY = "demo_ward"
"""``ward_settings`` key set only in databases built by ``wardconsole demo``."""
DEMO_PASSWORD = "demo-password"
"""The password of every demo account. Only demo databases have such accounts (README)."""

FIRST_ACCOUNT_COMMAND = 'wardconsole staff add ID "Name" --role supervisor'
"""Said to whoever starts a console on a database where nobody can sign in yet."""

UNNAMED_WARD = "Ward"
"""The ward's name until it has beds."""


class SignInPurpose(StrEnum):
    START = "sign_in"
    UNLOCK = "unlock"
    CONFIRM = "confirm_second_person"
    """A colleague confirms a decision (declining or snoozing an emergency) at this station;
    the station stays signed in as before."""


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


def read_sign_in_setup(connection: Connection) -> SignInSetup:
    """Whether anyone can sign in, and a demo ward's password and accounts."""
    system = Role.SYSTEM.value
    can = bool(first_screen.accounts(connection, excluding_role=system, limit=1))
    demo = first_screen.has_setting(connection, DEMO_WARD_KEY)
    accounts: tuple[tuple[str, Role], ...] = ()
    if demo:
        accounts = tuple(
            (code, Role(role))
            for code, role in first_screen.accounts(
                connection, excluding_role=system, limit=first_screen.ACCOUNTS_SHOWN
            )
        )
    return SignInSetup(
        can_sign_in=can, demo_password=DEMO_PASSWORD if demo else None, demo_accounts=accounts
    )


def read_ward_name(connection: Connection) -> str:
    """The ward's name, taken from its beds (one database serves one ward)."""
    return first_screen.ward_name(connection) or UNNAMED_WARD
