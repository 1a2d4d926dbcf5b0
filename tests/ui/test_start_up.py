"""Starting the console: a problem with the database is said in a window (nobody reads the
terminal of a desktop icon) and in the log; a second ``--demo`` never replaces the demo ward
under a console that has it open; the sign-in screen shows every line of what it says."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from screenshots import grab_widget
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from ui_runner import shared_runner

from wardconsole import app as app_module
from wardconsole.cli import main
from wardconsole.config import Settings
from wardconsole.services.auth import mark_demo_ward
from wardconsole.store import engine as engine_module
from wardconsole.ui.access.session import StaffSession
from wardconsole.ui.access.sign_in_dialog import SignInDialog
from wardconsole.ui.demo_lock import hold_demo_lock, lock_path
from wardconsole.ui.start_problem import StartProblem, start_problem_box
from wardconsole.ui.theme import Theme, apply_theme

from .access_support import AccessWorld, world  # noqa: F401


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the start-problem window would say (it is modal in real use)."""
    lines: list[str] = []
    monkeypatch.setattr(StartProblem, "tell", classmethod(lambda cls, line: lines.append(line)))
    return lines


def test_a_missing_database_is_said_in_a_window_and_the_log(
    tmp_path: Path,
    told: list[str],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    typo = tmp_path / "ward-a.sqlit"
    with caplog.at_level(logging.ERROR):
        assert main(["--db", str(typo)]) == 3
    line = f"no ward database at {typo} — create one with `wardconsole db init --db {typo}`"
    assert told == [line]
    assert capsys.readouterr().err == f"wardconsole: {line}\n"
    assert [r.getMessage() for r in caplog.records] == [f"The console cannot start: {line}"]
    assert not typo.exists()


def test_a_read_only_ward_is_refused_before_the_sign_in_screen(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    told: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Root ignores file modes, so SQLite is told to refuse writes (query_only), which fails
    exactly as a read-only file does."""
    path = Path(migrated_sqlite(tmp_path / "ward.sqlite").split("///", 1)[1])
    original = engine_module.make_engine

    def read_only(*args, **kwargs):  # type: ignore[no-untyped-def]
        made = original(*args, **kwargs)
        event.listen(made, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA query_only=ON"))
        return made

    monkeypatch.setattr(engine_module, "make_engine", read_only)
    monkeypatch.setattr(
        SignInDialog, "ask", classmethod(lambda cls, *a: pytest.fail("sign-in screen shown"))
    )
    with caplog.at_level(logging.ERROR):
        assert main(["--db", str(path)]) == 3
    [line] = told
    assert line.startswith(
        f"cannot save to the ward database {path} (attempt to write a readonly database): "
        "nothing can be recorded here"
    )
    assert any(line in record.getMessage() for record in caplog.records)


def test_services_that_cannot_load_end_the_sign_in_screen_and_the_start_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp
) -> None:  # type: ignore[no-untyped-def]
    """The services load on the worker behind the sign-in screen; a failure that is not an
    outage (here a policy the station cannot read) closes the screen, and the start ends with
    it as it did when they loaded before the screen."""
    path = Path(migrated_sqlite(tmp_path / "ward.sqlite").split("///", 1)[1])
    shown: list[SignInDialog] = []
    original_init = SignInDialog.__init__

    def remember(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        shown.append(self)

    def unreadable(db, station):  # type: ignore[no-untyped-def]
        raise ValueError("the escalation policy cannot be read")

    monkeypatch.setattr(SignInDialog, "__init__", remember)
    monkeypatch.setattr(app_module, "_escalations", unreadable)
    monkeypatch.setattr("wardconsole.ui.gc_guard.UiThreadGarbageCollector.start", lambda self: None)
    monkeypatch.setattr("wardconsole.ui.warm_up.WarmUp.start", lambda self, after_ms=0: None)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr("threading.excepthook", __import__("threading").excepthook)
    with pytest.raises(ValueError, match="the escalation policy cannot be read"):
        main(["--db", str(path)])
    [dialog] = shown
    assert dialog.result() == SignInDialog.DialogCode.Rejected and not dialog.isVisible()


def test_after_an_outage_signing_in_loads_the_stations_services_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp
) -> None:  # type: ignore[no-untyped-def]
    """An outage while the services load behind the sign-in screen leaves the screen up (it
    says so when the nurse signs in); signing in builds them again, once."""
    tries: list[str] = []

    def flaky(db, station):  # type: ignore[no-untyped-def]
        tries.append(station)
        if len(tries) == 1:
            raise OperationalError("SELECT 1", {}, Exception("database is locked"))
        return "escalations"

    monkeypatch.setattr(app_module, "_escalations", flaky)
    url = migrated_sqlite(tmp_path / "ward.sqlite")
    engine = engine_module.make_engine(url)
    try:
        settings = Settings(db_url=url, station="Station A")
        station = app_module._StationLoader(
            engine, settings, "Ward 7", StaffSession(), shared_runner()
        )
        with pytest.raises(OperationalError):
            station.get()
        built = station.get()
        assert built.escalations == "escalations" and station.get() is built
        assert built.access.station == "Station A" and built.access.staff is not None
        assert tries == ["Station A", "Station A"]
    finally:
        engine.dispose()


def test_start_problem_window_screenshots(qtbot, qapp, shots: Path) -> None:  # type: ignore[no-untyped-def]
    line = (
        "cannot save to the ward database /home/ward/.local/share/WardConsole/wardconsole.sqlite "
        "(attempt to write a readonly database): nothing can be recorded here. Make the file "
        "and its folder writable by this user, or open a copy with --db"
    )
    for theme in (Theme.DAY, Theme.NIGHT):
        apply_theme(qapp, theme)
        box = start_problem_box(line)
        qtbot.addWidget(box)
        box.show()
        qtbot.waitExposed(box)
        assert box.text() == line[:1].upper() + line[1:]
        assert box.width() <= 1366 and box.height() <= 728
        path = grab_widget(box, shots / f"start-problem-read-only-{theme.value}.png")
        assert path.stat().st_size > 3_000
        box.close()
    apply_theme(qapp, Theme.DAY)


def _shown(qtbot, world: AccessWorld) -> SignInDialog:  # noqa: F811  # type: ignore[no-untyped-def]
    dialog = SignInDialog(world.access)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.form.staff_id.isEnabled())
    return dialog


def _fully_shown(dialog: SignInDialog) -> bool:
    """Every line of the hint and of the message fits inside the window."""
    for label in (dialog.form.hint, dialog.form.message):
        if not label.isVisible():
            continue
        needed = label.heightForWidth(label.width())
        bottom = label.mapTo(dialog, label.rect().topLeft()).y() + needed
        if label.height() < needed or bottom > dialog.height():
            return False
    return True


def test_the_demo_password_line_is_never_cut_off(
    qtbot,
    qapp,
    world: AccessWorld,  # noqa: F811
    shots: Path,
) -> None:  # type: ignore[no-untyped-def]
    with world.db.transaction() as session:
        mark_demo_ward(session)
    for theme in (Theme.DAY, Theme.NIGHT):
        apply_theme(qapp, theme)
        dialog = _shown(qtbot, world)
        assert dialog.form.hint.text().splitlines()[-1] == "Demo password: demo-password"
        qtbot.waitUntil(lambda: _fully_shown(dialog), timeout=2_000)  # noqa: B023
        grab_widget(dialog, shots / f"sign-in-demo-{theme.value}.png")
        dialog.shutdown()
        dialog.close()
    apply_theme(qapp, Theme.DAY)


def test_a_long_message_after_opening_is_shown_whole_and_logged(
    qtbot,  # type: ignore[no-untyped-def]
    qapp,  # type: ignore[no-untyped-def]
    world: AccessWorld,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    shots: Path,
) -> None:
    from sqlalchemy.exc import OperationalError

    dialog = _shown(qtbot, world)
    qtbot.waitUntil(lambda: dialog.height() == dialog.minimumHeight(), timeout=2_000)
    grab_widget(dialog, shots / "sign-in-day.png")
    error = OperationalError("SELECT 1", {}, Exception("attempt to write a readonly database"))
    with caplog.at_level(logging.ERROR):
        dialog._on_setup_failed(error)
    assert "attempt to write a readonly database" in dialog.form.message.text()
    qtbot.waitUntil(lambda: _fully_shown(dialog), timeout=2_000)
    assert any("cannot read the ward database" in r.getMessage() for r in caplog.records)
    grab_widget(dialog, shots / "sign-in-database-error-day.png")
    dialog.shutdown()


# -- a second --demo ---------------------------------------------------------------------------


def _demo_env(home: Path) -> dict[str, str]:
    return {
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "PATH": "/usr/bin:/bin",
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
    }


def test_a_second_demo_is_refused_while_a_console_has_the_demo_ward_open(
    tmp_path: Path,
) -> None:
    """This test holds the demo ward's lock as a running console does; a real ``--demo`` in
    another process is refused and leaves the file alone."""
    demo = tmp_path / "data" / "WardConsole" / "demo-ward.sqlite"
    demo.parent.mkdir(parents=True)
    demo.write_bytes(b"the running console's demo ward")
    lock = hold_demo_lock(demo)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "wardconsole", "--demo", "--self-test"],
            capture_output=True,
            text=True,
            timeout=120,
            env=_demo_env(tmp_path),
        )
    finally:
        lock.unlock()
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip() == (
        f"wardconsole: the demo ward {demo} is open in another console (process {os.getpid()} "
        f"on {os.uname().nodename}); a new --demo would replace it under that console. Close it "
        "first, or start a separate demo with --demo --db NEW-FILE.sqlite"
    )
    assert demo.read_bytes() == b"the running console's demo ward"


def test_a_lock_left_by_a_crashed_console_does_not_block_the_next_demo(tmp_path: Path) -> None:
    demo = tmp_path / "demo-ward.sqlite"
    crashed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; from wardconsole.ui.demo_lock import hold_demo_lock; "
            "from pathlib import Path; held = hold_demo_lock(Path(sys.argv[1])); os._exit(9)",
            str(demo),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == 9, crashed.stderr
    assert lock_path(demo).exists()  # left behind, naming a process that is gone
    lock = hold_demo_lock(demo)
    assert lock.isLocked()
    lock.unlock()


def test_demo_never_replaces_a_real_ward(tmp_path: Path, told: list[str]) -> None:
    ward = tmp_path / "ward.sqlite"
    assert main(["db", "init", "--db", str(ward)]) == 0
    before = ward.read_bytes()
    assert main(["--demo", "--db", str(ward)]) == 3
    assert told == [
        f"{ward} holds a ward that is not a demo ward; --demo replaces its file, so nothing "
        "was changed. Give --demo a new file name"
    ]
    assert ward.read_bytes() == before
    assert not lock_path(ward).exists()


def test_the_first_demo_console_runs_and_a_second_one_after_it_closes(tmp_path: Path) -> None:
    """The README's demo command on a fresh machine, twice in a row: each builds its ward."""
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "wardconsole", "--demo", "--self-test"],
            capture_output=True,
            text=True,
            timeout=180,
            env=_demo_env(tmp_path),
        )
        assert result.returncode == 0, result.stderr
        steps = [json.loads(x)["self_test"] for x in result.stdout.splitlines() if "self_test" in x]
        assert "census_painted" in steps
    assert not lock_path(tmp_path / "data" / "WardConsole" / "demo-ward.sqlite").exists()


def test_the_self_test_finishes_on_a_new_ward_without_accounts(tmp_path: Path) -> None:
    """``db init`` then ``--self-test``: the sign-in screen of a ward nobody can sign in to yet
    keeps its form disabled and says which command creates the first supervisor; the
    self-test takes that screen as loaded instead of waiting for the form for ever."""
    ward = tmp_path / "new.sqlite"
    assert main(["db", "init", "--db", str(ward)]) == 0
    result = subprocess.run(
        [sys.executable, "-m", "wardconsole", "--db", str(ward), "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_demo_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    steps = [json.loads(x)["self_test"] for x in result.stdout.splitlines() if "self_test" in x]
    assert steps[0] == "signin_ready" and steps[-1] == "lazy_modules"


def test_demo_in_a_shared_folder_leaves_the_folders_mode_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--demo --db /tmp/demo.sqlite`` must not make /tmp owner-only."""
    from wardconsole import app as app_module

    common = tmp_path / "common"
    common.mkdir()
    common.chmod(0o1777)
    monkeypatch.setattr("wardconsole.ui.demo_lock.hold_demo_lock", lambda path: _Held())
    app_module._claim_demo_file(common / "demo.sqlite")
    assert common.stat().st_mode & 0o7777 == 0o1777


class _Held:
    def unlock(self) -> None:
        pass
