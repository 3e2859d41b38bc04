"""Server-side sessions and per-user session secrets

web_session: Flask-Session's SQLAlchemy layout (id, session_id, data, expiry), made here rather
than by Flask-Session at start-up (app/auth/session_store.py never creates tables).
user_session_key: a random secret per account in the stamp of its sessions and API tokens.

Revision ID: e1a0s8000001_sessions
Revises: d3a5b7c9e1f2
"""
from alembic import op
import sqlalchemy as sa

revision = 'e1a0s8000001_sessions'
down_revision = 'd3a5b7c9e1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'web_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.String(length=255), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('expiry', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('session_id'),
    )
    op.create_index('ix_web_session_expiry', 'web_session', ['expiry'])
    op.create_table(
        'user_session_key',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('rotated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )


def downgrade():
    op.drop_table('user_session_key')
    op.drop_index('ix_web_session_expiry', table_name='web_session')
    op.drop_table('web_session')
