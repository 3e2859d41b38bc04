"""A parent's mobile number, verified by the identity provider or by an SMS code

Revision ID: h10b_phone_verification
Revises: h10a_names
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = 'h10b_phone_verification'
down_revision = 'h10a_names'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
