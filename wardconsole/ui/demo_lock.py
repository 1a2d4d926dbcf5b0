"""One console at a time on a demo ward file: ``--demo`` rebuilds the file, so a second
``--demo`` must not delete it under a console that is writing to it.

A ``QLockFile`` beside the demo file is held for as long as the console runs. Qt writes the
holder's process ID, host and program name into it and, on this host, treats a lock whose
process has gone (a crash, a kill) as stale and takes it over, so a crash never leaves the demo
ward locked. The lock's age alone never makes it stale (``setStaleLockTime(0)``): a console can
run for a whole shift.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile


class DemoWardInUse(Exception):
    """Another console has the demo ward open (or the lock cannot be written)."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def hold_demo_lock(database: Path) -> QLockFile:
    """The demo ward's lock, held by this process until ``unlock()`` or exit."""
    lock = QLockFile(str(lock_path(database)))
    lock.setStaleLockTime(0)
    if lock.tryLock(0):
        return lock
    if lock.error() is QLockFile.LockError.LockFailedError:
        pid, host, _program = lock.getLockInfo()
        where = f"process {pid} on {host}" if pid else "another process"
        raise DemoWardInUse(
            f"the demo ward {database} is open in another console ({where}); a new --demo "
            "would replace it under that console. Close it first, or start a separate demo "
            "with --demo --db NEW-FILE.sqlite"
        )
    raise DemoWardInUse(
        f"cannot lock the demo ward {database} (the folder may not be writable): "
        "nothing was changed"
    )
