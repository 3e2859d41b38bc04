"""/metrics in the Prometheus text format (prometheus_client).

Per request: a latency histogram labelled by the Flask endpoint name (never the raw path) and the
status class. At scrape time, from the database (cheap COUNT/MIN): the outbox backlog and the age
of its oldest pending message, applications per state, import runs, the replica's lag
(diary_replica_lag_seconds; diary_replica_reads_total counts where replica-eligible pages were read). Under gunicorn with
PROMETHEUS_MULTIPROC_DIR set, the histogram is summed over the workers (multiprocess mode).

Access: from loopback, or with "Authorization: Bearer <METRICS_TOKEN>"; anyone else gets 403."""
import hmac
import ipaddress
import os
import time

from flask import Response, current_app, g, jsonify, request
from flask_babel import gettext
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from .. import clock
from ..extensions import csrf, db
from ..models import Application, AuditEvent, OutboxMessage, OutboxStatus
from ..replica import lag as replica_lag
from . import ENDPOINTS
from .health import bp

LATENCY = Histogram(
    "diary_request_duration_seconds", "Time to answer a request, by Flask endpoint and status class",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _start():
    g.request_started = time.perf_counter()


def _observe(response):
    started = g.pop("request_started", None)
    if started is not None and request.endpoint not in ENDPOINTS:
        endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
        method = request.method if request.method in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                                      "OPTIONS"} else "other"
        LATENCY.labels(endpoint, method, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started)
    return response


class DatabaseGauges:
    """Figures read from the database when Prometheus scrapes."""

    def collect(self):
        pending = OutboxMessage.status == OutboxStatus.PENDING.value
        count, oldest = db.session.execute(
            select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(pending)).one()
        backlog = GaugeMetricFamily("diary_outbox_pending", "Outbox messages waiting to be sent")
        backlog.add_metric([], count)
        age = GaugeMetricFamily("diary_outbox_oldest_pending_age_seconds",
                                "Age of the oldest pending outbox message (0 when none)")
        age.add_metric([], max(0.0, (clock.utcnow() - oldest).total_seconds()) if oldest else 0.0)
        states = GaugeMetricFamily("diary_applications", "Applications per state", labels=["state"])
        for state, number in db.session.execute(
                select(Application.state, func.count(Application.id)).group_by(Application.state)):
            states.add_metric([state], number)
        imports = GaugeMetricFamily("diary_import_runs", "Data imports recorded in the audit log")
        imports.add_metric([], db.session.execute(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "import")).scalar())
        db.session.rollback()
        found = [backlog, age, states, imports]
        state = replica_lag.state()
        if state is not None:
            lag = GaugeMetricFamily("diary_replica_lag_seconds",
                                    "Replica lag in seconds (NaN when it cannot be reached)")
            lag.add_metric([], float("nan") if state.lag is None else state.lag)
            found.append(lag)
        return found


def _allowed():
    token = current_app.config.get("METRICS_TOKEN") or ""
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _request_registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


@bp.route("/metrics")
@csrf.exempt
def metrics():
    if not _allowed():
        return jsonify(status="error", message=gettext("Access to the metrics is denied.")), 403
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseGauges())
    body = generate_latest(_request_registry()) + generate_latest(database)
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def init_app(app):
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_observe)
