"""handoffs: per-patient shift handoffs, append-only versions, events, shift sign-offs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 14:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('shift_name', sa.String(length=32), nullable=False),
    sa.Column('shift_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shift_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('latest_version', sa.Integer(), nullable=False),
    sa.Column('signed_version', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_back_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_handoffs_admission_id_admissions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_handoffs_created_by_id_staff')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['staff.id'], name=op.f('fk_handoffs_submitted_by_id_staff')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['staff.id'], name=op.f('fk_handoffs_reviewed_by_id_staff')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['staff.id'], name=op.f('fk_handoffs_signed_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoffs')),
    sa.UniqueConstraint('admission_id', 'shift_start', name=op.f('uq_handoffs_admission_id'))
    )
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.create_index('ix_handoffs_shift_start', ['shift_start'], unique=False)

    op.create_table('handoff_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('generated', sa.JSON(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('nurse_text', sa.JSON(), nullable=False),
    sa.Column('amend_reason', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_handoff_versions_handoff_id_handoffs')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_handoff_versions_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_versions')),
    sa.UniqueConstraint('handoff_id', 'number', name=op.f('uq_handoff_versions_handoff_id'))
    )
    with op.batch_alter_table('handoff_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_versions_handoff_id'), ['handoff_id'], unique=False)

    op.create_table('handoff_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_handoff_events_handoff_id_handoffs')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_handoff_events_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_events'))
    )
    with op.batch_alter_table('handoff_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_events_handoff_id'), ['handoff_id'], unique=False)

    op.create_table('handoff_signoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shift_name', sa.String(length=32), nullable=False),
    sa.Column('shift_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shift_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('handoff_count', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['signed_by_id'], ['staff.id'], name=op.f('fk_handoff_signoffs_signed_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_signoffs')),
    sa.UniqueConstraint('shift_start', name=op.f('uq_handoff_signoffs_shift_start'))
    )


def downgrade() -> None:
    op.drop_table('handoff_signoffs')
    with op.batch_alter_table('handoff_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_events_handoff_id'))
    op.drop_table('handoff_events')
    with op.batch_alter_table('handoff_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_versions_handoff_id'))
    op.drop_table('handoff_versions')
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_handoffs_shift_start')
    op.drop_table('handoffs')
