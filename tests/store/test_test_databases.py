"""The suite's databases are migrated once per run and handed to each test as if just
migrated: nothing a test wrote, no id it used, no trigger it switched off reaches the next."""

from __future__ import annotations

from pathlib import Path

import dbfixtures
import pytest
from sqlalchemy import text

from wardconsole.store.engine import head_revision, make_engine

ADD_BED = "INSERT INTO beds (label, ward, sort_order, active) VALUES (:label, 'W', 0, :on)"


def _count(url: str, table: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_each_sqlite_copy_is_just_migrated_and_its_own(tmp_path: Path) -> None:
    first = dbfixtures.migrated_sqlite(tmp_path / "a.sqlite")
    engine = make_engine(first)
    with engine.begin() as connection:
        connection.execute(text(ADD_BED), {"label": "X1", "on": True})
    engine.dispose()
    second = dbfixtures.migrated_sqlite(tmp_path / "b.sqlite")
    assert _count(first, "beds") == 1
    assert _count(second, "beds") == 0
    fresh = make_engine(second)
    assert head_revision(fresh) is not None
    with fresh.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert revision == head_revision(fresh)
    fresh.dispose()


@pytest.mark.postgres
def test_the_postgres_run_schema_is_put_back_to_just_migrated() -> None:
    dbfixtures.require_postgres()
    run = dbfixtures._RunSchema()
    try:
        engine = make_engine(run.url)
        with engine.connect() as connection:
            seeded = connection.execute(text("SELECT * FROM ward_settings")).all()
        with engine.begin() as connection:
            connection.execute(text(ADD_BED), {"label": "X1", "on": True})
            connection.execute(text("DELETE FROM ward_settings"))
        assert run.reset()
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM beds")).scalar() == 0
            assert connection.execute(text("SELECT * FROM ward_settings")).all() == seeded
            bed_id = connection.execute(
                text(ADD_BED + " RETURNING id"), {"label": "X2", "on": True}
            ).scalar()
        assert bed_id == 1  # ids start again as in a new database
        # A test that switches a trigger off leaves a schema that is not used again.
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        assert not run.reset()
        engine.dispose()
    finally:
        dbfixtures.drop_pg_schema(run.schema)
        dbfixtures.drop_pg_schema(run.seed)


@pytest.mark.postgres
def test_records_seeded_once_are_put_back_for_each_test_on_postgres() -> None:
    dbfixtures.require_postgres()
    run = dbfixtures._RunSchema()
    recorded: list[str] = []

    def seed(url: str) -> str:
        recorded.append(url)
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text(ADD_BED), {"label": "S1", "on": True})
        engine.dispose()
        return "what the seed knows"

    try:
        assert run.seeded_with(seed) == "what the seed knows"
        engine = make_engine(run.url)
        with engine.begin() as connection:
            connection.execute(text(ADD_BED), {"label": "X1", "on": True})
        assert run.reset()
        assert _count(run.url, "beds") == 0  # a test without the seed gets none of it
        assert run.seeded_with(seed) == "what the seed knows"
        assert recorded == [run.url]  # recorded once, put back since
        with engine.begin() as connection:
            assert connection.execute(text("SELECT label FROM beds")).scalars().all() == ["S1"]
            bed_id = connection.execute(
                text(ADD_BED + " RETURNING id"), {"label": "X2", "on": True}
            ).scalar()
        assert bed_id == 2  # ids go on from where the seed left them, as in its database
        engine.dispose()
    finally:
        for schema in (run.schema, run.seed, f"{run.schema}_s0"):
            dbfixtures.drop_pg_schema(schema)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE beds ALTER COLUMN ward SET DEFAULT 'W'",
        "ALTER TABLE beds ALTER COLUMN sort_order DROP NOT NULL",
        "ALTER TABLE beds ALTER COLUMN ward TYPE varchar(40)",
    ],
)
def test_a_changed_column_leaves_a_schema_that_is_not_used_again(change: str) -> None:
    dbfixtures.require_postgres()
    run = dbfixtures._RunSchema()
    try:
        engine = make_engine(run.url)
        with engine.begin() as connection:
            connection.execute(text(change))
        engine.dispose()
        assert not run.reset()
    finally:
        dbfixtures.drop_pg_schema(run.schema)
        dbfixtures.drop_pg_schema(run.seed)
