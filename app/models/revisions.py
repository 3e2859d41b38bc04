"""The version stamp of a class's diary (issue 11): one counter per class, bumped in the same
transaction as every change of its lessons, grades, attendance, remarks and pupils
(app.diary.revisions). The family pages' ETag and the read model's keys are built on it."""
from flask_appbuilder import Model
from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer

from .base import utcnow


class ClassRevision(Model):
    """No row yet: revision 0 (the class has not changed since the table came)."""

    __tablename__ = "class_revision"
    class_id = Column(Integer, ForeignKey("school_class.id", ondelete="CASCADE"), primary_key=True)
    revision = Column(BigInteger, nullable=False, default=0, server_default="0")
    changed_at = Column(DateTime, nullable=True, default=utcnow)
