"""People's names as in their documents: patronymics, the pupil's sex

Revision ID: h10a_names
Revises: h7y0001_class_memberships
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = 'h10a_names'
down_revision = 'h7y0001_class_memberships'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
