"""Who sees which pupil's diary: grants, invitations, consents and the access log."""
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l, lazy_pgettext as _lp
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import relationship

from .base import utcnow
from .labels import LabeledEnum


class Relation(LabeledEnum):
    """How a person is related to a pupil whose diary they see."""

    # official representative: a parent approved by the school
    REPRESENTATIVE = "representative", _l("Official representative")
    STUDENT = "student", _l("Pupil")  # the pupil themself, invited by a representative
    VIEWER = "viewer", _l("Interested person")  # second parent, grandparent, tutor…, invited


class Scope(LabeledEnum):
    """What an interested person may see of the diary (representatives and pupils see all)."""

    ALL = "all", _l("Everything")
    SCHEDULE_HOMEWORK = "schedule_homework", _l("Only schedule and homework")
    GRADES = "grades", _l("Only grades")


class AccessedPart(LabeledEnum):
    """What the access log says was opened (AccessLogEntry.what): a page of the diary or the
    pupil's profile; through the API the same code after «api:» (shown «… (через приложение)»)."""

    DIARY = "diary", _l("Diary")
    GRADES = "grades", _l("Grades")
    RESULTS = "results", _l("Final grades")
    ATTENDANCE = "attendance", _l("Attendance")
    DYNAMICS = "dynamics", _l("Progress")
    STATS = "stats", _l("Statistics and rating")
    EVENTS = "events", _l("Events")
    MEETINGS = "meetings", _l("Parent meetings")
    MESSAGES = "messages", _l("Messages")
    PROFILE = "profile", _l("Pupil's profile")

    @classmethod
    def label_for(cls, code):
        """«Оценки», «Оценки (через приложение)» for "api:grades"; an unknown code as it is."""
        if isinstance(code, str) and code.startswith(API_PREFIX):
            member = cls.get(code[len(API_PREFIX):])
            if member is not None:
                return _l("%(part)s (through the app)", part=member.label)
        return super().label_for(code)

    def api(self):
        """The code of this part read through the API."""
        return API_PREFIX + self.value


API_PREFIX = "api:"


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
    application_id = Column(Integer, ForeignKey("application.id"), nullable=True, index=True)
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


class InvitationState(LabeledEnum):
    PENDING = "pending", _lp("invitation state", "Waiting")
    ACCEPTED = "accepted", _l("Accepted")
    # computed for pending ones past expires_at; stored by the cleanup
    EXPIRED = "expired", _l("Expired")
    REVOKED = "revoked", _l("Revoked")


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
