"""observation sets: indexes on (admission, amended set) and (admission, complete, taken)

A patient's chart lists the corrections and the partial sets (with why values were not taken)
of the stay. A month of one-minute sets holds a handful of each; these indexes find them
without reading all 43,200 sets of the stay (twice, about 25 ms, on every first open).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 03:40:00
"""

from alembic import op


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('observation_sets', schema=None) as batch_op:
        batch_op.create_index(
            'ix_observation_sets_admission_amends', ['admission_id', 'amends_id'], unique=False
        )
        batch_op.create_index(
            'ix_observation_sets_admission_incomplete',
            ['admission_id', 'is_complete', 'taken_at'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('observation_sets', schema=None) as batch_op:
        batch_op.drop_index('ix_observation_sets_admission_incomplete')
        batch_op.drop_index('ix_observation_sets_admission_amends')
