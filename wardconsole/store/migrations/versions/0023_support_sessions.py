"""therapy and support sessions, with craving ratings linked

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 21:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('support_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('session_type', sa.String(length=24), nullable=False),
    sa.Column('attendance', sa.String(length=16), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('led_by', sa.String(length=120), nullable=False),
    sa.Column('craving_before_id', sa.Integer(), nullable=True),
    sa.Column('craving_after_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('amend_reason', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_support_sessions_admission_id_admissions')),
    sa.ForeignKeyConstraint(['amends_id'], ['support_sessions.id'], name=op.f('fk_support_sessions_amends_id_support_sessions')),
    sa.ForeignKeyConstraint(['craving_after_id'], ['assessments.id'], name=op.f('fk_support_sessions_craving_after_id_assessments')),
    sa.ForeignKeyConstraint(['craving_before_id'], ['assessments.id'], name=op.f('fk_support_sessions_craving_before_id_assessments')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_support_sessions_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_sessions'))
    )
    with op.batch_alter_table('support_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_support_sessions_admission_taken', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_sessions_amends_id'), ['amends_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('support_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_sessions_amends_id'))
        batch_op.drop_index('ix_support_sessions_admission_taken')
    op.drop_table('support_sessions')
