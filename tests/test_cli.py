"""The command line: every user error ends with one clear line and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from wardconsole import __version__
from wardconsole.cli import main
from wardconsole.store.engine import make_engine


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"WardConsole {__version__}"


def test_python_dash_m_is_the_same_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wardconsole", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == f"WardConsole {__version__}"


def test_demo_fills_a_new_database_with_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(db), "--beds", "6", "--days", "3", "--seed", "2"]) == 0
    captured = capsys.readouterr()
    assert "5/5 done" in captured.err  # the terminal progress bar
    assert "Demo ward ready" in captured.out
    # A second run refuses rather than mixing two wards.
    assert main(["demo", "--db", str(db)]) != 0
    assert "already holds admissions" in capsys.readouterr().err


def test_db_upgrade_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "w.sqlite"
    db.touch()  # a database that exists but is empty, as after CREATE DATABASE on a server
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    assert "upgraded" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    assert "already at" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://localhost/ward", "unsupported database"),
        ("postgresql://nobody@127.0.0.1:1/none", "cannot open the database"),
    ],
)
def test_database_errors_are_one_line(
    url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade", "--db", url]) == 3
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_database_from_a_newer_version_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "w.sqlite")
    main(["db", "init", "--db", db])
    engine = make_engine(db)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    capsys.readouterr()
    assert main(["db", "upgrade", "--db", db]) == 3
    assert "newer than this WardConsole" in capsys.readouterr().err


def test_bad_arguments_are_refused_with_a_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--db", str(tmp_path / "x.sqlite"), "--beds", "0"]) == 2
    assert "--beds must be between 1 and 200" in capsys.readouterr().err


def test_the_console_starts_and_closes_on_a_demo_ward(tmp_path: Path) -> None:
    """The whole program, as a user starts it (offscreen), in its own process: the demo nurse
    signs in through the form, the census shows its rows with the alarm sound and the ward
    tick already running, nothing that loads on first use (printing, PDF, FHIR, HL7, charts,
    dialogs) was loaded for it, and every one of those modules is there."""
    env = {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(tmp_path),
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
    }
    result = subprocess.run(
        [sys.executable, "-m", "wardconsole", "--demo", "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "WardConsole" / "demo-ward.sqlite").exists()
    steps = {
        step["self_test"]: step
        for step in (json.loads(line) for line in result.stdout.splitlines() if "self_test" in line)
    }
    assert list(steps) == [
        "signin_ready",
        "warmed_up",
        "submitted",
        "accepted",
        "census_painted",
        "lazy_modules",
        "closing",
    ]
    census = steps["census_painted"]
    assert census["rows"] > 0 and census["sound_ready"] and census["tick_ready"]
    assert census["loaded_early"] == []
    assert steps["lazy_modules"]["failed"] == [] and steps["lazy_modules"]["count"] >= 10
    # The process ends without the interpreter's teardown; what the window saved on closing
    # (its geometry and column widths) is on disk all the same.
    settings = (tmp_path / ".config" / "WardConsole" / "WardConsole.conf").read_text()
    assert "geometry" in settings.lower()
