"""A citizen's accounts at identity providers, a legacy account, and their own settings."""
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import relationship

from .base import utcnow
from .labels import LabeledEnum


# The patronymic (отчество) of an account, beside FAB's first_name and last_name: ESIA's
# `middleName`, OIDC's `middle_name`, the directory import's column. NULL when the person has none
# or the provider did not say. FAB's own User class gets the column (declarative classes take new
# columns after the fact), so every query of User carries it; app.names.FullName reads the three.
User.middle_name = Column(String(64), nullable=True)


def _name(user):
    """The account holder's FullName (app/names.py): `user.name.document`, `|genitive`…"""
    from ..names import FullName

    return FullName.of(user)


def _document_name(user):
    """«Иванова Мария Петровна»: FAB's get_full_name (the navbar, the users' admin) in the
    document's order, with the patronymic."""
    return _name(user).document or user.username


User.name = property(_name)
User.get_full_name = _document_name


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


class NotificationKind(LabeledEnum):
    """What a family hears about (NotificationPreference.kind); app/notify/routing.py sends it."""

    GRADE = "grade", _l("New grades")
    ABSENCE = "absence", _l("Absences")
    HOMEWORK = "homework", _l("Homework")
    REMARK = "remark", _l("Remarks")
    EVENT = "event", _l("Events and meetings")
    MESSAGE = "message", _l("Messages from teachers")


class NotificationChannel(LabeledEnum):
    """How (the columns email, sms, digest of NotificationPreference)."""

    EMAIL = "email", _l("E-mail")
    SMS = "sms", _l("SMS")
    DIGEST = "digest", _l("Digest")


class NotificationPreference(Model):
    """Per recipient, pupil and kind of event: e-mail, SMS, or a daily digest."""

    __tablename__ = "notification_preference"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    student_id = Column(Integer, ForeignKey("student.id"), nullable=False)
    kind = Column(String(20), nullable=False)  # NotificationKind
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


class PhoneCode(Model):
    """A code sent by SMS to confirm a mobile number the parent typed (app/notify/phones.py):
    only its keyed hash is kept; single-use, expiring, a few attempts."""

    __tablename__ = "phone_code"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    phone = Column(String(16), nullable=False)  # E.164, e.g. +79211234567
    code_hash = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)  # wrong codes typed
    used_at = Column(DateTime, nullable=True)  # confirmed, or replaced by a newer code


# FAB's User takes its creation times from the process's local clock (datetime.now() in FAB's
# model defaults). Every moment we store is naive UTC from app.clock and shown in TIMEZONE: on a
# server whose zone is not UTC, FAB's stamps would be hours off. A new account gets the service's
# clock here; FAB's other writers (the login statistics, the user edit screen) are overridden in
# app/security.py and app/auth/staff.py.
@event.listens_for(User, "before_insert")
def _stamp_new_user(_mapper, _connection, user):
    now = utcnow()
    user.created_on = user.created_on or now
    user.changed_on = user.changed_on or now
