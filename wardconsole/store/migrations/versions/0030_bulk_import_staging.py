"""staging tables of bulk imports: sets wait there until one final step copies them

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 22:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def _entry_columns() -> list:
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.String(length=32), nullable=False),
        sa.Column('admission_id', sa.Integer(), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('station', sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'bulk_imports',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('station', sa.String(length=64), nullable=False),
        sa.Column('label', sa.Text(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_imports')),
    )
    op.create_table(
        'staged_observation_sets',
        *_entry_columns(),
        sa.Column('respiration_rate', sa.Integer(), nullable=True),
        sa.Column('spo2', sa.Integer(), nullable=True),
        sa.Column('spo2_scale', sa.Integer(), nullable=False),
        sa.Column('on_oxygen', sa.Boolean(), nullable=True),
        sa.Column('systolic_bp', sa.Integer(), nullable=True),
        sa.Column('diastolic_bp', sa.Integer(), nullable=True),
        sa.Column('pulse', sa.Integer(), nullable=True),
        sa.Column('consciousness', sa.String(length=1), nullable=True),
        sa.Column('temperature', sa.Float(), nullable=True),
        sa.Column('missing_reasons', sa.JSON(), nullable=False),
        sa.Column('is_complete', sa.Boolean(), nullable=False),
        sa.Column('news2_total', sa.Integer(), nullable=True),
        sa.Column('news2_risk', sa.String(length=16), nullable=True),
        sa.Column('news2_subscores', sa.JSON(), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('source_ref', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staged_observation_sets')),
    )
    op.create_table(
        'staged_weight_entries',
        *_entry_columns(),
        sa.Column('weight_kg', sa.String(length=12), nullable=True),
        sa.Column('height_m', sa.String(length=12), nullable=True),
        sa.Column('before_kg', sa.String(length=12), nullable=True),
        sa.Column('before_source', sa.String(length=16), nullable=False),
        sa.Column('before_planned', sa.Boolean(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('source_ref', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staged_weight_entries')),
    )
    for table in ('staged_observation_sets', 'staged_weight_entries'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_import_id'), ['import_id'], unique=False)


def downgrade() -> None:
    op.drop_table('staged_weight_entries')
    op.drop_table('staged_observation_sets')
    op.drop_table('bulk_imports')
