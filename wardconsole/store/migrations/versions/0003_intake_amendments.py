"""intake amendments; one open admission per bed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intake_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=24), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('risk_flags', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_intake_amendments_admission_id_admissions')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_intake_amendments_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_amendments'))
    )
    with op.batch_alter_table('intake_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_amendments_admission_id'), ['admission_id'], unique=False)
    with op.batch_alter_table('admissions', schema=None) as batch_op:
        batch_op.create_index('uq_admissions_open_bed', ['bed_id'], unique=True, sqlite_where=sa.text('discharged_at IS NULL'), postgresql_where=sa.text('discharged_at IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('admissions', schema=None) as batch_op:
        batch_op.drop_index('uq_admissions_open_bed', sqlite_where=sa.text('discharged_at IS NULL'), postgresql_where=sa.text('discharged_at IS NULL'))
    with op.batch_alter_table('intake_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_amendments_admission_id'))
    op.drop_table('intake_amendments')
