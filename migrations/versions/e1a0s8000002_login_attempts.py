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
    op.create_table(
        'attempt_counter',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_attempt_counter_expires_at', 'attempt_counter', ['expires_at'])


def downgrade():
    op.drop_index('ix_attempt_counter_expires_at', table_name='attempt_counter')
    op.drop_table('attempt_counter')
