"""tamper evidence: ledger blocks sealing the audit trail, and anchors of the chain head

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:00:00

Both tables are append-only (triggers refuse UPDATE and DELETE, as on ``audit_log``); on
PostgreSQL the stations' role may append blocks but only the owner may append anchors
(``store.privileges``). See ``store.ledger`` for what this detects and what it does not.
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ('ledger_blocks', 'ledger_anchors')


def upgrade() -> None:
    op.create_table(
        'ledger_blocks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('first_audit_id', sa.Integer(), nullable=False),
        sa.Column('last_audit_id', sa.Integer(), nullable=False),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('row_hashes', sa.Text(), nullable=False),
        sa.Column('rows_digest', sa.String(length=64), nullable=False),
        sa.Column('previous_hash', sa.String(length=64), nullable=False),
        sa.Column('block_hash', sa.String(length=64), nullable=False),
        sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('station', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_blocks')),
        sa.UniqueConstraint('first_audit_id', name=op.f('uq_ledger_blocks_first_audit_id')),
        sa.UniqueConstraint('previous_hash', name=op.f('uq_ledger_blocks_previous_hash')),
    )
    op.create_table(
        'ledger_anchors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('block_id', sa.Integer(), nullable=False),
        sa.Column('block_hash', sa.String(length=64), nullable=False),
        sa.Column('anchored_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('anchored_by', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_anchors')),
    )
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        message = f'{table} is append-only: rows cannot be changed or deleted'
        if dialect == 'sqlite':
            for event in ('UPDATE', 'DELETE'):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
        elif dialect == 'postgresql':
            op.execute(
                f"""CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege';
                END
                $$"""
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_change()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        op.drop_table(table)
        if dialect == 'postgresql':
            op.execute(f"DROP FUNCTION IF EXISTS {table}_refuse_change()")
