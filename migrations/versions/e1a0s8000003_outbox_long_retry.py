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
    # When the current run of failed attempts began; a message is retried (fast, then at
    # OUTBOX_SLOW_RETRY_SECONDS) until OUTBOX_GIVE_UP_DAYS after it, then failed.
    op.add_column('outbox_message', sa.Column('failing_since', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message') as batch:
        batch.drop_column('failing_since')
