"""A ward database is never created by accident: a missing file (the default one included),
an empty ``--db`` or a database without the ward's schema is refused with the place named,
and only ``wardconsole db init`` (or a demo ward) creates one. An SQLite ward this user can only
read is refused before anyone can type into it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from dbfixtures import drop_pg_schema, new_pg_schema_url, require_postgres
from sqlalchemy import event, text

from wardconsole.cli import main
from wardconsole.config import default_db_url
from wardconsole.store.engine import DatabaseError, NoWardDatabase, open_ward, stored_revision


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user with no WardConsole data yet (the default database lives under here)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("WARDCONSOLE_DB", raising=False)
    return tmp_path


def _default_file() -> Path:
    return Path(default_db_url().split("///", 1)[1])


def test_the_default_database_is_not_created_by_a_staff_command(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password-1\n"))
    code = main(["staff", "add", "sn.harrow", "Gwen Harrow", "--role", "supervisor"])
    err = capsys.readouterr().err
    assert code == 3
    assert err == (
        f"wardconsole: no ward database at {_default_file()} — create one with "
        "`wardconsole db init`\n"
    )
    assert not _default_file().exists() and not _default_file().parent.exists()


def test_a_mistyped_db_path_is_refused_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "wards" / "ward-a.sqlit"
    assert main(["--db", str(typo), "audit", "verify"]) == 3
    err = capsys.readouterr().err
    assert f"no ward database at {typo} — create one with `wardconsole db init --db {typo}`" in err
    assert not typo.exists() and not typo.parent.exists()


def test_an_empty_db_option_is_refused_not_ignored(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", "", "db", "init"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wardconsole: --db is empty")
    assert err.count("\n") == 1
    assert not _default_file().exists()  # it did not fall back to the default and create it
    assert main(["db", "init", "--db", "  "]) == 2


def test_db_init_creates_a_ward_once_then_the_commands_open_it(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "init"]) == 0
    out = capsys.readouterr().out
    assert f"New ward database at {_default_file()}" in out
    assert 'wardconsole staff add ID "Full Name" --role supervisor' in out
    assert main(["db", "init"]) == 0
    assert "already at" in capsys.readouterr().out  # a second init changes nothing
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password-1\n"))
    args = ["staff", "add", "sn.harrow", "Gwen Harrow", "--role", "supervisor"]
    assert main([*args, "--password-stdin"]) == 0
    assert "Added supervisor sn.harrow" in capsys.readouterr().out


def test_a_file_without_the_wards_schema_is_not_a_ward(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.touch()  # e.g. left by an older version after a mistyped --db
    assert main(["--db", str(empty), "export", "--out", str(tmp_path / "x.json")]) == 3
    assert f"no ward database at {empty}" in capsys.readouterr().err
    assert main(["db", "init", "--db", str(empty)]) == 0
    with pytest.raises(NoWardDatabase):
        open_ward(str(tmp_path / "other.sqlite"))
    assert not (tmp_path / "other.sqlite").exists()


def test_db_upgrade_needs_an_existing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.sqlite"
    assert main(["db", "upgrade", "--db", str(missing)]) == 3
    assert f"no ward database at {missing}" in capsys.readouterr().err
    assert not missing.exists()


def test_a_read_only_sqlite_ward_is_refused_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Root ignores file modes, so the read-only file is made by SQLite itself (query_only
    refuses writes exactly as a read-only file does: 'attempt to write a readonly database')."""
    path = tmp_path / "ward.sqlite"
    assert main(["db", "init", "--db", str(path)]) == 0
    capsys.readouterr()
    from wardconsole.store import engine as engine_module

    original = engine_module.make_engine

    def read_only_engine(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        engine = original(*args, **kwargs)  # type: ignore[arg-type]

        @event.listens_for(engine, "connect")
        def _query_only(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.execute("PRAGMA query_only=ON")

        return engine

    monkeypatch.setattr(engine_module, "make_engine", read_only_engine)
    with pytest.raises(DatabaseError) as refused:
        open_ward(str(path))
    assert str(refused.value).startswith(
        f"cannot save to the ward database {path} (attempt to write a readonly database)"
    )
    assert main(["--db", str(path), "audit", "seal"]) == 3
    err = capsys.readouterr().err
    assert "nothing can be recorded here" in err and err.count("\n") == 1


def test_postgresql_a_server_database_without_the_ward_schema_is_refused_until_init(
    capsys: pytest.CaptureFixture[str],
) -> None:
    require_postgres()
    url, schema = new_pg_schema_url()
    try:
        assert main(["--db", url, "audit", "verify"]) == 3
        err = capsys.readouterr().err
        assert "no ward database at postgresql" in err and "wardconsole db init --db" in err
        assert main(["--db", url, "db", "init"]) == 0
        assert "New ward database at postgresql" in capsys.readouterr().out
        engine = open_ward(url)
        try:
            assert stored_revision(engine) is not None
            with engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM staff")).scalar() is not None
        finally:
            engine.dispose()
    finally:
        drop_pg_schema(schema)


def test_a_ward_another_station_is_writing_to_is_not_taken_for_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    from wardconsole.store import engine as engine_module

    path = tmp_path / "ward.sqlite"
    assert main(["db", "init", "--db", str(path)]) == 0
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # a save in progress at another station
        engine = open_ward(str(path))
        engine.dispose()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
