"""Rows looked up and set up in the database.

Each function runs in the current app context; called with the app as its first argument
(`school_id(app, "239")`) it runs in an app context of its own and returns plain values."""
import functools
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import AccessGrant, Application, AuditEvent, Identity, OutboxMessage, School, Student, User

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "docs" / "import-examples"
EXAMPLE_FILES = ["classes.csv", "subjects.csv", "teachers.csv", "assignments.csv", "students.csv",
                 "lessons.csv", "grades.csv", "attendance.csv", "grades.json"]
EXAMPLE_SCHOOL = 1  # лицей № 239 in the demo data


def in_context(function):
    @functools.wraps(function)
    def run(*args, **kwargs):
        if args and isinstance(args[0], Flask):
            with args[0].app_context():
                return function(*args[1:], **kwargs)
        return function(*args, **kwargs)

    return run


# --------------------------------------------------------------------------- looking up
@in_context
def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@in_context
def school_id(number):
    return db.session.execute(select(School.id).where(School.number == number)).scalar_one()


@in_context
def user_id(username):
    return db.session.execute(select(User.id).where(User.username == username)).scalar_one()


@in_context
def citizen_id(sub):
    """The account of the person who logs in through Gosuslugi as `sub` (after a first login)."""
    return db.session.execute(select(Identity.user_id).where(Identity.subject == sub)).scalar_one()


@in_context
def pupil_id(external_id):
    """A pupil of the imported examples by the school system's id, e.g. S-1002 (Волков)."""
    return db.session.execute(select(Student.id).where(Student.external_id == external_id)).scalar_one()


@in_context
def find_application(child_last_name):
    """The id of the (one) application for a child of that last name, e.g. the demo data's «Петров»."""
    return db.session.execute(
        select(Application.id).where(Application.child_last_name == child_last_name)).scalar_one()


@in_context
def application_state(application_id):
    """What a refused request must not have changed: the application and every table a
    transition writes to."""
    a = db.session.get(Application, application_id)
    return dict(state=a.state, version=a.version, student_id=a.student_id, reason=a.reason,
                document_type=a.document_type, audit=count(AuditEvent), outbox=count(OutboxMessage),
                students=count(Student), grants=count(AccessGrant))


# --------------------------------------------------------------------------- setting up
@in_context
def import_examples(school=EXAMPLE_SCHOOL):
    """The school system's example exports (docs/import-examples) imported for school 239."""
    from app.diary.imports import import_file

    return [import_file(EXAMPLES / name, school) for name in EXAMPLE_FILES]


@in_context
def grant(sub, student_id, **fields):
    """`sub` (logged in through Gosuslugi once) gets access to the pupil: by default as the
    official representative, or e.g. relation="viewer", scope="grades"; returns the grant's id."""
    row = AccessGrant(user_id=citizen_id(sub), student_id=student_id, **fields)
    db.session.add(row)
    db.session.commit()
    return row.id


@in_context
def set_password(username, password):
    """A staff account's password set by the security manager (the teachers of the imported
    examples have none)."""
    from flask import current_app

    current_app.appbuilder.sm.reset_password(user_id(username), password)


def outbox(application_id=None):
    """The outbox, oldest first, read afresh (of one application when given)."""
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if application_id is not None:
        query = query.where(OutboxMessage.application_id == application_id)
    return db.session.execute(query).scalars().all()


def outbox_alerts():
    """The administrator's alerts about failed mail, in the outbox."""
    return [m for m in outbox() if m.idempotency_key.startswith("outbox-alert:")]
