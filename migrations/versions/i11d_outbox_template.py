"""The mail template of a transition's letter (issue 11): the outbox worker renders the letter
just before it sends it, so a submit or a clerk's decision no longer renders two templates and
reads the school's reception hours inside the web request. Empty for messages written whole
(invitations, digests, SMS, alerts) and for the letters queued before this revision.

Revision ID: i11d_outbox_template
Revises: i11c_grade_lesson_index
"""
import sqlalchemy as sa
from alembic import op

revision = 'i11d_outbox_template'
down_revision = 'i11c_grade_lesson_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("template", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("template")
