"""sign-in throttling per staff ID, ID and station, and station; the ward's identifier key

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:30:00

Throttle counts move out of ``staff`` (whose lock columns stay but are no longer written), so
the stations' database role needs no write access to any column of ``staff``. The identifier
key is a random secret for keyed hashes of typed staff IDs (never the typed text).
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_throttle',
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('account', sa.String(length=64), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('wait_until', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_sign_in_throttle')),
    )
    with op.batch_alter_table('sign_in_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_throttle_account'), ['account'], unique=False)
    settings = sa.table('ward_settings', sa.column('key', sa.String), sa.column('value', sa.Text))
    op.bulk_insert(settings, [{'key': 'identifier_key', 'value': secrets.token_hex(32)}])


def downgrade() -> None:
    op.execute("DELETE FROM ward_settings WHERE key = 'identifier_key'")
    with op.batch_alter_table('sign_in_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_throttle_account'))
    op.drop_table('sign_in_throttle')
