"""Every pupil of the roster in a class by ids: the memberships the class names stood for

Pupils used to be matched to classes by the text Student.class_name; the code now reads
class_membership only (app.diary.membership), so each pupil whose class name has no membership
gets one (open-ended, as the importer writes them), and a class named in the roster but missing
is created. Data only: downgrade leaves the rows.

Revision ID: h7y0001_class_memberships
Revises: e1a0s8000003_outbox_long_retry
"""
from alembic import op
import sqlalchemy as sa

revision = 'h7y0001_class_memberships'
down_revision = 'e1a0s8000003_outbox_long_retry'
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO school_class (school_id, name) "
        "SELECT DISTINCT s.school_id, s.class_name FROM student s "
        "WHERE s.class_name <> '' AND NOT EXISTS ("
        "  SELECT 1 FROM school_class c WHERE c.school_id = s.school_id AND c.name = s.class_name)"))
    conn.execute(sa.text(
        "INSERT INTO class_membership (student_id, class_id) "
        "SELECT s.id, c.id FROM student s "
        "JOIN school_class c ON c.school_id = s.school_id AND c.name = s.class_name "
        "WHERE NOT EXISTS (SELECT 1 FROM class_membership m WHERE m.student_id = s.id)"))


def downgrade():
    pass  # the memberships are data the code needs; nothing to undo in the schema
