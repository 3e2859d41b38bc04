"""Liveness (/health: the process answers; no database) and readiness (/ready: the database
answers `SELECT 1` within READY_TIMEOUT_SECONDS, and Redis when REDIS_URL is set).

With a replica (DATABASE_REPLICA_URL) both tell its lag: /health as `replica_lag_seconds` (null
when it cannot be reached), /ready as "degraded" when it is down or later than
REPLICA_MAX_LAG_SECONDS — never "not ready": the primary then serves the reads (app/replica).

Both are answered by a WSGI middleware in front of Flask: no session is opened (so no cookie and
no database read for it), no before_request hook runs (logins, rate limits, CSRF, access log)."""
import json
import logging
import secrets

from flask import Blueprint, current_app
from flask_babel import force_locale, gettext
from sqlalchemy import text
from werkzeug.wrappers import Response

from .. import request_id
from ..extensions import db
from ..replica import lag as replica_lag

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)


def health():
    body = {"status": "ok"}
    state = replica_lag.state()
    if state is not None:
        body["replica_lag_seconds"] = None if state.lag is None else round(state.lag, 3)
    return body, 200


def _database(timeout):
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL statement_timeout = {int(timeout * 1000)}"))
        connection.execute(text("SELECT 1"))


def _redis(url, timeout):
    import redis

    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


def ready():
    timeout = float(current_app.config.get("READY_TIMEOUT_SECONDS", 2))
    checks = {"database": lambda: _database(timeout)}
    redis_url = current_app.config.get("REDIS_URL") or ""
    if redis_url.startswith(("redis://", "rediss://", "unix://")):
        checks["redis"] = lambda: _redis(redis_url, timeout)
    down = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            log.warning("readiness: %s unavailable: %s", name, type(error).__name__)
            down[name] = {"ru": _messages()[name], "en": f"{name} is unavailable"}
    if down:
        return {"status": "error", "down": down}, 503
    body = {"status": "ok", "checked": sorted(checks)}
    state = replica_lag.state()
    if state is not None:
        body["checked"].append("replica")
        limit = float(current_app.config["REPLICA_MAX_LAG_SECONDS"])
        if state.lag is None or state.lag > limit:
            body["degraded"] = {"replica": {
                "ru": gettext("The replica is unavailable or behind: reads go to the primary"),
                "en": "the replica is unavailable or behind: reads go to the primary",
                "lag_seconds": None if state.lag is None else round(state.lag, 3)}}
    return body, 200


def _messages():
    return {"database": gettext("The database is unavailable"), "redis": gettext("Redis is unavailable")}


# Flask's hooks (flask-talisman) do not run here: the headers a JSON answer needs, set by hand.
HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
           "Referrer-Policy": "no-referrer"}
ROUTES = {"/health": health, "/ready": ready}


class Probes:
    """WSGI middleware answering /health and /ready before Flask sees the request."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        view = ROUTES.get(environ.get("PATH_INFO"))
        if view is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        rid = request_id.sane(environ.get("HTTP_X_REQUEST_ID")) or secrets.token_hex(16)
        with self.app.app_context():
            try:
                with force_locale("ru"):
                    body, status = view()
            finally:
                db.session.remove()
        response = Response(json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/json",
                            headers={"Cache-Control": "no-store", request_id.HEADER: rid, **HEADERS})
        return response(environ, start_response)
