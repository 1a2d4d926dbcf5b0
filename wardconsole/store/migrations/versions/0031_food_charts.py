"""food charts started by a MUST screen at medium risk

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 22:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('food_charts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('amend_reason', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_food_charts_admission_id_admissions')),
    sa.ForeignKeyConstraint(['amends_id'], ['food_charts.id'], name=op.f('fk_food_charts_amends_id_food_charts')),
    sa.ForeignKeyConstraint(['screen_id'], ['assessments.id'], name=op.f('fk_food_charts_screen_id_assessments')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_food_charts_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_food_charts'))
    )
    with op.batch_alter_table('food_charts', schema=None) as batch_op:
        batch_op.create_index('ix_food_charts_admission_taken', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_food_charts_amends_id'), ['amends_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('food_charts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_food_charts_amends_id'))
        batch_op.drop_index('ix_food_charts_admission_taken')
    op.drop_table('food_charts')
