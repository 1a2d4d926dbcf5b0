"""severity grade of an open escalation within its kind

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 18:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows get 0 ("not graded yet"): they take their grade on the next evaluation
    # without being re-opened, so an upgrade never re-announces every open escalation.
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grade', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_column('grade')
