"""aftercare plans, follow-up contacts after discharge and their attempts

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 22:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('aftercare_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_aftercare_plans_admission_id_admissions')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_aftercare_plans_recorded_by_id_staff')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['aftercare_plans.id'], name=op.f('fk_aftercare_plans_supersedes_id_aftercare_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aftercare_plans')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_aftercare_plans_supersedes_id'))
    )
    with op.batch_alter_table('aftercare_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aftercare_plans_admission_id'), ['admission_id'], unique=False)
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('discharged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=24), nullable=False),
    sa.Column('policy_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_follow_ups_admission_id_admissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('admission_id', name=op.f('uq_follow_ups_admission_id'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_due_at'), ['due_at'], unique=False)
    op.create_table('follow_up_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['follow_up_id'], ['follow_ups.id'], name=op.f('fk_follow_up_attempts_follow_up_id_follow_ups')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_follow_up_attempts_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_attempts'))
    )
    with op.batch_alter_table('follow_up_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_attempts_follow_up_id'), ['follow_up_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('follow_up_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_attempts_follow_up_id'))
    op.drop_table('follow_up_attempts')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_due_at'))
    op.drop_table('follow_ups')
    with op.batch_alter_table('aftercare_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aftercare_plans_admission_id'))
    op.drop_table('aftercare_plans')
