"""Backups of the ward database while consoles keep working.

SQLite: the online backup API copies a consistent snapshot page by page while other windows
keep writing (WAL), and the copy is checked with ``PRAGMA integrity_check`` before it counts.
PostgreSQL: ``pg_dump`` in its custom format (restore with ``pg_restore``; see README), if the
PostgreSQL client tools are installed; otherwise a clear message says what to install.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from wardconsole.private_files import open_private, touch_private
from wardconsole.store.engine import DatabaseError, parse_url


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    size_bytes: int
    method: str
    """'sqlite online backup' or 'pg_dump (custom format)'."""


def backup_database(url: str | URL, out: Path) -> BackupResult:
    """Write a consistent backup of the database at ``url`` to ``out`` (never over a file)."""
    parsed = parse_url(url) if isinstance(url, str) else url
    out = out.expanduser().resolve()
    if out.exists():
        raise DatabaseError(f"{out} already exists; choose a new file name for the backup")
    if not out.parent.is_dir():
        raise DatabaseError(f"the folder {out.parent} does not exist")
    if parsed.get_backend_name() == "sqlite":
        return _backup_sqlite(parsed, out)
    return _backup_postgres(parsed, out)


def _backup_sqlite(url: URL, out: Path) -> BackupResult:
    source_path = url.database
    if not source_path or source_path == ":memory:" or not Path(source_path).exists():
        raise DatabaseError(f"there is no SQLite database file at {source_path!r}")
    partial = out.with_name(out.name + ".partial")
    touch_private(partial)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(partial)
    try:
        source.backup(target, pages=256)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"the backup failed its integrity check ({check}); nothing written")
    partial.rename(out)
    return BackupResult(out, out.stat().st_size, "sqlite online backup")


def _pgpass_line(url: URL) -> str:
    """One ``.pgpass`` line (host:port:database:user:password, ':' and '\\' escaped)."""

    def field(value: object) -> str:
        return str(value).replace("\\", "\\\\").replace(":", "\\:")

    parts = [url.host or "*", url.port or "*", url.database or "*", url.username or "*"]
    return ":".join(field(p) for p in [*parts, url.password]) + "\n"


def pg_dump_path() -> str | None:
    return shutil.which("pg_dump")


def _backup_postgres(url: URL, out: Path) -> BackupResult:
    pg_dump = pg_dump_path()
    if pg_dump is None:
        raise DatabaseError(
            "pg_dump was not found: install the PostgreSQL client tools (Debian/Ubuntu: "
            "apt-get install postgresql-client) and run the backup again"
        )
    partial = out.with_name(out.name + ".partial")
    touch_private(partial)
    with tempfile.TemporaryDirectory(prefix="wardconsole-") as scratch:
        # The password reaches pg_dump through a 0600 password file, never its command line
        # (which any user on the host can read with ps) nor PGPASSWORD.
        environment = dict(os.environ)
        environment.pop("PGPASSWORD", None)
        if url.password is not None:
            passfile = Path(scratch) / "pgpass"
            with open_private(passfile) as out_file:
                out_file.write(_pgpass_line(url))
            environment["PGPASSFILE"] = str(passfile)
        libpq_url = URL.create(
            "postgresql",
            username=url.username,
            host=url.host,
            port=url.port,
            database=url.database,
            query=url.query,
        ).render_as_string(hide_password=False)
        done = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", libpq_url],
            capture_output=True,
            text=True,
            timeout=3600,
            env=environment,
        )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise DatabaseError(f"pg_dump failed: {reason}")
    partial.rename(out)
    return BackupResult(out, out.stat().st_size, "pg_dump (custom format)")
