"""When a family member last opened a pupil's «Сегодня»: what is new is what came after it."""
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, UniqueConstraint

from .base import utcnow


class FamilyVisit(Model):
    """One row per person and pupil: the moment (naive UTC) of the last visit of «Сегодня»."""

    __tablename__ = "family_visit"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    seen_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "student_id", name="uq_family_visit_user_student"),)
