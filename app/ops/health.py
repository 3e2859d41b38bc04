"""Liveness (/health: the process answers; no database) and readiness (/ready: the database
answers `SELECT 1` within READY_TIMEOUT_SECONDS, and Redis when REDIS_URL is set)."""
import logging

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext
from sqlalchemy import text

from ..extensions import csrf, db

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)


@bp.route("/health")
@csrf.exempt
def health():
    return jsonify(status="ok")


def _database(timeout):
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SET statement_timeout = {int(timeout * 1000)}"))
        connection.execute(text("SELECT 1"))


def _redis(url, timeout):
    import redis

    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


@bp.route("/ready")
@csrf.exempt
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
        return jsonify(status="error", down=down), 503
    return jsonify(status="ok", checked=sorted(checks))


def _messages():
    return {"database": gettext("The database is unavailable"), "redis": gettext("Redis is unavailable")}
