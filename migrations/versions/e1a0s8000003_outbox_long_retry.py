"""Outbox: retry through long outages

Revision ID: e1a0s8000003_outbox_long_retry
Revises: e1a0s8000002_login_attempts
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = 'e1a0s8000003_outbox_long_retry'
down_revision = 'e1a0s8000002_login_attempts'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
