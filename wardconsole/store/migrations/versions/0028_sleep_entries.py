"""sleep: the nurse's sleep entry per night

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 01:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sleep_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('night_of', sa.Date(), nullable=False),
    sa.Column('minutes_slept', sa.Integer(), nullable=False),
    sa.Column('quality', sa.String(length=12), nullable=False),
    sa.Column('woke_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('amend_reason', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_sleep_entries_admission_id_admissions')),
    sa.ForeignKeyConstraint(['amends_id'], ['sleep_entries.id'], name=op.f('fk_sleep_entries_amends_id_sleep_entries')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_sleep_entries_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sleep_entries'))
    )
    with op.batch_alter_table('sleep_entries', schema=None) as batch_op:
        batch_op.create_index('ix_sleep_entries_admission_taken', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sleep_entries_amends_id'), ['amends_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sleep_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sleep_entries_amends_id'))
        batch_op.drop_index('ix_sleep_entries_admission_taken')
    op.drop_table('sleep_entries')
