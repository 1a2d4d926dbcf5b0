"""food and fluid chart: fluid entries and per-patient fluid chart plans

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 21:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def _clinical_columns() -> list[sa.Column]:
    return [
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('amend_reason', sa.Text(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('station', sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('fluid_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('what', sa.String(length=16), nullable=False),
    sa.Column('volume_ml', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=120), nullable=False),
    *_clinical_columns(),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_fluid_entries_admission_id_admissions')),
    sa.ForeignKeyConstraint(['amends_id'], ['fluid_entries.id'], name=op.f('fk_fluid_entries_amends_id_fluid_entries')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_fluid_entries_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fluid_entries'))
    )
    with op.batch_alter_table('fluid_entries', schema=None) as batch_op:
        batch_op.create_index('ix_fluid_entries_admission_taken', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_fluid_entries_amends_id'), ['amends_id'], unique=False)

    op.create_table('fluid_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('reason_text', sa.Text(), nullable=False),
    sa.Column('target_ml', sa.Integer(), nullable=False),
    sa.Column('review_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    *_clinical_columns(),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_fluid_plans_admission_id_admissions')),
    sa.ForeignKeyConstraint(['amends_id'], ['fluid_plans.id'], name=op.f('fk_fluid_plans_amends_id_fluid_plans')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_fluid_plans_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fluid_plans'))
    )
    with op.batch_alter_table('fluid_plans', schema=None) as batch_op:
        batch_op.create_index('ix_fluid_plans_admission_taken', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_fluid_plans_amends_id'), ['amends_id'], unique=False)


def downgrade() -> None:
    for table in ('fluid_plans', 'fluid_entries'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_amends_id'))
            batch_op.drop_index(f'ix_{table}_admission_taken')
        op.drop_table(table)
