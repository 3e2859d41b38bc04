"""People's names as in their documents: patronymics, the pupil's sex

ab_user.middle_name: the account's patronymic (ESIA `middleName`, OIDC `middle_name`), kept apart
from the first name (until now a login wrote «Мария Петровна» into first_name: such rows are split
here). student.sex: "m" / "f" from the roster, NULL = unknown (derived from the patronymic).

Revision ID: h10a_names
Revises: h7y0001_class_memberships
"""
from alembic import op
import sqlalchemy as sa

revision = 'h10a_names'
down_revision = 'h7y0001_class_memberships'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('middle_name', sa.String(length=64), nullable=True))
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sex', sa.String(length=1), nullable=True))
        batch_op.create_check_constraint('ck_student_sex', "sex IN ('m', 'f')")
    # Citizens' accounts whose first name carries the patronymic («Мария Петровна»): split it off.
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT u.id, u.first_name FROM ab_user u JOIN identity i ON i.user_id = u.id "
        "WHERE u.first_name LIKE '% %'")).fetchall()
    for user_id, first_name in rows:
        first, middle = first_name.split(" ", 1)
        conn.execute(sa.text("UPDATE ab_user SET first_name = :first, middle_name = :middle WHERE id = :id"),
                     {"first": first, "middle": middle.strip()[:64], "id": user_id})


def downgrade():
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE ab_user SET first_name = substr(first_name || ' ' || middle_name, 1, 64) "
        "WHERE middle_name IS NOT NULL AND middle_name <> ''"))
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.drop_constraint('ck_student_sex', type_='check')
        batch_op.drop_column('sex')
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('middle_name')
