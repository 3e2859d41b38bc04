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
IVAN = {"last_name": "Иванов", "first_name": "Иван", "middle_name": "Иванович",
        "birth_date": "2014-07-09"}  # a child of the demo roster (лицей № 239), as an application names him


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


def _lookup(column, key):
    """The one `column` value of the row whose `key` column equals the value asked for."""
    @in_context
    def find(value):
        return db.session.execute(select(column).where(key == value)).scalar_one()

    return find


school_id = _lookup(School.id, School.number)  # school_id("239"): лицей № 239
user_id = _lookup(User.id, User.username)  # user_id("clerk239")
citizen_id = _lookup(Identity.user_id, Identity.subject)  # the account of a Gosuslugi login ("parent-ivanova")
pupil_id = _lookup(Student.id, Student.external_id)  # a pupil of the imported examples ("S-1002": Волков)
find_application = _lookup(Application.id, Application.child_last_name)  # ("Петров": the demo data's)


@in_context
def application_state(application_id):
    """What a refused request must not have changed: the application and every table a
    transition writes to."""
    a = db.session.get(Application, application_id)
    return dict(state=a.state, version=a.version, student_id=a.student_id, reason=a.reason,
                document_type=a.document_type, audit=count(AuditEvent), outbox=count(OutboxMessage),
                students=count(Student), grants=count(AccessGrant))


@in_context
def no_nul_stored():
    """No text column of the tables the forms write holds a NUL (SQLite would store one)."""
    from app.models import (
        Conversation, Invitation, Lesson, Message, ParentMeeting, ReceptionSlot, Remark, SchoolEvent,
    )

    checks = [
        (Message, Message.text), (Conversation, Conversation.subject), (Remark, Remark.text),
        (Lesson, Lesson.topic), (Lesson, Lesson.homework), (Invitation, Invitation.email),
        (Application, Application.child_last_name), (SchoolEvent, SchoolEvent.title),
        (ParentMeeting, ParentMeeting.topic), (ReceptionSlot, ReceptionSlot.room),
    ]
    for model, column in checks:  # read in Python: SQLite's LIKE stops at a NUL
        values = db.session.execute(select(column)).scalars().all()
        assert not [v for v in values if v and "\x00" in v], (model.__name__, column.key)


# --------------------------------------------------------------------------- setting up
@in_context
def import_examples(school=EXAMPLE_SCHOOL):
    """The school system's example exports (docs/import-examples) imported for school 239."""
    from app.diary.imports import import_file

    return [import_file(EXAMPLES / name, school) for name in EXAMPLE_FILES]


@in_context
def lesson_on(day, number, room, homework, subject="Алгебра"):
    """A lesson of Волков's class (7 «Б») of the imported examples on `day`; its id."""
    from app.models import Lesson

    model = db.session.execute(select(Lesson).where(Lesson.subject.has(name=subject))).scalars().first()
    row = Lesson(class_id=model.class_id, subject_id=model.subject_id, teacher_id=model.teacher_id,
                 date=day, number=number, room=room, topic="Тема дня", homework=homework)
    db.session.add(row)
    db.session.commit()
    return row.id


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


@in_context
def failed_message(error="ConnectionRefusedError: [Errno 111] Connection refused"):
    """The outbox's first message as the worker leaves it after its last attempt; its id."""
    from app.models import OutboxStatus

    message = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().first()
    message.status, message.attempts, message.last_error = OutboxStatus.FAILED, 3, error
    db.session.commit()
    return message.id


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
