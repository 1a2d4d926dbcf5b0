"""save receipts: idempotent retries of bedside saves

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('save_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('save_key', sa.String(length=64), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_save_receipts_admission_id_admissions')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_save_receipts_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_save_receipts')),
    sa.UniqueConstraint('save_key', name=op.f('uq_save_receipts_save_key'))
    )
    with op.batch_alter_table('save_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_save_receipts_admission_id'), ['admission_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('save_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_save_receipts_admission_id'))
    op.drop_table('save_receipts')
