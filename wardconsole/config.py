"""Qt-free application settings: which database, which station, where files live.

Clinical policy (thresholds, escalation chains) is not here: it lives in the versioned policy
files under ``resources/policy`` (see ``wardconsole.domain.policy``).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path, user_log_path

from wardconsole.private_files import private_dir

APP_NAME = "WardConsole"
ENV_DB = "WARDCONSOLE_DB"
ENV_STATION = "WARDCONSOLE_STATION"
ENV_TIMEZONE = "WARDCONSOLE_TIMEZONE"
DEFAULT_WARD_TIMEZONE = "Europe/London"
"""The ward's clock for shifts and handoff times (an IANA name); same as domain.shifts."""


def data_dir() -> Path:
    """The user's data folder, owner-only (0700): it holds the ward file and the outbox."""
    return private_dir(user_data_path(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The log folder, owner-only (0700)."""
    return private_dir(user_log_path(APP_NAME, appauthor=False))


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'wardconsole.sqlite'}"


def demo_db_url() -> str:
    return f"sqlite:///{data_dir() / 'demo-ward.sqlite'}"


@dataclass(frozen=True, slots=True)
class Settings:
    db_url: str
    station: str
    ward_timezone: str = DEFAULT_WARD_TIMEZONE

    @classmethod
    def resolve(cls, db: str | None = None, station: str | None = None) -> Settings:
        """Command line beats environment beats default."""
        return cls(
            db_url=db or os.environ.get(ENV_DB) or default_db_url(),
            station=station or os.environ.get(ENV_STATION) or socket.gethostname()[:64],
            ward_timezone=os.environ.get(ENV_TIMEZONE) or DEFAULT_WARD_TIMEZONE,
        )


def describe_url(url: str) -> str:
    """The database for the status bar, without any password."""
    if url.startswith("sqlite"):
        return "SQLite " + url.split("///", 1)[-1]
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return url
