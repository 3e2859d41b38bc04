"""Security manager: staff log in with passwords (AUTH_DB); citizens only through ESIA
(app/auth/esia.py), so password login refuses accounts that hold no staff role.
Permissions of the current user are cached per request (FAB checks them many times a page)."""
import logging

from flask import abort, g, request
from flask_appbuilder.security.sqla.manager import SecurityManager

from . import ratelimit, roles

log = logging.getLogger(__name__)


class DiarySecurityManager(SecurityManager):
    def auth_user_db(self, username, password):
        """Password login of staff (the form and POST /api/v1/security/login), with failed attempts
        limited per account and per address (app/ratelimit.py, STAFF_LOGIN_RATE_LIMIT): over the
        limit even the right password is refused with 429 «Слишком много попыток»."""
        keys = {"username": username or "", "address": request.remote_addr or ""}
        if not ratelimit.attempts_left("staff-login", **keys):
            log.warning("staff login refused: too many attempts for %r from %s", username, keys["address"])
            abort(429)
        user = super().auth_user_db(username, password)
        if user is None:
            ratelimit.record_failure("staff-login", **keys)
            return None
        ratelimit.clear("staff-login", username=username)
        if not any(role.name in roles.STAFF_ROLES.values() for role in user.roles):
            log.info("password login refused for a non-staff account %s", user.id)
            return None
        return user

    def reset_password(self, userid, password):
        """FAB's «Сбросить пароль» (admin) and «Сменить пароль» (own): audited; the user's other
        sessions end at their next request (app/auth/sessions.py compares the password stamp)."""
        result = super().reset_password(userid, password)
        actor = _current_actor()
        own = actor is not None and actor.user_id == userid
        _audit_user(actor, "password_changed" if own else "password_reset", userid)
        if own:
            from flask import has_request_context, session

            from .auth.sessions import password_stamp

            if has_request_context():
                session["pw_stamp"] = password_stamp(self.get_user_by_id(userid))  # this session stays
        return result

    def update_user(self, user):
        """An admin's edit of a user: disabling or enabling is audited (its sessions end at once)."""
        from sqlalchemy import inspect

        history = inspect(user).attrs.active.history
        result = super().update_user(user)
        if history.has_changes():
            _audit_user(_current_actor(), "disabled" if not user.active else "enabled", user.id)
        return result

    def _has_view_access(self, user, permission_name, view_name):
        cache = getattr(g, "_diary_perm_cache", None)
        if cache is None:
            cache = g._diary_perm_cache = {}
        key = (getattr(user, "id", None), permission_name, view_name)
        if key not in cache:
            cache[key] = super()._has_view_access(user, permission_name, view_name)
        return cache[key]


def limit_api_login():
    """FAB's JSON login turns any exception into a 500, so the attempt limit of auth_user_db is
    checked here first for POST /api/v1/security/login and answered with a Russian 429."""
    if request.method != "POST" or request.path.rstrip("/") != "/api/v1/security/login":
        return None
    body = request.get_json(silent=True) or {}
    keys = {"username": str(body.get("username") or ""), "address": request.remote_addr or ""}
    if ratelimit.attempts_left("staff-login", **keys):
        return None
    from flask import jsonify
    from flask_babel import gettext

    response = jsonify(message=gettext("Too many attempts. Please wait a little and try again."))
    response.status_code = 429
    return response


def _current_actor():
    from flask import has_request_context

    if not has_request_context():
        return None
    from .access import current_actor

    return current_actor()


def _audit_user(actor, action, user_id):
    from .extensions import db
    from .models import AuditEvent

    db.session.add(AuditEvent(actor_id=actor.user_id if actor else None,
                              actor_label=actor.label if actor else "flask", action=action,
                              object_type="user", object_id=user_id, details={}))
    db.session.commit()
