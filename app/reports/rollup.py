"""Pre-aggregated figures of the district reports (tables in app.models):

- class_month_stat / school_month_stat — grades and attendance by class (school), subject, month;
- application_month_stat — applications by school, month of submission and state (the funnel);
- approval_days_stat — approvals by school, month and whole days to approval (medians, 90th
  percentiles);
- coverage_stat / school_access_stat — pupils with a connected representative by class; parents
  who never logged in, invitations sent and accepted, by school.

A city holds ~18 million grades a month and 1.2 million applications a year; no report page can
sum them on request. `refresh()` recomputes the tables in SQL (INSERT … SELECT … GROUP BY, on
PostgreSQL and SQLite alike) in one transaction, and the reports read them. Grades: by default
only the current and the previous month (older ones rarely change), everything with
`full=True`; `school_id` limits the work to one school (after an import). Run it from cron:
`flask reports refresh` (hourly); the report pages say when it last ran. Only the backlog (who
waits now) is read live."""
from datetime import date, timedelta

from sqlalchemy import Date, Integer, and_, case, cast, delete, func, insert, literal, or_, select, text, union_all

from .. import clock
from ..access import grant_is_active
from ..diary.membership import holds_on
from ..extensions import db
from ..models import (
    AccessGrant,
    Application,
    ApplicationMonthStat,
    ApplicationState,
    ApprovalDaysStat,
    Attendance,
    AttendanceMark,
    ClassMembership,
    ClassMonthStat,
    CoverageStat,
    Identity,
    Invitation,
    Relation,
    SchoolAccessStat,
    Grade,
    GradeKind,
    Lesson,
    ReportRefresh,
    SchoolClass,
    SchoolMonthStat,
    Student,
    Subject,
    utcnow,
)

NAME = "reports"
NUMERIC = ("1", "2", "3", "4", "5")
ABSENT = (AttendanceMark.ABSENT, AttendanceMark.ILL, AttendanceMark.EXCUSED)


def month_of(column):
    """The first day of the column's month, as a date, on both databases."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return func.date(column, "start of month")


def first_of_month(day):
    return day.replace(day=1)


def default_since(today=None):
    """The first day of the previous month."""
    today = today or clock.today()
    return first_of_month(first_of_month(today) - timedelta(days=1))


def _class_figures(since, school_id):
    """One SELECT: (school_id, class_name, subject, month, grades_sum, grades_count, pupil_lessons,
    absences, lates) by class, subject and month, from grades, lessons and attendance. A grade
    counts for the class the pupil was in on its day, a lesson for the pupils in its class on its
    day (the class memberships, app.diary.membership)."""
    zero = literal(0)
    grade_month = month_of(Grade.date)
    grades = (
        select(SchoolClass.school_id.label("school_id"), SchoolClass.name.label("class_name"),
               Subject.name.label("subject"), grade_month.label("month"),
               func.sum(cast(Grade.value, Integer)).label("grades_sum"), func.count().label("grades_count"),
               zero.label("pupil_lessons"), zero.label("absences"), zero.label("lates"))
        .select_from(Grade)
        .join(ClassMembership, and_(ClassMembership.student_id == Grade.student_id, holds_on(Grade.date)))
        .join(SchoolClass, SchoolClass.id == ClassMembership.class_id).join(Subject, Subject.id == Grade.subject_id)
        .where(Grade.kind.in_(GradeKind.LESSON), Grade.value.in_(NUMERIC), Grade.date >= since)
        .group_by(SchoolClass.school_id, SchoolClass.name, Subject.name, grade_month)
    )
    lesson_month = month_of(Lesson.date)
    lessons = (
        select(SchoolClass.school_id, SchoolClass.name, Subject.name, lesson_month,
               zero, zero, func.count(ClassMembership.id), zero, zero)
        .select_from(Lesson).join(SchoolClass, SchoolClass.id == Lesson.class_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(ClassMembership, and_(ClassMembership.class_id == Lesson.class_id, holds_on(Lesson.date)))
        .where(Lesson.date >= since)
        .group_by(SchoolClass.school_id, SchoolClass.name, Subject.name, lesson_month)
    )
    marks = (
        select(SchoolClass.school_id, SchoolClass.name, Subject.name, lesson_month, zero, zero, zero,
               func.sum(case((Attendance.mark.in_(ABSENT), 1), else_=0)),
               func.sum(case((Attendance.mark == AttendanceMark.LATE, 1), else_=0)))
        .select_from(Attendance).join(Lesson, Lesson.id == Attendance.lesson_id)
        .join(SchoolClass, SchoolClass.id == Lesson.class_id).join(Subject, Subject.id == Lesson.subject_id)
        .where(Lesson.date >= since)
        .group_by(SchoolClass.school_id, SchoolClass.name, Subject.name, lesson_month)
    )
    if school_id is not None:
        grades = grades.where(SchoolClass.school_id == school_id)
        lessons = lessons.where(SchoolClass.school_id == school_id)
        marks = marks.where(SchoolClass.school_id == school_id)
    parts = union_all(grades, lessons, marks).subquery()
    return (
        select(parts.c.school_id, parts.c.class_name, parts.c.subject, parts.c.month,
               func.sum(parts.c.grades_sum), func.sum(parts.c.grades_count), func.sum(parts.c.pupil_lessons),
               func.sum(parts.c.absences), func.sum(parts.c.lates))
        .group_by(parts.c.school_id, parts.c.class_name, parts.c.subject, parts.c.month)
    )


FIGURES = ["grades_sum", "grades_count", "pupil_lessons", "absences", "lates"]
TABLES = (ClassMonthStat, SchoolMonthStat, ApplicationMonthStat, ApprovalDaysStat, CoverageStat, SchoolAccessStat)


def refresh(full=False, school_id=None, today=None):
    """Recompute the figures (grades: from the previous month on, or everything with full=True;
    the rest: everything; one school or all) in one transaction. Returns the number of class
    rows of grades written."""
    since = date(1900, 1, 1) if full else default_since(today)
    for model in (ClassMonthStat, SchoolMonthStat):
        stale = delete(model).where(model.month >= since)
        if school_id is not None:
            stale = stale.where(model.school_id == school_id)
        db.session.execute(stale)
    written = db.session.execute(
        insert(ClassMonthStat).from_select(
            ["school_id", "class_name", "subject", "month"] + FIGURES, _class_figures(since, school_id))
    ).rowcount
    by_school = (
        select(ClassMonthStat.school_id, ClassMonthStat.subject, ClassMonthStat.month,
               *(func.sum(getattr(ClassMonthStat, f)) for f in FIGURES))
        .where(ClassMonthStat.month >= since)
        .group_by(ClassMonthStat.school_id, ClassMonthStat.subject, ClassMonthStat.month)
    )
    if school_id is not None:
        by_school = by_school.where(ClassMonthStat.school_id == school_id)
    db.session.execute(insert(SchoolMonthStat).from_select(["school_id", "subject", "month"] + FIGURES, by_school))
    _refresh_applications(school_id)
    _refresh_coverage(school_id)
    mark = db.session.get(ReportRefresh, NAME)
    if mark is None:
        mark = ReportRefresh(name=NAME)
        db.session.add(mark)
    mark.refreshed_at = utcnow()
    mark.rows = db.session.scalar(select(func.count()).select_from(ClassMonthStat))
    if db.engine.dialect.name == "postgresql":  # the planner must know the new sizes at once
        for model in TABLES:
            db.session.execute(text(f"ANALYZE {model.__tablename__}"))
    db.session.commit()
    return written


def _days_to_decision():
    """Whole days from submission to the decision, rounded up."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.ceil(func.extract("epoch", Application.decided_at - Application.created_at) / 86400), Integer)
    return cast(func.julianday(Application.decided_at) - func.julianday(Application.created_at) + 0.999999, Integer)


def _replace(model, school_id, columns, query):
    stale = delete(model)
    if school_id is not None:
        stale = stale.where(model.school_id == school_id)
    db.session.execute(stale)
    db.session.execute(insert(model).from_select(columns, query))


def _refresh_applications(school_id):
    month = month_of(clock.local_sql(Application.created_at))  # the local month of submission
    scope = Application.school_id == school_id if school_id is not None else Application.id.isnot(None)
    _replace(ApplicationMonthStat, school_id, ["school_id", "month", "state", "applications"],
             select(Application.school_id, month, Application.state, func.count()).where(scope)
             .group_by(Application.school_id, month, Application.state))
    days = _days_to_decision()
    _replace(ApprovalDaysStat, school_id, ["school_id", "month", "days", "applications"],
             select(Application.school_id, month, days, func.count())
             .where(scope, Application.state.in_((ApplicationState.APPROVED, ApplicationState.NOTIFIED)),
                    Application.decided_at.isnot(None))
             .group_by(Application.school_id, month, days))


def _refresh_coverage(school_id):
    connected = (select(AccessGrant.student_id).where(AccessGrant.relation == Relation.REPRESENTATIVE,
                                                      grant_is_active()).distinct().subquery())
    today = clock.today()  # pupils by the class they are in today (no class: the empty name)
    current = (select(ClassMembership.student_id, SchoolClass.name)
               .join(SchoolClass, SchoolClass.id == ClassMembership.class_id)
               .where(holds_on(today)).subquery())
    class_name = func.coalesce(current.c.name, "")
    pupils = (select(Student.school_id, class_name, func.count(Student.id), func.count(connected.c.student_id))
              .select_from(Student)
              .outerjoin(current, current.c.student_id == Student.id)
              .outerjoin(connected, connected.c.student_id == Student.id)
              .group_by(Student.school_id, class_name))
    if school_id is not None:
        pupils = pupils.where(Student.school_id == school_id)
    _replace(CoverageStat, school_id, ["school_id", "class_name", "pupils", "connected"], pupils)
    zero = literal(0)
    never = (select(Student.school_id.label("school_id"), func.count(func.distinct(AccessGrant.user_id)).label("never"),
                    zero.label("sent"), zero.label("accepted"))
             .select_from(AccessGrant).join(Identity, Identity.user_id == AccessGrant.user_id)
             .join(Student, Student.id == AccessGrant.student_id)
             .where(grant_is_active(),
                    or_(Identity.last_login_at.is_(None), Identity.last_login_at < AccessGrant.granted_at))
             .group_by(Student.school_id))
    invited = (select(Student.school_id, zero, func.count(Invitation.id),
                      func.sum(case((Invitation.state == "accepted", 1), else_=0)))
               .select_from(Invitation).join(Student, Student.id == Invitation.student_id)
               .group_by(Student.school_id))
    if school_id is not None:
        never = never.where(Student.school_id == school_id)
        invited = invited.where(Student.school_id == school_id)
    parts = union_all(never, invited).subquery()
    _replace(SchoolAccessStat, school_id, ["school_id", "never_logged_in", "invitations_sent", "invitations_accepted"],
             select(parts.c.school_id, func.sum(parts.c.never), func.sum(parts.c.sent), func.sum(parts.c.accepted))
             .group_by(parts.c.school_id))


def refreshed_at():
    """When the figures were last recomputed, in the service's time zone (TIMEZONE)."""
    mark = db.session.get(ReportRefresh, NAME)
    return clock.to_local(mark.refreshed_at) if mark is not None else None
