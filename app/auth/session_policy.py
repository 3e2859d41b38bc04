"""How long a browser session lives: the kind of a session (staff when the account holds a staff
role, else family), its idle timeout and absolute lifetime (SESSION_IDLE_MINUTES_STAFF / _FAMILY,
SESSION_MAX_HOURS_STAFF / _FAMILY), and how long the store keeps it. Read by the checks before
each request (app/auth/sessions.py) and by the store (app/auth/session_store.py)."""
from datetime import timedelta

from flask import current_app

from .. import clock
from ..access import is_staff_user

STAFF, FAMILY = "staff", "family"
# The store keeps a session a little past its end, so that its last request is told why it ended.
STORE_GRACE_SECONDS = 600


def kind_of(user):
    return STAFF if is_staff_user(user) else FAMILY


def limits(kind):
    config = current_app.config
    if kind == STAFF:
        return config["SESSION_IDLE_MINUTES_STAFF"] * 60, config["SESSION_MAX_HOURS_STAFF"] * 3600
    return config["SESSION_IDLE_MINUTES_FAMILY"] * 60, config["SESSION_MAX_HOURS_FAMILY"] * 3600


def lifetime_of(data):
    """How long the store keeps this session from now: the idle timeout, capped by what is left
    of the absolute lifetime (a session without a login — CSRF token, OIDC state — as long as a
    family's idle timeout), plus STORE_GRACE_SECONDS; the check before each request decides."""
    kind = data.get("kind")
    idle, absolute = limits(kind or FAMILY)
    seconds = idle
    if kind and data.get("login_at"):
        seconds = min(idle, data["login_at"] + absolute - clock.timestamp())
    return timedelta(seconds=max(int(seconds), 1) + STORE_GRACE_SECONDS)
