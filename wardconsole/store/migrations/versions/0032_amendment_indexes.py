"""safety checks and fluid entries: an index on (admission, amended row)

The census asks, on every refresh, whether any safety check or fluid entry of a patient's stay
was corrected or struck out (its sleep flag and fluid totals are kept until then); these
indexes answer that from the few amending rows of each patient instead of probing every row
read for a newer version.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 01:10:00
"""

from alembic import op


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('safety_checks', schema=None) as batch_op:
        batch_op.create_index(
            'ix_safety_checks_admission_amends', ['admission_id', 'amends_id'], unique=False
        )
    with op.batch_alter_table('fluid_entries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_fluid_entries_admission_amends', ['admission_id', 'amends_id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('fluid_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_fluid_entries_admission_amends')
    with op.batch_alter_table('safety_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_checks_admission_amends')
