"""supportive observation levels and safety checks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('observation_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('check_minutes', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('review_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agreed_with', sa.String(length=120), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('next_prompt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_observation_levels_admission_id_admissions')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_observation_levels_recorded_by_id_staff')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['observation_levels.id'], name=op.f('fk_observation_levels_supersedes_id_observation_levels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observation_levels')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_observation_levels_supersedes_id'))
    )
    with op.batch_alter_table('observation_levels', schema=None) as batch_op:
        batch_op.create_index('ix_observation_levels_admission_from', ['admission_id', 'effective_from'], unique=False)

    op.create_table('safety_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=64), nullable=False),
    sa.Column('presentation', sa.String(length=24), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('check_minutes', sa.Integer(), nullable=False),
    sa.Column('next_prompt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('amend_reason', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_safety_checks_admission_id_admissions')),
    sa.ForeignKeyConstraint(['amends_id'], ['safety_checks.id'], name=op.f('fk_safety_checks_amends_id_safety_checks')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_safety_checks_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_checks'))
    )
    with op.batch_alter_table('safety_checks', schema=None) as batch_op:
        batch_op.create_index('ix_safety_checks_admission_taken', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_checks_amends_id'), ['amends_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('safety_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_checks_amends_id'))
        batch_op.drop_index('ix_safety_checks_admission_taken')
    op.drop_table('safety_checks')
    with op.batch_alter_table('observation_levels', schema=None) as batch_op:
        batch_op.drop_index('ix_observation_levels_admission_from')
    op.drop_table('observation_levels')
