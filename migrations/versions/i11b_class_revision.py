"""The version stamp of a class's diary: class_revision (issue 11, conditional GET)

Revision ID: i11b_class_revision
Revises: i11a_request_ids
"""
import sqlalchemy as sa
from alembic import op

revision = 'i11b_class_revision'
down_revision = 'i11a_request_ids'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'class_revision',
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('class_id'),
    )


def downgrade():
    op.drop_table('class_revision')
