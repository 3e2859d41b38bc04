"""Test fixtures: real components on loopback, started by the test session itself.

`app` runs a test on both databases (SQLite and PostgreSQL); `sqlite_app` / `pg_app` on one.
Each test starts from the demo data set (flask demo), with schema and roles made once per session
by `flask init`. The servers (PostgreSQL, SMTP, Redis, the identity provider) are in
tests/fixtures/servers.py, the browser in tests/fixtures/browser.py, the diary's data in
tests/fixtures/diary.py; the helpers the test modules share in tests/helpers/.

Markers (pytest.ini) are set here from the fixtures a test uses: `postgres` (the PostgreSQL
server), `browser` (Chromium); `slow` is set by the slow modules themselves."""
import pytest

from tests.helpers.app import make_app, reset_data
from tests.helpers.web import DEMO_PARENTS, citizen_login, staff_login

pytest_plugins = ["tests.fixtures.servers", "tests.fixtures.browser", "tests.fixtures.diary"]

POSTGRES_FIXTURES = {"postgres_url", "_pg_app", "pg_app"}
BROWSER_FIXTURES = {"browser", "live_app"}


def pytest_collection_modifyitems(items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if names & POSTGRES_FIXTURES or params.get("app") == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if names & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)


# --------------------------------------------------------------------------- the app
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


@pytest.fixture(scope="session")
def _csrf_app(smtp_server, idp, tmp_path_factory):
    return make_app(f"sqlite:///{tmp_path_factory.mktemp('csrf')}/diary.db", smtp_server, idp,
                    WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_app(_csrf_app, smtp):
    """An SQLite app with CSRF protection on (the others have it off for brevity)."""
    reset_data(_csrf_app)
    return _csrf_app


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
@pytest.fixture
def login_parent(idp):
    """login_parent(client, sub="parent-ivanova", **claims): the Gosuslugi login of a parent
    (the demo parents' claims unless others are given)."""
    def login(client, sub="parent-ivanova", **claims):
        claims = claims or DEMO_PARENTS.get(sub, {"email": f"{sub}@example.ru"})
        return citizen_login(client, idp, sub, **claims)

    return login


@pytest.fixture
def login_staff():
    """login_staff(client, username, password): the staff form; returns the logged-in client."""
    return staff_login
