"""A parent's mobile number, verified by the identity provider or by an SMS code; the revisions of
lessons, school events and parent meetings (the calendar feed's SEQUENCE)

Revision ID: h10b_phone_verification
Revises: h10a_names
"""
from alembic import op
import sqlalchemy as sa

revision = 'h10b_phone_verification'
down_revision = 'h10a_names'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'phone_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=16), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_code_user_id'), ['user_id'], unique=False)
    for table in ('lesson', 'school_event', 'parent_meeting'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    for table in ('lesson', 'school_event', 'parent_meeting'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('revision')
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_code_user_id'))
    op.drop_table('phone_code')
