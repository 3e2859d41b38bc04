"""The school year, its periods, classes, subjects, who teaches what and who learns where."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from .labels import LabeledEnum


class AcademicYear(Model):
    __tablename__ = "academic_year"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    name = Column(String(20), nullable=False)  # "2026/2027"
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)

    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_academic_year_school_name"),)

    def __str__(self):
        return self.name


class PeriodKind(LabeledEnum):
    QUARTER = "quarter", _l("Quarter")
    HALF_YEAR = "half_year", _l("Half-year")


class Period(Model):
    """A quarter or a half-year of an academic year."""

    __tablename__ = "period"
    id = Column(Integer, primary_key=True)
    year_id = Column(Integer, ForeignKey("academic_year.id"), nullable=False)
    year = relationship("AcademicYear", lazy="joined")
    kind = Column(String(20), nullable=False, default=PeriodKind.QUARTER)
    number = Column(SmallInteger, nullable=False)  # 1..4 quarters, 1..2 half-years
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)

    __table_args__ = (
        UniqueConstraint("year_id", "kind", "number", name="uq_period_year_kind_number"),
    )


class SchoolClass(Model):
    """A class, e.g. 7 «Б», with its class teacher."""

    __tablename__ = "school_class"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    school = relationship("School", lazy="joined")
    year_id = Column(Integer, ForeignKey("academic_year.id"), nullable=True)
    name = Column(String(20), nullable=False)  # "7 «Б»"
    class_teacher_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    class_teacher = relationship("User")
    external_id = Column(String(64), nullable=True)  # the school system's id, if it has one

    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_school_class_school_name"),)

    def __str__(self):
        return self.name


class Subject(Model):
    __tablename__ = "subject"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    name = Column(String(100), nullable=False)  # "Алгебра"

    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_subject_school_name"),)

    def __str__(self):
        return self.name


class TeachingAssignment(Model):
    """A teacher teaches a subject in a class: the teacher's journal covers exactly these."""

    __tablename__ = "teaching_assignment"
    id = Column(Integer, primary_key=True)
    teacher_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    teacher = relationship("User", lazy="joined")
    class_id = Column(Integer, ForeignKey("school_class.id"), nullable=False)
    school_class = relationship("SchoolClass", lazy="joined")
    subject_id = Column(Integer, ForeignKey("subject.id"), nullable=False)
    subject = relationship("Subject", lazy="joined")

    __table_args__ = (
        UniqueConstraint("teacher_id", "class_id", "subject_id", name="uq_teaching_assignment"),
        Index("ix_teaching_assignment_class", "class_id", "subject_id"),
    )


class ClassMembership(Model):
    """A pupil belongs to a class in an academic year (pupils move between classes)."""

    __tablename__ = "class_membership"
    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    class_id = Column(Integer, ForeignKey("school_class.id"), nullable=False)
    school_class = relationship("SchoolClass", lazy="joined")
    since = Column(Date, nullable=True)
    until = Column(Date, nullable=True)

    __table_args__ = (
        UniqueConstraint("student_id", "class_id", name="uq_class_membership"),
        Index("ix_class_membership_class", "class_id"),
    )
