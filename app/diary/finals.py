"""Final grades per period — «I четверть», «II полугодие», «Год», «Экзамен» — entered by the
teacher of a class × subject in the journal's «Итоговые» view, and read by the family as a table by
period. The columns are the school's periods of the current year (app.diary.school_year), then the
year and the exam; a period that has not started yet takes no grade. Every write re-checks the
teacher's scope (app.diary.journal) and the pupil's class, is audited and notifies the family
through the outbox in one transaction."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import select

from .. import clock
from ..domain_error import DomainError
from ..extensions import db
from ..models import Grade, GradeKind, PeriodKind
from ..notify.routing import notify
from . import grading, journal, membership, school_year


@dataclass
class Column:
    key: str  # "p<period id>", "year", "exam": the form's field names
    kind: str
    title: str
    period_id: int | None
    starts_on: date | None
    closes_on: date  # the date the final grade is dated

    @property
    def is_open(self):
        return self.starts_on is None or grading.lesson_is_open(self.starts_on)


def columns(school_id, today=None, calendar=None):
    """The columns of the school's current year; `calendar`: the school's school_year.Calendar
    when the caller has loaded it (the year and its periods are then read from it, no query)."""
    today = today or clock.today()
    if calendar is None:
        year = school_year.current_year(school_id, today)
        year_periods = school_year.periods(year)
    else:
        year = calendar.year_of(today)
        year_periods = calendar.periods_of(year)
    start, end = school_year.dates_of(year, today)
    # the quarters, then the half-years (a school keeps one or the other, some both), the year, the exam
    result = [Column(f"p{p.id}", GradeKind.QUARTER if p.kind == PeriodKind.QUARTER else GradeKind.HALF_YEAR,
                     school_year.period_name(p), p.id, p.starts_on, min(p.ends_on, today))
              for p in sorted(year_periods, key=lambda p: (p.kind != PeriodKind.QUARTER, p.starts_on))]
    result.append(Column("year", GradeKind.YEAR, school_year.period_title(GradeKind.YEAR), None, start,
                         min(end, today)))
    result.append(Column("exam", GradeKind.EXAM, school_year.period_title(GradeKind.EXAM), None, start,
                         min(end, today)))
    return result


def _key(column_of, grade, calendar):
    if grade.kind in (GradeKind.YEAR, GradeKind.EXAM):
        return grade.kind
    period = calendar.period_of(grade.kind, grade.date, grade.period_id)
    return f"p{period.id}" if period is not None and f"p{period.id}" in column_of else None


@dataclass
class Sheet:
    assignment: object
    columns: list
    pupils: list
    values: dict  # (student_id, column key) -> value


def sheet(assignment):
    school_id = assignment.school_class.school_id
    cols = columns(school_id)
    start, end = school_year.year_dates(school_id)
    pupils = membership.pupils(assignment.class_id, start, min(end, clock.today()))
    grades = _finals(assignment, [p.id for p in pupils], start, end)
    calendar = school_year.Calendar(school_id)
    column_of = {c.key: c for c in cols}
    values = {}
    for g in grades:
        key = _key(column_of, g, calendar)
        if key is not None:
            values.setdefault((g.student_id, key), g.value)
    return Sheet(assignment, cols, pupils, values)


def _finals(assignment, student_ids, start, end):
    return db.session.execute(select(Grade).where(
        Grade.student_id.in_(student_ids or [-1]), Grade.subject_id == assignment.subject_id,
        Grade.kind.in_(GradeKind.FINAL), Grade.date >= start, Grade.date <= end).order_by(Grade.id)).scalars().all()


def set_final(actor, assignment, student_id, column_key, value):
    """Save (or clear) one final grade; commits with its audit event and the family's notice."""
    school_id = assignment.school_class.school_id
    column = next((c for c in columns(school_id) if c.key == column_key), None)
    if column is None:
        raise journal.JournalError(gettext("There is no such period in this school year."), 404)
    if not column.is_open:
        message = gettext("A final grade for %(period)s can be given once it has begun.", period=column.title)
        raise journal.JournalError(message, fields={column_key: message})
    value = grading.grade_value(value, column_key)
    student = journal.pupil_on(assignment, student_id, column.closes_on)
    start, end = school_year.year_dates(school_id)
    calendar = school_year.Calendar(school_id)
    column_of = {column.key: column}
    existing = [g for g in _finals(assignment, [student.id], start, end) if _key(column_of, g, calendar) == column.key]
    grade = existing[0] if existing else None
    old = grade.value if grade else None
    if value == old:
        return value
    try:
        if value is None:
            db.session.delete(grade)
        elif grade is None:
            db.session.add(Grade(student_id=student.id, subject_id=assignment.subject_id, lesson_id=None,
                                 period_id=column.period_id, date=column.closes_on, value=value, kind=column.kind,
                                 teacher_id=actor.user_id))
        else:
            grade.value, grade.teacher_id, grade.updated_at = value, actor.user_id, clock.utcnow()
        event = journal.audit(actor, "final_set", "student", student.id,
                              {"subject": assignment.subject.name, "period": str(column.title),
                               "kind": column.kind, "from": old, "to": value})
        if value is not None:
            notify("grade", student.id, gettext("Final grade: %(name)s", name=student.first_name),
                   gettext("%(subject)s, %(period)s: %(value)s.", subject=assignment.subject.name,
                           period=column.title, value=value), event.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return value


def save_sheet(actor, assignment, form):
    """Every changed cell of the «Итоговые» form: {(student id, key): message} of the refused ones."""
    current = sheet(assignment)
    errors = {}
    for pupil in current.pupils:
        for column in current.columns:
            typed = form.get(f"final-{pupil.id}-{column.key}")
            if typed is None:
                continue
            if (typed.strip().lower() or None) == current.values.get((pupil.id, column.key)):
                continue
            try:
                set_final(actor, assignment, pupil.id, column.key, typed)
            except DomainError as exc:
                db.session.rollback()
                errors[(pupil.id, column.key)] = exc.message
    return errors


def family_table(student):
    """The family's «Итоговые оценки»: {"columns": [titles], "rows": [{"subject", "values": {title: value}}]}
    — every period of the school's current year by its name, then «Год» and «Экзамен»; grades of
    the year that the tables cannot place are shown under their kind's name."""
    today = clock.today()
    calendar = school_year.Calendar(student.school_id)  # the years and periods: two queries for all of it
    cols = [c.title for c in columns(student.school_id, today, calendar)]
    start, end = school_year.dates_of(calendar.year_of(today), today)
    rows = {}
    for g in db.session.execute(select(Grade).where(
            Grade.student_id == student.id, Grade.kind.in_(GradeKind.FINAL),
            Grade.date >= start, Grade.date <= end).order_by(Grade.date, Grade.id)).scalars():
        title = calendar.name_of(g.kind, g.date, g.period_id) or str(GradeKind(g.kind).label)
        if title not in cols:
            cols.append(title)
        rows.setdefault(g.subject.name, {}).setdefault(title, g.value)
    return {"columns": [str(c) for c in cols] if rows else [],
            "rows": [{"subject": name, "values": values} for name, values in sorted(rows.items())]}
