"""The request id on audit events and outbox messages (issue 11)

Revision ID: i11a_request_ids
Revises: h10e_staff
"""
import sqlalchemy as sa
from alembic import op

revision = 'i11a_request_ids'
down_revision = 'h10e_staff'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('audit_event', sa.Column('request_id', sa.String(length=128), nullable=True))
    op.add_column('outbox_message', sa.Column('request_id', sa.String(length=128), nullable=True))


def downgrade():
    op.drop_column('outbox_message', 'request_id')
    op.drop_column('audit_event', 'request_id')
