"""the backlog report reads waiting applications from the index alone (state, created_at + school_id)

Revision ID: d3a5b7c9e1f2
Revises: c8f2d4e6a7b9
Create Date: 2026-12-01 14:10:00

"""
from alembic import op


revision = 'd3a5b7c9e1f2'
down_revision = 'c8f2d4e6a7b9'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_application_state_created', table_name='application')
    op.create_index('ix_application_state_created', 'application', ['state', 'created_at'],
                    postgresql_include=['school_id'])


def downgrade():
    op.drop_index('ix_application_state_created', table_name='application')
    op.create_index('ix_application_state_created', 'application', ['state', 'created_at'])
