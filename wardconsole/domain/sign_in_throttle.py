"""How long a sign-in try must wait after wrong passwords (pure arithmetic, no storage).

NIST SP 800-63B section 5.2.2 asks verifiers to limit consecutive failed attempts by rate
limiting rather than to lock accounts; here the wait doubles from one second after the local
policy's free tries, with a ceiling per scope (``resources/policy/access_policy.toml``, LOCAL
POLICY). Three scopes are counted:

- one staff ID at one station: the guesser at the keyboard; longest wait (minutes);
- one staff ID at every station: a spread-out guesser; capped low (about a minute) so a guesser
  at one station cannot keep the owner, or the last supervisor, out at another;
- one station, any ID: capped at a few seconds, and only for IDs that already failed at that
  station, never for another account's first try (the next nurse must get in to an emergency).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from wardconsole.domain.access import AccessPolicy

FIRST_WAIT = timedelta(seconds=1)
STATION_FIRST_WAIT = timedelta(milliseconds=500)


class Scope(StrEnum):
    PAIR = "pair"
    """One staff ID at one station."""
    ACCOUNT = "account"
    """One staff ID at every station."""
    STATION = "station"
    """One station, any staff ID."""


@dataclass(frozen=True, slots=True)
class Rule:
    free: int
    first: timedelta
    cap: timedelta

    def wait_after(self, failures: int) -> timedelta:
        """The wait after ``failures`` wrong tries in a row (zero while tries are free)."""
        if failures < self.free or self.cap <= timedelta(0):
            return timedelta(0)
        doublings = min(failures - self.free, 40)  # 2**40 s is far past any ceiling
        return min(self.cap, self.first * (1 << doublings))


def rules(policy: AccessPolicy) -> dict[Scope, Rule]:
    """The rule for each scope under ``policy``."""
    return {
        Scope.PAIR: Rule(policy.free_attempts, FIRST_WAIT, policy.longest_delay),
        Scope.ACCOUNT: Rule(policy.free_attempts, FIRST_WAIT, policy.account_delay_cap),
        Scope.STATION: Rule(2 * policy.free_attempts, STATION_FIRST_WAIT, policy.station_delay_cap),
    }
