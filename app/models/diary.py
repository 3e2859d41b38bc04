"""The diary itself: lessons, grades, attendance and remarks."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
    update,
)
from sqlalchemy.orm import relationship

from .base import count_revisions, utcnow
from .labels import LabeledEnum


class Lesson(Model):
    __tablename__ = "lesson"
    id = Column(Integer, primary_key=True)
    class_id = Column(Integer, ForeignKey("school_class.id"), nullable=False)
    school_class = relationship("SchoolClass")
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=False)
    subject = relationship("Subject", lazy="joined")
    teacher_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    teacher = relationship("User")
    date = Column(Date, nullable=False)
    number = Column(SmallInteger, nullable=False)  # period of the day: 1, 2, …
    starts_at = Column(Time, nullable=True)
    ends_at = Column(Time, nullable=True)
    room = Column(String(50), nullable=False, default="")
    topic = Column(String(500), nullable=False, default="")
    homework = Column(Text, nullable=False, default="")
    # Bumped on every change of the lesson (teacher, timetable import): the calendar feed's SEQUENCE.
    revision = Column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (
        UniqueConstraint("class_id", "date", "number", name="uq_lesson_class_date_number"),
        Index("ix_lesson_class_subject_date", "class_id", "subject_id", "date"),
        Index("ix_lesson_teacher_date", "teacher_id", "date"),
    )


# What a lesson's entry in the calendar feed shows: a change of any of them is a new revision.
count_revisions(Lesson, ("date", "number", "starts_at", "ends_at", "room", "topic", "homework", "subject_id",
                         "teacher_id", "class_id"))


def bump_revisions(lesson_ids):
    """A new revision of these lessons, changed by a bulk UPDATE (which fires no ORM events)."""
    ids = list(lesson_ids)
    if ids:
        from ..extensions import db

        db.session.execute(update(Lesson).where(Lesson.id.in_(ids)).values(revision=Lesson.revision + 1))


class GradeKind(LabeledEnum):
    """What a grade is for; the label qualifies «оценка» (текущая, контрольная, четвертная…)."""

    CURRENT = "current", _lp("grade kind", "Current")  # ответ на уроке
    TEST = "test", _lp("grade kind", "Test")  # контрольная
    INDEPENDENT = "independent", _lp("grade kind", "Independent work")  # самостоятельная
    HOMEWORK = "homework", _lp("grade kind", "Homework")  # домашняя
    PRACTICAL = "practical", _lp("grade kind", "Practical work")  # практическая / лабораторная
    DICTATION = "dictation", _lp("grade kind", "Dictation")  # диктант
    QUARTER = "quarter", _lp("grade kind", "Quarter")
    HALF_YEAR = "half_year", _lp("grade kind", "Half-year")
    YEAR = "year", _lp("grade kind", "Year")
    EXAM = "exam", _lp("grade kind", "Exam")


GradeKind.FINAL = (GradeKind.QUARTER, GradeKind.HALF_YEAR, GradeKind.YEAR, GradeKind.EXAM)  # not members
# the kinds of work graded on a lesson (the journal's cells), the rest of the members are finals
GradeKind.LESSON = (GradeKind.CURRENT, GradeKind.TEST, GradeKind.INDEPENDENT, GradeKind.HOMEWORK,
                    GradeKind.PRACTICAL, GradeKind.DICTATION)


# Grade values: 1–5, зачёт (pass) / незачёт (fail).
GRADE_VALUES = ("1", "2", "3", "4", "5", "зч", "нзч")


class Grade(Model):
    __tablename__ = "grade"
    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=False)
    subject = relationship("Subject", lazy="joined")
    lesson_id = Column(Integer, ForeignKey("lesson.id"), nullable=True)  # current/test grades
    period_id = Column(Integer, ForeignKey("period.id"), nullable=True)  # quarter/half-year
    date = Column(Date, nullable=False)
    value = Column(String(4), nullable=False)
    kind = Column(String(20), nullable=False, default=GradeKind.CURRENT)
    weight = Column(SmallInteger, nullable=False, default=1)  # 1..5 (app.diary.grading)
    remark = Column(String(500), nullable=False, default="")
    teacher_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        CheckConstraint("weight BETWEEN 1 AND 5", name="ck_grade_weight"),
        # one grade of a kind per pupil per lesson (a lesson may carry a current and a test grade)
        UniqueConstraint("student_id", "lesson_id", "kind", name="uq_grade_student_lesson_kind"),
        Index("ix_grade_student_subject_date", "student_id", "subject_id", "date"),
        Index("ix_grade_student_date", "student_id", "date"),
        Index("ix_grade_lesson", "lesson_id"),  # a class's week, the journal: the grades of its lessons
    )


class AttendanceMark(LabeledEnum):
    ABSENT = "Н", _l("Absent")
    ILL = "Б", _l("Ill")
    LATE = "ОП", _l("Late")
    EXCUSED = "УП", _l("Excused absence")


class Attendance(Model):
    __tablename__ = "attendance"
    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    lesson_id = Column(Integer, ForeignKey("lesson.id"), nullable=False)
    lesson = relationship("Lesson", lazy="joined")
    mark = Column(String(4), nullable=False)
    teacher_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        UniqueConstraint("student_id", "lesson_id", name="uq_attendance_student_lesson"),
        Index("ix_attendance_lesson", "lesson_id"),
    )


class Remark(Model):
    """Замечание to a pupil, visible to the family."""

    __tablename__ = "remark"
    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    lesson_id = Column(Integer, ForeignKey("lesson.id"), nullable=True)
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=True)
    teacher_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    date = Column(Date, nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_remark_student_date", "student_id", "date"),)
