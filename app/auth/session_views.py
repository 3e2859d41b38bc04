"""Logging out: only by POST with the CSRF token.

- /logout/ (FAB's logout endpoint, AuthDBView.logout in app/auth/login.py, calls logout()):
  GET shows a confirmation page with the POST form (a link or an <img> on another site logs
  nobody out); POST ends this session on the server.
- /logout/everywhere: GET the confirmation, POST «Выйти на всех устройствах» — the account gets
  a new session secret (app/auth/session_keys.py), so every session and API token of it ends at
  its next request, this one at once; audited (logged_out_everywhere).
Staff see FAB's layout, families the portal's.
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session
from flask_babel import gettext
from flask_login import current_user

from .audit import audit_user_event
from .session_policy import STAFF, kind_of
from .sessions import end_session

bp = Blueprint("sessions", __name__)


def _render(action):
    appbuilder = current_app.appbuilder
    staff = (session.get("kind") or kind_of(current_user)) == STAFF
    template = "appbuilder/session_confirm.html" if staff else "portal/session_confirm.html"
    return render_template(template, action=action, appbuilder=appbuilder,
                           base_template=appbuilder.base_template)


def _home():
    return current_app.config.get("LOGOUT_REDIRECT_URL") or current_app.appbuilder.get_url_for_index


def logout():
    """GET: the confirmation page; POST: log out (CSRF checked by CSRFProtect)."""
    if not current_user.is_authenticated:
        return redirect(_home())
    if request.method != "POST":
        return _render("logout")
    user = current_user._get_current_object()  # noqa: SLF001
    end_session()
    current_app.appbuilder.sm.on_user_logout(user)
    return redirect(_home())


@bp.route("/logout/everywhere", methods=["GET", "POST"])
def everywhere():
    if not current_user.is_authenticated:
        return redirect(current_app.appbuilder.get_url_for_login)
    if request.method != "POST":
        return _render("everywhere")
    user = current_user._get_current_object()  # noqa: SLF001
    audit_user_event("logged_out_everywhere", user.id)  # a new secret: all sessions and tokens end
    end_session()
    current_app.appbuilder.sm.on_user_logout(user)
    flash(gettext("You have logged out on all devices."), "success")
    return redirect(current_app.appbuilder.get_url_for_login)


def init_app(app):
    app.register_blueprint(bp)
