"""The journal's per-lesson page as a plain form (it works without JavaScript): the lesson's topic
and homework, and for each pupil of the class on that day the grade with its kind of work,
weight and remark, and the attendance mark. Every row is saved through app.diary.journal (the
same scope re-check, the rules of app.diary.grading, audit and notifications); a refused row
keeps what was typed and shows its error beside it."""
from dataclasses import dataclass

from sqlalchemy import select

from .. import inputs
from ..domain_error import DomainError
from ..extensions import db
from ..models import Attendance
from . import journal


@dataclass
class Row:
    pupil: object
    value: str
    kind: str
    weight: str
    remark: str
    mark: str


def _field(form, name):
    value = form.get(name)
    return inputs.clean(value) if isinstance(value, str) else ""


def rows(assignment, lesson, form=None):
    """The pupils' rows of the lesson: as stored, or as typed when the form is given back."""
    pupils = journal.pupils_of(assignment, lesson.date)
    marks = dict(db.session.execute(select(Attendance.student_id, Attendance.mark).where(
        Attendance.lesson_id == lesson.id)).all())
    result = []
    for pupil in pupils:
        if form is not None:
            result.append(Row(pupil, *(_field(form, f"{name}-{pupil.id}")
                                       for name in ("value", "kind", "weight", "remark", "mark"))))
            continue
        grade = journal.cell_grade(pupil, lesson)
        result.append(Row(pupil, grade.value if grade else "", grade.kind if grade else "",
                          str(grade.weight) if grade else "", grade.remark if grade else "",
                          marks.get(pupil.id, "")))
    return result


def save_lesson(actor, assignment, lesson, form):
    """Save the topic, the homework and every pupil's row; {"lesson" or pupil id: message} of what
    was refused (empty when everything was saved)."""
    errors = {}
    try:
        journal.set_lesson(actor, assignment, lesson.id, _field(form, "topic"), _field(form, "homework"))
    except DomainError as exc:
        db.session.rollback()
        errors["lesson"] = exc.message
    for row in rows(assignment, lesson, form):
        text = " ".join(part for part in (row.value.strip(), row.mark.strip()) if part)
        try:
            journal.set_cell(actor, assignment, row.pupil.id, lesson.id, text, kind=row.kind or None,
                             weight=row.weight, remark=row.remark)
        except DomainError as exc:
            db.session.rollback()
            errors[row.pupil.id] = exc.message
    return errors
