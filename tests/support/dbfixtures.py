"""Database fixtures: every store/services test runs on SQLite and on real PostgreSQL.

Migrating a database from scratch costs about a second (more on PostgreSQL), so it is done
once per run, from the migrations as they are now (never from a checked-in copy):

* SQLite: one migrated template file per run; each test gets a copy of it
  (``migrated_sqlite``), so a test may do anything to its file.
* PostgreSQL (``WARDCONSOLE_TEST_PG_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``):
  one migrated schema per run; before each test its tables are emptied, the rows the
  migrations wrote put back and its sequences set back (triggers are skipped for that, as a
  replica would), so each test starts from the just-migrated state, commits for real and runs
  its triggers and change feed as in production. When that is not possible — a test changed
  the schema's definition (switched a trigger off, say: checked by a digest of the catalog
  before every test), a role that may not skip triggers, a lock left behind — a new schema is
  migrated and used from then on.

Records a fixture needs before each test (a night on the ward, say) are recorded once per run
and backend the same way (``seed_database``): a copied file on SQLite, the rows put back on
PostgreSQL.

Without a server the PostgreSQL tests skip with a hint; under CI (``CI=true``) a missing
server fails.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from wardconsole.store.engine import make_engine, upgrade

PG_URL = os.environ.get("WARDCONSOLE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
_pg_admin: Engine | None = None
_sqlite_template: Path | None = None
_seeded_templates: dict[Callable[[str], Any], tuple[Path, Any]] = {}
T = TypeVar("T")
_pg_run: _RunSchema | None = None
_pg_engines: dict[str, Engine] = {}
"""The ``engine`` fixture's engine for each PostgreSQL URL (the run's schema)."""


# -- SQLite -------------------------------------------------------------------------------------


def migrated_sqlite(path: Path) -> str:
    """Put a freshly migrated SQLite database at ``path``; return its URL.

    The first call of a run migrates a template from the current migrations; every call
    copies it (a file copy instead of a second of migrating)."""
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="wardconsole-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = folder / "template.sqlite"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        leftovers = [p.name for p in folder.iterdir() if p != template]
        assert not leftovers, f"the template database left {leftovers} beside it"
        _sqlite_template = template
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template, path)
    shutil.copymode(_sqlite_template, path)  # owner-only, as the console creates it
    return f"sqlite:///{path}"


def seeded_sqlite(path: Path, seed: Callable[[str], T]) -> tuple[str, T]:
    """``migrated_sqlite`` with ``seed``'s records already in it: ``(url, what seed returned)``.

    ``seed(url)`` records them through the services once per run, into a template, and
    returns what the tests need to know of them (ids, staff); every call copies the file, so
    a test may do anything to its copy. For fixtures that record the same ward before each
    test (a fraction of a second of CPU each, and seconds of syncing to disk on a busy
    machine)."""
    if seed not in _seeded_templates:
        folder = Path(tempfile.mkdtemp(prefix="wardconsole-seeded-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = folder / "seeded.sqlite"
        facts = seed(migrated_sqlite(template))
        leftovers = [p.name for p in folder.iterdir() if p != template]
        assert not leftovers, f"{seed.__name__} left {leftovers} beside its database"
        _seeded_templates[seed] = (template, facts)
    template, facts = _seeded_templates[seed]
    shutil.copyfile(template, path)
    shutil.copymode(template, path)
    return f"sqlite:///{path}", facts


def demo_sqlite(path: Path, now: datetime) -> str:
    """The demo ward as built at ``now`` (a second or two of CPU), built once per run and
    ``now`` and copied to ``path``; returns its URL."""
    return seeded_sqlite(path, _demo_builder(now))[0]


@functools.cache
def _demo_builder(now: datetime) -> Callable[[str], None]:
    def build(url: str) -> None:
        from wardfakes import Clock

        from wardconsole.services.db import Database
        from wardconsole.services.demo import build_demo_ward

        engine = make_engine(url)
        build_demo_ward(Database(engine, clock=Clock(now)))
        engine.dispose()

    return build


# -- PostgreSQL ---------------------------------------------------------------------------------


def _admin_engine() -> Engine:
    global _pg_admin
    if _pg_admin is None:
        _pg_admin = create_engine(
            PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 3},
        )
    return _pg_admin


def require_postgres() -> Engine:
    try:
        admin = _admin_engine()
        with admin.connect():
            pass
    except OperationalError as exc:
        message = (
            f"PostgreSQL not reachable at {PG_URL} ({str(exc.orig).strip()[:80]}); "
            "start it or set WARDCONSOLE_TEST_PG_URL to a server you can use"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return admin


def new_pg_schema_url() -> tuple[str, str]:
    """Create a fresh schema; return (url using it, schema name)."""
    admin = require_postgres()
    schema = f"wct_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


def drop_pg_schema(schema: str) -> None:
    with _admin_engine().connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def migrated_pg_schema() -> tuple[str, str]:
    """A new schema migrated from scratch: (url, schema)."""
    url, schema = new_pg_schema_url()
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return url, schema


@dataclass(frozen=True)
class _Kept:
    """Rows of the run schema's tables copied aside (table, copy) and where its sequences
    stood: what ``_RunSchema`` puts back."""

    copies: list[tuple[str, str]]
    sequences: list[tuple[str, Any]]


class _RunSchema:
    """The run's migrated PostgreSQL schema, put back to its just-migrated state per test."""

    def __init__(self) -> None:
        self.url, self.schema = migrated_pg_schema()
        self.seed = f"{self.schema}_seed"
        atexit.register(drop_pg_schema, self.seed)
        atexit.register(drop_pg_schema, self.schema)
        with _admin_engine().connect() as connection:
            names = connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = :schema "
                    "AND tablename <> 'alembic_version' ORDER BY tablename"
                ),
                {"schema": self.schema},
            ).scalars()
            self.tables = [f'"{self.schema}"."{name}"' for name in names]
            # Rows a migration wrote (a ward's own key, say) are kept aside and put back.
            self.migrated = self._keep(connection, self.seed)
            self.shape = self._shape(connection)
        self.usable = bool(self.tables)
        self.seeded: dict[Callable[[str], Any], tuple[_Kept, Any]] = {}

    def _keep(self, connection: Connection, schema: str) -> _Kept:
        """Copy the rows the tables hold now into ``schema``, with the sequences' positions."""
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        copies: list[tuple[str, str]] = []
        for table in self.tables:
            if connection.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar():
                copy = f'"{schema}".{table.split(".", 1)[1]}'
                connection.execute(text(f"CREATE TABLE {copy} AS SELECT * FROM {table}"))
                copies.append((table, copy))
        sequences = connection.execute(
            text(
                "SELECT format('%I.%I', schemaname, sequencename), last_value "
                "FROM pg_sequences WHERE schemaname = :schema"
            ),
            {"schema": self.schema},
        ).all()
        return _Kept(copies, [(str(name), value) for name, value in sequences])

    def _shape(self, connection: Connection) -> str:
        """A digest of the schema's definition: tables, columns (with their lengths and
        precisions), indexes, constraints, functions and whether each trigger is enabled (a
        test may switch one off)."""
        return str(
            connection.execute(
                text(
                    """
                    SELECT md5(coalesce(string_agg(item, '|' ORDER BY item), '')) FROM (
                        SELECT format('col %s.%s %s(%s,%s,%s,%s) %s %s', table_name,
                                      column_name, data_type, character_maximum_length,
                                      numeric_precision, numeric_scale, datetime_precision,
                                      is_nullable, column_default) AS item
                        FROM information_schema.columns WHERE table_schema = :schema
                        UNION ALL
                        SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = :schema
                        UNION ALL
                        SELECT format('con %s %s', conname, pg_get_constraintdef(c.oid))
                        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                        WHERE n.nspname = :schema
                        UNION ALL
                        SELECT format('trg %s.%s %s', r.relname, t.tgname, t.tgenabled)
                        FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
                        JOIN pg_namespace n ON n.oid = r.relnamespace WHERE n.nspname = :schema
                        UNION ALL
                        SELECT 'fn ' || md5(pg_get_functiondef(p.oid))
                        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname = :schema
                    ) AS definition
                    """
                ),
                {"schema": self.schema},
            ).scalar()
        )

    def reset(self) -> bool:
        """Back to the just-migrated state; False when that was not possible (then this
        schema is not used again)."""
        return self._put_back(self.migrated)

    def seeded_with(self, seed: Callable[[str], T]) -> T | None:
        """``seed``'s records in the schema, which was just reset; returns what ``seed``
        returned. The first call records them (``seed(self.url)``) and keeps them aside, later
        calls put them back. None when that was not possible: the schema is as it was."""
        if seed not in self.seeded:
            facts = seed(self.url)
            schema = f"{self.schema}_s{len(self.seeded)}"
            atexit.register(drop_pg_schema, schema)
            with _admin_engine().connect() as connection:
                self.seeded[seed] = (self._keep(connection, schema), facts)
            return facts
        kept, facts = self.seeded[seed]
        return facts if self._put_back(kept) else None

    def _put_back(self, kept: _Kept) -> bool:
        """The tables as ``kept`` holds them; False when that was not possible (then this
        schema is not used again)."""
        if not self.usable:
            return False
        with _admin_engine().connect() as connection:
            if self._shape(connection) != self.shape:  # a test changed the definition
                self.usable = False
                return False
        statements = [
            "BEGIN",  # the admin connection autocommits; SET LOCAL needs a transaction
            "SET LOCAL lock_timeout = '5s'",
            # As a replica applies changes: no triggers, so neither audit_log's refusal nor the
            # foreign-key checks fire, and the tables empty in any order. (DELETE, not TRUNCATE:
            # a handful of rows go faster than new files for every table.)
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {table}" for table in self.tables),
            *(f"INSERT INTO {table} SELECT * FROM {copy}" for table, copy in kept.copies),
            *(
                f"SELECT setval('{name}', {value or 1}, {'true' if value else 'false'})"
                for name, value in kept.sequences
            ),
            "COMMIT",
        ]
        with _admin_engine().connect() as connection:
            try:
                connection.exec_driver_sql(";\n".join(statements))
            except DBAPIError:
                connection.exec_driver_sql("ROLLBACK")
                self.usable = False
                return False
        return True


def _pg_url_for_test() -> Iterator[str]:
    """A migrated, empty PostgreSQL database URL for one test."""
    global _pg_run
    require_postgres()
    if _pg_run is not None and not _pg_run.reset():
        _pg_run = None  # changed beyond what emptying undoes: migrate another (dropped at exit)
    if _pg_run is None:
        _pg_run = _RunSchema()
    yield _pg_run.url


def seed_database(url: str, seed: Callable[[str], T]) -> T:
    """Fill the just-migrated database ``db_url`` gave this test with ``seed``'s records;
    return what ``seed`` returned (ids, staff). As ``seeded_sqlite``: ``seed(url)`` records
    them through the services once per run and backend, and later tests get a copy (the file
    on SQLite, the rows put back on PostgreSQL), so a test may do anything to its own. Call
    it before anything has written to the database."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        wal = path.with_name(f"{path.name}-wal")
        assert not wal.exists(), "seed_database must come before the database is opened"
        return seeded_sqlite(path, seed)[1]
    assert _pg_run is not None and url == _pg_run.url, f"{url} is not db_url's database"
    facts = _pg_run.seeded_with(seed)
    return seed(url) if facts is None else facts


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        yield migrated_sqlite(tmp_path / "ward.sqlite")
        return
    yield from _pg_url_for_test()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on ``db_url``, its connections closed after the test.

    On PostgreSQL every test's database has the same URL (the run's schema, put back before
    each test), so one engine serves them all and keeps its compiled-statement cache: a new
    engine per test compiled every statement again, about a fifth of a PostgreSQL test's CPU.
    What a test could leave on it, its connections, is closed after each test as before."""
    eng = _pg_engines.get(db_url) or make_engine(db_url)
    if eng.dialect.name == "postgresql":
        _pg_engines[db_url] = eng
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite file separate from ``db_url``'s."""
    return migrated_sqlite(tmp_path / "second.sqlite")
