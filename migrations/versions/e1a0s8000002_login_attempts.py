"""Login attempt counters shared by all processes

Revision ID: e1a0s8000002_login_attempts
Revises: e1a0s8000001_sessions
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = 'e1a0s8000002_login_attempts'
down_revision = 'e1a0s8000001_sessions'  # the placeholder id was 33 characters: alembic_version holds 32
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
