"""Reading the bundled, versioned policy files (TOML) that hold local clinical choices.

Clinical policy lives in versioned, validated files, never in code or QSettings (STYLE.md,
"Settings"). Defaults ship in ``resources/policy`` and are found through importlib.resources,
so a checkout, a wheel and a frozen build read them the same way.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import time
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from wardconsole.domain.records import Severity

_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)", re.ASCII)
_SEVERITIES = {s.name.lower(): s for s in Severity}


def default_policy_file(name: str) -> Traversable:
    """The bundled default ``resources/policy/<name>``."""
    return files("wardconsole.resources") / "policy" / name


Loaded = TypeVar("Loaded", covariant=True)


class PolicyLoader(Protocol[Loaded]):
    def __call__(self, path: Path | None = None) -> Loaded: ...


def once_per_content(default_name: str) -> Callable[[PolicyLoader[Loaded]], PolicyLoader[Loaded]]:
    """A policy loader that reads its file every time (an edited file is seen at once) but
    parses and validates each distinct content at each place once per process: every
    ``Database`` of a process (each station window, each test) shares the frozen result.
    A file that cannot be read or is refused is never remembered, so it says why each time."""

    def wrap(load: PolicyLoader[Loaded]) -> PolicyLoader[Loaded]:
        loaded: dict[tuple[str, bytes], Loaded] = {}

        def load_once(path: Path | None = None) -> Loaded:
            source = path if path is not None else default_policy_file(default_name)
            try:
                key = (str(source), source.read_bytes())
            except OSError:
                return load(path)  # the loader names the file and the problem
            if key not in loaded:
                loaded[key] = load(path)
            return loaded[key]

        return functools.wraps(load)(load_once)

    return wrap


def read_toml(path: Path | Traversable, error: type[Exception]) -> dict[str, Any]:
    """Parse a TOML file; any failure raises ``error`` with the file name in the message."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read the file ({exc})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc})") from exc


def content_digest(data: Mapping[str, Any]) -> str:
    """SHA-256 of a policy file's parsed content: a comment or spacing change, or where the file
    sits on a station, does not make two stations look as if they ran different policies."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class TableReader:
    """Checks for one policy file's tables, with messages of the form
    ``<file>: [section] key: problem`` raised as the file's own error class."""

    def __init__(self, where: str, error: type[Exception]) -> None:
        self.where = where
        self.error = error

    def fail(self, section: str, problem: str) -> Exception:
        return self.error(f"{self.where}: [{section}] {problem}")

    def table(self, data: Mapping[str, Any], key: str, section: str) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise self.fail(section, f"{key}: missing or not a table")
        return value

    def only(self, table: Mapping[str, Any], allowed: set[str], section: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.fail(section, f"unknown key(s) {', '.join(unknown)}")

    def text(self, table: Mapping[str, Any], key: str, section: str, *, empty: bool = False) -> str:
        value = table.get(key, "" if empty else None)
        if not isinstance(value, str) or (not empty and not value.strip()):
            raise self.fail(section, f"{key}: must be {'text' if empty else 'non-empty text'}")
        return value.strip()

    def integer(self, table: Mapping[str, Any], key: str, section: str, low: int, high: int) -> int:
        value = table.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(section, f"{key}: must be a whole number {low}–{high}, got {value!r}")
        return value

    def flag(self, table: Mapping[str, Any], key: str, section: str) -> bool:
        value = table.get(key)
        if not isinstance(value, bool):
            raise self.fail(section, f"{key}: must be true or false, got {value!r}")
        return value

    def severity(self, table: Mapping[str, Any], key: str, section: str) -> Severity:
        """An escalation severity written as advisory, urgent or emergency."""
        value = table.get(key)
        if not isinstance(value, str) or value not in _SEVERITIES:
            raise self.fail(
                section, f"{key}: must be one of {', '.join(_SEVERITIES)}, got {value!r}"
            )
        return _SEVERITIES[value]

    def clock(self, table: Mapping[str, Any], key: str, section: str) -> time:
        """A wall-clock time written HH:MM (24-hour)."""
        value = table.get(key)
        match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(section, f"{key}: must be a 24-hour clock time HH:MM, got {value!r}")
        return time(int(match.group(1)), int(match.group(2)))
