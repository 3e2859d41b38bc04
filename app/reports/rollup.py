"""Pre-aggregated academic figures: class_month_stat and school_month_stat (app.models).

A city's month holds ~18 million grades; no report page can sum them on request. `refresh()`
recomputes the figures by class, subject and month in SQL (INSERT … SELECT … GROUP BY, on
PostgreSQL and SQLite alike) and the reports read these tables. By default only the current and
the previous month are recomputed (grades of older months rarely change); `full=True` recomputes
everything; `school_id` limits the work to one school (after an import). Run it from cron or a
timer: `flask reports refresh` (hourly is plenty); the report pages say when it last ran."""
from datetime import date, timedelta

from sqlalchemy import Date, Integer, and_, case, cast, delete, func, insert, literal, select, union_all

from ..extensions import db
from ..models import (
    Attendance,
    AttendanceMark,
    ClassMonthStat,
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

NAME = "academic"
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
    today = today or date.today()
    return first_of_month(first_of_month(today) - timedelta(days=1))


def _class_figures(since, school_id):
    """One SELECT: (school_id, class_name, subject, month, grades_sum, grades_count, pupil_lessons,
    absences, lates) by class, subject and month, from grades, lessons and attendance."""
    zero = literal(0)
    grade_month = month_of(Grade.date)
    grades = (
        select(Student.school_id.label("school_id"), Student.class_name.label("class_name"),
               Subject.name.label("subject"), grade_month.label("month"),
               func.sum(cast(Grade.value, Integer)).label("grades_sum"), func.count().label("grades_count"),
               zero.label("pupil_lessons"), zero.label("absences"), zero.label("lates"))
        .select_from(Grade).join(Student, Student.id == Grade.student_id).join(Subject, Subject.id == Grade.subject_id)
        .where(Grade.kind.in_((GradeKind.CURRENT, GradeKind.TEST)), Grade.value.in_(NUMERIC), Grade.date >= since)
        .group_by(Student.school_id, Student.class_name, Subject.name, grade_month)
    )
    pupils = (select(Student.school_id, Student.class_name, func.count().label("n"))
              .group_by(Student.school_id, Student.class_name).subquery())
    lesson_month = month_of(Lesson.date)
    lessons = (
        select(SchoolClass.school_id, SchoolClass.name, Subject.name, lesson_month,
               zero, zero, func.sum(func.coalesce(pupils.c.n, 0)), zero, zero)
        .select_from(Lesson).join(SchoolClass, SchoolClass.id == Lesson.class_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(pupils, and_(pupils.c.school_id == SchoolClass.school_id, pupils.c.class_name == SchoolClass.name))
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
        grades = grades.where(Student.school_id == school_id)
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


def refresh(full=False, school_id=None, today=None):
    """Recompute the figures (from the previous month on, or everything with full=True; one
    school or all) in one transaction. Returns the number of class rows written."""
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
    mark = db.session.get(ReportRefresh, NAME)
    if mark is None:
        mark = ReportRefresh(name=NAME)
        db.session.add(mark)
    mark.refreshed_at = utcnow()
    mark.rows = db.session.scalar(select(func.count()).select_from(ClassMonthStat))
    db.session.commit()
    return written


def refreshed_at():
    """When the figures were last recomputed, in the service's time zone (TIMEZONE)."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    mark = db.session.get(ReportRefresh, NAME)
    if mark is None:
        return None
    return mark.refreshed_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
