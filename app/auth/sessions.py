"""Browser sessions end when the account changes under them (docs/staff-login.md).

Sessions are signed cookies (nothing stored server-side). At every login (staff form or Gosuslugi)
the session gets a fresh random id (`sid`) and a stamp of the account's password hash
(`pw_stamp`, an HMAC with SECRET_KEY: it reveals nothing about the hash). Before every request: a
disabled account, or one whose password was changed or reset since that login, is logged out at
once and sent to the login page with a Russian explanation; under /api/ the request simply goes on
without a user, so the API answers 401. (JWTs of a disabled account are refused by FAB's JWT user
loader, which loads active users only.)

The cookie: HttpOnly, SameSite=Lax, Secure when SESSION_COOKIE_SECURE is set — and always when
PREFERRED_URL_SCHEME is "https" (init_app)."""
import hashlib
import hmac
import secrets

from flask import current_app, flash, redirect, request, session
from flask_babel import gettext
from flask_login import current_user, logout_user, user_logged_in


def password_stamp(user):
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, (user.password or "").encode(), hashlib.sha256).hexdigest()[:16]


def keep_current_session(user):
    """The own password was just changed: this session stays valid (the others end)."""
    session["pw_stamp"] = password_stamp(user)


def _on_login(app, user):
    session["sid"] = secrets.token_urlsafe(16)  # a new session id at every login
    session["pw_stamp"] = password_stamp(user)


def end_stale_session():
    if request.endpoint and (request.endpoint == "static" or request.endpoint.endswith(".static")):
        return None
    if "_user_id" not in session:
        return None  # nobody logged in
    if current_user.is_authenticated:  # FAB's user loader gives only active accounts
        if current_user.active and session.get("pw_stamp") == password_stamp(current_user):
            return None
    logout_user()
    session.clear()
    if request.path.startswith("/api/"):
        return None  # no user any more: the API answers 401 itself
    flash(gettext("Your session has ended: the account was changed or disabled. Log in again."),
          "warning")
    return redirect(current_app.appbuilder.get_url_for_login)


def init_app(app):
    if str(app.config.get("PREFERRED_URL_SCHEME", "")).lower() == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    user_logged_in.connect(_on_login, app)
    app.before_request(end_stale_session)
