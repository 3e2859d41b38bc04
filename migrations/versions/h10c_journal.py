"""The teacher's journal: grade kinds, weights and remarks, attendance kinds, final grades per period

Revision ID: h10c_journal
Revises: h10b_phone_verification
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = 'h10c_journal'
down_revision = 'h10b_phone_verification'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
