"""Server-side sessions, per-account session secrets and login attempt counters."""
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Float, ForeignKey, Integer, LargeBinary, String

from .base import utcnow


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
