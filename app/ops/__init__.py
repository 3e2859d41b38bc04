"""Operating the service: /health, /ready, /metrics, JSON logs with the request id."""
# The operator's endpoint left to Flask (/health and /ready never reach it): not in the latency
# histogram nor in the access log.
ENDPOINTS = {"ops.metrics"}


def init_app(app):
    from .. import request_id
    from . import health, logs, metrics

    logs.init_app(app)
    request_id.init_app(app)
    app.register_blueprint(health.bp)  # /metrics
    metrics.init_app(app)
    app.wsgi_app = health.Probes(app, app.wsgi_app)  # /health, /ready: before sessions and hooks
