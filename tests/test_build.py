"""The packaged desktop build (PyInstaller, ``build.spec``) starts and works on a clean machine.

Only a run of the built app catches what the freezer left out (resources, migrations, the PDF
backend, the HL7 parser), so these tests build it and run it. They take about a minute and are
skipped unless ``WARDCONSOLE_BUILD_TEST=1``; ``WARDCONSOLE_BUILD_DIR`` names an existing
``dist`` folder to test instead of building (e.g. a CI step that built it already)::

    WARDCONSOLE_BUILD_TEST=1 python -m pytest tests/test_build.py
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wardconsole import __version__

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("WARDCONSOLE_BUILD_TEST") != "1",
        reason="builds the desktop app (about a minute): set WARDCONSOLE_BUILD_TEST=1 to run",
    ),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built executable (built once for the module unless WARDCONSOLE_BUILD_DIR is set)."""
    given = os.environ.get("WARDCONSOLE_BUILD_DIR")
    if given:
        dist = Path(given)
    else:
        if shutil.which("pyinstaller") is None:
            pytest.fail("pyinstaller is not installed: pip install -e '.[build]'")
        work = tmp_path_factory.mktemp("pyinstaller")
        dist = work / "dist"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "PyInstaller",
                "--noconfirm",
                "--log-level",
                "WARN",
                "--distpath",
                str(dist),
                "--workpath",
                str(work / "build"),
                str(ROOT / "build.spec"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert result.returncode == 0, result.stderr[-4000:]
    executable = dist / "WardConsole" / ("WardConsole.exe" if os.name == "nt" else "WardConsole")
    assert executable.is_file(), f"no built app at {executable}"
    return executable


@pytest.fixture
def run(app: Path, tmp_path: Path) -> Iterator[object]:
    """Run the built app as a user with an empty home directory, offscreen."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "QT_QPA_PLATFORM": "offscreen",
        "WARDCONSOLE_STATION": "Build test",
    }
    env.pop("WARDCONSOLE_DB", None)

    def run_app(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(app), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    run_app.env = env  # type: ignore[attr-defined]
    yield run_app


def test_version(run) -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"WardConsole {__version__}"


def test_self_test_starts_on_a_fresh_sqlite_file(run, tmp_path: Path) -> None:
    database = tmp_path / "fresh.sqlite"
    refused = run("--db", str(database), "--self-test")  # never created by accident
    assert refused.returncode == 3 and "no ward database at" in refused.stderr
    created = run("db", "init", "--db", str(database))
    assert created.returncode == 0, created.stderr[-3000:]
    result = run("--db", str(database), "--self-test")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    with sqlite3.connect(database) as connection:  # the migrations ran from the bundle
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    heads = sorted(
        p.name[:4]
        for p in (ROOT / "wardconsole" / "store" / "migrations" / "versions").glob(
            "[0-9][0-9][0-9][0-9]_*.py"
        )
    )
    assert revision == heads[-1]


def test_demo_export_import_and_printed_handoff(run, tmp_path: Path) -> None:
    """Policy files (resources), FHIR export/import and matplotlib's PDF backend, frozen."""
    ward, copy = tmp_path / "ward.sqlite", tmp_path / "copy.sqlite"
    demo = run("demo", "--db", str(ward), "--beds", "4", "--days", "2")
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert run("export", "--db", str(ward), "--out", "ward.json").returncode == 0
    assert run("db", "init", "--db", str(copy)).returncode == 0
    imported = run("import", "--db", str(copy), "ward.json")
    assert imported.returncode == 0, imported.stderr[-3000:]
    assert "imported" in imported.stdout
    assert run("export", "--db", str(copy), "--out", "copy.csv").returncode == 0
    assert (tmp_path / "copy.csv").read_text(encoding="utf-8-sig").startswith("hospital_number")
    report = run("handoff-report", "--db", str(ward), "--shift", "last", "--out", "handoff.pdf")
    assert report.returncode == 0, report.stderr[-3000:]
    assert (tmp_path / "handoff.pdf").read_bytes().startswith(b"%PDF")


def test_monitor_feed_answers_over_mllp(run, app: Path, tmp_path: Path) -> None:
    ward = tmp_path / "ward.sqlite"
    assert run("demo", "--db", str(ward), "--beds", "2", "--days", "1").returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with subprocess.Popen(
        [str(app), "feed", "--db", str(ward), "--port", str(port)],
        cwd=tmp_path,
        env=run.env,
        stderr=subprocess.PIPE,
        text=True,
    ) as feed:
        try:
            _send_to_feed(feed, port)
        finally:
            feed.terminate()
            feed.wait(timeout=30)


def _send_to_feed(feed: subprocess.Popen[str], port: int) -> None:
    """Wait for the listener, send one ORU for a patient not on the ward, expect AE."""
    assert feed.stderr is not None
    assert "Listening" in feed.stderr.readline()
    at = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y%m%d%H%M%S+0000")
    message = (
        f"MSH|^~\\&|MON|W|WC|W|{at}||ORU^R01|B1|P|2.5\rPID|1||NOBODY\r"
        f"OBX|1|NM|8867-4^HR^LN||80|/min|||||F|||{at}\r"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"\x0b" + message.encode() + b"\x1c\x0d")
        reply = b""
        while not reply.endswith(b"\x1c\x0d"):
            chunk = sock.recv(4096)
            assert chunk
            reply += chunk
    assert b"MSA|AE|B1|no patient with this identifier is on the ward" in reply
    assert b"NOBODY" not in reply


def test_the_frozen_app_carries_the_alarm_sound(run) -> None:
    """QtMultimedia and its plugins are in the build: no 'audio library missing' at a station.

    This machine may have no audio device ('no audio output device' is then the honest answer);
    what must never happen is that the build itself cannot sound an alarm.
    """
    import json

    result = run("--demo", "--self-test")
    assert result.returncode == 0, result.stderr[-3000:]
    painted = [
        json.loads(line)
        for line in result.stdout.splitlines()
        if line.startswith("{") and '"census_painted"' in line
    ]
    assert painted, result.stdout[-3000:]
    status = painted[0]["sound_status"]
    assert status == "Sound on" or status.endswith("no audio output device"), status


def test_the_built_app_hashes_passwords_in_a_child_of_itself(app: Path) -> None:
    """The packaged console has no Python to run the hash with: it starts its own executable
    as the child, which answers with scrypt's digest and nothing else."""
    from wardconsole.services import staff

    cost = staff.OWASP_SCRYPT
    request = b"\n".join(
        [b"night shift".hex().encode(), b"0123456789abcdef".hex().encode()]
        + [str(v).encode() for v in (cost.n, cost.r, cost.p, cost.maxmem)]
    )
    done = subprocess.run(
        [str(app), "--password-hash-child"], input=request, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    expected = hashlib.scrypt(
        b"night shift", salt=b"0123456789abcdef", n=cost.n, r=cost.r, p=cost.p, maxmem=cost.maxmem
    )
    assert bytes.fromhex(done.stdout.decode("ascii")) == expected
