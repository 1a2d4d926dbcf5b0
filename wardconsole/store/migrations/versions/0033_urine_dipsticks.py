"""urine dipsticks: the blood, leucocyte and nitrite pads as read

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 04:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

TABLE = 'urine_dipsticks'


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('blood', sa.String(length=16), nullable=True),
    sa.Column('leucocytes', sa.String(length=16), nullable=True),
    sa.Column('nitrites', sa.String(length=16), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('amend_reason', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f(f'fk_{TABLE}_admission_id_admissions')),
    sa.ForeignKeyConstraint(['amends_id'], [f'{TABLE}.id'], name=op.f(f'fk_{TABLE}_amends_id_{TABLE}')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f(f'fk_{TABLE}_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{TABLE}')),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(f'ix_{TABLE}_admission_taken', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{TABLE}_amends_id'), ['amends_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f'ix_{TABLE}_amends_id'))
        batch_op.drop_index(f'ix_{TABLE}_admission_taken')
    op.drop_table(TABLE)
