"""The family's «Сегодня»: what is new since the last visit

Revision ID: h10d_family
Revises: h10c_journal
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = 'h10d_family'
down_revision = 'h10c_journal'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
