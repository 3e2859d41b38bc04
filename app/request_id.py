"""The request id: taken from the balancer's X-Request-ID when it is a sane token, else made here;
echoed in the response, written into every log line, audit event and outbox message of the request.

Bottom layer: imports only Flask (the models take `current` as a column default)."""
import re
import secrets

from flask import g, has_request_context, request

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")


def sane(value):
    """The header's value when it is a plain token (letters, digits, . _ : -; 8..128 chars)."""
    return value if isinstance(value, str) and _SANE.match(value) else None


def current():
    """The current request's id, or None outside a request (the worker, the CLI)."""
    if not has_request_context():
        return None
    rid = g.get("request_id")
    if rid is None:
        rid = g.request_id = sane(request.headers.get(HEADER)) or secrets.token_hex(16)
    return rid


def _echo(response):
    response.headers[HEADER] = current()
    return response


def _take():
    current()  # returns None: a before_request hook that returned the id would end the request


def init_app(app):
    app.before_request_funcs.setdefault(None, []).insert(0, _take)
    app.after_request(_echo)
