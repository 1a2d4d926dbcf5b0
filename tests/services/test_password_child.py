"""The deliberately slow password hash runs in a short-lived child process, so its 128 MiB is
never part of the console's own memory; the stored hash is the same either way."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

import wardconsole
from wardconsole.services import staff
from wardconsole.services.staff import ScryptCost

ABOVE_THRESHOLD = ScryptCost(n=2**15, r=8, p=1)
"""32 MiB of work: hashed in a child, yet quick enough for a test."""


def test_a_hash_from_the_child_is_the_hash_scrypt_gives() -> None:
    secret, salt = "pässwörd\udcff".encode("utf-8", "surrogatepass"), b"0123456789abcdef"
    cost = ABOVE_THRESHOLD
    assert cost.maxmem >= staff.CHILD_HASH_BYTES
    expected = hashlib.scrypt(secret, salt=salt, n=cost.n, r=cost.r, p=cost.p, maxmem=cost.maxmem)
    assert staff._scrypt_in_child(secret, salt, cost) == expected


def test_signing_in_works_when_the_child_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff, "_cost", ABOVE_THRESHOLD)
    stored = staff.hash_password("night shift")
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    assert staff.verify_password("night shift", stored)
    assert not staff.verify_password("day shift", stored)


def test_the_production_hash_leaves_the_consoles_memory_as_it_was() -> None:
    """A fresh interpreter hashes and checks a password at the production cost: its own peak
    memory grows by far less than scrypt's 128 MiB."""
    script = (
        "import resource\n"
        "from wardconsole.services import staff\n"
        "assert staff.password_cost() == staff.OWASP_SCRYPT\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "stored = staff.hash_password('night shift')\n"
        "assert staff.verify_password('night shift', stored)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    root = Path(wardconsole.__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) < 32  # MiB more than before; in-process it was 75 more here


def test_from_source_the_child_is_an_isolated_interpreter_running_the_hash_module() -> None:
    command = staff._child_command()
    assert command[:3] == [sys.executable, "-I", "-S"]
    assert Path(command[3]).name == "password_child.py"


def test_the_packaged_build_hashes_in_its_own_executable_started_as_the_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The built app has no Python to run a script with: it starts itself with the child flag,
    which ``python -m wardconsole`` (the build's entry) honours before importing anything else."""
    python = sys.executable
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/WardConsole/WardConsole")
    assert staff._child_command() == ["/opt/WardConsole/WardConsole", "--password-hash-child"]
    secret, salt, cost = b"night shift", b"0123456789abcdef", ABOVE_THRESHOLD
    request = b"\n".join(
        [secret.hex().encode(), salt.hex().encode()]
        + [str(v).encode() for v in (cost.n, cost.r, cost.p, cost.maxmem)]
    )
    root = Path(wardconsole.__file__).resolve().parents[1]
    done = subprocess.run(
        [python, "-m", "wardconsole", "--password-hash-child"],
        input=request,
        capture_output=True,
        cwd=root,
        timeout=120,
        check=True,
    )
    expected = hashlib.scrypt(secret, salt=salt, n=cost.n, r=cost.r, p=cost.p, maxmem=cost.maxmem)
    assert bytes.fromhex(done.stdout.decode("ascii")) == expected
