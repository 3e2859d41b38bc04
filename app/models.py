"""The schema, in one place. All tables live in flask_appbuilder.Model.metadata
(migrations are generated from it)."""
from datetime import datetime, timezone

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User  # noqa: F401 - relationships name it
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
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
)
from sqlalchemy.orm import relationship


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


WEEKDAYS = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]


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
    reception_slots = relationship(
        "ReceptionSlot",
        back_populates="school",
        order_by="(ReceptionSlot.weekday, ReceptionSlot.time_from)",
        lazy="selectin",
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
        parts = [f"{self.weekday_name} {self.time_from:%H:%M}–{self.time_to:%H:%M}"]
        if self.room:
            parts.append(self.room)
        if self.responsible:
            parts.append(self.responsible)
        return ", ".join(parts)


class Student(Model):
    """The school's roster."""

    __tablename__ = "student"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    school = relationship("School", lazy="joined")
    last_name = Column(String(100), nullable=False)
    first_name = Column(String(100), nullable=False)
    middle_name = Column(String(100), nullable=False, default="")
    birth_date = Column(Date, nullable=False)
    class_name = Column(String(20), nullable=False, default="")

    __table_args__ = (
        Index("ix_student_school_name", "school_id", "last_name", "first_name"),
    )

    @property
    def full_name(self):
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def __str__(self):
        suffix = f", {self.class_name}" if self.class_name else ""
        return f"{self.full_name} ({self.birth_date:%d.%m.%Y}{suffix})"


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


class Identity(Model):
    """A citizen's account at the identity provider: keyed on (provider, subject), never e-mail."""

    __tablename__ = "identity"
    id = Column(Integer, primary_key=True)
    provider = Column(String(32), nullable=False)
    subject = Column(String(255), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    user = relationship("User", lazy="joined")
    email = Column(String(255), nullable=False, default="")
    phone = Column(String(32), nullable=False, default="")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_login_at = Column(DateTime, nullable=True)
    welcome_hidden = Column(Boolean, nullable=False, default=False)  # "Больше не показывать"

    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_identity_provider_subject"),)


class ApplicationState:
    SUBMITTED = "submitted"
    PASSPORT_VERIFIED = "passport_verified"
    APPROVED = "approved"
    NOTIFIED = "notified"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    ALL = (SUBMITTED, PASSPORT_VERIFIED, APPROVED, NOTIFIED, REJECTED, WITHDRAWN, EXPIRED)
    ACTIVE = (SUBMITTED, PASSPORT_VERIFIED)  # waiting for the school
    GRANTED = (APPROVED, NOTIFIED)

    LABELS = {
        SUBMITTED: _l("Submitted, waiting for the visit"),
        PASSPORT_VERIFIED: _l("Passport verified"),
        APPROVED: _l("Approved"),
        NOTIFIED: _l("Approved, notification sent"),
        REJECTED: _l("Rejected"),
        WITHDRAWN: _l("Withdrawn"),
        EXPIRED: _l("Expired"),
    }


DOCUMENT_TYPES = {
    "passport_rf": _l("Passport of the Russian Federation"),
    "other": _l("Other identity document"),
}


class Application(Model):
    """Заявление: a parent asks for access to a child's diary at one school."""

    __tablename__ = "application"
    id = Column(Integer, primary_key=True)
    code = Column(String(7), nullable=False, unique=True)
    parent_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    parent = relationship("User", foreign_keys=[parent_id], lazy="joined")
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
        Index("ix_application_state_created", "state", "created_at"),
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
    def child_full_name(self):
        return " ".join(
            p for p in (self.child_last_name, self.child_first_name, self.child_middle_name) if p
        )

    @property
    def state_label(self):
        return str(ApplicationState.LABELS.get(self.state, self.state))

    @property
    def document_type_label(self):
        return str(DOCUMENT_TYPES.get(self.document_type, "")) if self.document_type else ""

    def __str__(self):
        return f"{self.code} · {self.child_full_name}"


class Relation:
    """How a person is related to a pupil whose diary they see."""

    REPRESENTATIVE = "representative"  # official representative: a parent approved by the school
    STUDENT = "student"  # the pupil themself, invited by a representative
    VIEWER = "viewer"  # an interested person (second parent, grandparent, tutor…), invited
    LABELS = {
        REPRESENTATIVE: _l("Official representative"),
        STUDENT: _l("Pupil"),
        VIEWER: _l("Interested person"),
    }


class Scope:
    """What an interested person may see of the diary (representatives and pupils see all)."""

    ALL = "all"
    SCHEDULE_HOMEWORK = "schedule_homework"
    GRADES = "grades"
    LABELS = {
        ALL: _l("Everything"),
        SCHEDULE_HOMEWORK: _l("Only schedule and homework"),
        GRADES: _l("Only grades"),
    }


class AccessGrant(Model):
    """Who sees which pupil's diary: an official representative (from an approved application),
    the pupil, or an interested person (both from an accepted invitation)."""

    __tablename__ = "access_grant"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    student = relationship("Student", lazy="joined")
    relation = Column(String(20), nullable=False, default=Relation.REPRESENTATIVE)
    scope = Column(String(20), nullable=False, default=Scope.ALL)
    valid_until = Column(Date, nullable=True)  # last day of access (viewers only), inclusive
    application_id = Column(Integer, ForeignKey("application.id"), nullable=True)
    # (a grant from an invitation is found through Invitation.grant_id)
    granted_at = Column(DateTime, nullable=False, default=utcnow)
    revoked_at = Column(DateTime, nullable=True)
    revoked_by_id = Column(
        Integer, ForeignKey("ab_user.id", name="fk_access_grant_revoked_by"), nullable=True
    )

    __table_args__ = (
        Index(
            "uq_access_grant_active",
            "user_id",
            "student_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    @property
    def parent_id(self):  # the representative's user id (older name)
        return self.user_id


class InvitationState:
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"  # computed for pending ones past expires_at; stored by the cleanup
    REVOKED = "revoked"
    LABELS = {
        PENDING: _l("Waiting"),
        ACCEPTED: _l("Accepted"),
        EXPIRED: _l("Expired"),
        REVOKED: _l("Revoked"),
    }


class Invitation(Model):
    """An official representative invites the pupil or an interested person by e-mail.
    Only a hash of the token is stored; the token is single-use and expires."""

    __tablename__ = "invitation"
    id = Column(Integer, primary_key=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    student = relationship("Student", lazy="joined")
    invited_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    invited_by = relationship("User", foreign_keys=[invited_by_id], lazy="joined")
    email = Column(String(255), nullable=False)  # lower-cased
    kind = Column(String(20), nullable=False)  # Relation.STUDENT or Relation.VIEWER
    scope = Column(String(20), nullable=False, default=Scope.ALL)
    valid_until = Column(Date, nullable=True)
    token_hash = Column(String(64), nullable=False, unique=True)  # sha256 hex of the token
    state = Column(String(20), nullable=False, default=InvitationState.PENDING)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    accepted_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    accepted_by = relationship("User", foreign_keys=[accepted_by_id])
    accepted_at = Column(DateTime, nullable=True)
    revoked_at = Column(DateTime, nullable=True)
    grant_id = Column(Integer, ForeignKey("access_grant.id"), nullable=True)

    __table_args__ = (Index("ix_invitation_student_state", "student_id", "state"),)


class Consent(Model):
    """Which version of the consent text who accepted, when, for which access; withdrawn when
    the access is revoked."""

    __tablename__ = "consent"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False, index=True)
    purpose = Column(String(20), nullable=False)  # "grant" (representative shares) | "accept"
    text_version = Column(String(20), nullable=False)
    invitation_id = Column(Integer, ForeignKey("invitation.id"), nullable=True)
    grant_id = Column(Integer, ForeignKey("access_grant.id"), nullable=True)
    accepted_at = Column(DateTime, nullable=False, default=utcnow)
    withdrawn_at = Column(DateTime, nullable=True)


class AccessLogEntry(Model):
    """Someone other than the official representatives opened a pupil's data."""

    __tablename__ = "access_log"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    user = relationship("User", lazy="joined")
    user_label = Column(String(255), nullable=False, default="")
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    what = Column(String(64), nullable=False)  # e.g. "profile", "grades", "api:students"
    path = Column(String(255), nullable=False, default="")

    __table_args__ = (Index("ix_access_log_student_at", "student_id", "at"),)


class LegacyAccount(Model):
    """An account of the portal before ESIA (e-mail + password). Imported by `flask legacy
    import`; its children (grants, applications) belong to a placeholder user until a parent
    links it to their ESIA account."""

    __tablename__ = "legacy_account"
    id = Column(Integer, primary_key=True)
    email = Column(String(255), nullable=False, unique=True)  # lower-cased
    password_hash = Column(String(255), nullable=False)
    full_name = Column(String(255), nullable=False, default="")
    holder_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)  # placeholder owner
    imported_at = Column(DateTime, nullable=False, default=utcnow)
    linked_user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    linked_at = Column(DateTime, nullable=True)


# What the audit log calls the kinds of objects it records (object_type -> label).
AUDIT_OBJECTS = {
    "application": _l("Application"),
    "invitation": _l("Invitation"),
    "access_grant": _l("Access"),
    "legacy_account": _l("Legacy account"),
    "user": _l("User"),
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


class OutboxStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    LABELS = {
        PENDING: _l("Pending"),
        SENT: _l("Sent"),
        FAILED: _l("Failed"),
    }


class OutboxMessage(Model):
    """A notification to send; written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_message"
    id = Column(Integer, primary_key=True)
    channel = Column(String(16), nullable=False, default="email")
    recipient = Column(String(255), nullable=False)
    subject = Column(String(255), nullable=False, default="")
    body_text = Column(Text, nullable=False, default="")
    body_html = Column(Text, nullable=False, default="")
    status = Column(String(16), nullable=False, default=OutboxStatus.PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False, default=utcnow)
    last_error = Column(Text, nullable=False, default="")
    idempotency_key = Column(String(128), nullable=False, unique=True)
    # What the worker does after the mail server accepted the message.
    application_id = Column(Integer, ForeignKey("application.id"), nullable=True, index=True)
    on_sent = Column(String(32), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    sent_at = Column(DateTime, nullable=True)

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    @property
    def status_label(self):
        return str(OutboxStatus.LABELS.get(self.status, self.status))
