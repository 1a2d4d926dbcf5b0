"""The sign-in screen's reads name tables and columns without the ORM mapping: they must be
the mapping's own, with the same types, or the first screen would say the wrong thing."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import Engine

from wardconsole.store import first_screen
from wardconsole.store.models import Base, Bed, SchemaInfo, Staff


def test_every_table_and_column_read_before_the_mapping_is_the_mappings_own() -> None:
    for table in (first_screen.STAFF, first_screen.BEDS, first_screen.WARD_SETTINGS):
        mapped = Base.metadata.tables[table.name]
        for column in table.columns:
            assert column.name in mapped.columns, f"{table.name}.{column.name}"
            assert column.type.python_type is mapped.columns[column.name].type.python_type


def test_the_first_screen_reads_agree_with_the_mapping(engine: Engine) -> None:
    from sqlalchemy.orm import Session

    now = datetime.now(UTC)

    def staff(code: str, role: str, password_hash: str | None = "x", active: bool = True) -> Staff:
        return Staff(
            staff_code=code,
            display_name=code,
            role=role,
            password_hash=password_hash,
            active=active,
            created_at=now,
        )

    with Session(engine) as session, session.begin():
        session.add_all(
            [
                Bed(label="B2", ward="Ward 7", sort_order=2),
                Bed(label="B1", ward="Ward 7 (first bed)", sort_order=1),
                staff("rn.b", "nurse"),
                staff("sn.a", "supervisor"),
                staff("rn.gone", "nurse", active=False),
                staff("rn.new", "nurse", password_hash=None),
                staff("station.system", "system"),
                SchemaInfo(key="demo_ward", value="true"),
            ]
        )
    with engine.connect() as connection:
        assert first_screen.ward_name(connection) == "Ward 7 (first bed)"
        assert first_screen.has_setting(connection, "demo_ward")
        assert not first_screen.has_setting(connection, "no_such_setting")
        assert first_screen.accounts(connection, excluding_role="system", limit=6) == [
            ("sn.a", "supervisor"),
            ("rn.b", "nurse"),
        ]
        assert first_screen.accounts(connection, excluding_role="system", limit=1) == [
            ("sn.a", "supervisor")
        ]


def test_the_sign_in_screen_loads_without_the_orm_mapping() -> None:
    """What the console imports to show its sign-in screen leaves the mapping and the services
    for later (they load on the worker while the nurse types)."""
    script = (
        "import sys, wardconsole.app, wardconsole.services.sign_in, "
        "wardconsole.services.unavailable, wardconsole.store.engine\n"
        "print(sorted(m for m in sys.modules if m in {'sqlalchemy.orm', "
        "'wardconsole.store.models', 'wardconsole.services.db', 'wardconsole.services.auth'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
