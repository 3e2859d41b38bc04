"""Server-side sessions and per-user session secrets

Revision ID: e1a0s8000001_server_side_sessions
Revises: d3a5b7c9e1f2
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = 'e1a0s8000001_server_side_sessions'
down_revision = 'd3a5b7c9e1f2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
