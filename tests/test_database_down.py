"""Issue 8, "database down": with the real PostgreSQL stopped under a running app, pages answer
503 with the Russian «Сервис временно недоступен» page and Retry-After, the API 503 JSON — not
500, and not 401 for a bearer token — and /ready says so (/health, the liveness check, still answers). When the server is back, the same
clients work again without a restart."""
import re
import subprocess

import pytest
from sqlalchemy import text

from scripts.pgcluster import PG_BIN, temporary_postgres
from tests.helpers.app import make_app, reset_data
from tests.helpers.web import DEMO_PARENTS, citizen_login, staff_login

pytestmark = [pytest.mark.slow, pytest.mark.postgres]  # a PostgreSQL cluster of its own, stopped and started

UNAVAILABLE = "Сервис временно недоступен"
# Flask re-raises an error that happens before the view (the server-side session is read from the
# database when the request context is pushed) in TESTING mode instead of calling the handlers;
# production does not: the tests run as production does.
AS_IN_PRODUCTION = {"PROPAGATE_EXCEPTIONS": False}


def _pg_ctl(data_dir, *args):
    import os

    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(run_as + [f"{PG_BIN}/pg_ctl", "-D", data_dir, *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def stoppable(smtp_server, idp):
    """An app on its own throwaway PostgreSQL cluster, and a switch to stop and restart it."""
    with temporary_postgres(dbname="diary_down") as url:
        app = make_app(url, smtp_server, idp, **AS_IN_PRODUCTION)
        reset_data(app)
        from app.extensions import db

        with app.app_context():
            data_dir = db.session.execute(text("SHOW data_directory")).scalar()
            options = db.session.execute(text(
                "SELECT string_agg(format('-c %s=%s', name, setting), ' ') FROM pg_settings "
                "WHERE name IN ('port', 'unix_socket_directories', 'listen_addresses')")).scalar()
            db.session.remove()

        class Switch:
            def stop(self):
                _pg_ctl(data_dir, "-m", "immediate", "-w", "stop")

            def start(self):
                _pg_ctl(data_dir, "-w", "-l", f"{data_dir}/../log-again", "-o", f"{options} -F", "start")

        yield app, Switch()
        with app.app_context():
            db.engine.dispose()


def assert_unavailable_page(response):
    body = response.get_data(as_text=True)
    assert response.status_code == 503, (response.status_code, body[:500])
    assert UNAVAILABLE in body, body[:500]
    assert response.headers.get("Retry-After", "").isdigit()
    assert "Traceback" not in body and "psycopg2" not in body and "OperationalError" not in body


def assert_unavailable_json(response):
    assert response.status_code == 503, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.is_json and UNAVAILABLE in response.json["message"], response.json
    assert response.headers.get("Retry-After", "").isdigit()


def test_pages_api_and_health_answer_503_while_postgresql_is_down(stoppable, idp):
    app, server = stoppable
    parent = app.test_client()
    citizen_login(parent, idp, "parent-ivanova", **DEMO_PARENTS["parent-ivanova"])
    clerk = staff_login(app.test_client(), "clerk239", "clerk12345")
    api = app.test_client()
    token = api.post("/api/v1/security/login", json={"username": "clerk239", "password": "clerk12345",
                                                     "provider": "db"}).json["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert parent.get("/my/applications").status_code == 200
    assert clerk.get("/applications/list/").status_code == 200
    assert api.get("/api/v1/applications/", headers=bearer).status_code == 200

    server.stop()
    try:
        assert_unavailable_page(parent.get("/my/applications"))                # a portal page
        assert_unavailable_page(parent.get("/my/students"))
        assert_unavailable_page(clerk.get("/applications/list/"))              # a staff page
        assert_unavailable_page(clerk.post("/applications/1/reject", data={"reason": "Нет документов"}))
        assert_unavailable_page(app.test_client().post("/login/", data={"username": "clerk239",
                                                                        "password": "clerk12345"}))
        assert_unavailable_json(api.get("/api/v1/applications/", headers=bearer))  # not 401
        assert_unavailable_json(api.get("/api/v1/students/", headers=bearer))
        assert_unavailable_json(app.test_client().get("/api/v1/applications/", headers=bearer))  # no cookie
        assert_unavailable_json(parent.get("/api/v1/applications/"))            # the parent's session
        assert_unavailable_json(app.test_client().get("/api/v1/schools/"))      # anonymous
        ready = app.test_client().get("/ready")
        assert ready.status_code == 503 and ready.json["status"] == "error"
        assert ready.json["down"]["database"]["ru"] == "База данных недоступна"
        assert app.test_client().get("/health").status_code == 200  # liveness: the process answers
        assert app.test_client().get("/ping").status_code == 200  # no database: still answers
    finally:
        server.start()

    assert parent.get("/my/applications").status_code == 200  # back without a restart
    assert clerk.get("/applications/list/").status_code == 200
    assert api.get("/api/v1/applications/", headers=bearer).status_code == 200
    assert app.test_client().get("/ready").status_code == 200


def test_an_app_pointed_at_a_closed_port_answers_503(smtp_server, idp):
    from scripts.pgcluster import free_port

    with temporary_postgres(dbname="diary_gone") as url:
        app = make_app(url, smtp_server, idp, **AS_IN_PRODUCTION)
    # the cluster is gone (stopped and removed): nothing listens on its port any more
    port = int(re.search(r":(\d+)/", url).group(1))
    assert port and free_port()
    client = app.test_client()
    assert_unavailable_page(client.get("/applications/list/"))
    assert_unavailable_page(client.post("/login/", data={"username": "admin", "password": "admin12345"}))
    assert_unavailable_json(client.get("/api/v1/schools/"))
    assert_unavailable_json(client.post("/api/v1/security/login",
                                        json={"username": "admin", "password": "admin12345", "provider": "db"}))
    assert client.get("/ready").status_code == 503
    assert client.get("/health").status_code == 200
