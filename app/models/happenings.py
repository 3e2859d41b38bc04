"""School events, parent meetings and the conversations between families and teachers."""
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import relationship

from .base import count_revisions, utcnow


class SchoolEvent(Model):
    __tablename__ = "school_event"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    school = relationship("School")
    class_id = Column(Integer, ForeignKey("school_class.id"), nullable=True)  # null: whole school
    school_class = relationship("SchoolClass")
    title = Column(String(255), nullable=False)
    description = Column(Text, nullable=False, default="")
    starts_at = Column(DateTime, nullable=False)
    ends_at = Column(DateTime, nullable=True)
    place = Column(String(255), nullable=False, default="")
    revision = Column(Integer, nullable=False, default=0, server_default="0")  # the calendar's SEQUENCE

    __table_args__ = (Index("ix_school_event_school_start", "school_id", "starts_at"),)


class ParentMeeting(Model):
    __tablename__ = "parent_meeting"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    school = relationship("School")
    class_id = Column(Integer, ForeignKey("school_class.id"), nullable=True)  # null: whole school
    school_class = relationship("SchoolClass")
    starts_at = Column(DateTime, nullable=False)
    place = Column(String(255), nullable=False, default="")
    topic = Column(String(500), nullable=False, default="")
    revision = Column(Integer, nullable=False, default=0, server_default="0")  # the calendar's SEQUENCE

    __table_args__ = (Index("ix_parent_meeting_school_start", "school_id", "starts_at"),)


count_revisions(SchoolEvent, ("title", "description", "starts_at", "ends_at", "place", "class_id", "school_id"))
count_revisions(ParentMeeting, ("starts_at", "place", "topic", "class_id", "school_id"))


class Conversation(Model):
    """Parent ↔ teacher about one pupil."""

    __tablename__ = "conversation"
    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    parent_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    teacher_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    subject = Column(String(255), nullable=False, default="")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_message_at = Column(DateTime, nullable=False, default=utcnow)
    parent_read_at = Column(DateTime, nullable=True)
    teacher_read_at = Column(DateTime, nullable=True)

    __table_args__ = (
        Index("ix_conversation_parent", "parent_id", "last_message_at"),
        Index("ix_conversation_teacher", "teacher_id", "last_message_at"),
        Index("ix_conversation_student", "student_id"),
    )


class Message(Model):
    __tablename__ = "message"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(Integer, ForeignKey("conversation.id"), nullable=False)
    author_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    author = relationship("User", lazy="joined")
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_message_conversation", "conversation_id", "created_at"),)
