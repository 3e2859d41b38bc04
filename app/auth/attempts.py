"""The limit of failed staff logins (app/ratelimit.py: STAFF_LOGIN_<NAME> settings, else
ATTEMPT_<NAME>): per account with growing delays, per (address, account) and per address. The
login form, the JSON login (app/auth/login.py), the security manager's password check
(app/security.py) and the «current password» of «Сменить пароль» (app/auth/password_views.py)
all count here."""
import datetime

from flask import request
from flask_babel import format_timedelta, gettext
from werkzeug.exceptions import TooManyRequests

from .. import ratelimit

KIND = "staff-login"


class TooManyLogins(TooManyRequests):
    """Failed logins over a limit for this account, this (address, account) or this address
    (even a right password is not checked then). `retry_after`: seconds to wait."""

    def __init__(self, retry_after=0):
        seconds = max(1, int(round(retry_after or 0)))
        super().__init__(too_many_logins_message(seconds), retry_after=seconds)  # Retry-After


def too_many_logins_message(seconds):
    wait = format_timedelta(datetime.timedelta(seconds=seconds), add_direction=True)
    return gettext("Too many login attempts. Try again %(wait)s.", wait=wait)


def begin_attempt(username):
    """Reserve a password check for `username` from the client's address (counted as a failure
    until `.succeeded()`); TooManyLogins (429) when a limit is reached."""
    attempt = ratelimit.begin(KIND, account=(username or "").strip(), address=request.remote_addr)
    if attempt is None:
        raise TooManyLogins(ratelimit.attempt_refusal().retry_after)
    return attempt
