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


class SettingsError(ValueError):
    """A setting the user gave that cannot be used, explained in one line."""


def data_path() -> Path:
    """Where the user's data folder is (not created: naming the default ward file must not
    make folders)."""
    return user_data_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """The user's data folder, owner-only (0700): it holds the ward file and the outbox.
    Raises OSError when it cannot be made (see ``folder_problem``)."""
    return private_dir(data_path())


def log_path() -> Path:
    """Where the log folder is (not created)."""
    return user_log_path(APP_NAME, appauthor=False)


def log_dir() -> Path:
    """The log folder, owner-only (0700). Raises OSError when it cannot be made."""
    return private_dir(log_path())


def folder_problem(what: str, folder: Path, error: OSError) -> str:
    """One line for a folder the console cannot write: which, why, and what to do."""
    reason = error.strerror or type(error).__name__
    return (
        f"cannot write the {what} folder {folder} ({reason}): make it writable by this user "
        "(or point XDG_DATA_HOME / XDG_STATE_HOME at a folder that is)"
    )


def default_db_url() -> str:
    return f"sqlite:///{data_path() / 'wardconsole.sqlite'}"


def demo_db_url() -> str:
    return f"sqlite:///{data_path() / 'demo-ward.sqlite'}"


@dataclass(frozen=True, slots=True)
class Settings:
    db_url: str
    station: str
    ward_timezone: str = DEFAULT_WARD_TIMEZONE

    @classmethod
    def resolve(cls, db: str | None = None, station: str | None = None) -> Settings:
        """Command line beats environment beats default. ``--db ''`` is refused, not taken as
        "use the default": a script whose variable came out empty must not open another ward."""
        if db is not None and not db.strip():
            raise SettingsError(
                "--db is empty: give a database URL or SQLite file, or leave --db out to use "
                f"the default ({default_db_url().split('///', 1)[-1]})"
            )
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
