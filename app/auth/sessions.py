"""Browser sessions end when the account changes under them.

Sessions are signed cookies (nothing stored server-side), so each one carries, from the moment of
login, a stamp of the account's password hash and a fresh random session id. On every request:
a disabled account, or one whose password was changed or reset since that login, is logged out
at once and sent to the login page with a Russian explanation."""
import hashlib
import secrets

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user, user_logged_in


def password_stamp(user):
    return hashlib.sha256((user.password or "").encode()).hexdigest()[:16]


def _on_login(app, user):
    session["sid"] = secrets.token_urlsafe(16)  # a new session id at every login
    session["pw_stamp"] = password_stamp(user)


def end_stale_session():
    if current_user and current_user.is_authenticated:
        if current_user.active and session.get("pw_stamp") == password_stamp(current_user):
            return None
    elif "_user_id" not in session:
        return None  # nobody logged in; (FAB's user loader already refuses disabled accounts)
    logout_user()
    session.clear()
    if request.path.startswith("/api/"):
        return None  # the API answers 401 itself (no user any more)
    flash(gettext("Your session has ended: the account was changed or disabled. Log in again."),
          "warning")
    return redirect(url_for("portal.landing"))


def init_app(app):
    user_logged_in.connect(_on_login, app)
    app.before_request(end_stale_session)
