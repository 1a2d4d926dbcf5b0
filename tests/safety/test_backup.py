"""Backups: a consistent copy while the ward keeps writing, and the documented restore works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import throwaway_pg
from campaigns import prepare_ward
from sqlalchemy import func, select, text

from wardconsole.cli import main
from wardconsole.services.db import Database
from wardconsole.store import backup as backup_module
from wardconsole.store.backup import backup_database
from wardconsole.store.engine import DatabaseError, make_engine, upgrade
from wardconsole.store.models import Admission, AuditRow, Staff


def _sqlite_ward(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ward.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    prepare_ward(Database(engine))
    engine.dispose()
    return url


def test_sqlite_backup_from_the_command_line_restores_to_a_working_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _sqlite_ward(tmp_path)
    out = tmp_path / "backups" / "ward-2026-11-28.sqlite"
    out.parent.mkdir()
    assert main(["db", "backup", "--db", url, "--out", str(out)]) == 0
    assert "Backup written to" in capsys.readouterr().out
    # Restore as the README says: use the copy as the database file.
    restored = make_engine(f"sqlite:///{out}")
    with restored.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    with Database(restored).read() as session:
        assert session.scalar(select(func.count()).select_from(Admission)) == 1
        assert session.scalar(select(Staff.staff_code)) == "rn.crash"
    restored.dispose()
    # Audited as the system account, with who ran it where (never a person who did not act).
    with Database(make_engine(url)).read() as session:
        (audit,) = session.scalars(select(AuditRow).where(AuditRow.action == "backup")).all()
        by = session.get(Staff, audit.staff_id)
    assert by is not None and by.role == "system"
    assert audit.detail["file"] == str(out.resolve()) and audit.detail["os_user"]
    assert audit.detail["bytes"] == out.stat().st_size and audit.detail["host"]
    # Never over an existing file.
    assert main(["db", "backup", "--db", url, "--out", str(out)]) == 3
    assert "already exists" in capsys.readouterr().err


def test_a_backup_of_a_missing_file_or_into_a_missing_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="no SQLite database file"):
        backup_database(f"sqlite:///{tmp_path / 'none.sqlite'}", tmp_path / "b.sqlite")
    with pytest.raises(DatabaseError, match="does not exist"):
        backup_database(_sqlite_ward(tmp_path), tmp_path / "nowhere" / "b.sqlite")


def test_without_pg_dump_the_message_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_module.shutil, "which", lambda _name: None)
    with pytest.raises(DatabaseError, match="install the PostgreSQL client tools"):
        backup_database("postgresql://nobody@127.0.0.1:1/none", tmp_path / "ward.dump")


@pytest.mark.postgres
def test_postgres_backup_restores_with_pg_restore(tmp_path: Path) -> None:
    problem = throwaway_pg.available()
    if problem or backup_module.pg_dump_path() is None:
        pytest.skip(problem or "pg_dump is not installed")
    server = throwaway_pg.ThrowawayPostgres()
    server.start()
    try:
        engine = make_engine(server.url)
        upgrade(engine)
        prepare_ward(Database(engine))
        engine.dispose()
        dump = tmp_path / "ward.dump"
        assert main(["db", "backup", "--db", server.url, "--out", str(dump)]) == 0
        restore_url = server.url.rsplit("/", 1)[0] + "/restored"
        admin = make_engine(server.url)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("CREATE DATABASE restored"))
        admin.dispose()
        pg_restore = throwaway_pg.pg_bin("pg_restore")
        assert pg_restore is not None
        subprocess.run(
            [pg_restore, "--no-owner", "-d", restore_url, str(dump)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        restored = make_engine(restore_url)
        with Database(restored).read() as session:
            assert session.scalar(select(func.count()).select_from(Admission)) == 1
        # The audit trail is still append-only after a restore.
        with pytest.raises(Exception, match="append-only"), restored.begin() as connection:
            connection.execute(text("DELETE FROM audit_log"))
        restored.dispose()
    finally:
        server.destroy()


def test_the_cli_help_lists_backup() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wardconsole", "db", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "backup" in done.stdout
