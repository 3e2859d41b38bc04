"""Test fixtures: real components on loopback, started by the test session itself.

- PostgreSQL 15: a throwaway cluster on a temporary data directory (or TEST_DATABASE_URL);
- SQLite: a file in a temporary directory;
- SMTP: aiosmtpd on 127.0.0.1, the tests read what arrived;
- the identity provider: oidc-provider-mock on localhost (standing in for ESIA).

`app` runs a test on both databases; `sqlite_app` / `pg_app` on one. Each test starts from
the demo data set (flask demo), with schema and roles made once per session by `flask init`."""
import email
import email.policy
import os
import threading
import time
from urllib.parse import urljoin, urlparse

import pytest
import requests
from aiosmtpd.controller import Controller
from flask_appbuilder import Model
from sqlalchemy import text

from scripts.pgcluster import free_port, temporary_postgres  # noqa: F401 - tests import free_port

KEEP_TABLES = {
    "ab_permission",
    "ab_view_menu",
    "ab_permission_view",
    "ab_role",
    "ab_permission_view_role",
    "alembic_version",
}


# --------------------------------------------------------------------------- PostgreSQL
@pytest.fixture(scope="session")
def postgres_url():
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    with temporary_postgres() as url:
        yield url


# --------------------------------------------------------------------------- SMTP
class Mailbox:
    """aiosmtpd handler that keeps every message it accepted."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self):
        with self.lock:
            self.messages.clear()

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.mailbox.messages


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """The SMTP server, emptied for this test and running."""
    if smtp_server.controller is None:
        smtp_server.start()
    smtp_server.mailbox.clear()
    yield smtp_server
    if smtp_server.controller is None:
        smtp_server.start()


# --------------------------------------------------------------------------- Redis
REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server (Debian package) on a free loopback port in a temporary directory,
    for this test session; its URL (redis://127.0.0.1:PORT/0). Each test that uses it should
    flush what it wrote (or use its own database number)."""
    import shutil
    import subprocess

    if not os.path.exists(REDIS_SERVER):
        pytest.skip(f"{REDIS_SERVER} is missing (apt-get install redis-server)")
    directory = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
         "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_timeout=1).ping()
            break
        except redis.exceptions.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"redis-server did not start on port {port}") from None
            time.sleep(0.05)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(directory, ignore_errors=True)


# --------------------------------------------------------------------------- identity provider
class IdentityProvider:
    def __init__(self, url):
        self.url = url

    def put_user(self, sub, **claims):
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        response.raise_for_status()


@pytest.fixture(scope="session")
def idp():
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=free_port()) as server:
        yield IdentityProvider(f"http://localhost:{server.server_port}")


# --------------------------------------------------------------------------- the app
def make_app(database_url, smtp_server, idp, **overrides):
    from app import create_app
    from app.cli import setup_roles
    from flask_migrate import upgrade

    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": os.urandom(32).hex(),  # a random key per app (create_app refuses weak ones)
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_TIMEOUT": 5,
        "OUTBOX_BACKOFF_SECONDS": 0,
        "MAX_ATTEMPTS": 3,
        "OIDC_ISSUER": idp.url,
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "SERVER_NAME": None,
        # A real but cheap hash: every test re-creates the demo staff accounts.
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(overrides)
    app = create_app(overrides=config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        setup_roles()
    return app


def reset_data(app):
    """Empty every table but roles and permissions, then load the demo data."""
    from app.demo import load_demo
    from app.extensions import db

    with app.app_context():
        tables = [t for t in Model.metadata.sorted_tables if t.name not in KEEP_TABLES]
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                db.session.execute(table.delete())
            pass  # SQLite reuses ids after DELETE (no AUTOINCREMENT tables)
        db.session.commit()
        load_demo()
        db.session.remove()


@pytest.fixture(scope="session")
def _sqlite_app(smtp_server, idp, tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite") / "diary.db"
    return make_app(f"sqlite:///{path}", smtp_server, idp)


@pytest.fixture(scope="session")
def _pg_app(postgres_url, smtp_server, idp):
    return make_app(postgres_url, smtp_server, idp)


@pytest.fixture
def sqlite_app(_sqlite_app, smtp):
    reset_data(_sqlite_app)
    return _sqlite_app


@pytest.fixture
def pg_app(_pg_app, smtp):
    reset_data(_pg_app)
    return _pg_app


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, smtp):
    app = request.getfixturevalue("_sqlite_app" if request.param == "sqlite" else "_pg_app")
    reset_data(app)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def config(app):
    """Change the (session-wide) app's settings for one test and put them back."""
    saved = {}

    def set_(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield set_
    for key, value in saved.items():
        app.config[key] = value


# --------------------------------------------------------------------------- logins
def staff_login(client, username, password):
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302, response.data[:500]
    return client


def citizen_login(client, idp, sub, **claims):
    """Walk the real OpenID Connect redirect flow: app -> provider (form post of `sub`) -> app."""
    if claims:
        idp.put_user(sub, **claims)
    start = client.get("/login/esia")
    assert start.status_code == 302, start.data[:500]
    authorize_url = start.headers["Location"]
    answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text[:500]
    callback = urlparse(answer.headers["Location"])
    done = client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 302, done.data[:500]
    return done


DEMO_PARENTS = {
    "parent-ivanova": dict(email="ivanova@example.ru", given_name="Мария", family_name="Иванова"),
    "parent-petrov": dict(email="petrov@example.ru", given_name="Пётр", family_name="Петров"),
}


@pytest.fixture
def login_parent(idp):
    def login(client, sub="parent-ivanova", **claims):
        claims = claims or DEMO_PARENTS.get(sub, {"email": f"{sub}@example.ru"})
        return citizen_login(client, idp, sub, **claims)

    return login


@pytest.fixture
def login_staff():
    return staff_login


def drain_outbox(app):
    from app.workflow.outbox import drain

    with app.app_context():
        return drain()
