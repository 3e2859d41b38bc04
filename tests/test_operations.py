"""Operating the service (issue 11): /health and /ready for the balancer, /metrics for Prometheus,
and the request id that ties a log line, an audit event and an outbox message to one request."""
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from app.extensions import db
from app.models import Application, AuditEvent, OutboxMessage
from tests.helpers.data import IVAN as CHILD
from tests.helpers.data import school_id

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}


def _families(text):
    return {family.name: family for family in text_string_to_metric_families(text)}


def test_health_answers_without_the_database_or_a_cookie(app, client, monkeypatch):
    def no_database(*args, **kwargs):
        raise AssertionError("/health touched the database")

    monkeypatch.setattr(db.session, "execute", no_database)
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_ready_checks_the_database_and_names_what_is_down(app, client, monkeypatch):
    response = client.get("/ready")
    assert response.status_code == 200 and response.json["status"] == "ok", response.json
    assert "database" in response.json["checked"] and "Set-Cookie" not in response.headers

    from app.ops import health

    def broken(timeout):
        raise OSError("connection refused")

    monkeypatch.setattr(health, "_database", broken)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json["down"]["database"] == {"ru": "База данных недоступна",
                                                 "en": "database is unavailable"}


def test_ready_checks_redis_when_configured(sqlite_app, redis_server):
    from scripts.pgcluster import free_port

    client = sqlite_app.test_client()
    sqlite_app.config["REDIS_URL"] = redis_server
    try:
        answer = client.get("/ready")
        assert answer.status_code == 200 and answer.json["checked"] == ["database", "redis"], answer.json
        sqlite_app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
        answer = client.get("/ready")
        assert answer.status_code == 503
        assert answer.json["down"] == {"redis": {"ru": "Redis недоступен", "en": "redis is unavailable"}}
    finally:
        sqlite_app.config["REDIS_URL"] = ""


def test_metrics_histogram_by_endpoint_name_never_the_raw_path(app, client):
    client.get("/api/v1/schools/")
    client.get("/api/v1/applications/987654321")  # an id in the path: not a label of its own
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    families = _families(response.get_data(as_text=True))
    samples = families["diary_request_duration_seconds"].samples
    endpoints = {s.labels["endpoint"] for s in samples if s.name.endswith("_count")}
    assert "SchoolsApi.list_schools" in endpoints, endpoints
    assert not any("987654321" in e or "/" in e for e in endpoints), endpoints
    assert {s.labels["status"] for s in samples if s.name.endswith("_count")} <= {
        "1xx", "2xx", "3xx", "4xx", "5xx"}


def test_metrics_outbox_backlog_and_applications_match_the_database(app, client):
    with app.app_context():
        for n in range(3):
            db.session.add(OutboxMessage(recipient=f"r{n}@example.ru", subject="s",
                                         idempotency_key=f"ops-test-{n}"))
        db.session.commit()
        pending = db.session.execute(select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.status == "pending")).scalar()
        states = dict(db.session.execute(select(Application.state, db.func.count(Application.id))
                                         .group_by(Application.state)).all())
    families = _families(client.get("/metrics").get_data(as_text=True))
    assert pending >= 3
    assert families["diary_outbox_pending"].samples[0].value == pending
    assert families["diary_outbox_oldest_pending_age_seconds"].samples[0].value >= 0
    shown = {s.labels["state"]: s.value for s in families["diary_applications"].samples}
    assert shown == states
    assert "diary_import_runs" in families


def test_metrics_refused_from_elsewhere_without_the_token(app, client):
    refused = client.get("/metrics", environ_overrides=ELSEWHERE)
    assert refused.status_code == 403
    assert refused.json["message"] == "Доступ к метрикам запрещён."
    assert "diary_outbox_pending" not in refused.get_data(as_text=True)
    app.config["METRICS_TOKEN"] = "s3cret-token-for-prometheus"
    try:
        wrong = client.get("/metrics", environ_overrides=ELSEWHERE, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        allowed = client.get("/metrics", environ_overrides=ELSEWHERE,
                             headers={"Authorization": "Bearer s3cret-token-for-prometheus"})
        assert allowed.status_code == 200 and "diary_outbox_pending" in allowed.get_data(as_text=True)
    finally:
        app.config["METRICS_TOKEN"] = ""


def test_request_id_from_the_balancer_reaches_audit_and_outbox(app, client, login_parent):
    login_parent(client, "parent-ivanova")
    rid = "lb-7f3a9c2e-0001"
    response = client.post("/api/v1/applications/", json={"school_id": school_id(app, "239"), "child": CHILD},
                           headers={"X-Request-ID": rid})
    assert response.status_code == 201, response.json
    assert response.headers["X-Request-ID"] == rid
    with app.app_context():
        events = db.session.execute(select(AuditEvent.request_id).where(
            AuditEvent.action == "submit", AuditEvent.object_id == response.json["id"])).scalars().all()
        mails = db.session.execute(select(OutboxMessage.request_id).where(
            OutboxMessage.application_id == response.json["id"])).scalars().all()
    assert events == [rid] and mails and set(mails) == {rid}


@pytest.mark.parametrize("hostile", ["", "a b c d e f g h", "x" * 500, "<script>alert(1)</script>", "short"])
def test_an_insane_request_id_is_replaced_by_our_own(client, hostile):
    response = client.get("/health", headers={"X-Request-ID": hostile})
    echoed = response.headers["X-Request-ID"]
    assert echoed != hostile and len(echoed) == 32 and echoed.isalnum()


def test_log_lines_are_json_with_the_request_id(app, client):
    from app.ops.logs import JsonFormatter

    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(JsonFormatter().format(record))
    access = logging.getLogger("diary.access")
    access.addHandler(handler)
    level, access.level = access.level, logging.INFO
    try:
        client.get("/api/v1/schools/", headers={"X-Request-ID": "trace-123456789"})
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    line = json.loads(records[-1])
    assert line["request_id"] == "trace-123456789"
    assert line["endpoint"] == "SchoolsApi.list_schools" and line["status"] == 200


def test_multiprocess_mode_sums_the_workers(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR (gunicorn workers), what each process observed is in the scrape."""
    import os
    import subprocess
    import sys

    worker = ("from app.ops import metrics; "
              "metrics.LATENCY.labels('SchoolsApi.list_schools', 'GET', '2xx').observe(0.01)")
    scrape = ("from prometheus_client import generate_latest; from app.ops import metrics; "
              "print(generate_latest(metrics._request_registry()).decode())")
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], cwd=root, env=env, check=True, timeout=120)
    out = subprocess.run([sys.executable, "-c", scrape], cwd=root, env=env, check=True, timeout=120,
                         capture_output=True, text=True).stdout
    counts = [s for s in _families(out)["diary_request_duration_seconds"].samples if s.name.endswith("_count")]
    assert [s.value for s in counts if s.labels["endpoint"] == "SchoolsApi.list_schools"] == [2.0]
