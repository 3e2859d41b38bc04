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
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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


def translated(labels):
    """A dict of lazy labels translated once for this request (a page of many rows would
    otherwise translate the same label again for each)."""
    return {key: str(label) for key, label in labels.items()}


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
    external_id = Column(String(64), nullable=True)  # the school system's id (imports)

    __table_args__ = (
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
    # First failed attempt of the current run of failures: retried until OUTBOX_GIVE_UP_DAYS after it.
    failing_since = Column(DateTime, nullable=True)

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    @property
    def status_label(self):
        return str(OutboxStatus.LABELS.get(self.status, self.status))


# --------------------------------------------------------------------------- the diary
# Natural keys (for idempotent imports from the school information system) are the unique
# constraints below: a re-import updates rows found by them instead of adding duplicates.


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


class PeriodKind:
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    LABELS = {QUARTER: _l("Quarter"), HALF_YEAR: _l("Half-year")}


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

    __table_args__ = (
        UniqueConstraint("class_id", "date", "number", name="uq_lesson_class_date_number"),
        Index("ix_lesson_class_subject_date", "class_id", "subject_id", "date"),
        Index("ix_lesson_teacher_date", "teacher_id", "date"),
    )


class GradeKind:
    CURRENT = "current"
    TEST = "test"  # контрольная
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    EXAM = "exam"
    FINAL = (QUARTER, HALF_YEAR, YEAR, EXAM)
    LABELS = {
        CURRENT: _l("Current"),
        TEST: _l("Test"),
        QUARTER: _l("Quarter"),
        HALF_YEAR: _l("Half-year"),
        YEAR: _l("Year"),
        EXAM: _l("Exam"),
    }


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
    weight = Column(SmallInteger, nullable=False, default=1)
    remark = Column(String(500), nullable=False, default="")
    teacher_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        # one grade of a kind per pupil per lesson (a lesson may carry a current and a test grade)
        UniqueConstraint("student_id", "lesson_id", "kind", name="uq_grade_student_lesson_kind"),
        Index("ix_grade_student_subject_date", "student_id", "subject_id", "date"),
        Index("ix_grade_student_date", "student_id", "date"),
    )


class AttendanceMark:
    ABSENT = "Н"
    ILL = "Б"
    LATE = "ОП"
    EXCUSED = "УП"
    LABELS = {
        ABSENT: _l("Absent"),
        ILL: _l("Ill"),
        LATE: _l("Late"),
        EXCUSED: _l("Excused absence"),
    }


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

    __table_args__ = (Index("ix_parent_meeting_school_start", "school_id", "starts_at"),)


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


class NotificationPreference(Model):
    """Per recipient, pupil and kind of event: e-mail, SMS, or a daily digest."""

    __tablename__ = "notification_preference"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    kind = Column(String(20), nullable=False)  # grade, absence, homework, remark, event, message
    email = Column(Boolean, nullable=False, default=True)
    sms = Column(Boolean, nullable=False, default=False)
    digest = Column(Boolean, nullable=False, default=False)

    __table_args__ = (
        UniqueConstraint("user_id", "student_id", "kind", name="uq_notification_preference"),
    )


class UserSettings(Model):
    """A citizen's own settings: quiet hours for SMS, the secret of the calendar feed."""

    __tablename__ = "user_settings"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, unique=True)
    quiet_from = Column(Time, nullable=True)  # e.g. 22:00
    quiet_to = Column(Time, nullable=True)  # e.g. 08:00
    calendar_secret_hash = Column(String(64), nullable=True, unique=True)


class MonthFigures:
    """The academic figures of a month (columns shared by SchoolMonthStat and ClassMonthStat):
    numeric current and test grades only; pupil_lessons = lessons × pupils of the class;
    absences = Н, Б, УП marks; lates = ОП."""

    grades_sum = Column(Integer, nullable=False, default=0, server_default="0")
    grades_count = Column(Integer, nullable=False, default=0, server_default="0")
    pupil_lessons = Column(Integer, nullable=False, default=0, server_default="0")
    absences = Column(Integer, nullable=False, default=0, server_default="0")
    lates = Column(Integer, nullable=False, default=0, server_default="0")


class SchoolMonthStat(MonthFigures, Model):
    """Academic figures of a school by subject and month, pre-aggregated from grades, lessons and
    attendance (app/reports/rollup.py) so that district and city reports read thousands of rows,
    not millions (figures: MonthFigures)."""

    __tablename__ = "school_month_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    subject = Column(String(100), nullable=False)
    month = Column(Date, nullable=False)  # the first day of the month

    __table_args__ = (Index("ix_school_month_stat_month", "month", "school_id"),)


class ClassMonthStat(MonthFigures, Model):
    """The same figures by class (a school's own drill-down)."""

    __tablename__ = "class_month_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    class_name = Column(String(20), nullable=False)
    subject = Column(String(100), nullable=False)
    month = Column(Date, nullable=False)

    __table_args__ = (Index("ix_class_month_stat_school_month", "school_id", "month"),)


class ReportRefresh(Model):
    """When each pre-aggregated table was last recomputed (shown on the reports)."""

    __tablename__ = "report_refresh"
    name = Column(String(50), primary_key=True)
    refreshed_at = Column(DateTime, nullable=False)
    rows = Column(Integer, nullable=False, default=0, server_default="0")


class ApplicationMonthStat(Model):
    """Applications by school, month of submission and current state (the funnel report)."""

    __tablename__ = "application_month_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    month = Column(Date, nullable=False)
    state = Column(String(20), nullable=False)
    applications = Column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (Index("ix_application_month_stat_month", "month", "school_id"),)


class ApprovalDaysStat(Model):
    """Approved applications by school, month of submission and whole days from submission to
    approval (rounded up): medians and percentiles of the time to approval come from these."""

    __tablename__ = "approval_days_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    month = Column(Date, nullable=False)
    days = Column(Integer, nullable=False)
    applications = Column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (Index("ix_approval_days_stat_month", "month", "school_id"),)


class CoverageStat(Model):
    """Pupils of a class and how many of them have a connected official representative."""

    __tablename__ = "coverage_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False)
    class_name = Column(String(20), nullable=False)
    pupils = Column(Integer, nullable=False, default=0, server_default="0")
    connected = Column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (Index("ix_coverage_stat_school", "school_id"),)


class SchoolAccessStat(Model):
    """Per school: parents with access who never logged in after it was granted; invitations
    sent and accepted."""

    __tablename__ = "school_access_stat"
    id = Column(Integer, primary_key=True)
    school_id = Column(Integer, ForeignKey("school.id"), nullable=False, unique=True)
    never_logged_in = Column(Integer, nullable=False, default=0, server_default="0")
    invitations_sent = Column(Integer, nullable=False, default=0, server_default="0")
    invitations_accepted = Column(Integer, nullable=False, default=0, server_default="0")


class WebSession(Model):
    """Server-side browser sessions (Flask-Session's SQLAlchemy layout, served by
    app/auth/session_store.py; made by migration e1a0s8000001, not by Flask-Session). The cookie
    holds only `session_id`; a row past `expiry` is gone."""

    __tablename__ = "web_session"
    id = Column(Integer, primary_key=True)
    session_id = Column(String(255), nullable=False, unique=True)
    data = Column(LargeBinary, nullable=False)
    expiry = Column(DateTime, nullable=False, index=True)


class UserSessionKey(Model):
    """A random secret per account, in the stamp of its sessions and API tokens
    (app/auth/session_keys.py): not derivable from SECRET_KEY; a new one ends them all
    («Выйти на всех устройствах», disabling, a password change or reset)."""

    __tablename__ = "user_session_key"
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    secret = Column(String(64), nullable=False)
    rotated_at = Column(DateTime, nullable=False, default=utcnow)


class AttemptCounter(Model):
    """Failed-attempt counters shared by every process when there is no Redis (app/ratelimit.py,
    app/ratelimit_store.py): a hashed key, the count and the moment (epoch seconds) it expires."""

    __tablename__ = "attempt_counter"
    key = Column(String(80), primary_key=True)
    count = Column(Integer, nullable=False, default=0)
    expires_at = Column(Float, nullable=False, index=True)
