"""food chart meals and supplements, bowel movements with the Bristol stool type

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 01:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def _clinical_columns(table: str) -> list:
    return [
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
        sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f(f'fk_{table}_admission_id_admissions')),
        sa.ForeignKeyConstraint(['amends_id'], [f'{table}.id'], name=op.f(f'fk_{table}_amends_id_{table}')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f(f'fk_{table}_recorded_by_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def _indexes(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(f'ix_{table}_admission_taken', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{table}_amends_id'), ['amends_id'], unique=False)


def upgrade() -> None:
    op.create_table('meal_entries',
    sa.Column('occasion', sa.String(length=16), nullable=False),
    sa.Column('offered', sa.String(length=120), nullable=False),
    sa.Column('portion', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('supplement', sa.String(length=24), nullable=False),
    sa.Column('supplement_outcome', sa.String(length=16), nullable=False),
    sa.Column('supplement_reason', sa.String(length=200), nullable=False),
    *_clinical_columns('meal_entries'),
    )
    _indexes('meal_entries')
    op.create_table('bowel_entries',
    sa.Column('bristol_type', sa.Integer(), nullable=True),
    *_clinical_columns('bowel_entries'),
    )
    _indexes('bowel_entries')


def downgrade() -> None:
    for table in ('bowel_entries', 'meal_entries'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_amends_id'))
            batch_op.drop_index(f'ix_{table}_admission_taken')
        op.drop_table(table)
