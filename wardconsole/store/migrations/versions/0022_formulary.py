"""formulary: the reason a class was chosen for a drug not in it; room for the formulary's
version in the ward policy

Revision ID: 0022
Revises: 0012
Create Date: 2026-12-04 21:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Doses recorded before the formulary have no reason: their class is read through the
    # formulary by drug name (domain.formulary.Formulary.classify).
    with op.batch_alter_table('prn_doses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('class_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('ward_policies', schema=None) as batch_op:
        batch_op.alter_column(
            'version', existing_type=sa.String(length=64), type_=sa.String(length=128)
        )


def downgrade() -> None:
    with op.batch_alter_table('ward_policies', schema=None) as batch_op:
        batch_op.alter_column(
            'version', existing_type=sa.String(length=128), type_=sa.String(length=64)
        )
    with op.batch_alter_table('prn_doses', schema=None) as batch_op:
        batch_op.drop_column('class_reason')
