"""change log: index on (admission, id)

A patient's chart kept between reads is served again only while no change naming that
admission (or the whole ward) has been logged since; this index answers that question from
the index alone, however long the ward's change log has grown.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 06:30:00
"""

from alembic import op


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index('ix_change_log_admission', ['admission_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_admission')
