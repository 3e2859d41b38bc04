"""The audit log: every state change and sensitive read, with what it was about."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, JSON, String
from sqlalchemy.orm import relationship

from .. import request_id
from .base import utcnow
from .labels import LabeledEnum


class AuditObject(LabeledEnum):
    """What the audit log calls the kinds of objects it records (AuditEvent.object_type)."""

    APPLICATION = "application", _l("Application")
    SCHOOL = "school", _l("School")
    STUDENT = "student", _l("Pupil")
    LESSON = "lesson", _l("Lesson")
    INVITATION = "invitation", _l("Invitation")
    ACCESS_GRANT = "access_grant", _l("Access")
    LEGACY_ACCOUNT = "legacy_account", _l("Legacy account")
    USER = "user", _l("User")


class AuditAction(LabeledEnum):
    """What the audit log calls the actions that are not application transitions
    (AuditEvent.action; a transition's name is labelled by its record in app.workflow)."""

    IMPORT = "import", _l("Data import")
    GRADE_SET = "grade_set", _l("Grade changed")
    ATTENDANCE_SET = "attendance_set", _l("Attendance changed")
    LESSON_SET = "lesson_set", _l("Topic or homework changed")
    REMARK_ADDED = "remark_added", _l("Remark added")
    # staff accounts (app/security.py)
    PASSWORD_RESET = "password_reset", _l("Password reset by the administrator")
    PASSWORD_CHANGED = "password_changed", _l("Password changed by its owner")
    DISABLED = "disabled", _l("Account disabled")
    ENABLED = "enabled", _l("Account enabled")
    LOGGED_OUT_EVERYWHERE = "logged_out_everywhere", _l("Logged out on all devices")  # app/auth/session_views.py
    # invitations and access (app/invitations)
    INVITED = "invited", _l("Invitation sent")
    ACCEPTED = "accepted", _l("Invitation accepted")
    REVOKED = "revoked", _l("Access revoked")
    # legacy accounts (app/legacy)
    IMPORTED = "imported", _l("Imported from the old portal")
    REIMPORTED = "reimported", _l("Updated by a repeated import")
    LINKED = "linked", _l("Linked to the Gosuslugi account")
    LINK_FAILED = "link_failed", _l("Failed attempt to link")
    LINK_REFUSED = "link_refused", _l("Linking refused")


class AuditActor(LabeledEnum):
    """Who acted when no person did (AuditEvent.actor_label): stored as these codes, shown by their
    labels; a person's label is their name and is shown as it is."""

    SYSTEM = "system", _l("System")  # the scheduler, the outbox worker
    COMMAND_LINE = "flask", _l("Command line")
    LEGACY_IMPORT = "flask legacy import", _l("Import from the old portal")
    DIARY_IMPORT_CLI = "flask diary import", _l("Data import from the command line")
    DATA_IMPORT = "import", _l("Data import")
    ANONYMOUS = "anonymous", _l("Anonymous user")


class AuditDetail(LabeledEnum):
    """The keys of AuditEvent.details with their labels on the audit log's screen."""

    REASON = "reason", _l("Reason")
    DOCUMENT_TYPE = "document_type", _l("Document")
    STUDENT_ID = "student_id", _l("Pupil (roster id)")
    CLASS_NAME = "class_name", _l("Class")
    LESSON = "lesson", _l("Lesson (id)")
    DATE = "date", _l("Date")
    SUBJECT = "subject", _lp("school subject", "Subject")
    FROM_ = "from", _lp("state change", "From")
    TO_ = "to", _lp("state change", "To")
    TEXT = "text", _l("Text")
    TOPIC = "topic", _l("Topic")
    HOMEWORK = "homework", _l("Homework")
    KIND = "kind", _l("Kind")
    SCOPE = "scope", _l("What is shared")
    STUDENT = "student", _l("Pupil (id)")
    UNTIL = "until", _l("Access until")
    GRANT = "grant", _l("Access (id)")
    FILE = "file", _l("File")
    ROWS = "rows", _l("Rows")
    CREATED = "created", _l("Added")
    UPDATED = "updated", _l("Updated")
    LINE = "line", _l("Line of the file")
    PASSWORD_HASH = "password_hash", _l("Password changed")
    FULL_NAME = "full_name", _l("Name changed")
    GRANTS = "grants", _l("Accesses added")
    APPLICATIONS = "applications", _l("Applications moved")
    SAME_USER = "same_user", _l("Already linked to this parent")
    GRANTS_MOVED = "grants_moved", _l("Accesses moved")
    GRANTS_REVOKED = "grants_revoked", _l("Accesses revoked")
    APPLICATIONS_MOVED = "applications_moved", _l("Applications moved")
    APPLICATIONS_KEPT = "applications_kept", _l("Applications left with the old account")
    STUDENT_IDS = "student_ids", _l("Pupils (id)")
    APPLICATION_CODES = "application_codes", _l("Application codes")


class LinkReason(LabeledEnum):
    """Why an attempt to link an old account failed (details["reason"], app/legacy/linking.py)."""

    UNKNOWN_EMAIL = "unknown_email", _l("no old account with this e-mail")
    WRONG_PASSWORD = "wrong_password", _l("wrong password")
    ALREADY_LINKED = "already_linked", _l("the old account is already linked")
    TOO_MANY_ATTEMPTS = "too_many_attempts", _l("too many attempts")


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
    # The web request that wrote it (X-Request-ID, app/request_id.py); none from the worker or the CLI.
    request_id = Column(String(128), nullable=True, default=request_id.current)

    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)
