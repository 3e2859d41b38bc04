"""«Сегодня»: what a family member sees first about a pupil — today's lessons, the homework for
the next school day, what is new since the last visit (grades, absences), unread messages, the
next events and meetings. Plain data; the caller asks app.diary.family.open_section first and
passes the sections the grant opens (app.access.grant_allows)."""
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import Attendance, Conversation, FamilyVisit, Grade, Lesson, Subject
from . import membership, queries

FIRST_VISIT_DAYS = 7  # with no visit yet, «new» is what came in the last week
LOOK_AHEAD_DAYS = 14  # the next school day with lessons is looked for this far (holidays)
NEW_LIMIT = 20  # at most this many new grades / marks on the page
VISIT_TOUCH_SECONDS = 60  # a visit is written at most once a minute per person and pupil
UPCOMING = 3  # next events, next meetings


def _visit(user_id, student_id):
    return FamilyVisit.user_id == user_id, FamilyVisit.student_id == student_id


def visit_column(user_id, student_id):
    """The last visit (naive UTC, or NULL) as a column: read alongside other figures of the page."""
    return select(FamilyVisit.seen_at).where(*_visit(user_id, student_id)).scalar_subquery()


def last_visit(user_id, student_id):
    """The moment (naive UTC) of the person's last visit of the pupil's «Сегодня», or None."""
    return db.session.execute(select(visit_column(user_id, student_id))).scalar()


VISIT_NOT_READ = object()  # record_visit(): the stored visit is not read yet (not the unread messages)


def record_visit(user_id, student_id, previous=VISIT_NOT_READ):
    """Remembers this moment as the last visit; returns the previous one (None the first time).
    `previous`: the stored moment when the caller has read it already (visit_column). A visit
    within VISIT_TOUCH_SECONDS of the stored one writes nothing (a reload, the app's polls): the
    next session's news start at most that much earlier."""
    if previous is VISIT_NOT_READ:
        previous = last_visit(user_id, student_id)
    now = clock.utcnow()
    if previous is not None and timedelta(0) <= now - previous < timedelta(seconds=VISIT_TOUCH_SECONDS):
        return previous
    if previous is None:
        db.session.add(FamilyVisit(user_id=user_id, student_id=student_id, seen_at=now))
    else:
        db.session.execute(update(FamilyVisit).where(*_visit(user_id, student_id)).values(seen_at=now))
    try:
        db.session.commit()
    except IntegrityError:  # the same person's other tab recorded the first visit a moment ago
        db.session.rollback()
    return previous


def default_since():
    return clock.utcnow() - timedelta(days=FIRST_VISIT_DAYS)


def new_grades(student, since, limit=NEW_LIMIT):
    """Grades given or changed after `since` (naive UTC), newest first."""
    rows = db.session.execute(
        select(Grade.date, Grade.value, Grade.kind, Grade.weight, Grade.remark, Subject.name)
        .join(Subject, Subject.id == Grade.subject_id)
        .where(Grade.student_id == student.id, or_(Grade.created_at > since, Grade.updated_at > since))
        .order_by(Grade.date.desc(), Grade.id.desc()).limit(limit)
    ).all()
    return [{"date": d, "value": v, "kind": k, "weight": w, "remark": r, "subject": s} for d, v, k, w, r, s in rows]


def new_marks(student, since, limit=NEW_LIMIT):
    """Absences, illness, lateness marked after `since`, newest first."""
    rows = db.session.execute(
        select(Attendance.mark, Lesson.date, Lesson.number, Subject.name)
        .join(Lesson, Lesson.id == Attendance.lesson_id).join(Subject, Subject.id == Lesson.subject_id)
        .where(Attendance.student_id == student.id, Attendance.created_at > since)
        .order_by(Lesson.date.desc(), Lesson.number.desc()).limit(limit)
    ).all()
    return [{"mark": m, "date": d, "number": n, "subject": s} for m, d, n, s in rows]


def unread_column(user_id, student_id):
    """How many of the person's conversations about the pupil have a message they have not read,
    as a column."""
    return select(func.count()).select_from(Conversation).where(
        Conversation.parent_id == user_id, Conversation.student_id == student_id,
        or_(Conversation.parent_read_at.is_(None), Conversation.parent_read_at < Conversation.last_message_at),
    ).scalar_subquery()


def unread_conversations(user_id, student_id):
    return db.session.execute(select(unread_column(user_id, student_id))).scalar()


def next_school_day(by_day, today):
    """(day, lessons) of the first day after today with lessons in `by_day` ({date: lessons}, as
    queries.lessons_between gives them), within LOOK_AHEAD_DAYS; (None, [])."""
    last = today + timedelta(days=LOOK_AHEAD_DAYS)
    ahead = [day for day, lessons in by_day.items() if today < day <= last and lessons]
    if not ahead:
        return None, []
    day = min(ahead)
    return day, by_day[day]


NOT_COUNTED = object()  # today(): the unread conversations are not counted yet


def today(student, user_id, since, sections, unread=NOT_COUNTED):
    """Everything «Сегодня» shows, each part only when `sections` (the grant's) includes it.
    `unread`: unread_conversations(user_id, student.id) when the caller has counted them already
    (the page's ETag holds the count)."""
    day = clock.today()
    page = {"date": day, "since": since}
    if "schedule" in sections:
        # today and the days ahead in one go (one lessons query and one grades query, not two each)
        by_day = queries.lessons_between(student, day, day + timedelta(days=LOOK_AHEAD_DAYS))
        page["lessons"] = by_day.get(day, [])
        page["next_day"], page["next_lessons"] = next_school_day(by_day, day)
    if "grades" in sections:
        page["new_grades"] = new_grades(student, since)
    if "attendance" in sections:
        page["new_marks"] = new_marks(student, since)
    if "messages" in sections:
        page["unread"] = unread_conversations(user_id, student.id) if unread is NOT_COUNTED else unread
    if "events" in sections:
        class_id = membership.class_id_on(student)  # once for both lists
        page["events"] = queries.events(student, class_id=class_id)["upcoming"][:UPCOMING]
        page["meetings"] = queries.meetings(student, class_id=class_id)["upcoming"][:UPCOMING]
    return page


def summary(student, user_id, sections):
    """The card of one child on the several-children «Сегодня»: counts, without marking a visit."""
    since = last_visit(user_id, student.id) or default_since()
    day = clock.today()
    card = {"since": since}
    if "schedule" in sections:
        card["lessons"] = len(queries.lessons_between(student, day, day).get(day, []))
    if "grades" in sections:
        card["new_grades"] = new_grades(student, since, limit=5)
    if "attendance" in sections:
        card["new_marks"] = len(new_marks(student, since))
    if "messages" in sections:
        card["unread"] = unread_conversations(user_id, student.id)
    return card
