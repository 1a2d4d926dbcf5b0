"""Schema, migrations and connection settings on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from wardconsole.store.engine import (
    DatabaseError,
    current_revision,
    head_revision,
    make_engine,
    parse_url,
    script_head,
    stored_revision,
    upgrade,
)
from wardconsole.store.models import Patient, Staff


def test_migrations_create_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {
        "staff",
        "patients",
        "admissions",
        "observation_sets",
        "symptom_entries",
        "assessments",
        "prn_doses",
        "escalations",
        "escalation_events",
        "audit_log",
        "change_log",
    } <= tables
    assert current_revision(engine) == head_revision(engine)


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    assert upgrade(engine) is False


def test_times_come_back_as_aware_utc(engine: Engine) -> None:
    taken = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=1)))
    with Session(engine) as session, session.begin():
        session.add(
            Staff(
                staff_code="rn.a",
                display_name="A",
                role="nurse",
                password_hash=None,
                active=True,
                failed_logins=0,
                created_at=taken,
            )
        )
    with Session(engine) as session:
        stored = session.query(Staff).one().created_at
    assert stored.tzinfo is not None
    assert stored == taken
    assert stored.utcoffset() == timedelta(0)


def _staff(code: str) -> Staff:
    return Staff(
        staff_code=code,
        display_name=code,
        role="nurse",
        password_hash=None,
        active=True,
        failed_logins=0,
        created_at=datetime.now(UTC),
    )


def test_a_savepoint_first_in_a_transaction_still_rolls_back_with_it(engine: Engine) -> None:
    """Savepoints released inside a write transaction are kept or lost with the whole: on
    SQLite the first savepoint would otherwise be a transaction of its own, committed by its
    release (the monitor feed's group would be a disk flush per message, not all or nothing)."""
    with pytest.raises(RuntimeError), Session(engine) as session, session.begin():
        with session.begin_nested():
            session.add(_staff("rn.kept"))
        with session.begin_nested():
            session.add(_staff("rn.second"))
        raise RuntimeError("the transaction fails after both savepoints")
    with Session(engine) as session:
        assert session.query(Staff).count() == 0


def test_a_save_after_reading_waits_for_no_one_another_station_saved_meanwhile(
    engine: Engine,
) -> None:
    """Only a savepoint starts the write transaction early: a station that read, while
    another station saved, still saves (had its read begun the SQLite transaction, its write
    would be refused at once with "database is locked")."""
    with Session(engine) as station_a, station_a.begin():
        assert station_a.query(Staff).count() == 0
        with Session(engine) as station_b, station_b.begin():
            station_b.add(_staff("rn.b"))
        station_a.add(_staff("rn.a"))
    with Session(engine) as session:
        assert session.query(Staff).count() == 2


def test_naive_times_are_refused(engine: Engine) -> None:
    with (
        pytest.raises(Exception, match="timezone-aware"),
        Session(engine) as session,
        session.begin(),
    ):
        session.add(
            Patient(
                hospital_number="X1",
                given_name="A",
                family_name="B",
                date_of_birth=date(1990, 1, 1),
                created_at=datetime(2026, 1, 1),
            )
        )


def test_sqlite_runs_in_wal_with_foreign_keys_and_full_sync(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    engine.dispose()


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ward.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(DatabaseError, match="newer than this WardConsole"):
        upgrade(engine)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0000"
    engine.dispose()


def test_a_bad_url_is_one_clear_line() -> None:
    with pytest.raises(DatabaseError, match="unsupported database"):
        parse_url("mysql://localhost/ward")


def test_an_unreachable_server_is_one_clear_line() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseError, match="cannot open the database"):
        upgrade(engine)


def test_plain_paths_are_sqlite_files(tmp_path: Path) -> None:
    url = parse_url(str(tmp_path / "w.sqlite"))
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path / "w.sqlite")


def test_utc_now_roundtrip_keeps_microseconds(engine: Engine) -> None:
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        session.add(
            Staff(
                staff_code="rn.b",
                display_name="B",
                role="nurse",
                password_hash=None,
                active=True,
                failed_logins=0,
                created_at=now,
            )
        )
    with Session(engine) as session:
        assert session.query(Staff).one().created_at == now


def test_the_scripts_head_read_from_their_text_is_alembics_head(engine: Engine) -> None:
    assert script_head() == head_revision(engine)


def test_a_current_schema_starts_without_loading_alembic(sqlite_url: str) -> None:
    """One query decides; Alembic's import would cost the nurse a quarter of a second."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    probe = (
        "import sys\n"
        "from wardconsole.store.engine import make_engine, upgrade\n"
        f"applied = upgrade(make_engine({sqlite_url!r}))\n"
        "print(applied, any(name.split('.')[0] == 'alembic' for name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["False", "False"]


def test_a_fresh_or_older_database_is_still_migrated(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    assert stored_revision(fresh) is None
    assert upgrade(fresh) is True
    assert stored_revision(fresh) == script_head()
    fresh.dispose()

    older = make_engine(f"sqlite:///{tmp_path / 'older.sqlite'}")
    config = Config()
    config.set_main_option(
        "script_location", str(Path(__file__).parents[2] / "wardconsole/store/migrations")
    )
    config.attributes["engine"] = older
    head = ScriptDirectory.from_config(config).get_revision(script_head())
    assert head is not None and isinstance(head.down_revision, str)
    command.upgrade(config, head.down_revision)  # as the previous version left it
    assert stored_revision(older) == head.down_revision
    assert upgrade(older) is True
    assert stored_revision(older) == script_head()
    older.dispose()
