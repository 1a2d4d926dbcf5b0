"""The ward's policy at a terminal: a station can see whether its files are the ward's, and a
supervisor who signs in at the prompt adopts a reviewed change; nobody else can."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from wardconsole.cli import EXIT_POLICY_MISMATCH, main
from wardconsole.services.context import Role
from wardconsole.services.db import Database
from wardconsole.services.governance import GovernanceService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine, upgrade

BOSS_PASSWORD = "supervisor-pass-1"


def _run(monkeypatch: pytest.MonkeyPatch, db: Path, stdin: str, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--db", str(db), "--station", "Office", *args])


def test_status_says_when_the_files_are_not_the_wards_and_a_supervisor_adopts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ward.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    db = Database(engine)
    staff = StaffService(db)
    staff.add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, BOSS_PASSWORD)
    staff.add("rn.okafor", "Adaeze Okafor", Role.NURSE, "nurse-pass-123")
    nurse = staff.actor("rn.okafor", "Station A")
    # The ward's policy was recorded by a station whose files differed.
    GovernanceService(db).ensure_ward_policy(nurse)
    with db.transaction() as session:
        from wardconsole.store.models import WardPolicyRow

        session.query(WardPolicyRow).update({"digest": "0" * 64})  # (test set-up only)
    engine.dispose()

    assert _run(monkeypatch, path, "", "policy", "status") == EXIT_POLICY_MISMATCH
    err = capsys.readouterr().err
    assert "time-driven alarms (overdue observations, missed checks) are NOT run" in err

    refused = _run(
        monkeypatch,
        path,
        "nurse-pass-123\n",
        "policy",
        "adopt",
        "--reason",
        "Reviewed change 12",
        "--supervisor",
        "rn.okafor",
        "--password-stdin",
    )
    assert refused != 0
    assert "not a supervisor" in capsys.readouterr().err
    adopted = _run(
        monkeypatch,
        path,
        f"{BOSS_PASSWORD}\n",
        "policy",
        "adopt",
        "--reason",
        "Reviewed change 12",
        "--supervisor",
        "sn.harrow",
        "--password-stdin",
    )
    assert adopted == 0
    assert _run(monkeypatch, path, "", "policy", "status") == 0
    assert "adopted" in capsys.readouterr().out


def test_status_names_the_follow_up_policy_with_the_other_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """follow_up.toml is one of the ward's policy files: its version is in what a station runs
    and adopts, and an unsigned one is named like the others."""
    path = tmp_path / "ward.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    assert _run(monkeypatch, path, "", "policy", "status") == 0
    out = capsys.readouterr().out
    assert "follow-up 0.1-draft" in out.splitlines()[0]
    assert "follow-up after discharge" in out
