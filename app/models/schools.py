"""Districts, schools, their reception hours, the roster and the staff bound to a school."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import relationship

from .. import formats
from .base import WEEKDAYS
from .labels import LabeledEnum


class District(Model):
    __tablename__ = "district"
    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False, unique=True)

    def __str__(self):
        return self.name


class School(Model):
    __tablename__ = "school"
    id = Column(Integer, primary_key=True)
    number = Column(String(20), nullable=False)
    name = Column(String(255), nullable=False)
    district_id = Column(Integer, ForeignKey("district.id"), nullable=False, index=True)
    district = relationship("District", lazy="joined")
    address = Column(String(255), nullable=False, default="")
    rankings_enabled = Column(Boolean, nullable=False, default=True)  # "Статистика и рейтинг"
    reception_slots = relationship(
        "ReceptionSlot",
        back_populates="school",
        order_by="(ReceptionSlot.weekday, ReceptionSlot.time_from)",
        lazy="select",  # read on few pages; every staff list showing a school would load them
        cascade="all, delete-orphan",
    )

    __table_args__ = (UniqueConstraint("district_id", "number", name="uq_school_district_number"),)

    def __str__(self):
        return self.name


class ReceptionSlot(Model):
    """When and where the school receives parents with their passport."""

    __tablename__ = "reception_slot"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, index=True)
    school = relationship("School", back_populates="reception_slots")
    weekday = Column(SmallInteger, nullable=False)  # 0 = Monday
    time_from = Column(Time, nullable=False)
    time_to = Column(Time, nullable=False)
    room = Column(String(120), nullable=False, default="")
    responsible = Column(String(255), nullable=False, default="")

    @property
    def weekday_name(self):
        return str(WEEKDAYS[self.weekday]).lower()

    def __str__(self):
        parts = [f"{self.weekday_name} {formats.time(self.time_from)}–{formats.time(self.time_to)}"]
        if self.room:
            parts.append(self.room)
        if self.responsible:
            parts.append(self.responsible)
        return ", ".join(parts)


class Sex(LabeledEnum):
    """The pupil's sex as the roster gives it (the import's «пол»: м/ж); words about the pupil
    agree with it (app/names.py). Unknown (NULL): derived from the patronymic."""

    MALE = "m", _l("male")
    FEMALE = "f", _l("female")


class Student(Model):
    """The school's roster."""

    __tablename__ = "student"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    school = relationship("School", lazy="joined")
    last_name = Column(String(100), nullable=False)
    first_name = Column(String(100), nullable=False)
    middle_name = Column(String(100), nullable=False, default="")
    sex = Column(String(1), nullable=True)  # Sex: "m", "f"; NULL = unknown (app.names derives it)
    birth_date = Column(Date, nullable=False)
    # DISPLAY ONLY: the name of the pupil's class, kept in sync by app.diary.membership (the
    # roster screen, the importer, a renamed class). The class is the ClassMembership row: never
    # match pupils to classes on this text.
    class_name = Column(String(20), nullable=False, default="")
    external_id = Column(String(64), nullable=True)  # the school system's id (imports)

    __table_args__ = (
        CheckConstraint("sex IN ('m', 'f')", name="ck_student_sex"),
        Index("ix_student_school_name", "school_id", "last_name", "first_name"),
        Index(
            "uq_student_school_external",
            "school_id",
            "external_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL"),
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )

    @property
    def name(self):
        """The pupil's FullName (app/names.py): declined, agreeing with the sex."""
        from ..names import FullName

        return FullName.of(self)

    @property
    def full_name(self):
        return self.name.document

    def __str__(self):
        suffix = f", {self.class_name}" if self.class_name else ""
        return f"{self.full_name} ({formats.date(self.birth_date)}{suffix})"


class StaffAssignment(Model):
    """Binds a staff account to the school (clerk, teacher) or district (supervisor)."""

    __tablename__ = "staff_assignment"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, unique=True)
    user = relationship("User", lazy="joined")
    school_id = Column(Integer, ForeignKey("school.id"), nullable=True, index=True)
    school = relationship("School", lazy="joined")
    district_id = Column(Integer, ForeignKey("district.id"), nullable=True, index=True)
    district = relationship("District", lazy="joined")

    def __str__(self):
        return str(self.user)
