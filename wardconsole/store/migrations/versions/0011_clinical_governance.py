"""policy digest on escalations and their trail, a second person's confirmation, clinician
decisions, the ward's adopted policy

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_digest', sa.String(length=64), nullable=True))
    with op.batch_alter_table('escalation_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_escalation_events_confirmed_by_id_staff'),
            'staff', ['confirmed_by_id'], ['id'],
        )
    op.create_table('clinical_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('review_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_clinical_decisions_admission_id_admissions')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_clinical_decisions_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_decisions'))
    )
    with op.batch_alter_table('clinical_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_clinical_decisions_admission', ['admission_id', 'decided_at'], unique=False)
    op.create_table('ward_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('signed_off', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_ward_policies_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ward_policies'))
    )


def downgrade() -> None:
    op.drop_table('ward_policies')
    with op.batch_alter_table('clinical_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_clinical_decisions_admission')
    op.drop_table('clinical_decisions')
    with op.batch_alter_table('escalation_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_escalation_events_confirmed_by_id_staff'), type_='foreignkey')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('policy_digest')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_column('policy_digest')
