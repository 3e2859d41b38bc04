"""report rollups (class/school month figures, refresh marks) and indexes of the busiest reads

Revision ID: b7e1c2d3f4a5
Revises: 318d202771d4
Create Date: 2026-12-01 13:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7e1c2d3f4a5'
down_revision = '318d202771d4'
branch_labels = None
depends_on = None

FIGURES = ("grades_sum", "grades_count", "pupil_lessons", "absences", "lates")


def _figures():
    return [sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in FIGURES]


def upgrade():
    op.create_table(
        'class_month_stat',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('class_name', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=100), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        *_figures(),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_class_month_stat_school_month', 'class_month_stat', ['school_id', 'month'])
    op.create_table(
        'school_month_stat',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=100), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        *_figures(),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_school_month_stat_month', 'school_month_stat', ['month', 'school_id'])
    op.create_table(
        'report_refresh',
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint('name'),
    )
    # the clerk's queue: own school, newest first
    op.create_index('ix_application_school_created', 'application', ['school_id', 'created_at'])


def downgrade():
    op.drop_index('ix_application_school_created', table_name='application')
    op.drop_table('report_refresh')
    op.drop_index('ix_school_month_stat_month', table_name='school_month_stat')
    op.drop_table('school_month_stat')
    op.drop_index('ix_class_month_stat_school_month', table_name='class_month_stat')
    op.drop_table('class_month_stat')
