"""PostgreSQL least privilege, proved by the server: on a throwaway cluster with scram-sha-256
passwords, the schema owner sets up the ward and ``db roles`` grants the stations' role; as that
role, every forbidden statement is refused, the real grants equal the declared matrix (default
privileges for future tables included), staff changes go only through the checking functions,
a normal shift's work still succeeds, and the console does not migrate without the rights."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import throwaway_pg
from alembic import command
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from wardfakes import NORMAL_SET

from wardconsole.cli import main
from wardconsole.domain.access import load_access_policy
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.auth import AuthService
from wardconsole.services.context import Actor, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.services.sign_in import SignInRefused
from wardconsole.services.staff import StaffService
from wardconsole.store import staff_writes
from wardconsole.store.engine import (
    DatabaseError,
    _alembic_config,
    current_revision,
    make_engine,
    upgrade,
)
from wardconsole.store.privileges import (
    APP_PRIVILEGES,
    DEFAULT_TABLE_PRIVILEGES,
    default_table_privileges,
    scram_verifier,
    table_privileges,
)
from wardconsole.store.staff_writes import StaffWriteRefused

pytestmark = pytest.mark.slow
BOSS = "supervisor-pass-1"


@dataclass
class Ward:
    server: throwaway_pg.ThrowawayPostgres
    owner: str
    app: str
    database: str
    owner_url: str
    app_url: str
    admin: Engine


def _url(server: throwaway_pg.ThrowawayPostgres, user: str, password: str, db: str) -> str:
    return f"postgresql://{user}:{password}@127.0.0.1:{server.port}/{db}"


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ward]:
    problem = throwaway_pg.available()
    if problem:
        pytest.skip(f"no throwaway PostgreSQL: {problem}")
    server = throwaway_pg.ThrowawayPostgres()
    # Passwords for everyone but the set-up superuser, checked with scram-sha-256.
    (server.data / "pg_hba.conf").write_text(
        "local all all trust\n"
        "host all postgres 127.0.0.1/32 trust\n"
        "host all all 127.0.0.1/32 scram-sha-256\n"
    )
    server.start()
    tag = uuid.uuid4().hex[:8]
    owner, app, database = f"ward_owner_{tag}", f"ward_station_{tag}", f"ward_{tag}"
    owner_password, app_password = f"owner-{tag}-secret", f"station-{tag}-secret"
    admin = create_engine(
        server.url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(
            f"CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD '{scram_verifier(owner_password)}'"
        )
        connection.exec_driver_sql(f"CREATE DATABASE {database} OWNER {owner}")
    owner_url = _url(server, owner, owner_password, database)
    password_file = tmp_path_factory.mktemp("roles") / "station.pw"
    password_file.write_text(app_password + "\n")
    password_file.chmod(0o600)
    try:
        assert main(["--db", owner_url, "db", "upgrade"]) == 0
        assert (
            main(
                [
                    "--db",
                    owner_url,
                    "db",
                    "roles",
                    "--app-role",
                    app,
                    "--password-file",
                    str(password_file),
                ]
            )
            == 0
        )
        owner_db = Database(make_engine(owner_url))
        StaffService(owner_db).add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, BOSS)
        AdmissionService(owner_db).ensure_beds(["B01", "B02"], "Test ward")
        owner_db.engine.dispose()
        yield Ward(
            server,
            owner,
            app,
            database,
            owner_url,
            _url(server, app, app_password, database),
            admin,
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            for role in (app, owner):
                if connection.exec_driver_sql(
                    f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'"
                ).scalar():
                    connection.exec_driver_sql(f"DROP OWNED BY {role}")
                    connection.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()
        server.destroy()


@pytest.fixture
def app_db(ward: Ward) -> Iterator[Database]:
    db = Database(make_engine(ward.app_url))
    yield db
    db.engine.dispose()


FORBIDDEN = {
    "falsify a vital-sign set": "UPDATE observation_sets SET pulse = 60, news2_total = 0",
    "delete a vital-sign set": "DELETE FROM observation_sets",
    "change a symptom entry": "UPDATE symptom_entries SET id = id",
    "change an assessment": "UPDATE assessments SET id = id",
    "change a PRN dose": "UPDATE prn_doses SET id = id",
    "change a safety check": "UPDATE safety_checks SET id = id",
    "change a signed handoff version": "UPDATE handoff_versions SET id = id",
    "delete a handoff version": "DELETE FROM handoff_versions",
    "change an escalation's trail": "UPDATE escalation_events SET id = id",
    "delete an escalation": "DELETE FROM escalations",
    "become supervisor": "UPDATE staff SET role = 'supervisor'",
    "reactivate an account": "UPDATE staff SET active = true",
    "set a password hash": "UPDATE staff SET password_hash = 'scrypt$1$1$1$AA==$AA=='",
    "lift a lock": "UPDATE staff SET locked_until = NULL, failed_logins = 0",
    "add an account": "INSERT INTO staff (staff_code, display_name, role, active, "
    "failed_logins, created_at) VALUES ('x.evil', 'Evil', 'supervisor', true, 0, now())",
    "rewrite the audit": "UPDATE audit_log SET action = 'nothing'",
    "delete the audit": "DELETE FROM audit_log",
    "truncate the audit": "TRUNCATE audit_log",
    "disable the audit triggers": "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "drop an audit trigger": "DROP TRIGGER audit_log_no_update_delete ON audit_log",
    "run DDL": "CREATE TABLE shadow (id integer)",
    "change the schema version": "UPDATE alembic_version SET version_num = '0001'",
    "change the ward's settings": "UPDATE ward_settings SET value = 'x'",
}


@pytest.mark.parametrize("statement", FORBIDDEN.values(), ids=list(FORBIDDEN))
def test_as_the_station_role_each_forbidden_statement_is_refused_by_the_server(
    ward: Ward, statement: str
) -> None:
    engine = create_engine(ward.app_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            with pytest.raises(DBAPIError) as refused:
                connection.exec_driver_sql(statement)
            assert getattr(refused.value.orig, "sqlstate", None) == "42501", str(refused.value)
    finally:
        engine.dispose()


def test_the_servers_grants_equal_the_declared_matrix_including_future_tables(
    ward: Ward,
) -> None:
    engine = create_engine(ward.owner_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as connection:
            actual = table_privileges(connection, ward.app)
            assert actual == dict(APP_PRIVILEGES)
            assert default_table_privileges(connection, ward.owner, ward.app) == (
                DEFAULT_TABLE_PRIVILEGES
            )
            # A later migration's table is readable only, until the matrix says otherwise.
            connection.exec_driver_sql("CREATE TABLE future_entries (id integer)")
            assert table_privileges(connection, ward.app)["future_entries"] == {"SELECT"}
            connection.exec_driver_sql("DROP TABLE future_entries")
            superuser = connection.exec_driver_sql(
                f"SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles "
                f"WHERE rolname = '{ward.app}'"
            ).scalar()
            assert superuser is False
    finally:
        engine.dispose()


def test_a_wrong_station_password_is_refused_by_scram(ward: Ward) -> None:
    wrong = ward.app_url.replace("-secret@", "-guess@")
    engine = create_engine(wrong.replace("postgresql://", "postgresql+psycopg://"))
    with pytest.raises(DBAPIError, match="password authentication failed"):
        engine.connect().close()
    engine.dispose()


def test_staff_changes_from_a_station_go_only_through_the_checking_functions(
    app_db: Database,
) -> None:
    staff = StaffService(app_db)
    boss = AuthService(app_db, load_access_policy()).sign_in("sn.harrow", BOSS, "Office").actor
    nurse_id = staff.add("rn.check", "Robin Check", Role.NURSE, "nurse-pass-123", by=boss)
    staff.reset_password(boss, nurse_id, "nurse-pass-456")
    staff.set_active(boss, nurse_id, False)
    staff.set_active(boss, nurse_id, True)
    with app_db.read() as session:
        actions = session.execute(
            text("SELECT action, staff_id FROM audit_log WHERE entity_id = :i ORDER BY id"),
            {"i": nurse_id},
        ).all()
    assert [tuple(a) for a in actions] == [
        ("add_staff", boss.staff_id),
        ("reset_password", boss.staff_id),
        ("deactivate_staff", boss.staff_id),
        ("reactivate_staff", boss.staff_id),
    ]
    # Supervisors are made and changed only with the owner's connection.
    with pytest.raises(PermissionDenied, match="owner"):
        staff.add("sn.new", "New Boss", Role.SUPERVISOR, "boss-pass-1234", by=boss)
    with pytest.raises(PermissionDenied, match="owner"):
        staff.reset_password(boss, boss.staff_id, "taken-over-1234")
    # A role forged in memory reads nothing: the database checks the actor's real role.
    forged = Actor(nurse_id, "rn.check", "Robin Check", Role.SUPERVISOR, "Bay 1")
    with pytest.raises(PermissionDenied, match="nurse in the staff list"):
        staff.add("rn.evil", "Evil", Role.NURSE, "evil-pass-1234", by=forged)
    # Called directly, skipping the services, the database function checks the same.
    with app_db.transaction() as session, pytest.raises(StaffWriteRefused, match="supervisor"):
        staff_writes.add(
            session,
            actor_id=nurse_id,
            station="Bay 1",
            at=datetime.now(UTC),
            code="rn.evil",
            name="Evil",
            role="nurse",
            password_hash=None,
            detail={},
        )
    with pytest.raises(PermissionDenied):
        staff.add("rn.evil", "Evil", Role.NURSE, "evil-pass-1234")


def test_a_shift_s_work_succeeds_as_the_station_role(app_db: Database) -> None:
    auth = AuthService(app_db, load_access_policy())
    with pytest.raises(SignInRefused):
        auth.sign_in("sn.harrow", "wrong-password", "Bay 1")  # throttle rows are writable
    boss = auth.sign_in("sn.harrow", BOSS, "Bay 1").actor
    system = StaffService(app_db).system_actor("Bay 1")
    assert system.role is Role.SYSTEM
    admission = AdmissionService(app_db).admit(
        boss,
        NewPatient(f"KD{uuid.uuid4().hex[:6].upper()}", "Aled", "Abernethy", date(1994, 5, 1)),
        bed="B02",
        admitted_at=datetime.now(UTC) - timedelta(hours=2),
        reason="Ketamine dependence",
        assigned_nurse_id=boss.staff_id,
    )
    result = RecordingService(app_db).record_observation(boss, admission, NORMAL_SET)
    assert result.news2 is not None


def test_the_console_does_not_migrate_without_the_rights_and_says_who_must(
    ward: Ward, tmp_path: Path
) -> None:
    behind = f"{ward.database}_behind"
    with ward.admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {behind} OWNER {ward.owner}")
    try:
        owner_engine = make_engine(ward.owner_url.rsplit("/", 1)[0] + f"/{behind}")
        command.upgrade(_alembic_config(owner_engine), "0006")
        with owner_engine.begin() as connection:
            connection.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            connection.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ward.app}")
        app_engine = make_engine(ward.app_url.rsplit("/", 1)[0] + f"/{behind}")
        with pytest.raises(DatabaseError) as refused:
            upgrade(app_engine)
        message = str(refused.value)
        assert f"Ask the schema owner ({ward.owner}) to run: wardconsole db upgrade" in message
        assert "nothing was changed" in message and "secret" not in message
        assert current_revision(owner_engine) == "0006"
        app_engine.dispose()
        owner_engine.dispose()
    finally:
        with ward.admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {behind} WITH (FORCE)")
