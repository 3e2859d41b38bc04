"""A configured replica that cannot be reached (app/replica): the family's pages are read from the
primary, /health shows the lag as null, /ready stays ready but says "degraded"."""
import pytest

from scripts.pgcluster import free_port
from tests.helpers.app import make_app, reset_data
from tests.helpers.data import grant, import_examples, pupil_id


@pytest.fixture
def app(tmp_path, smtp_server, idp):
    dead = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/diary"
    app = make_app(f"sqlite:///{tmp_path}/diary.db", smtp_server, idp, DATABASE_REPLICA_URL=dead,
                   REPLICA_CHECK_SECONDS=0, REPLICA_CONNECT_TIMEOUT=1)
    reset_data(app)
    return app


def test_a_replica_that_is_down_is_never_read(app, login_parent):
    with app.app_context():
        import_examples()
        volkov = pupil_id("S-1002")
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    grant(app, "parent-ivanova", volkov)
    page = parent.get(f"/my/students/{volkov}/diary")
    assert page.status_code == 200 and "Волков" in page.get_data(as_text=True)

    health = parent.get("/health")
    assert health.status_code == 200 and health.get_json()["replica_lag_seconds"] is None
    ready = parent.get("/ready")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "ok" and "replica" in body["checked"]
    assert body["degraded"]["replica"]["lag_seconds"] is None
    assert "недоступна" in body["degraded"]["replica"]["ru"]
    metrics = parent.get("/metrics").get_data(as_text=True)
    assert "diary_replica_lag_seconds NaN" in metrics
    assert 'diary_replica_reads_total{target="primary"}' in metrics


def test_without_a_replica_nothing_about_it_is_shown(sqlite_app):
    client = sqlite_app.test_client()
    assert "replica_lag_seconds" not in client.get("/health").get_json()
    assert "replica" not in client.get("/ready").get_json()["checked"]
