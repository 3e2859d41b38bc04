"""Operating the service: /health, /ready, /metrics, JSON logs with the request id."""
from flask import request

# The operator's endpoints: no login, no session, no rate limit, no access log line.
ENDPOINTS = {"ops.health", "ops.ready", "ops.metrics"}


def is_ops_request():
    return request.endpoint in ENDPOINTS


def init_app(app):
    from .. import request_id
    from . import health, logs, metrics

    logs.init_app(app)
    request_id.init_app(app)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
