"""Database fixtures: every store/services test runs on SQLite and on real PostgreSQL.

PostgreSQL tests use the server at ``WARDCONSOLE_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), each test in a schema of its own so runs never
collide. Without a server they skip with a hint; under CI (``CI=true``) a missing server fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from wardconsole.store.engine import make_engine, upgrade

PG_URL = os.environ.get("WARDCONSOLE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
_pg_admin: Engine | None = None


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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ward.sqlite'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    url, schema = new_pg_schema_url()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        drop_pg_schema(schema)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite file separate from ``db_url``'s."""
    url = f"sqlite:///{tmp_path / 'second.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url
