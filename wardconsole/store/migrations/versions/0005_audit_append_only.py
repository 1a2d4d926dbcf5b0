"""audit trail append-only in the database: triggers refuse UPDATE and DELETE on audit_log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 09:00:00

The application has no update or delete path for audit rows; these triggers make the database
refuse one too (a stray script, a console session), on SQLite and on PostgreSQL. A later batch
migration that recreates ``audit_log`` on SQLite drops its triggers and must create them again.
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

MESSAGE = 'audit_log is append-only: rows cannot be changed or deleted'

SQLITE_UP = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
]

POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END
        $$""",
    """CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_refuse_change()",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _run(SQLITE_UP)
    elif dialect == 'postgresql':
        _run(POSTGRES_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _run(SQLITE_DOWN)
    elif dialect == 'postgresql':
        _run(POSTGRES_DOWN)
