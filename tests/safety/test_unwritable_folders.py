"""A data or log folder this user cannot write (a read-only ``~/.local/share`` or
``~/.local/state``) is one clear line naming the folder and what to do, never a traceback; the
console still starts where it safely can, and never promises that entries are safe.

CI runs as root, which ignores file modes, so the failures are real ones root meets too (a
file where the folder should be) or an injected ``OSError`` — never a chmod.
"""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from PySide6.QtWidgets import QMainWindow
from ui_runner import shared_runner

from wardconsole import app as app_module
from wardconsole import logging_setup
from wardconsole.config import Settings
from wardconsole.logging_setup import crash_line, setup_logging
from wardconsole.services.db import Database
from wardconsole.store.engine import make_engine
from wardconsole.ui.access.controller import NO_QUEUE_TEXT, AccessController
from wardconsole.ui.access.session import StaffSession


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in before:
            handler.close()
    root.handlers[:] = before
    root.setLevel(level)
    logging.captureWarnings(False)


def _refuse(folder: Path):  # type: ignore[no-untyped-def]
    def private_dir(path: Path) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied", str(folder))

    return private_dir


def test_an_unwritable_log_folder_is_one_line_and_the_log_goes_to_stderr(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restored_logging: None,
) -> None:
    folder = tmp_path / "state" / "WardConsole" / "log"
    monkeypatch.setattr(logging_setup, "private_dir", _refuse(folder))
    assert setup_logging(folder) is None
    err = capsys.readouterr().err
    assert err == (
        f"wardconsole: cannot write the log folder {folder} (Permission denied): make it "
        "writable by this user (or point XDG_DATA_HOME / XDG_STATE_HOME at a folder that is); "
        "warnings and errors go to the terminal only\n"
    )
    logging.getLogger("wardconsole.test").warning("Replay failed: OperationalError")
    assert "Replay failed: OperationalError" in capsys.readouterr().err  # not lost: on stderr
    assert logging_setup.current_log_file() is None
    assert "Traceback" not in err


def test_a_crash_without_a_log_file_promises_nothing() -> None:
    line = crash_line(KeyError, None)
    assert "no log file is kept here" in line
    assert "safe" not in line.lower()
    assert "safe" not in crash_line(KeyError, Path("/var/log/wardconsole.log")).lower()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PATH": "/usr/bin:/bin",
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
        **extra,
    }


def test_a_real_run_with_a_file_where_the_log_folder_should_be_still_works(
    tmp_path: Path,
) -> None:
    """The whole program, as a user runs it: the log folder cannot be made (a file is in
    its way, which stops root too); one line, and the command still does its work."""
    blocker = tmp_path / "state-is-a-file"
    blocker.write_text("not a folder")
    ward = tmp_path / "ward.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "wardconsole", "db", "init", "--db", str(ward)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(tmp_path, XDG_STATE_HOME=str(blocker)),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"wardconsole: cannot write the log folder {blocker}/WardConsole")
    assert line.endswith("warnings and errors go to the terminal only")
    assert ward.is_file()


def test_a_real_demo_start_with_a_file_where_the_data_folder_should_be_says_one_line(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "data-is-a-file"
    blocker.write_text("not a folder")
    result = subprocess.run(
        [sys.executable, "-m", "wardconsole", "--demo", "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(tmp_path, XDG_DATA_HOME=str(blocker)),
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"wardconsole: cannot write the data folder {blocker}/WardConsole (Not a directory): "
        "make it writable by this user (or point XDG_DATA_HOME / XDG_STATE_HOME at a folder "
        "that is); nothing was changed"
    )


def test_an_unwritable_data_folder_leaves_the_station_without_a_queue_and_says_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    """A console on a server database can still record (the database is elsewhere), but it
    cannot keep entries through an outage: it says so, and never claims they are kept."""
    folder = tmp_path / "share" / "WardConsole"

    def data_dir() -> Path:
        raise PermissionError(errno.EACCES, "Permission denied", str(folder))

    monkeypatch.setattr(app_module, "data_dir", data_dir)
    db = Database(make_engine(migrated_sqlite(tmp_path / "ward.sqlite")))
    try:
        settings = Settings(db_url=str(db.engine.url), station="Station A")
        access = app_module._access(db, settings, "Ward 7", StaffSession(), shared_runner())
        assert access.saves is None
        assert access.saves_problem is not None
        assert str(folder) in access.saves_problem and "Permission denied" in access.saves_problem
        assert access.saves_problem.endswith(
            "Entries cannot be kept at this station while the ward database is unavailable"
        )
        assert capsys.readouterr().err == f"wardconsole: {access.saves_problem}\n"

        window = QMainWindow()
        qtbot.addWidget(window)
        controls = AccessController(access, shared_runner(), window)
        assert controls.queue_button.text() == NO_QUEUE_TEXT
        assert controls.queue_button.isVisibleTo(window)
        assert controls.queue_button.toolTip() == access.saves_problem
        assert not controls.queue_action.isEnabled()
    finally:
        db.engine.dispose()
