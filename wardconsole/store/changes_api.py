"""The change-feed contract (defined in the domain, so the screens need not import the store)."""

from wardconsole.domain.changes import Change as Change
from wardconsole.domain.changes import ChangeFeed as ChangeFeed
