"""An index of grades by lesson (issue 11): a class's week (the read model) and the teacher's
journal read the grades of a set of lessons; without it each read scanned the whole table.

Built CONCURRENTLY on PostgreSQL (outside the migration's transaction): teachers keep writing
grades while a city-sized table is indexed.

Revision ID: i11c_grade_lesson_index
Revises: i11b_class_revision
"""
from alembic import op

revision = 'i11c_grade_lesson_index'
down_revision = 'i11b_class_revision'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index("ix_grade_lesson", "grade", ["lesson_id"], postgresql_concurrently=True,
                            if_not_exists=True)
    else:
        op.create_index("ix_grade_lesson", "grade", ["lesson_id"])


def downgrade():
    op.drop_index("ix_grade_lesson", table_name="grade")
