"""Who calls the API: staff with a JWT from /api/v1/security/login, or a logged-in browser
session (parents). Scope checks live in app.access and app.workflow, not here."""
from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_login import current_user

from ..access import actor_for


def json_response(status, payload):
    response = jsonify(payload)
    response.status_code = status
    return response


def api_error(status, message, errors=None):
    body = {"message": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def uses_bearer_token():
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def _caller():
    if uses_bearer_token():
        try:
            verify_jwt_in_request()
            return get_current_user()
        except Exception:  # noqa: BLE001 - expired / malformed token
            return None
    if current_user and current_user.is_authenticated:
        return current_user
    return None


def api_login_required(view):
    @wraps(view)
    def wrapper(self, *args, **kwargs):
        user = _caller()
        if user is None or not user.is_active:
            return api_error(401, gettext("Log in to continue."))
        g.user = user
        g._diary_actor = actor_for(user)
        return view(self, *args, **kwargs)

    return wrapper


def json_body():
    """The request's JSON object, or None (writes must be JSON: also a CSRF guard)."""
    if not request.is_json:
        return None
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None
