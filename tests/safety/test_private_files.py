"""Patient data and secrets at rest are owner-only — 0600 files, 0700 folders — even under the
most permissive umask. Checked by the mode bits themselves (a test run as root can read
anything, so a refused read would prove nothing)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from wardconsole.logging_setup import setup_logging
from wardconsole.services.outbox import Outbox
from wardconsole.store import backup
from wardconsole.store.engine import make_engine, upgrade


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_ward_file_its_wal_and_shm_and_a_new_folder_are_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "ward"
    database = folder / "ward.sqlite"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM audit_log"))
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        assert wal.exists() and shm.exists()
        assert (_mode(database), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
    engine.dispose()
    assert (_mode(folder), _mode(folder.parent)) == (0o700, 0o700)
    before = list(folder.glob("*.bak"))
    assert before == []  # a fresh file needs no copy before migrating


def test_an_existing_world_readable_ward_file_is_made_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "ward.sqlite"
    database.touch()
    database.chmod(0o644)
    make_engine(f"sqlite:///{database}").dispose()
    assert _mode(database) == 0o600


def test_the_outbox_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "queue" / "outbox.sqlite"
    Outbox(path)
    assert (_mode(path), _mode(path.parent)) == (0o600, 0o700)


def test_logs_and_rotated_logs_are_owner_only(tmp_path: Path) -> None:
    log_path = setup_logging(tmp_path / "logs", max_bytes=200)
    try:
        for n in range(20):
            logging.getLogger("wardconsole.test").warning("line %d of the test log", n)
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "_wardconsole", False):
                logging.getLogger().removeHandler(handler)
                handler.close()
    files = sorted(log_path.parent.iterdir())
    assert len(files) >= 2  # rotated at least once
    assert {_mode(f) for f in files} == {0o600} and _mode(log_path.parent) == 0o700


def test_a_sqlite_backup_is_owner_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ward.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    result = backup.backup_database(url, tmp_path / "copy.sqlite")
    assert _mode(result.path) == 0o600


def test_pg_dump_gets_the_password_from_a_0600_file_never_its_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_run(command: list[str], **kwargs: Any) -> Any:
        env = kwargs["env"]
        passfile = Path(env["PGPASSFILE"])
        seen.update(
            command=command,
            has_pgpassword="PGPASSWORD" in env,
            passfile_mode=_mode(passfile),
            passfile=passfile.read_text(),
        )
        partial = next(a for a in command if a.startswith("--file=")).split("=", 1)[1]
        seen["partial_mode"] = _mode(Path(partial))
        Path(partial).write_bytes(b"dump")

        class Done:
            returncode = 0
            stderr = ""

        return Done()

    monkeypatch.setattr(backup, "pg_dump_path", lambda: "/usr/bin/pg_dump")
    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    monkeypatch.setenv("PGPASSWORD", "left-over-from-a-shell")
    result = backup.backup_database(
        "postgresql://ward:s3cret:pass@db01:5433/ward", tmp_path / "ward.dump"
    )
    assert not any("s3cret" in part for part in seen["command"])
    assert not seen["has_pgpassword"]
    assert seen["passfile_mode"] == 0o600 and seen["partial_mode"] == 0o600
    assert seen["passfile"] == "db01:5433:ward:ward:s3cret\\:pass\n"
    assert _mode(result.path) == 0o600
