"""Parent ↔ teacher conversations about one pupil.

A family member whose access includes "messages" (representatives, the pupil, interested persons
with the whole diary) writes to the pupil's teachers: those who teach the pupil's class and the
class teacher. A teacher sees the conversations addressed to them about pupils of their classes.
Every new message notifies the other side through the outbox."""
from flask_babel import gettext
from sqlalchemy import select

from .. import inputs
from ..access import active_grant, active_grants, grant_allows, teacher_ids_of_class
from ..extensions import db
from ..models import (
    Conversation,
    Message,
    SchoolClass,
    Student,
    Subject,
    TeachingAssignment,
    User,
    utcnow,
)
from ..notify.routing import notify_user
from . import membership
from .journal import JournalError

MAX_TEXT = 4000


def family_grant(user_id, student_id):
    """The active grant through which this person may message about this pupil, or None."""
    return active_grant(user_id, student_id, section="messages")


LOOK_UP = object()  # teachers_of() / teacher_subjects(): the pupil's class is not known yet


def teachers_of(student, klass=LOOK_UP):
    """Users who teach the pupil's class (today's, by the class memberships), and the class
    teacher: {user_id: User}. `klass`: membership.class_of(student) when the caller has it."""
    if klass is LOOK_UP:
        klass = membership.class_of(student)
    if klass is None:
        return {}
    return active_users(teacher_ids_of_class(klass))


def active_users(ids):
    """{user_id: User} of these ids, active accounts only."""
    users = db.session.execute(select(User).where(User.id.in_(ids or [-1]))).scalars()
    return {u.id: u for u in users if u.active}


def teacher_subjects(student, klass=LOOK_UP):
    """{teacher's user id: (subject names, is the class teacher)} of the pupil's class today, for
    the «Кому» list of a new message. `klass` as for teachers_of()."""
    if klass is LOOK_UP:
        klass = membership.class_of(student)
    if klass is None:
        return {}
    subjects = {}
    for teacher_id, name in db.session.execute(
        select(TeachingAssignment.teacher_id, Subject.name).join(Subject, Subject.id == TeachingAssignment.subject_id)
        .where(TeachingAssignment.class_id == klass.id).order_by(Subject.name)
    ):
        subjects.setdefault(teacher_id, []).append(name)
    ids = set(subjects) | ({klass.class_teacher_id} if klass.class_teacher_id else set())
    return {tid: (subjects.get(tid, []), tid == klass.class_teacher_id) for tid in ids}


def _teacher_may(teacher_id, student):
    return teacher_id in teachers_of(student)


def conversations_for_family(user_id, student_id):
    return db.session.execute(select(Conversation).where(
        Conversation.student_id == student_id, Conversation.parent_id == user_id)
        .order_by(Conversation.last_message_at.desc())).scalars().all()


def conversations_for_teacher(teacher_id):
    rows = db.session.execute(select(Conversation).where(Conversation.teacher_id == teacher_id)
                              .order_by(Conversation.last_message_at.desc())).scalars().all()
    return [c for c in rows if _teacher_may(teacher_id, db.session.get(Student, c.student_id))]


def _clean(text):
    text = inputs.clean(text).strip() if isinstance(text, str) else ""
    if not text:
        raise JournalError(gettext("Write the message."))
    if len(text) > MAX_TEXT:
        raise JournalError(gettext("The message is too long (at most %(n)s characters).", n=MAX_TEXT))
    return text


def start(user, student_id, teacher_id, subject, text):
    """A family member opens a conversation with one of the pupil's teachers."""
    student = db.session.get(Student, student_id)
    if student is None or family_grant(user.id, student_id) is None:
        raise JournalError(gettext("You have no access to this pupil's messages."), 404)
    teachers = teachers_of(student)
    if teacher_id not in teachers:
        raise JournalError(gettext("Choose one of the pupil's teachers."))
    text = _clean(text)
    subject = (subject or "").strip()[:255]
    now = utcnow()
    conversation = Conversation(student_id=student_id, parent_id=user.id, teacher_id=teacher_id,
                                subject=subject, created_at=now, last_message_at=now, parent_read_at=now)
    db.session.add(conversation)
    db.session.flush()
    return _post(conversation, user, text, now, student, to=teachers[teacher_id])


def reply(user, conversation_id, text):
    """Either side writes into an existing conversation (scope re-checked)."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        raise JournalError(gettext("There is no such conversation."), 404)
    student = db.session.get(Student, conversation.student_id)
    if user.id == conversation.parent_id and family_grant(user.id, student.id):
        other = db.session.get(User, conversation.teacher_id)
    elif user.id == conversation.teacher_id and _teacher_may(user.id, student):
        other = db.session.get(User, conversation.parent_id)
    else:
        raise JournalError(gettext("There is no such conversation."), 404)
    return _post(conversation, user, _clean(text), utcnow(), student, to=other)


def _post(conversation, author, text, now, student, to):
    message = Message(conversation_id=conversation.id, author_id=author.id, text=text, created_at=now)
    db.session.add(message)
    conversation.last_message_at = now
    if author.id == conversation.parent_id:
        conversation.parent_read_at = now
    else:
        conversation.teacher_read_at = now
    db.session.flush()
    name = author.name.document
    notify_user("message", to, student.id,
                gettext("New message about %(pupil)s", pupil=student.first_name),
                f"{name}: {text[:500]}", f"message:{message.id}")
    db.session.commit()
    return message


def read(user, conversation_id):
    """The conversation's messages for one of its two sides; marks it read for them."""
    conversation = db.session.get(Conversation, conversation_id)
    student = db.session.get(Student, conversation.student_id) if conversation else None
    allowed = conversation is not None and (
        (user.id == conversation.parent_id and family_grant(user.id, student.id))
        or (user.id == conversation.teacher_id and _teacher_may(user.id, student)))
    if not allowed:
        raise JournalError(gettext("There is no such conversation."), 404)
    if user.id == conversation.parent_id:
        conversation.parent_read_at = utcnow()
    else:
        conversation.teacher_read_at = utcnow()
    db.session.commit()
    messages = db.session.execute(select(Message).where(Message.conversation_id == conversation.id)
                                  .order_by(Message.created_at, Message.id)).scalars().all()
    return conversation, messages


def unread(conversation, user_id):
    seen = conversation.parent_read_at if user_id == conversation.parent_id else conversation.teacher_read_at
    return seen is None or seen < conversation.last_message_at


# --------------------------------------------------------------------------- a teacher writes first
def families_of(student):
    """Who may read this pupil's messages (an active grant opening "messages"): {user_id: (User,
    relation)} — the representatives, the pupil, interested persons with the whole diary."""
    family = {}
    for grant in db.session.execute(active_grants(student_id=student.id)).scalars():
        if grant_allows(grant, "messages") and grant.user is not None and grant.user.active:
            family[grant.user_id] = (grant.user, grant.relation)
    return family


def pupils_for_teacher(teacher_id):
    """The pupils of the teacher's classes today (those taught and the own class), by class and
    name, each with the family members one may write to: [(Student, {user_id: (User, relation)})]."""
    class_ids = set(db.session.execute(select(TeachingAssignment.class_id).where(
        TeachingAssignment.teacher_id == teacher_id)).scalars())
    class_ids |= set(db.session.execute(select(SchoolClass.id).where(
        SchoolClass.class_teacher_id == teacher_id)).scalars())
    rows = []
    for class_id in sorted(class_ids):
        for pupil in membership.pupils(class_id):
            rows.append((pupil, families_of(pupil)))
    return sorted(rows, key=lambda row: (row[0].class_name or "", row[0].full_name))


def start_by_teacher(user, student_id, parent_id, subject, text):
    """A teacher opens a conversation with a family member of a pupil of the own classes (scope
    re-checked here: the pupil's class today, the member's access to the pupil's messages)."""
    student = db.session.get(Student, student_id) if isinstance(student_id, int) else None
    if student is None or not _teacher_may(user.id, student):
        raise JournalError(gettext("This pupil is not in your classes."), 404)
    family = families_of(student)
    if parent_id not in family:
        raise JournalError(gettext("Choose a family member from the list."), fields={"recipient": gettext(
            "Choose a family member from the list.")})
    text = _clean(text)
    subject = " ".join(inputs.clean(subject or "").split())[:255]
    now = utcnow()
    conversation = Conversation(student_id=student.id, parent_id=parent_id, teacher_id=user.id,
                                subject=subject, created_at=now, last_message_at=now, teacher_read_at=now)
    db.session.add(conversation)
    db.session.flush()
    _post(conversation, user, text, now, student, to=family[parent_id][0])
    return conversation
