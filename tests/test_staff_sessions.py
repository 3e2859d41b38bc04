"""Staff log in on their own form beside the Gosuslugi button; a session ends at the next request
once its account is disabled or its password changed."""
import re

import pytest

from sqlalchemy import select

from app.extensions import db
from app.models import User


def user(app, username):
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def test_login_page_offers_gosuslugi_and_the_staff_form(sqlite_app):
    page = sqlite_app.test_client().get("/login/").get_data(as_text=True)
    assert 'id="login-esia"' in page and 'href="/login/esia"' in page
    assert "Войти через Госуслуги" in page and "Вход для сотрудников" in page
    assert 'name="username"' in page and 'name="password"' in page


def test_wrong_password_does_not_say_whether_the_user_exists(sqlite_app):
    client = sqlite_app.test_client()
    answers = []
    for username in ("clerk239", "nobody-here"):
        page = client.post("/login/", data={"username": username, "password": "wrong-one"},
                           follow_redirects=True).get_data(as_text=True)
        answers.append(re.findall(r"(?s)alert[^>]*>(.*?)</div>", page))
    assert answers[0] == answers[1] and answers[0]


def test_each_login_starts_a_new_session(sqlite_app, login_staff):
    client = sqlite_app.test_client()
    login_staff(client, "clerk239", "clerk12345")
    first = client.get_cookie("diary_session").value
    client.post("/logout/")
    login_staff(client, "clerk239", "clerk12345")
    second = client.get_cookie("diary_session").value
    assert first != second
    cookie = sqlite_app.test_client().post(
        "/login/", data={"username": "clerk239", "password": "clerk12345"}
    ).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_disabled_account_loses_its_session_at_the_next_request(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert clerk.get("/applications/list/").status_code == 200
    with app.app_context():
        user(app, "clerk239").active = False
        db.session.commit()
    answer = clerk.get("/applications/list/", follow_redirects=True)
    assert "Войдите снова" in answer.get_data(as_text=True)
    assert clerk.get("/applications/list/").status_code == 302  # no session any more
    again = clerk.post("/login/", data={"username": "clerk239", "password": "clerk12345"})
    assert clerk.get("/applications/list/").status_code == 302, again.status_code


def test_password_reset_ends_old_sessions_and_the_new_password_works(app, login_staff):
    old = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert old.get("/applications/list/").status_code == 200
    with app.app_context():
        app.appbuilder.sm.reset_password(user(app, "clerk239").id, "new-secret-2026")
    assert old.get("/applications/list/").status_code == 302
    fresh = login_staff(app.test_client(), "clerk239", "new-secret-2026")
    assert fresh.get("/applications/list/").status_code == 200


@pytest.fixture
def limited_app(tmp_path, smtp_server, idp):
    from tests.conftest import make_app, reset_data

    app = make_app(f"sqlite:///{tmp_path}/limited.db", smtp_server, idp, RATELIMIT_ENABLED=True,
                   ATTEMPT_RATE_LIMIT="3 per 15 minutes", ATTEMPT_ACCOUNT_FREE_FAILURES=3,
                   ATTEMPT_ACCOUNT_DELAY_SECONDS=900, ATTEMPT_ACCOUNT_DELAY_MAX_SECONDS=900)
    reset_data(app)
    return app


def attempt(client, username, password, address):
    return client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_failed_logins_are_limited_per_account_and_per_address(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert attempt(client, "clerk239", "wrong", "10.0.0.1").status_code == 302  # back to the form
    # the account is locked from anywhere, even with the right password
    locked = attempt(limited_app.test_client(), "clerk239", "clerk12345", "10.0.0.2")
    assert locked.status_code == 429 and "Слишком много попыток" in locked.get_data(as_text=True)
    # the address is not locked for other accounts (an office or a proxy: tests/test_throttling.py)
    assert attempt(limited_app.test_client(), "clerk321", "clerk12345", "10.0.0.1").status_code == 302
    # another account from another address is not affected
    assert attempt(limited_app.test_client(), "clerk321", "clerk12345", "10.0.0.3").status_code == 302
    api = limited_app.test_client().post("/api/v1/security/login", json={
        "username": "clerk239", "password": "clerk12345", "provider": "db"}, environ_base={"REMOTE_ADDR": "10.0.0.4"})
    assert api.status_code == 429 and "Слишком много попыток" in api.json["message"]
    wrong = limited_app.test_client().post("/api/v1/security/login", json={
        "username": "clerk27", "password": "nope", "provider": "db"}, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert wrong.status_code == 401


def test_admin_reset_and_disable_are_audited_and_end_sessions(app, login_staff):
    from app.models import AuditEvent

    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    admin = login_staff(app.test_client(), "admin", "admin12345")
    with app.app_context():
        clerk_id = user(app, "clerk239").id
    reset = admin.post(f"/resetpassword/form?pk={clerk_id}",
                       data={"password": "New-Secret-2026", "conf_password": "New-Secret-2026"})
    assert reset.status_code == 302, reset.get_data(as_text=True)[:500]
    assert clerk.get("/applications/list/").status_code == 302  # the old session ended
    clerk = login_staff(app.test_client(), "clerk239", "New-Secret-2026")
    with app.app_context():
        u = user(app, "clerk239")
        u.active = False
        app.appbuilder.sm.update_user(u)
        actions = db.session.execute(select(AuditEvent.action).where(
            AuditEvent.object_type == "user", AuditEvent.object_id == clerk_id).order_by(AuditEvent.id)).scalars().all()
        assert actions == ["password_reset", "disabled"]
    assert clerk.get("/applications/list/").status_code == 302
    assert admin.get("/audit/list/").status_code == 200
    assert "Пароль сброшен администратором" in admin.get("/audit/list/").get_data(as_text=True)


def test_cookie_is_secure_when_served_over_https(tmp_path, smtp_server, idp):
    from tests.conftest import make_app, reset_data

    app = make_app(f"sqlite:///{tmp_path}/https.db", smtp_server, idp, PREFERRED_URL_SCHEME="https")
    reset_data(app)
    cookie = app.test_client().post("/login/", data={"username": "clerk239", "password": "clerk12345"},
                                    base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
