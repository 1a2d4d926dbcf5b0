"""The station access policy: sign-in throttling, password length and the idle auto-lock.

These numbers are local information-governance choices, not clinical ones; they live in
``resources/policy/access_policy.toml`` (labelled LOCAL POLICY there) and are validated here, so
a typo stops the console with a message naming the file, section and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

from wardconsole.domain.configfiles import default_policy_file, read_toml

ACCESS_POLICY_FILE: Final = "access_policy.toml"


class AccessPolicyError(ValueError):
    """The access policy file is unusable; the message names the file, section and key."""


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """Local policy for who may sign in at a station and when the screen locks itself."""

    version: str
    free_attempts: int
    """Wrong passwords in a row for one staff ID (at one station) before further tries wait."""
    longest_delay: timedelta
    """The wait for one staff ID at one station doubles from a second up to this."""
    account_delay_cap: timedelta
    """The wait for one staff ID at every station (a guesser elsewhere delays its owner at most
    this long; no account, the last supervisor included, is ever locked outright)."""
    station_delay_cap: timedelta
    """The wait after many wrong tries at one station, for IDs already tried there; never for
    another account's first try (the next nurse must get in to an emergency)."""
    min_password_length: int
    idle_lock_after: timedelta


DEFAULT_LIMITS: Final = {
    ("sign_in", "free_attempts"): (1, 20),
    ("sign_in", "longest_delay_minutes"): (1, 24 * 60),
    ("sign_in", "account_delay_cap_seconds"): (1, 300),
    ("sign_in", "station_delay_cap_seconds"): (0, 5),
    ("sign_in", "min_password_length"): (8, 128),
    ("auto_lock", "idle_minutes"): (1, 60),
}
"""Accepted ranges: outside them a setting defeats its purpose (no delay at all, a 3-letter
password, a screen that never locks) or locks the ward out (a station-wide wait over a few
seconds, an account-wide wait over five minutes)."""


def load_access_policy(path: Path | Traversable | None = None) -> AccessPolicy:
    """Load and validate the access policy (default: the bundled file)."""
    source = path if path is not None else default_policy_file(ACCESS_POLICY_FILE)
    data = read_toml(source, AccessPolicyError)
    where = str(source)

    def number(section: str, key: str) -> int:
        table = data.get(section)
        if not isinstance(table, dict):
            raise AccessPolicyError(f"{where}: [{section}] missing or not a table")
        value: Any = table.get(key)
        low, high = DEFAULT_LIMITS[(section, key)]
        if isinstance(value, bool) or not isinstance(value, int):
            raise AccessPolicyError(f"{where}: [{section}] {key}: a whole number is needed")
        if not low <= value <= high:
            raise AccessPolicyError(f"{where}: [{section}] {key}: {value} is outside {low}–{high}")
        return value

    policy_table = data.get("policy")
    version = policy_table.get("version") if isinstance(policy_table, dict) else None
    if not isinstance(version, str) or not version.strip():
        raise AccessPolicyError(f"{where}: [policy] version: missing")
    return AccessPolicy(
        version=version,
        free_attempts=number("sign_in", "free_attempts"),
        longest_delay=timedelta(minutes=number("sign_in", "longest_delay_minutes")),
        account_delay_cap=timedelta(seconds=number("sign_in", "account_delay_cap_seconds")),
        station_delay_cap=timedelta(seconds=number("sign_in", "station_delay_cap_seconds")),
        min_password_length=number("sign_in", "min_password_length"),
        idle_lock_after=timedelta(minutes=number("auto_lock", "idle_minutes")),
    )
