"""medicines list (a monitoring copy of the drug chart), its second checks, regular doses

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 22:25:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def _entry_columns() -> list[sa.Column]:
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
    op.create_table('medicine_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('drug', sa.String(length=120), nullable=False),
    sa.Column('drug_class', sa.String(length=32), nullable=False),
    sa.Column('dose', sa.String(length=64), nullable=False),
    sa.Column('route', sa.String(length=16), nullable=False),
    sa.Column('schedule', sa.String(length=16), nullable=False),
    sa.Column('frequency', sa.String(length=120), nullable=False),
    sa.Column('max_per_24h', sa.String(length=64), nullable=False),
    sa.Column('stop_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reducing_until', sa.DateTime(timezone=True), nullable=True),
    *_entry_columns(),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_medicine_lines_admission_id_admissions')),
    sa.ForeignKeyConstraint(['amends_id'], ['medicine_lines.id'], name=op.f('fk_medicine_lines_amends_id_medicine_lines')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_medicine_lines_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medicine_lines'))
    )
    with op.batch_alter_table('medicine_lines', schema=None) as batch_op:
        batch_op.create_index('ix_medicine_lines_admission', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_medicine_lines_amends_id'), ['amends_id'], unique=False)
    op.create_table('medicine_line_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['medicine_lines.id'], name=op.f('fk_medicine_line_checks_line_id_medicine_lines')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_medicine_line_checks_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medicine_line_checks'))
    )
    with op.batch_alter_table('medicine_line_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medicine_line_checks_line_id'), ['line_id'], unique=False)
    op.create_table('regular_doses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('drug', sa.String(length=120), nullable=False),
    sa.Column('drug_class', sa.String(length=32), nullable=False),
    sa.Column('dose', sa.String(length=64), nullable=False),
    sa.Column('route', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('omitted_reason', sa.String(length=24), nullable=False),
    *_entry_columns(),
    sa.ForeignKeyConstraint(['admission_id'], ['admissions.id'], name=op.f('fk_regular_doses_admission_id_admissions')),
    sa.ForeignKeyConstraint(['amends_id'], ['regular_doses.id'], name=op.f('fk_regular_doses_amends_id_regular_doses')),
    sa.ForeignKeyConstraint(['line_id'], ['medicine_lines.id'], name=op.f('fk_regular_doses_line_id_medicine_lines')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_regular_doses_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regular_doses'))
    )
    with op.batch_alter_table('regular_doses', schema=None) as batch_op:
        batch_op.create_index('ix_regular_doses_admission_taken', ['admission_id', 'taken_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_regular_doses_amends_id'), ['amends_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_regular_doses_line_id'), ['line_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('regular_doses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regular_doses_line_id'))
        batch_op.drop_index(batch_op.f('ix_regular_doses_amends_id'))
        batch_op.drop_index('ix_regular_doses_admission_taken')
    op.drop_table('regular_doses')
    with op.batch_alter_table('medicine_line_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medicine_line_checks_line_id'))
    op.drop_table('medicine_line_checks')
    with op.batch_alter_table('medicine_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medicine_lines_amends_id'))
        batch_op.drop_index('ix_medicine_lines_admission')
    op.drop_table('medicine_lines')
