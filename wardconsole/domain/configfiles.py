"""Reading the bundled, versioned policy files (TOML) that hold local clinical choices.

Clinical policy lives in versioned, validated files, never in code or QSettings (STYLE.md,
"Settings"). Defaults ship in ``resources/policy`` and are found through importlib.resources,
so a checkout, a wheel and a frozen build read them the same way.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any


def default_policy_file(name: str) -> Traversable:
    """The bundled default ``resources/policy/<name>``."""
    return files("wardconsole.resources") / "policy" / name


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
