"""Staff commands at a terminal are not a back door: once a supervisor can sign in, a change
needs one to sign in at the prompt; before that it works and says so loudly. Every change
records the operating-system user, the host and who authorised it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from wardconsole.cli import main
from wardconsole.services.context import PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.staff import CommandLineOrigin, StaffService, verify_password
from wardconsole.store.engine import make_engine
from wardconsole.store.models import AuditRow, Staff

BOSS_PASSWORD = "supervisor-pass-1"


def _run(monkeypatch: pytest.MonkeyPatch, db: Path, stdin: str, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--db", str(db), "--station", "Office", *args])


def _database(path: Path) -> Database:
    return Database(make_engine(f"sqlite:///{path}"))


def _staff(path: Path) -> dict[str, Staff]:
    with _database(path).read() as session:
        return {row.staff_code: row for row in session.scalars(select(Staff))}


def _audit(path: Path, action: str) -> list[AuditRow]:
    with _database(path).read() as session:
        return list(
            session.scalars(select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.id))
        )


def _first_supervisor(monkeypatch: pytest.MonkeyPatch, path: Path) -> int:
    if not path.exists():
        assert main(["--db", str(path), "db", "init"]) == 0
    return _run(
        monkeypatch,
        path,
        f"{BOSS_PASSWORD}\n",
        "staff",
        "add",
        "sn.harrow",
        "Gwen Harrow",
        "--role",
        "supervisor",
        "--password-stdin",
    )


@pytest.fixture
def ward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database whose first supervisor was created at the terminal."""
    path = tmp_path / "ward.sqlite"
    assert _first_supervisor(monkeypatch, path) == 0
    return path


def test_the_first_supervisor_needs_no_sign_in_and_it_is_said_loudly_and_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ward = tmp_path / "ward.sqlite"
    assert _first_supervisor(monkeypatch, ward) == 0
    err = capsys.readouterr().err
    assert "NO ACTIVE SUPERVISOR CAN SIGN IN" in err
    [row] = _audit(ward, "add_staff")
    here = CommandLineOrigin.here()
    assert row.staff_id is None
    assert row.detail["os_user"] == here.os_user and row.detail["host"] == here.host
    assert row.detail["without_supervisor"] is True and row.detail["authorised_by"] is None


def test_with_a_supervisor_present_staff_add_without_credentials_is_refused(
    ward: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = _run(
        monkeypatch,
        ward,
        "taken-over-9\n",
        "staff",
        "add",
        "intruder",
        "In Truder",
        "--role",
        "supervisor",
        "--password-stdin",
    )
    assert code != 0
    assert "supervisor must authorise" in capsys.readouterr().err
    assert set(_staff(ward)) == {"sn.harrow"}


def test_reset_password_of_the_only_supervisor_without_credentials_is_refused(
    ward: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _run(
        monkeypatch,
        ward,
        "wrong-guess-12\ntaken-over-99\n",
        "staff",
        "reset-password",
        "sn.harrow",
        "--supervisor",
        "sn.harrow",
        "--password-stdin",
    )
    assert code != 0
    assert "not authorised, nothing changed" in capsys.readouterr().err
    stored = _staff(ward)["sn.harrow"].password_hash
    assert stored is not None
    assert verify_password(BOSS_PASSWORD, stored) and not verify_password("taken-over-99", stored)
    [failed] = _audit(ward, "sign_in_failed")
    assert failed.station == "cli@Office"
    assert len(_audit(ward, "reset_password")) == 0


def test_a_nurse_cannot_authorise_a_staff_change(
    ward: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    StaffService(_database(ward)).add("rn.okafor", "Adaeze Okafor", Role.NURSE, "nurse-pass-12")
    capsys.readouterr()
    code = _run(
        monkeypatch,
        ward,
        "nurse-pass-12\nnew-super-pass\n",
        "staff",
        "add",
        "sn.new",
        "New Super",
        "--role",
        "supervisor",
        "--supervisor",
        "rn.okafor",
        "--password-stdin",
    )
    assert code != 0
    assert "rn.okafor is not a supervisor" in capsys.readouterr().err
    assert "sn.new" not in _staff(ward)


def test_a_supervisor_signed_in_at_the_prompt_authorises_and_is_recorded(
    ward: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = _run(
        monkeypatch,
        ward,
        f"{BOSS_PASSWORD}\nnurse-pass-12\n",
        "staff",
        "add",
        "rn.okafor",
        "Adaeze Okafor",
        "--supervisor",
        "sn.harrow",
        "--password-stdin",
    )
    assert code == 0
    assert "NO ACTIVE SUPERVISOR" not in capsys.readouterr().err
    staff = _staff(ward)
    assert staff["rn.okafor"].role == "nurse"
    [_, added] = _audit(ward, "add_staff")
    assert added.staff_id == staff["sn.harrow"].id and added.station == "cli@Office"
    assert added.detail["authorised_by"] == "sn.harrow"
    assert added.detail["without_supervisor"] is False
    assert added.detail["os_user"] == CommandLineOrigin.here().os_user
    assert [r.station for r in _audit(ward, "sign_in")] == ["cli@Office"]


def test_the_unattended_path_is_checked_inside_the_write(ward: Path) -> None:
    """Even a caller that skipped the command line's check cannot use the unattended path."""
    staff = StaffService(_database(ward))
    with pytest.raises(PermissionDenied):
        staff.add(
            "intruder",
            "In Truder",
            Role.SUPERVISOR,
            "taken-over-9",
            origin=CommandLineOrigin.here(),
        )
    with pytest.raises(PermissionDenied):
        staff.reset_password(
            None, staff.staff_id_of("sn.harrow"), "taken-over-9", origin=CommandLineOrigin.here()
        )
    assert set(_staff(ward)) == {"sn.harrow"}


def test_with_every_supervisor_deactivated_the_terminal_can_recover_once(
    ward: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _database(ward)
    with db.transaction() as session:  # e.g. the last supervisor left and was deactivated
        session.scalars(select(Staff)).one().active = False
    capsys.readouterr()
    assert (
        _run(
            monkeypatch,
            ward,
            "second-super-1\n",
            "staff",
            "add",
            "sn.second",
            "Second Super",
            "--role",
            "supervisor",
            "--password-stdin",
        )
        == 0
    )
    assert "NO ACTIVE SUPERVISOR" in capsys.readouterr().err
    code = _run(
        monkeypatch,
        ward,
        "third-super-1\n",
        "staff",
        "add",
        "sn.third",
        "Third Super",
        "--role",
        "supervisor",
        "--password-stdin",
    )
    assert code != 0 and "sn.third" not in _staff(ward)
