"""The version stamp of every class's diary (ClassRevision): the ONE place that bumps it.

- Changes through the ORM (the journal, finals, the roster, the admin screens, the demo): a session
  hook after every flush collects the classes of the new, changed and deleted Lesson, Grade,
  Attendance, Remark and ClassMembership rows — a grade or a mark counts for its lesson's class, a
  grade without a lesson (finals) and a remark without one for the pupil's classes — and bumps
  them in the same transaction: the stamp and the change commit or roll back together. Events and
  parent meetings bump their class (a whole-school one: every class of the school), the school
  year and its periods (the pages' default dates, the names of the results) every class of the
  school.
- Bulk writes that bypass the ORM (the data import: COPY / executemany and bulk UPDATEs,
  app.diary.imports) call `bump(class_ids)` themselves.
- The city seed (app.seed.city) creates new classes only: no row means revision 0, and no page of
  a new class was ever answered with an ETag, so it need not bump.

A bump is an UPSERT (INSERT … ON CONFLICT (class_id) DO UPDATE SET revision = revision + 1) on
PostgreSQL and SQLite alike, in class-id order (two transactions bumping the same classes lock
the rows in the same order: no deadlock)."""
from datetime import date

from flask import g, has_request_context
from sqlalchemy import String, cast, event, func, inspect, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import (
    AcademicYear,
    Attendance,
    ClassMembership,
    ClassRevision,
    Grade,
    Lesson,
    ParentMeeting,
    Period,
    Remark,
    SchoolClass,
    SchoolEvent,
    utcnow,
)

TABLE = ClassRevision.__table__
INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _upsert(dialect_name, class_ids):
    """Classes deleted in the same transaction are skipped (INSERT … SELECT from school_class)."""
    insert = INSERTS[dialect_name]
    existing = (select(SchoolClass.id, literal(1), literal(utcnow()))
                .where(SchoolClass.id.in_(class_ids)).order_by(SchoolClass.id))
    statement = insert(TABLE).from_select(["class_id", "revision", "changed_at"], existing)
    return statement.on_conflict_do_update(
        index_elements=[TABLE.c.class_id],
        set_={"revision": TABLE.c.revision + 1, "changed_at": statement.excluded.changed_at})


def bump_on(connection, class_ids):
    """Bump the classes on this connection (inside its transaction)."""
    ids = sorted({int(c) for c in class_ids if c is not None})
    if ids:
        connection.execute(_upsert(connection.dialect.name, ids))
    return ids


def bump(class_ids):
    """A new revision of these classes, in the current transaction of db.session (the caller
    commits). For writes that bypass the ORM; ORM changes are bumped by the hook below."""
    from ..extensions import db

    return bump_on(db.session.connection(), class_ids)


def of_pupil(connection_or_session, student_id):
    """[(class_id, revision)] of every class the pupil ever belonged to, by class id: what the
    pupil's diary pages show depends on these (a past week shows the class of that week). Read
    once per request: taken from `pupil_column`'s answer when the access check carried it."""
    known = memberships_known(student_id)
    if known is not None:
        return [(class_id, revision) for class_id, _since, _until, revision, _school in known]
    return [tuple(r) for r in connection_or_session.execute(
        select(ClassMembership.class_id, func.coalesce(ClassRevision.revision, 0))
        .outerjoin(ClassRevision, ClassRevision.class_id == ClassMembership.class_id)
        .where(ClassMembership.student_id == student_id).order_by(ClassMembership.class_id)).all()]


def pupil_column(student_id_column):
    """A column for a query that already reads the pupil (the access check of every family page,
    app.diary.family): the pupil's memberships with their classes' revisions and schools as one
    string, "class:revision:since:until:school,…", so neither the ETag, the week's read model nor
    the pupil's class of the day needs a query of its own. `remember` the value it gave."""
    def text(column):
        return func.coalesce(cast(column, String), literal(""))

    item = (cast(ClassMembership.class_id, String) + literal(":")
            + cast(func.coalesce(ClassRevision.revision, 0), String) + literal(":")
            + text(ClassMembership.since) + literal(":") + text(ClassMembership.until) + literal(":")
            + cast(SchoolClass.school_id, String))
    return (select(func.aggregate_strings(item, ","))
            .select_from(ClassMembership)
            .join(SchoolClass, SchoolClass.id == ClassMembership.class_id)
            .outerjoin(ClassRevision, ClassRevision.class_id == ClassMembership.class_id)
            .where(ClassMembership.student_id == student_id_column)
            .scalar_subquery().label("class_revisions"))


def remember(student_id, value):
    """The answer of `pupil_column` for this pupil, for the rest of the request."""
    rows = []
    for item in (value or "").split(","):
        if item:
            class_id, revision, since, until, school_id = item.split(":")
            rows.append((int(class_id), date.fromisoformat(since) if since else None,
                         date.fromisoformat(until) if until else None, int(revision), int(school_id)))
    _known()[student_id] = sorted(rows, key=lambda row: row[0])


def memberships_known(student_id):
    """[(class_id, since, until, revision, school_id)] of the pupil's memberships by class id, as
    this request's access check read them; None when it did not."""
    return _known().get(student_id)


def _known():
    if not has_request_context():
        return {}
    if "_class_revisions" not in g:
        g._class_revisions = {}
    return g._class_revisions


def revision_of(connection_or_session, class_id):
    return connection_or_session.execute(
        select(ClassRevision.revision).where(ClassRevision.class_id == class_id)).scalar() or 0


# --------------------------------------------------------------------------- the ORM hook
def _values(obj, name):
    """The attribute's current value and the one it had before this flush (a moved row counts
    for both)."""
    history = inspect(obj).attrs[name].history
    return [v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None]


def _touched(session):
    """(class ids, lesson ids, pupil ids, school ids, year ids) of the rows this flush writes."""
    classes, lessons, pupils, schools, years = set(), set(), set(), set(), set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, (Lesson, ClassMembership)):
            classes.update(_values(obj, "class_id"))
        elif isinstance(obj, (Grade, Attendance, Remark)):
            lesson_ids = _values(obj, "lesson_id")
            lessons.update(lesson_ids)
            if not lesson_ids:
                pupils.update(_values(obj, "student_id"))
        elif isinstance(obj, (SchoolEvent, ParentMeeting)):
            class_ids = _values(obj, "class_id")
            classes.update(class_ids)
            if not class_ids:
                schools.update(_values(obj, "school_id"))
        elif isinstance(obj, AcademicYear):
            schools.update(_values(obj, "school_id"))
        elif isinstance(obj, Period):
            years.update(_values(obj, "year_id"))
    return classes, lessons, pupils, schools, years


@event.listens_for(Session, "after_flush")
def _bump_changed_classes(session, _context):
    """After the flush (new rows have their ids, new classes exist: the FK holds), before the
    commit: the bump is part of the same transaction."""
    classes, lessons, pupils, schools, years = _touched(session)
    if not (classes or lessons or pupils or schools or years):
        return
    connection = session.connection()
    if years:
        schools.update(connection.execute(select(AcademicYear.school_id).where(
            AcademicYear.id.in_(sorted(years)))).scalars())
    if schools:
        classes.update(connection.execute(select(SchoolClass.id).where(
            SchoolClass.school_id.in_(sorted(schools)))).scalars())
    if lessons:
        classes.update(connection.execute(select(Lesson.class_id).where(Lesson.id.in_(sorted(lessons)))).scalars())
    if pupils:
        classes.update(connection.execute(select(ClassMembership.class_id).where(
            ClassMembership.student_id.in_(sorted(pupils)))).scalars())
    bump_on(connection, classes)
