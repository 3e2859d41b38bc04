"""report rollups: applications by month and state, days to approval, coverage by class, access by school

Revision ID: c8f2d4e6a7b9
Revises: b7e1c2d3f4a5
Create Date: 2026-12-01 13:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c8f2d4e6a7b9'
down_revision = 'b7e1c2d3f4a5'
branch_labels = None
depends_on = None


def _count(name):
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def _school():
    return [sa.Column('id', sa.Integer(), nullable=False), sa.Column('school_id', sa.Integer(), nullable=False)]


def _keys():
    return [sa.ForeignKeyConstraint(['school_id'], ['school.id'], ), sa.PrimaryKeyConstraint('id')]


def upgrade():
    op.create_table('application_month_stat', *_school(), sa.Column('month', sa.Date(), nullable=False),
                    sa.Column('state', sa.String(length=20), nullable=False), _count('applications'), *_keys())
    op.create_index('ix_application_month_stat_month', 'application_month_stat', ['month', 'school_id'])
    op.create_table('approval_days_stat', *_school(), sa.Column('month', sa.Date(), nullable=False),
                    sa.Column('days', sa.Integer(), nullable=False), _count('applications'), *_keys())
    op.create_index('ix_approval_days_stat_month', 'approval_days_stat', ['month', 'school_id'])
    op.create_table('coverage_stat', *_school(), sa.Column('class_name', sa.String(length=20), nullable=False),
                    _count('pupils'), _count('connected'), *_keys())
    op.create_index('ix_coverage_stat_school', 'coverage_stat', ['school_id'])
    op.create_table('school_access_stat', *_school(), _count('never_logged_in'), _count('invitations_sent'),
                    _count('invitations_accepted'), *_keys(), sa.UniqueConstraint('school_id'))


def downgrade():
    op.drop_table('school_access_stat')
    op.drop_index('ix_coverage_stat_school', table_name='coverage_stat')
    op.drop_table('coverage_stat')
    op.drop_index('ix_approval_days_stat_month', table_name='approval_days_stat')
    op.drop_table('approval_days_stat')
    op.drop_index('ix_application_month_stat_month', table_name='application_month_stat')
    op.drop_table('application_month_stat')
