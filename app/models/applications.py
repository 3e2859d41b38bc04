"""The parent's application (заявление) for access to a pupil's diary, and its states."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import relationship

from .base import utcnow
from .labels import LabeledEnum


class ApplicationState(LabeledEnum):
    SUBMITTED = "submitted", _l("Submitted, waiting for the visit")
    PASSPORT_VERIFIED = "passport_verified", _l("Passport verified")
    APPROVED = "approved", _l("Approved")
    NOTIFIED = "notified", _l("Approved, notification sent")
    REJECTED = "rejected", _l("Rejected")
    WITHDRAWN = "withdrawn", _l("Withdrawn")
    EXPIRED = "expired", _l("Expired")


# Groups of states the code asks about (class constants, not members).
ApplicationState.ALL = tuple(ApplicationState)
ApplicationState.ACTIVE = (ApplicationState.SUBMITTED, ApplicationState.PASSPORT_VERIFIED)  # waiting for the school
ApplicationState.GRANTED = (ApplicationState.APPROVED, ApplicationState.NOTIFIED)


class DocumentType(LabeledEnum):
    """The identity document the clerk checked (its number is never written down)."""

    PASSPORT_RF = "passport_rf", _l("Passport of the Russian Federation")
    OTHER = "other", _l("Other identity document")


class Application(Model):
    """Заявление: a parent asks for access to a child's diary at one school."""

    __tablename__ = "application"
    id = Column(Integer, primary_key=True)
    code = Column(String(7), nullable=False, unique=True)
    parent_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    parent = relationship("User", foreign_keys=[parent_id])  # read on one application at a time
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    school = relationship("School", lazy="joined")
    child_last_name = Column(String(100), nullable=False)
    child_first_name = Column(String(100), nullable=False)
    child_middle_name = Column(String(100), nullable=False, default="")
    child_birth_date = Column(Date, nullable=False)
    # Normalised child identity, for "one active application per parent, child and school".
    child_key = Column(String(320), nullable=False)
    state = Column(String(20), nullable=False, default=ApplicationState.SUBMITTED)
    version = Column(Integer, nullable=False, default=1)
    reason = Column(Text, nullable=False, default="")
    document_type = Column(String(20), nullable=True)
    verified_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    verified_by = relationship("User", foreign_keys=[verified_by_id])
    verified_at = Column(DateTime, nullable=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=True)
    student = relationship("Student")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)
    decided_at = Column(DateTime, nullable=True)

    events = relationship(
        "AuditEvent",
        primaryjoin="and_(AuditEvent.object_type == 'application', "
        "foreign(AuditEvent.object_id) == Application.id)",
        order_by="AuditEvent.id",
        viewonly=True,
        lazy="select",
    )

    __table_args__ = (
        Index("ix_application_school_state_created", "school_id", "state", "created_at"),
        # the backlog report: waiting applications by school from the index alone
        Index("ix_application_state_created", "state", "created_at", postgresql_include=["school_id"]),
        Index("ix_application_school_created", "school_id", "created_at"),
        Index("ix_application_child_name", "school_id", "child_last_name"),
        Index(
            "uq_application_active_child",
            "parent_id",
            "school_id",
            "child_key",
            unique=True,
            sqlite_where=text("state IN ('submitted', 'passport_verified')"),
            postgresql_where=text("state IN ('submitted', 'passport_verified')"),
        ),
    )

    @property
    def child_name(self):
        """The child's FullName as the application gives it (app/names.py)."""
        from ..names import FullName

        return FullName.of(self)

    @property
    def child_full_name(self):
        """«Иванова Мария Петровна»: the document order needs no sex, so the pupil of the roster
        (a lazy relationship, a query per approved row of a list) is not looked at."""
        from ..names import FullName

        return FullName(self.child_last_name, self.child_first_name, self.child_middle_name).document

    @property
    def state_label(self):
        return str(ApplicationState.label_for(self.state))

    @property
    def document_type_label(self):
        return str(DocumentType.label_for(self.document_type))

    def __str__(self):
        return f"{self.code} · {self.child_full_name}"
