"""The audit log: every state change and sensitive read, with what it was about."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, JSON, String
from sqlalchemy.orm import relationship

from .base import utcnow


# What the audit log calls the kinds of objects it records (object_type -> label).
AUDIT_OBJECTS = {
    "application": _l("Application"),
    "school": _l("School"),
    "student": _l("Pupil"),
    "lesson": _l("Lesson"),
    "invitation": _l("Invitation"),
    "access_grant": _l("Access"),
    "legacy_account": _l("Legacy account"),
    "user": _l("User"),
}


# What the audit log calls actions that are not application transitions (action -> label).
AUDIT_ACTIONS = {
    "import": _l("Data import"),
    "grade_set": _l("Grade changed"),
    "attendance_set": _l("Attendance changed"),
    "lesson_set": _l("Topic or homework changed"),
    "remark_added": _l("Remark added"),
    # staff accounts (app/security.py)
    "password_reset": _l("Password reset by the administrator"),
    "password_changed": _l("Password changed by its owner"),
    "disabled": _l("Account disabled"),
    "enabled": _l("Account enabled"),
    "logged_out_everywhere": _l("Logged out on all devices"),  # app/auth/session_views.py
    # invitations and access (app/invitations)
    "invited": _l("Invitation sent"),
    "accepted": _l("Invitation accepted"),
    "revoked": _l("Access revoked"),
    # legacy accounts (app/legacy)
    "imported": _l("Imported from the old portal"),
    "reimported": _l("Updated by a repeated import"),
    "linked": _l("Linked to the Gosuslugi account"),
    "link_failed": _l("Failed attempt to link"),
    "link_refused": _l("Linking refused"),
}


class AuditEvent(Model):
    """Append-only journal of state changes."""

    __tablename__ = "audit_event"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    actor_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    actor = relationship("User", lazy="joined")
    actor_label = Column(String(255), nullable=False, default="")
    action = Column(String(64), nullable=False)
    object_type = Column(String(32), nullable=False)
    object_id = Column(Integer, nullable=False)
    from_state = Column(String(20), nullable=True)
    to_state = Column(String(20), nullable=True)
    details = Column(JSON, nullable=False, default=dict)

    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)
