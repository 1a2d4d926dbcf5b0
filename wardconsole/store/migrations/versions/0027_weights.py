"""weight and height entries (weighings, with the weight 3-6 months before admission)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 01:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('weight_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('weight_kg', sa.String(length=12), nullable=True),
    sa.Column('height_m', sa.String(length=12), nullable=True),
    sa.Column('before_kg', sa.String(length=12), nullable=True),
    sa.Column('before_source', sa.String(length=16), nullable=False),
    sa.Column('before_planned', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_ref', sa.String(length=200), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('amend_reason', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_weight_entries_admission_id_admissions')),
    sa.ForeignKeyConstraint(['amends_id'], ['weight_entries.id'], name=op.f('fk_weight_entries_amends_id_weight_entries')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_weight_entries_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weight_entries')),
    sa.UniqueConstraint('source', 'source_ref', name=op.f('uq_weight_entries_source'))
    )
    with op.batch_alter_table('weight_entries', schema=None) as batch_op:
        batch_op.create_index('ix_weight_entries_admission_taken', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_weight_entries_amends_id'), ['amends_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('weight_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weight_entries_amends_id'))
        batch_op.drop_index('ix_weight_entries_admission_taken')
    op.drop_table('weight_entries')
