"""Browser sessions: server-side, stamped, with an idle timeout and an absolute lifetime
(docs/staff-login.md).

- Storage: app/auth/session_store.py (the database, or Redis when REDIS_URL is set); the cookie
  holds a random id only: HttpOnly, SameSite=Lax, Secure under https (init_app).
- At every login (staff form, Gosuslugi; anything that calls flask_login.login_user) the session
  gets a new id (the data under the old one is deleted), a login id (`sid`), the kind of session
  (staff when the account holds a staff role, else family), the login time and the stamp of the
  account (`pw_stamp`): an HMAC, under the account's own random secret (session_keys.py), of its
  password hash. API tokens carry the same stamp (claim "pws", app/security.py).
- Before every request: a session (or a Flask-Login remember cookie) whose account is disabled,
  whose stamp no longer matches (password changed or reset, «Выйти на всех устройствах», a
  disabled account), that has been idle longer than SESSION_IDLE_MINUTES_STAFF / _FAMILY or is
  older than SESSION_MAX_HOURS_STAFF / _FAMILY ends at once: the page goes to the login page with
  a Russian explanation; under /api/ the request goes on without a user (the API answers 401).
"""
import hashlib
import hmac
import secrets

from flask import current_app, flash, redirect, request, session
from flask_babel import gettext
from flask_login import current_user, logout_user, user_logged_in

from .. import clock
from . import session_keys
from .session_policy import FAMILY, STAFF, kind_of, limits
from .session_store import renew_id

TOUCH_SECONDS = 60  # the last-seen time is written at most once a minute (one write, not one per request)


def account_stamp(user, create=False):
    """HMAC of the password hash under the account's secret; None if the account has no secret."""
    secret = session_keys.ensure_secret(user.id) if create else session_keys.secret_of(user.id)
    if secret is None:
        return None
    return hmac.new(secret.encode(), (user.password or "").encode(), hashlib.sha256).hexdigest()[:32]


def keep_current_session(user):
    """The own password was just changed: this session stays valid (the others end)."""
    session["pw_stamp"] = account_stamp(user, create=True)


def _on_login(app, user):
    renew_id(session)  # a new session id at every login: no fixation
    now = int(clock.timestamp())
    session["sid"] = secrets.token_urlsafe(16)
    session["pw_stamp"] = account_stamp(user, create=True)
    session["kind"] = kind_of(user)
    session["login_at"] = session["seen_at"] = now


def end_session():
    """Log out here: the stored session is deleted and the browser gets a new empty one."""
    logout_user()
    session.clear()
    renew_id(session)


def _problem(user):
    """Why this session must end ("changed", "expired"), or None."""
    if not user.is_active or not session.get("pw_stamp") or session.get("pw_stamp") != account_stamp(user):
        return "changed"
    kind, login_at, seen_at = session.get("kind"), session.get("login_at"), session.get("seen_at")
    if kind not in (STAFF, FAMILY) or not login_at or not seen_at:
        return "changed"
    idle, absolute = limits(kind)
    now = clock.timestamp()
    if now - seen_at > idle or now - login_at > absolute:
        return "expired"
    if now - seen_at >= TOUCH_SECONDS:
        session["seen_at"] = int(now)
    return None


def end_stale_session():
    if request.endpoint and (request.endpoint == "static" or request.endpoint.endswith(".static")):
        return None
    # current_user: from the session, or from a Flask-Login remember cookie (which this service
    # never sets: one forged with SECRET_KEY carries no stamp and ends here).
    if not current_user.is_authenticated:
        if "_user_id" in session:  # FAB's user loader gives active accounts only
            end_session()
            return _after_end("changed")
        return None
    problem = _problem(current_user)
    if problem is None:
        return None
    end_session()
    return _after_end(problem)


def _after_end(problem):
    if request.path.startswith("/api/"):
        return None  # no user any more: the API answers 401 itself
    if problem == "expired":
        flash(gettext("Your session has expired. Log in again."), "warning")
    else:
        flash(gettext("Your session has ended: the account was changed or disabled. Log in again."),
              "warning")
    return redirect(current_app.appbuilder.get_url_for_login)


def store_login(user):
    """For tools that stand in for a browser (bench/): inside a request context, log `user` in as
    a login does and store the session at once; returns the session id (the cookie's value)."""
    from flask_login import login_user

    login_user(user, remember=False)
    current_app.session_interface.save_session(current_app, session, current_app.response_class())
    return session.sid


def init_app(app):
    if str(app.config.get("PREFERRED_URL_SCHEME", "")).lower() == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    user_logged_in.connect(_on_login, app)
    app.before_request(end_stale_session)
