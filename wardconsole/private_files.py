"""Files and folders only their owner can read: 0600 files, 0700 folders, whatever the umask.

The ward database, its WAL and shared-memory files, the outbox, logs, backups, anchors and
handoff PDFs hold patient data or secrets. Creating them with ``os.open(..., 0o600)`` and then
setting the mode explicitly does not depend on the process umask (which can only remove bits,
and a permissive one such as 0o000 would otherwise leave them world-readable).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents as 0700 folders (existing ones are left as they
    are, except ``path`` itself, which is made 0700 if this user owns it)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        os.chmod(folder, PRIVATE_DIR)
    if path.is_dir() and _mine(path) and path.stat().st_mode & 0o077:
        os.chmod(path, PRIVATE_DIR)
    return path


def _mine(path: Path) -> bool:
    return not hasattr(os, "getuid") or path.stat().st_uid == os.getuid()


def touch_private(path: Path) -> Path:
    """Create ``path`` empty as a 0600 file if it does not exist; an existing file of this
    user's that others could read is made 0600 (someone else's is left alone)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        if _mine(path) and path.stat().st_mode & 0o077:
            os.chmod(path, PRIVATE_FILE)
        return path
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return path


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open`` for a 0600 file: 'w' truncates, 'a' appends, 'x' refuses an existing file;
    add 'b' for bytes."""
    flags = os.O_WRONLY | os.O_CREAT
    if "x" in mode:
        flags |= os.O_EXCL
    elif "a" in mode:
        flags |= os.O_APPEND
    else:
        flags |= os.O_TRUNC
    fd = os.open(path, flags, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, mode.replace("x", "w"), **kwargs)
