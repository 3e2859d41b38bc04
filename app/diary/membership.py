"""Who learns in which class on a given day: `ClassMembership` rows by ids (pupil → class), with
`since` and `until` both inclusive and NULL meaning open-ended. A pupil moved from 5 «А» to 5 «Б»
on 20 January has 5 «А» until 19 January and 5 «Б» since 20 January; renaming a class keeps its
pupils (the rows name the class by id).

`Student.class_name` is a DISPLAY-ONLY cache of the pupil's class name (roster lists, the printed
application, the API's pupil card): nothing matches pupils on it. It is written here — `enroll`
(the roster screen, the approval, the demo), `plan` (the importer) and the rename hook below — so
it follows the memberships."""
from datetime import timedelta

from sqlalchemy import and_, delete, event, inspect, or_, select, update
from sqlalchemy.orm import Session

from .. import clock, inputs
from ..extensions import db
from ..models import ClassMembership, SchoolClass, Student

CM = ClassMembership


def holds_on(day):
    """SQL: the membership row holds on `day` (a date or a date column, e.g. Lesson.date)."""
    return and_(or_(CM.since.is_(None), CM.since <= day), or_(CM.until.is_(None), CM.until >= day))


def overlaps(date_from, date_to):
    """SQL: the membership row holds on some day of date_from..date_to."""
    return and_(or_(CM.since.is_(None), CM.since <= date_to), or_(CM.until.is_(None), CM.until >= date_from))


def holds(since, until, day):
    """The same rule in Python, for rows already loaded."""
    return (since is None or since <= day) and (until is None or until >= day)


def overlaps_days(since, until, date_from, date_to):
    """`overlaps` in Python, for rows already loaded."""
    return (since is None or since <= date_to) and (until is None or until >= date_from)


def _class_on(what, student, day):
    """SELECT of `what` (SchoolClass, or a column of it) of the pupil's class on `day`: a class of
    the pupil's school holding the day, the latest start first (an open start last)."""
    return (select(what).select_from(CM).join(SchoolClass, SchoolClass.id == CM.class_id)
            .where(CM.student_id == student.id, SchoolClass.school_id == student.school_id, holds_on(day))
            .order_by(CM.since.desc().nulls_last()).limit(1))


def class_of(student, day=None):
    """The pupil's class on `day` (default: the service's today), or None."""
    return db.session.execute(_class_on(SchoolClass, student, day or clock.today())).scalar_one_or_none()


def class_id_on(student, day=None):
    """The id of the pupil's class on `day` (default: today), or None — class_of's rule without
    loading the class, from the memberships this request's access check read
    (app.diary.revisions.memberships_known) when it did, else one small query."""
    from . import revisions

    day = day or clock.today()
    known = revisions.memberships_known(student.id)
    if known is None:
        return db.session.execute(_class_on(SchoolClass.id, student, day)).scalar_one_or_none()
    holding = [(since is not None, since, class_id) for class_id, since, until, _revision, school_id in known
               if school_id == student.school_id and holds(since, until, day)]
    return max(holding)[2] if holding else None  # _class_on's order: the latest start, an open one last


def in_class(student_id, class_id, day):
    return db.session.execute(select(CM.id).where(
        CM.student_id == student_id, CM.class_id == class_id, holds_on(day))).first() is not None


def pupils(class_id, date_from=None, date_to=None):
    """The pupils of the class on some day of date_from..date_to (default: today), by name."""
    date_from = date_from or clock.today()
    date_to = date_to or date_from
    return db.session.execute(
        select(Student).join(CM, CM.student_id == Student.id)
        .where(CM.class_id == class_id, overlaps(date_from, date_to))
        .distinct().order_by(Student.last_name, Student.first_name, Student.id)
    ).scalars().all()


def pupil_ids(class_id, day=None):
    """Ids of the pupils of the class on `day` (default: today)."""
    return db.session.execute(select(CM.student_id).where(
        CM.class_id == class_id, holds_on(day or clock.today()))).scalars().all()


def plan(rows, class_id, day):
    """What moving a pupil with membership `rows` [(id, class_id, since, until)] into `class_id` on
    `day` takes: (insert: dict or None, updates: [{"id", "since"?, "until"}], deletes: [id]).
    A first class is open-ended (since NULL: the pupil's earlier lessons count); a move closes the
    other classes the day before and starts the new one on the day; coming back reopens the old
    row (one row per pupil and class)."""
    if any(c == class_id and holds(since, until, day) for _, c, since, until in rows):
        return None, [], []
    updates, deletes = [], []
    for row_id, other, since, until in rows:
        if other == class_id or not (until is None or until >= day):
            continue
        if since is not None and since >= day:
            deletes.append(row_id)  # a move planned for later, overtaken by this one
        else:
            updates.append({"id": row_id, "until": day - timedelta(days=1)})
    again = next((r for r in rows if r[1] == class_id), None)
    if again is not None:
        since = again[2] if again[2] is None or again[2] <= day else day
        updates.append({"id": again[0], "since": since, "until": None})
        return None, updates, deletes
    return {"class_id": class_id, "since": day if rows else None, "until": None}, updates, deletes


def enroll(student, class_name, day=None):
    """Put the pupil into the class named `class_name` of the pupil's school from `day` (default:
    today), creating the class if the school has none of that name; an empty name takes the pupil
    out of every class from that day. Keeps Student.class_name. The caller commits."""
    name = " ".join(inputs.clean(class_name or "").split())[:20]
    day = day or clock.today()
    if not name:
        for row in db.session.execute(select(CM).where(CM.student_id == student.id)).scalars():
            if row.since is not None and row.since >= day:
                db.session.delete(row)
            elif row.until is None or row.until >= day:
                row.until = day - timedelta(days=1)
        student.class_name = ""
        db.session.flush()
        return None
    klass = db.session.execute(select(SchoolClass).where(
        SchoolClass.school_id == student.school_id, SchoolClass.name == name)).scalar_one_or_none()
    if klass is None:
        klass = SchoolClass(school_id=student.school_id, name=name)
        db.session.add(klass)
    db.session.flush()
    rows = db.session.execute(select(CM.id, CM.class_id, CM.since, CM.until).where(
        CM.student_id == student.id)).all()
    insert, updates, deletes = plan([tuple(r) for r in rows], klass.id, day)
    for row_id in deletes:
        db.session.delete(db.session.get(CM, row_id))
    for change in updates:
        row = db.session.get(CM, change["id"])
        for key, value in change.items():
            setattr(row, key, value)
    if insert is not None:
        db.session.add(CM(student_id=student.id, **insert))
    student.class_name = klass.name
    db.session.flush()
    return klass


def forget(student):
    """Before the pupil is deleted from the roster: the memberships go too (their classes change)."""
    from . import revisions

    revisions.bump(db.session.execute(select(CM.class_id).where(CM.student_id == student.id)).scalars().all())
    db.session.execute(delete(CM).where(CM.student_id == student.id))


@event.listens_for(Session, "before_flush")
def _renamed_classes(session, _context, _instances):
    """A renamed class keeps its pupils (memberships are by id); the display cache follows."""
    for klass in session.dirty:
        if not isinstance(klass, SchoolClass) or klass.id is None:
            continue
        history = inspect(klass).attrs.name.history
        if history.deleted and history.added:
            session.execute(
                update(Student).where(Student.id.in_(select(CM.student_id).where(CM.class_id == klass.id)),
                                      Student.class_name == history.deleted[0])
                .values(class_name=klass.name).execution_options(synchronize_session=False))
