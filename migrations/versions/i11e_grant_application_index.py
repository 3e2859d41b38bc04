"""An index on the grant's application (issue 11): the foreign key access_grant.application_id
had none, so deleting an application (the benchmark's clean-up of its own submits; any future
retention of old applications) checked each deleted row against every grant in the city by a
sequential scan — 22,000 applications did not go in several minutes.

Built CONCURRENTLY on PostgreSQL (outside the migration's transaction), as i11c.

Revision ID: i11e_grant_application_index
Revises: i11d_outbox_template
"""
from alembic import op

revision = 'i11e_grant_application_index'
down_revision = 'i11d_outbox_template'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index("ix_access_grant_application_id", "access_grant", ["application_id"],
                            postgresql_concurrently=True, if_not_exists=True)
    else:
        op.create_index("ix_access_grant_application_id", "access_grant", ["application_id"])


def downgrade():
    op.drop_index("ix_access_grant_application_id", table_name="access_grant")
