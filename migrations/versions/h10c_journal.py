"""The teacher's journal: grade kinds, weights and remarks, attendance kinds, final grades per period

A grade's weight is 1..5 (app.diary.grading): weights beyond it (the import took up to 10) are
brought into the range, then a CHECK constraint keeps them there.

Revision ID: h10c_journal
Revises: h10b_phone_verification
"""
from alembic import op
import sqlalchemy as sa  # noqa: F401

revision = 'h10c_journal'
down_revision = 'h10b_phone_verification'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE grade SET weight = 5 WHERE weight > 5")
    op.execute("UPDATE grade SET weight = 1 WHERE weight < 1")
    with op.batch_alter_table("grade") as batch:
        batch.create_check_constraint("ck_grade_weight", "weight BETWEEN 1 AND 5")


def downgrade():
    with op.batch_alter_table("grade") as batch:
        batch.drop_constraint("ck_grade_weight", type_="check")
