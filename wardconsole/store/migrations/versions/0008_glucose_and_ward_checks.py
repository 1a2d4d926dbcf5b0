"""capillary glucose on the bedside set; when the ward checks last ran

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('observation_sets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('glucose_mmol', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('glucose_flag', sa.String(length=2), nullable=True))
    op.create_table('ward_checks',
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('station', name=op.f('pk_ward_checks'))
    )


def downgrade() -> None:
    op.drop_table('ward_checks')
    with op.batch_alter_table('observation_sets', schema=None) as batch_op:
        batch_op.drop_column('glucose_flag')
        batch_op.drop_column('glucose_mmol')
