"""PostgreSQL least privilege: the owner role and the stations' application role.

The schema belongs to an **owner** role, used only by ``wardconsole db upgrade`` and set-up.
Stations connect as an **application** role that may read everything and append clinical
entries, audit rows and signed handoff versions, but may not change or delete them, run DDL,
touch triggers, or write ``staff`` (staff changes go through the checking functions of
migration 0009). ``APP_PRIVILEGES`` is the declared matrix (every entry kind's table from
``store.entries.ENTRY_TABLES``); a test compares the server's real grants with it (default
privileges for future tables included), so a later migration cannot silently grant UPDATE.
``grant_roles`` (``wardconsole db roles``) applies it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from wardconsole.store.entries import ENTRY_TABLES

READ = frozenset({"SELECT"})
APPEND = frozenset({"SELECT", "INSERT"})
WORKFLOW = frozenset({"SELECT", "INSERT", "UPDATE"})
"""State that moves on (escalations, handoff status, an admission's bed and discharge): each
change is also written to its trail (escalation_events, handoff_events, audit_log)."""
SCRATCH = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})

ENTRY_TABLE_NAMES: tuple[str, ...] = tuple(model.__tablename__ for model in ENTRY_TABLES.values())
"""The table of every kind of clinical entry (``store.entries.ENTRY_TABLES``): append-only for
the stations, so a new kind's table is granted with its line there."""

APP_PRIVILEGES: Mapping[str, frozenset[str]] = {
    # Read only: accounts (changed through functions), schema version, ward settings.
    "staff": READ,
    "alembic_version": READ,
    "ward_settings": READ,
    "beds": READ,
    # Append-only: clinical entries (every kind's table, amended by new rows), trails, audit,
    # signed versions.
    **{table: APPEND for table in ENTRY_TABLE_NAMES},
    "patients": APPEND,
    "bed_moves": APPEND,
    "medicine_lines": APPEND,
    "medicine_line_checks": APPEND,
    "prn_effects": APPEND,
    "safety_checks": APPEND,
    "aftercare_plans": APPEND,
    "follow_up_attempts": APPEND,
    "observation_levels": APPEND,
    "intake_amendments": APPEND,
    "escalation_events": APPEND,
    "handoff_versions": APPEND,
    "handoff_events": APPEND,
    "handoff_signoffs": APPEND,
    "audit_log": APPEND,
    "change_log": APPEND,
    "save_receipts": APPEND,
    "clinical_decisions": APPEND,
    "ward_policies": APPEND,
    # Workflow state.
    "admissions": WORKFLOW,
    "escalations": WORKFLOW,
    "handoffs": WORKFLOW,
    "follow_ups": WORKFLOW,
    # Tamper evidence: stations seal blocks; only the owner appends anchors.
    "ledger_blocks": APPEND,
    "ledger_anchors": READ,
    # When each station last ran the ward checks (one row per station, upserted).
    "ward_checks": WORKFLOW,
    # Sign-in throttle counts (no clinical content; cleared on success).
    "sign_in_throttle": SCRATCH,
    # A bulk import's sets until its final step copies them into the record.
    "bulk_imports": SCRATCH,
    "staged_observation_sets": SCRATCH,
    "staged_weight_entries": SCRATCH,
}
DEFAULT_TABLE_PRIVILEGES = READ
"""What the application role gets on a table a later migration creates: read only, until the
matrix above declares more and ``db roles`` is run again."""
CHECKED_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
APP_FUNCTIONS = (
    "wardconsole_add_staff(integer, text, timestamptz, text, text, text, text, json)",
    "wardconsole_set_staff_active(integer, text, timestamptz, integer, boolean, json)",
    "wardconsole_set_staff_password(integer, text, timestamptz, integer, text, json)",
    "wardconsole_upgrade_password_hash(integer, text, text)",
    "wardconsole_system_account(timestamptz)",
)
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RolesError(Exception):
    """``db roles`` cannot proceed; the message says what to do."""


@dataclass(frozen=True, slots=True)
class RolesReport:
    owner: str
    app_role: str
    schema: str
    created: bool
    password_set: bool


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """A SCRAM-SHA-256 verifier (RFC 7677) for ``CREATE ROLE ... PASSWORD``: the server stores
    it as is, so the password itself never travels to the server or into its logs."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _quote(connection: Connection, name: str) -> str:
    return str(connection.scalar(text("SELECT quote_ident(:n)"), {"n": name}))


def grant_roles(  # noqa: C901 - the grant matrix in one transaction, read top to bottom
    owner: Engine, app_role: str, password: str | None
) -> RolesReport:
    """Create the application role if missing (LOGIN, never a superuser or owner) and grant it
    exactly the declared matrix on the owner's schema, plus read-only default privileges."""
    if owner.dialect.name != "postgresql":
        raise RolesError("database roles exist only on PostgreSQL; an SQLite file has one user")
    if not ROLE_NAME.match(app_role):
        raise RolesError("--app-role: lower-case letters, digits and '_' (at most 63)")
    with owner.begin() as connection:
        me = str(connection.scalar(text("SELECT current_user")))
        schema = str(connection.scalar(text("SELECT current_schema()")))
        if app_role == me:
            raise RolesError("the application role must not be the owner role")
        table_owner = connection.scalar(
            text(
                "SELECT tableowner FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename = 'alembic_version'"
            )
        )
        if table_owner is None:
            raise RolesError("the schema is not set up yet: run 'wardconsole db upgrade' first")
        may = connection.execute(
            text("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        ).one()
        if table_owner != me and not may.rolsuper:
            raise RolesError(
                f"connect as the schema's owner ({table_owner}), not {me}, to grant roles"
            )
        if app_role == table_owner:
            raise RolesError("the application role must not be the owner role")
        exists = connection.scalar(
            text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = :r"),
            {"r": app_role},
        )
        if exists:
            raise RolesError(f"{app_role} may create roles or is a superuser: choose another")
        if exists is None and not (may.rolsuper or may.rolcreaterole):
            raise RolesError(
                f"{me} may not create roles: ask the database administrator to run "
                f"CREATE ROLE {app_role} LOGIN (or to give {me} CREATEROLE), then run db roles "
                "again"
            )
        role, sch = _quote(connection, app_role), _quote(connection, schema)
        owner_q = _quote(connection, str(table_owner))
        database = _quote(connection, str(connection.scalar(text("SELECT current_database()"))))
        created = exists is None
        if created:
            connection.exec_driver_sql(
                f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
            )
        if password is not None:
            connection.exec_driver_sql(f"ALTER ROLE {role} PASSWORD '{scram_verifier(password)}'")
        statements = [
            f"GRANT CONNECT ON DATABASE {database} TO {role}",
            f"REVOKE CREATE ON SCHEMA {sch} FROM PUBLIC",
            f"REVOKE ALL ON SCHEMA {sch} FROM {role}",
            f"GRANT USAGE ON SCHEMA {sch} TO {role}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {sch} FROM {role}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {sch} FROM {role}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {sch} TO {role}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {sch} REVOKE ALL ON TABLES "
            f"FROM {role}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {sch} GRANT "
            f"{', '.join(sorted(DEFAULT_TABLE_PRIVILEGES))} ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {sch} GRANT USAGE ON "
            f"SEQUENCES TO {role}",
        ]
        for table, privileges in APP_PRIVILEGES.items():
            if _table_exists(connection, table):
                statements.append(
                    f"GRANT {', '.join(sorted(privileges))} ON {sch}.{table} TO {role}"
                )
        for signature in APP_FUNCTIONS:
            if connection.scalar(text("SELECT to_regprocedure(:f)"), {"f": signature}) is None:
                continue  # an older schema: upgrade, then run db roles again
            statements.append(f"REVOKE ALL ON FUNCTION {sch}.{signature} FROM PUBLIC")
            statements.append(f"GRANT EXECUTE ON FUNCTION {sch}.{signature} TO {role}")
        for statement in statements:
            connection.exec_driver_sql(statement)
    return RolesReport(str(table_owner), app_role, schema, created, password is not None)


def _table_exists(connection: Connection, table: str) -> bool:
    return bool(
        connection.scalar(
            text("SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = :t"),
            {"t": table},
        )
    )


def table_privileges(connection: Connection, role: str) -> dict[str, frozenset[str]]:
    """What ``role`` may do to each table of the current schema, as the server says."""
    tables = connection.scalars(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    ).all()
    found: dict[str, frozenset[str]] = {}
    for table in tables:
        found[table] = frozenset(
            privilege
            for privilege in CHECKED_PRIVILEGES
            if connection.scalar(
                text(
                    "SELECT has_table_privilege(:r, quote_ident(current_schema()) || '.' || "
                    "quote_ident(:t), :p)"
                ),
                {"r": role, "t": table, "p": privilege},
            )
        )
    return found


def default_table_privileges(connection: Connection, owner: str, role: str) -> frozenset[str]:
    """Privileges ``role`` will get on tables ``owner`` creates later in the current schema."""
    acl_items = connection.scalars(
        text(
            "SELECT unnest(d.defaclacl)::text FROM pg_default_acl d "
            "JOIN pg_roles o ON o.oid = d.defaclrole "
            "JOIN pg_namespace n ON n.oid = d.defaclnamespace "
            "WHERE o.rolname = :owner AND n.nspname = current_schema() AND d.defaclobjtype = 'r'"
        ),
        {"owner": owner},
    ).all()
    letters = {
        "r": "SELECT",
        "a": "INSERT",
        "w": "UPDATE",
        "d": "DELETE",
        "D": "TRUNCATE",
        "x": "REFERENCES",
        "t": "TRIGGER",
    }
    granted: set[str] = set()
    for item in acl_items:
        grantee, _, rest = item.partition("=")
        if grantee.strip('"') != role:
            continue
        granted.update(letters[c] for c in rest.split("/")[0] if c in letters)
    return frozenset(granted)
