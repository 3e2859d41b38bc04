"""The family's «Сегодня»: what is new since the last visit

Revision ID: h10d_family
Revises: h10c_journal
"""
from alembic import op
import sqlalchemy as sa

revision = 'h10d_family'
down_revision = 'h10c_journal'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "family_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "student_id", name="uq_family_visit_user_student"),
    )


def downgrade():
    op.drop_table("family_visit")
