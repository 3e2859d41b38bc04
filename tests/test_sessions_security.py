"""Sessions and keys, tried as an attacker would (issue 8): the app refuses to start without a
real SECRET_KEY; sessions live on the server, so a cookie copied before logout opens nothing
after it; a session, remember cookie or API token forged with SECRET_KEY alone opens nothing;
the session id changes at every login; idle timeout and absolute lifetime; «Выйти на всех
устройствах», disabling and password changes end every session and token; logout only by POST
with the CSRF token."""
import hashlib
import hmac
import os
import re
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt as pyjwt
import pytest
import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, User, UserSessionKey, WebSession
from scripts.pgcluster import free_port
from tests.helpers.app import sqlite_app_in
from tests.helpers.data import user_id
from tests.helpers.web import DEMO_PARENTS, bearer, citizen_login, csrf_token, staff_pages_open

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "diary_session"


def staff_api_opens(client, headers=None):
    return client.get("/api/v1/applications/", headers=headers or {}).status_code == 200


def parent_api_opens(client, headers=None):
    return client.get("/api/v1/students/", headers=headers or {}).status_code == 200


def replay(app, cookie_value):
    """A fresh browser that holds only the copied cookie."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie_value)
    return client


# --------------------------------------------------------------------------- SECRET_KEY
def _env_without_key(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "REDIS_URL", "SESSION_REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/start.db", PYTHONPATH=str(ROOT), **extra)
    return env


@pytest.mark.parametrize("key", [None, "dev-only-secret-change-me", "x" * 31])
def test_flask_refuses_to_start_without_a_proper_secret_key(tmp_path, key):
    env = _env_without_key(tmp_path, **({"SECRET_KEY": key} if key is not None else {}))
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "run", "routes"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0, done.stdout[-500:]
    assert "SECRET_KEY" in done.stderr and "байт" in done.stderr and "bytes" in done.stderr, done.stderr[-800:]
    assert "/login/" not in done.stdout  # no route listing: the app never started


def test_gunicorn_refuses_to_start_without_a_secret_key(tmp_path):
    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
                               "run:app"], cwd=ROOT, env=_env_without_key(tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = server.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        server.kill()
        output, _ = server.communicate()
        pytest.fail("gunicorn kept running without SECRET_KEY:\n" + output[-1500:])
    assert server.returncode != 0
    assert "Не задана переменная окружения SECRET_KEY" in output and "SECRET_KEY environment variable" in output


def test_create_app_accepts_a_long_random_key_and_refuses_weak_ones(tmp_path):
    from app import create_app
    from app.auth.session_keys import SecretKeyError

    url = f"sqlite:///{tmp_path}/keys.db"
    for weak in ("", "dev-only-secret-change-me", "a" * 31, "ключ" * 3):
        with pytest.raises(SecretKeyError, match="SECRET_KEY"):
            create_app(overrides={"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": weak})
    assert create_app(overrides={"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": os.urandom(32).hex()})


# --------------------------------------------------------------------------- logout ends the session
def test_a_staff_cookie_copied_before_logout_opens_nothing_after_it(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    copied = clerk.get_cookie(COOKIE).value
    assert staff_pages_open(replay(app, copied)) and staff_api_opens(replay(app, copied))
    assert clerk.post("/logout/").status_code == 302
    thief = replay(app, copied)
    answer = thief.get("/applications/list/")
    assert answer.status_code == 302 and "/login/" in answer.headers["Location"]
    assert thief.get("/api/v1/applications/").status_code == 401
    with app.app_context():  # nothing of it is left on the server
        assert db.session.scalar(select(func.count()).select_from(WebSession)
                                 .where(WebSession.session_id.like(f"%{copied}"))) == 0


def test_a_parent_cookie_copied_before_logout_opens_nothing_after_it(app, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    copied = parent.get_cookie(COOKIE).value
    assert parent_api_opens(replay(app, copied))
    assert parent.post("/logout/").status_code == 302
    thief = replay(app, copied)
    assert thief.get("/api/v1/students/").status_code == 401
    assert thief.get("/my/applications").status_code == 302  # to the landing page
    assert not parent_api_opens(parent)


def test_the_cookie_holds_only_a_random_id(sqlite_app, login_staff):
    clerk = login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")
    value = clerk.get_cookie(COOKIE).value
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", value)  # no signed data in it, e.g. no "." separators
    with sqlite_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebSession)
                                 .where(WebSession.session_id == f"session:{value}")) == 1


def test_anonymous_visits_store_no_session_and_set_no_cookie(app):
    """Every anonymous request used to store a session row (FAB writes the locale into it): a
    crawler or an attacker filled the table with one write per request."""
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(WebSession))
    for path in ("/welcome", "/", "/api/v1/schools/", "/no-such-page", "/ping"):
        answer = app.test_client().get(path)
        assert "Set-Cookie" not in answer.headers, (path, answer.headers.get("Set-Cookie"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebSession)) == before


# --------------------------------------------------------------------------- forged with SECRET_KEY alone
def _old_stamp(app, password_hash=""):
    """The stamp the code used to put in sessions and tokens: an HMAC of the password hash with
    SECRET_KEY — for a parent (no password) computable from the key alone."""
    return hmac.new(app.config["SECRET_KEY"].encode(), password_hash.encode(), hashlib.sha256).hexdigest()[:16]


def test_a_session_cookie_forged_with_the_secret_key_opens_nothing(app, login_parent):
    from flask.sessions import SecureCookieSessionInterface

    login_parent(app.test_client(), "parent-ivanova")  # the parent exists and has logged in before
    parent_id = user_id(app, "esia:parent-ivanova")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    forged = serializer.dumps({"_user_id": str(parent_id), "_fresh": True, "_id": "x", "sid": "x",
                               "pw_stamp": _old_stamp(app)})
    thief = replay(app, forged)
    assert thief.get("/api/v1/students/").status_code == 401
    assert thief.get("/my/applications").status_code == 302


def test_a_remember_cookie_forged_with_the_secret_key_opens_nothing(app, login_parent):
    from flask_login.utils import encode_cookie

    login_parent(app.test_client(), "parent-ivanova")
    parent_id = user_id(app, "esia:parent-ivanova")
    with app.test_request_context():
        forged = encode_cookie(str(parent_id))  # Flask-Login's remember_token, signed with SECRET_KEY
    thief = app.test_client()
    thief.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), forged)
    assert thief.get("/api/v1/students/").status_code == 401
    thief = app.test_client()
    thief.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), forged)
    assert thief.get("/my/applications").status_code == 302


def _forged_token(app, uid, stamp):
    now = datetime.now(timezone.utc)
    claims = {"sub": str(uid), "pws": stamp, "type": "access", "fresh": False, "jti": str(uuid.uuid4()),
              "iat": now, "nbf": now, "exp": now + timedelta(minutes=15)}
    key = app.config.get("JWT_SECRET_KEY") or app.config["SECRET_KEY"]
    return {"Authorization": "Bearer " + pyjwt.encode(claims, key, algorithm="HS256")}


def test_an_api_token_forged_with_the_secret_key_opens_nothing(app, login_parent):
    login_parent(app.test_client(), "parent-ivanova")
    parent_id = user_id(app, "esia:parent-ivanova")
    client = app.test_client()
    for stamp in (_old_stamp(app), hmac.new(app.config["SECRET_KEY"].encode(), b"",
                                            hashlib.sha256).hexdigest()[:32], None, ["x"], ""):
        assert client.get("/api/v1/students/", headers=_forged_token(app, parent_id, stamp)).status_code == 401
    # a real token of a staff member (the same signing key) does work: the refusal is the stamp's
    real = bearer(client, "clerk239", "clerk12345")
    assert staff_api_opens(app.test_client(), real)
    with app.app_context():
        clerk = db.session.get(User, user_id(app, "clerk239"))
        forged_clerk = _forged_token(app, clerk.id, _old_stamp(app, clerk.password))
    assert client.get("/api/v1/applications/", headers=forged_clerk).status_code == 401


# --------------------------------------------------------------------------- a new id at every login
def test_the_staff_login_gives_a_new_session_id_and_drops_the_old_one(app, login_staff):
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker who set the victim's cookie"
    planted = client.get_cookie(COOKIE).value
    login_staff(client, "clerk239", "clerk12345")
    assert client.get_cookie(COOKIE).value != planted
    attacker = replay(app, planted)
    assert not staff_pages_open(attacker)
    with attacker.session_transaction() as session:
        assert "planted" not in session


def test_the_gosuslugi_login_gives_a_new_session_id(app, idp):
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "x"
    planted = client.get_cookie(COOKIE).value
    citizen_login(client, idp, "parent-ivanova", **DEMO_PARENTS["parent-ivanova"])
    assert client.get_cookie(COOKIE).value != planted
    assert parent_api_opens(client) and not parent_api_opens(replay(app, planted))


# --------------------------------------------------------------------------- idle and absolute limits
def test_idle_timeout_and_absolute_lifetime_for_staff_and_families(sqlite_app, login_staff, login_parent):
    app = sqlite_app
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
        parent = app.test_client()
        login_parent(parent, "parent-ivanova")
        clock.shift(timedelta(minutes=29))
        assert staff_pages_open(clerk) and parent_api_opens(parent)  # within both idle limits
        clock.shift(timedelta(minutes=31))  # staff idle 31 min (> 30), family 31 min (< 60)
        answer = clerk.get("/applications/list/", follow_redirects=True)
        assert "Сеанс завершён по истечении времени" in answer.get_data(as_text=True)
        assert not staff_pages_open(clerk)
        assert parent_api_opens(parent)
        clock.shift(timedelta(minutes=61))
        assert not parent_api_opens(parent)

        # active all the time: the absolute lifetime still ends it (staff 12 h, families 24 h)
        clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
        parent = app.test_client()
        login_parent(parent, "parent-ivanova")
        for _ in range(12 * 3):
            clock.shift(timedelta(minutes=20))
            clerk.get("/applications/list/")
            parent.get("/api/v1/students/")
        clock.shift(timedelta(minutes=1))
        assert not staff_pages_open(clerk)
        assert parent_api_opens(parent)
        for _ in range(12 * 3):
            clock.shift(timedelta(minutes=20))
            parent.get("/api/v1/students/")
        clock.shift(timedelta(minutes=1))
        assert not parent_api_opens(parent)


def test_the_limits_are_settings(tmp_path, smtp_server, idp, login_staff):
    app = sqlite_app_in(tmp_path, smtp_server, idp, SESSION_IDLE_MINUTES_STAFF=5)
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as clock:
        clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
        clock.shift(timedelta(minutes=4))
        assert staff_pages_open(clerk)
        clock.shift(timedelta(minutes=6))
        assert not staff_pages_open(clerk)


# --------------------------------------------------------------------------- log out everywhere
def test_staff_log_out_everywhere_ends_every_session_and_token(app, login_staff):
    here = login_staff(app.test_client(), "clerk239", "clerk12345")
    elsewhere = login_staff(app.test_client(), "clerk239", "clerk12345")
    token = bearer(app.test_client(), "clerk239", "clerk12345")
    other_clerk = login_staff(app.test_client(), "clerk321", "clerk12345")
    assert staff_api_opens(app.test_client(), token)
    page = here.get("/logout/everywhere")
    assert page.status_code == 200 and "Выйти на всех устройствах" in page.get_data(as_text=True)
    assert staff_pages_open(here)  # a GET ends nothing
    answer = here.post("/logout/everywhere", follow_redirects=True)
    assert "Вы вышли на всех устройствах" in answer.get_data(as_text=True)
    assert not staff_pages_open(here) and not staff_pages_open(elsewhere)
    assert not staff_api_opens(app.test_client(), token)
    assert staff_pages_open(other_clerk)  # someone else's sessions stay
    clerk_id = user_id(app, "clerk239")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "logged_out_everywhere", AuditEvent.object_id == clerk_id,
            AuditEvent.actor_id == clerk_id)) == 1
    assert staff_pages_open(login_staff(app.test_client(), "clerk239", "clerk12345"))  # a new login works


def test_family_log_out_everywhere_from_the_settings_page(app, login_parent):
    phone, laptop = app.test_client(), app.test_client()
    login_parent(phone, "parent-ivanova")
    login_parent(laptop, "parent-ivanova")
    petrov = app.test_client()
    login_parent(petrov, "parent-petrov")
    settings = laptop.get("/my/settings").get_data(as_text=True)
    assert 'action="/logout/everywhere"' in settings and "Выйти на всех устройствах" in settings
    assert laptop.post("/logout/everywhere").status_code == 302
    assert not parent_api_opens(phone) and not parent_api_opens(laptop)
    assert phone.get("/my/applications").status_code == 302
    assert parent_api_opens(petrov)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "logged_out_everywhere",
            AuditEvent.object_id == user_id(app, "esia:parent-ivanova"))) == 1


def test_disabling_and_enabling_again_does_not_revive_old_sessions_or_tokens(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    token = bearer(app.test_client(), "clerk239", "clerk12345")
    with app.app_context():
        user = db.session.get(User, user_id(app, "clerk239"))
        before = db.session.get(UserSessionKey, user.id).secret
        user.active = False
        app.appbuilder.sm.update_user(user)
        user.active = True
        app.appbuilder.sm.update_user(user)
        assert db.session.get(UserSessionKey, user.id).secret != before
    assert not staff_pages_open(clerk)
    assert not staff_api_opens(app.test_client(), token)


def test_a_password_reset_ends_the_api_tokens_too(app, login_staff):
    token = bearer(app.test_client(), "clerk239", "clerk12345")
    with app.app_context():
        uid = user_id(app, "clerk239")
        before = db.session.get(UserSessionKey, uid).secret
        app.appbuilder.sm.reset_password(uid, "Ochen-Novyi-Parol-2026")
        assert db.session.get(UserSessionKey, uid).secret != before
    assert not staff_api_opens(app.test_client(), token)


# --------------------------------------------------------------------------- logout by POST + CSRF
def test_logout_and_log_out_everywhere_need_a_post_with_the_csrf_token(csrf_app, login_parent):
    app = csrf_app
    clerk = app.test_client()
    token = csrf_token(clerk.get("/login/").get_data(as_text=True))
    assert clerk.post("/login/", data={"username": "clerk239", "password": "clerk12345",
                                       "csrf_token": token}).status_code == 302
    assert staff_pages_open(clerk)
    # a link or an <img src="/logout/"> on another site: only the confirmation page
    confirm = clerk.get("/logout/")
    assert confirm.status_code == 200 and 'method="post"' in confirm.get_data(as_text=True)
    assert staff_pages_open(clerk)
    # a cross-site form: no token, nothing ends
    assert clerk.post("/logout/").status_code == 400
    assert clerk.post("/logout/everywhere").status_code == 400
    assert staff_pages_open(clerk)
    with app.app_context():
        secret = db.session.get(UserSessionKey, user_id(app, "clerk239")).secret
    assert clerk.post("/logout/", data={"csrf_token": csrf_token(confirm.get_data(as_text=True))}).status_code == 302
    assert not staff_pages_open(clerk)
    with app.app_context():
        assert db.session.get(UserSessionKey, user_id(app, "clerk239")).secret == secret

    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    assert parent.post("/logout/everywhere").status_code == 400
    assert parent.post("/logout/").status_code == 400
    assert parent_api_opens(parent)
    settings = parent.get("/my/settings").get_data(as_text=True)
    assert parent.post("/logout/everywhere", data={"csrf_token": csrf_token(settings)}).status_code == 302
    assert not parent_api_opens(parent)


def test_menus_log_out_with_a_post_form_not_a_link(app, login_staff, login_parent):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    for page in (clerk.get("/applications/list/").get_data(as_text=True),
                 parent.get("/my/applications").get_data(as_text=True)):
        assert not re.search(r'<a [^>]*href="/logout/"', page)
        assert re.search(r'<form method="post" action="/logout/"', page)
    staff_page = clerk.get("/applications/list/").get_data(as_text=True)
    assert 'href="/logout/everywhere"' in staff_page and "Выйти на всех устройствах" in staff_page
    family_confirm = parent.get("/logout/").get_data(as_text=True)
    assert "Выйти из электронного дневника на этом устройстве?" in family_confirm
    assert parent_api_opens(parent)


def test_every_logout_route_of_the_url_map_refuses_a_plain_get(sqlite_app, login_staff):
    """FAB's own logout views (OAuth, LDAP…) are not registered beside ours."""
    logout_rules = [rule for rule in sqlite_app.url_map.iter_rules() if "logout" in rule.rule]
    assert {rule.rule for rule in logout_rules} == {"/logout/", "/logout/everywhere"}
    for rule in logout_rules:
        clerk = login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")
        clerk.get(rule.rule)
        assert staff_pages_open(clerk), rule.rule


# --------------------------------------------------------------------------- Redis
def test_sessions_live_in_redis_when_it_is_configured(tmp_path, smtp_server, idp, redis_server, login_staff):
    import redis

    url = redis_server.rsplit("/", 1)[0] + "/5"
    store = redis.Redis.from_url(url)
    store.flushdb()
    app = sqlite_app_in(tmp_path, smtp_server, idp, SESSION_REDIS_URL=url)
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    copied = clerk.get_cookie(COOKIE).value
    key = f"session:{copied}"
    assert store.exists(key)
    assert 0 < store.ttl(key) <= (30 + 10) * 60  # the staff idle timeout (+ the grace)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebSession)) == 0
    assert staff_pages_open(replay(app, copied))
    clerk.post("/logout/")
    assert not store.exists(key)
    assert not staff_pages_open(replay(app, copied))
    store.flushdb()
