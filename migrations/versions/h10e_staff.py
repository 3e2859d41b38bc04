"""Staff screens (reserved)

Revision ID: h10e_staff
Revises: h10d_family
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = 'h10e_staff'
down_revision = 'h10d_family'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
