"""The teachers' journal: for an own class × subject, the grid of pupils × lessons, and the writes
(grade and attendance per cell, topic and homework per lesson, remarks). Every write re-checks
that the teacher teaches this class and subject (or is an admin), and records an audit event with
the old and the new value, in the same transaction."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext
from sqlalchemy import select

from .. import access, clock, formats, inputs
from ..domain_error import DomainError
from ..extensions import db
from ..names import FullName, attendance_label
from ..notify.routing import notify, notify_all
from . import grading, membership, queries
from ..models import (
    GRADE_VALUES,
    Attendance,
    AttendanceMark,
    AuditEvent,
    ClassMembership,
    Grade,
    GradeKind,
    Lesson,
    Remark,
    Student,
    TeachingAssignment,
    utcnow,
)


class JournalError(DomainError):
    """A refused journal write: `message` is Russian, `status` the HTTP status to answer, `fields`
    the form fields it is about."""

    def __init__(self, message, status=400, fields=None):
        super().__init__(message, fields, status)


def assignments_of(actor):
    """The classes × subjects of the actor's journal (app.access.teaching)."""
    return access.teaching_assignments(actor)


def assignment_for(actor, assignment_id):
    """The assignment if the actor may work on it (app.access.teaching); JournalError 404
    otherwise (no hint that it exists)."""
    assignment = access.teaching_assignment(actor, assignment_id)
    if assignment is None:
        raise JournalError(gettext("There is no such class in your journal."), 404)
    return assignment


def pupils_of(assignment, date_from=None, date_to=None):
    """The pupils of the assignment's class on some day of date_from..date_to (default: today),
    by the class memberships (app.diary.membership)."""
    return membership.pupils(assignment.class_id, date_from, date_to)


@dataclass
class Grid:
    assignment: TeachingAssignment
    date_from: date
    date_to: date
    pupils: list
    lessons: list
    cells: dict  # (student_id, lesson_id) -> "5 Н"
    spans: dict  # student_id -> [(since, until)] of the pupil's membership of this class
    grades: dict  # (student_id, lesson_id) -> the Grade the cell shows (its kind, weight, remark)
    today: date

    def grade(self, student_id, lesson_id):
        return self.grades.get((student_id, lesson_id))

    def is_open(self, lesson):
        """Whether the lesson may be graded (it took place today or before: app.diary.grading)."""
        return grading.lesson_is_open(lesson.date, self.today)

    def today_index(self):
        """The index of the column to show on opening: the last lesson up to today."""
        past = [i for i, lesson in enumerate(self.lessons) if lesson.date <= self.today]
        return past[-1] if past else 0

    def cell(self, student_id, lesson_id):
        return self.cells.get((student_id, lesson_id), "")

    def member(self, student_id, lesson):
        """Whether the pupil was in this class on the lesson's day (a moved pupil's other days
        are not this journal's to write)."""
        return any(membership.holds(since, until, lesson.date) for since, until in self.spans.get(student_id, ()))


def grid(assignment, date_from=None, date_to=None):
    date_to = date_to or clock.today() + timedelta(days=7)
    date_from = date_from or date_to - timedelta(days=35)
    lessons = db.session.execute(
        select(Lesson).where(Lesson.class_id == assignment.class_id,
                             Lesson.subject_id == assignment.subject_id,
                             Lesson.date >= date_from, Lesson.date <= date_to)
        .order_by(Lesson.date, Lesson.number)
    ).scalars().all()
    pupils = pupils_of(assignment, date_from, date_to)
    spans = {}
    for student_id, since, until in db.session.execute(
            select(ClassMembership.student_id, ClassMembership.since, ClassMembership.until)
            .where(ClassMembership.class_id == assignment.class_id)):
        spans.setdefault(student_id, []).append((since, until))
    cells, grades = {}, {}
    ids = [lesson.id for lesson in lessons]
    if ids:
        for g in db.session.execute(select(Grade).where(Grade.lesson_id.in_(ids), Grade.kind.in_(GradeKind.LESSON))
                                    .order_by(Grade.id)).scalars():
            grades.setdefault((g.student_id, g.lesson_id), g)
        cells.update({key: g.value for key, g in grades.items()})
        for a in db.session.execute(select(Attendance).where(Attendance.lesson_id.in_(ids))).scalars():
            key = (a.student_id, a.lesson_id)
            cells[key] = f"{cells[key]} {a.mark}" if key in cells else a.mark
    return Grid(assignment, date_from, date_to, pupils, lessons, cells, spans, grades, clock.today())


def parse_cell(text):
    """'5', 'Н', '4 ОП', '' -> (grade or None, mark or None); JournalError for anything else."""
    grade = mark = None
    for token in text.replace(",", " ").split():
        token_lower = token.lower()
        if token_lower in GRADE_VALUES and grade is None:
            grade = token_lower
        elif AttendanceMark.get(token.upper()) is not None and mark is None:
            mark = token.upper()
        else:
            raise JournalError(gettext(
                "Enter a grade 1–5, зч or нзч and/or an attendance mark Н, Б, ОП or УП."))
    return grade, mark


def lesson_of(assignment, lesson_id):
    """The lesson if it is in this journal (class × subject), else JournalError 404."""
    return _lesson_in(assignment, lesson_id)


def _lesson_in(assignment, lesson_id):
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.class_id != assignment.class_id or lesson.subject_id != assignment.subject_id:
        raise JournalError(gettext("This lesson is not in this journal."), 404)
    return lesson


def _pupil_in(assignment, student_id, lesson):
    """The pupil, if in the assignment's class on the lesson's day (by the class memberships)."""
    student = db.session.get(Student, student_id)
    if student is None or not membership.in_class(student.id, assignment.class_id, lesson.date):
        raise JournalError(gettext("This pupil is not in this class."), 404)
    return student


def pupil_on(assignment, student_id, day):
    """The pupil if in the assignment's class on `day`, else JournalError 404."""
    student = db.session.get(Student, student_id) if isinstance(student_id, int) else None
    if student is None or not membership.in_class(student.id, assignment.class_id, day):
        raise JournalError(gettext("This pupil is not in this class."), 404)
    return student


def _text(value, field, max_length, too_long, multiline=False):
    """Typed text: control characters stripped (app.inputs), at most `max_length` characters."""
    if value is not None and not isinstance(value, str):
        raise JournalError(gettext("Enter text."), fields={field: gettext("Enter text.")})
    value = inputs.clean(value or "").strip()
    if not multiline:
        value = " ".join(value.split())
    if len(value) > max_length:
        raise JournalError(too_long, fields={field: too_long})
    return value


def audit(actor, action, object_type, object_id, details):
    """An audit event of a journal write, in the write's transaction."""
    return _audit(actor, action, object_type, object_id, details)


def _audit(actor, action, object_type, object_id, details):
    event = AuditEvent(actor_id=actor.user_id, actor_label=actor.label, action=action,
                       object_type=object_type, object_id=object_id, details=details)
    db.session.add(event)
    db.session.flush()
    return event


def _when(lesson):
    return f"{formats.date(lesson.date)}, {lesson.subject.name}"


def cell_grade(student, lesson):
    """The pupil's grade of this lesson that the cell shows: the first of the lesson kinds (a
    lesson may carry an answer and a test grade from an import; the cell is the first)."""
    rows = db.session.execute(select(Grade).where(
        Grade.student_id == student.id, Grade.lesson_id == lesson.id,
        Grade.kind.in_(GradeKind.LESSON)).order_by(Grade.id)).scalars().all()
    return rows[0] if rows else None


def _kind_taken(grade, student, lesson, kind):
    """Whether another grade of this kind is on the lesson already (one of a kind per lesson)."""
    return db.session.execute(select(Grade.id).where(
        Grade.student_id == student.id, Grade.lesson_id == lesson.id, Grade.kind == kind,
        Grade.id != (grade.id if grade else -1))).first() is not None


def set_cell(actor, assignment, student_id, lesson_id, text, kind=None, weight=None, remark=None):
    """Save one cell — the grade (its kind of work, weight and remark) and the attendance mark of
    one pupil on one lesson; returns the cell's new text. The rules of a grade are
    app.diary.grading's (a lesson that has not taken place yet is refused). One transaction with
    its audit events and the families' notifications."""
    lesson = _lesson_in(assignment, lesson_id)
    student = _pupil_in(assignment, student_id, lesson)
    grade_value, mark = parse_cell(text or "")
    if kind is not None:
        kind = grading.lesson_kind(kind)
    remark = grading.remark(remark) if remark is not None else None
    try:
        grade = cell_grade(student, lesson)
        kind = kind or (grade.kind if grade else GradeKind.CURRENT)
        weight = grading.weight(weight, kind) if weight is not None or grade is None or grade.kind != kind \
            else grade.weight
        old = (grade.value, grade.kind, grade.weight, grade.remark) if grade else None
        new = (grade_value, kind, weight, remark if remark is not None else (grade.remark if grade else "")) \
            if grade_value is not None else None
        attendance = db.session.execute(select(Attendance).where(
            Attendance.student_id == student.id, Attendance.lesson_id == lesson.id)).scalar_one_or_none()
        old_mark = attendance.mark if attendance else None
        if new is not None and new != old:
            grading.check_lesson_open(lesson.date)
            if _kind_taken(grade, student, lesson, kind):
                message = gettext("The pupil already has a grade of this kind for this lesson.")
                raise JournalError(message, fields={"kind": message})
        if mark is not None and mark != old_mark:
            grading.check_attendance_open(lesson.date)
        if new != old:
            if new is None:
                db.session.delete(grade)
            elif grade is None:
                db.session.add(Grade(student_id=student.id, subject_id=lesson.subject_id, lesson_id=lesson.id,
                                     date=lesson.date, value=new[0], kind=new[1], weight=new[2], remark=new[3],
                                     teacher_id=actor.user_id))
            else:
                grade.value, grade.kind, grade.weight, grade.remark = new
                grade.updated_at, grade.teacher_id = utcnow(), actor.user_id
            event = _audit(actor, "grade_set", "student", student.id,
                           {"lesson": lesson.id, "date": lesson.date.isoformat(),
                            "subject": lesson.subject.name, "from": old[0] if old else None,
                            "to": grade_value, "kind": kind, "weight": new[2] if new else None,
                            "remark": new[3] if new else None})
            if new is not None and (old is None or old[0] != new[0]):
                db.session.flush()  # the new grade counts in the average the notice gives
                body = _grade_text(new, lesson)
                average = queries.subject_average(student, lesson.subject_id, lesson.date)
                if average is not None:
                    body += " " + gettext("Average in the subject: %(average)s.", average=formats.decimal(average))
                notify("grade", student.id, gettext("New grade: %(name)s", name=student.first_name),
                       body, event.id)
        if mark != old_mark:
            if mark is None:
                db.session.delete(attendance)
            elif attendance is None:
                db.session.add(Attendance(student_id=student.id, lesson_id=lesson.id, mark=mark,
                                          teacher_id=actor.user_id))
            else:
                attendance.mark, attendance.teacher_id = mark, actor.user_id
            event = _audit(actor, "attendance_set", "student", student.id,
                           {"lesson": lesson.id, "date": lesson.date.isoformat(), "from": old_mark,
                            "to": mark})
            if mark is not None:
                notify("absence", student.id, gettext("Attendance: %(name)s", name=student.first_name),
                       gettext("%(mark)s — %(when)s.", mark=attendance_label(mark, student),
                               when=_when(lesson)), event.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return " ".join(p for p in (grade_value, mark) if p)


def _grade_text(new, lesson):
    value, kind, weight, remark = new
    text = gettext("%(value)s — %(when)s.", value=value, when=_when(lesson))
    if kind != GradeKind.CURRENT:
        text = gettext("%(value)s (%(kind)s, weight %(weight)s) — %(when)s.", value=value,
                       kind=str(GradeKind(kind).label).lower(), weight=weight, when=_when(lesson))
    return f"{text} {remark}" if remark else text


def set_lesson(actor, assignment, lesson_id, topic, homework):
    lesson = _lesson_in(assignment, lesson_id)
    topic = _text(topic, "topic", 500, gettext("The topic is too long (at most 500 characters)."))
    homework = _text(homework, "homework", 5000,
                     gettext("The homework is too long (at most 5000 characters)."), multiline=True)
    changes = {}
    if topic != lesson.topic:
        changes["topic"] = {"from": lesson.topic, "to": topic}
        lesson.topic = topic
    if homework != lesson.homework:
        changes["homework"] = {"from": lesson.homework, "to": homework}
        lesson.homework = homework
    if changes:
        event = _audit(actor, "lesson_set", "lesson", lesson.id, changes)
        if "homework" in changes and homework:  # every family of the class at once (notify_all)
            notify_all("homework", [
                (pupil.id, gettext("Homework for %(name)s: %(subject)s",
                                   name=FullName.of(pupil).first_declined("genitive"), subject=lesson.subject.name),
                 f"{formats.date(lesson.date)}: {homework}", f"{event.id}:{pupil.id}")
                for pupil in pupils_of(assignment, lesson.date)])
    db.session.commit()
    return lesson


def add_remark(actor, assignment, student_id, lesson_id, text):
    lesson = _lesson_in(assignment, lesson_id)
    student = _pupil_in(assignment, student_id, lesson)
    text = _text(text, "text", 1000, gettext("The remark is too long (at most 1000 characters)."),
                 multiline=True)
    if not text:
        raise JournalError(gettext("Write the remark."))
    remark = Remark(student_id=student.id, lesson_id=lesson.id, subject_id=lesson.subject_id,
                    teacher_id=actor.user_id, date=lesson.date, text=text)
    db.session.add(remark)
    db.session.flush()
    event = _audit(actor, "remark_added", "student", student.id, {"lesson": lesson.id, "text": text})
    notify("remark", student.id, gettext("Remark: %(name)s", name=student.first_name),
           f"{_when(lesson)}: {text}", event.id)
    db.session.commit()
    return remark
