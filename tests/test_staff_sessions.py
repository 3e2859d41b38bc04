"""Staff log in on their own form beside the Gosuslugi button; a session ends at the next request
once its account is disabled or its password changed."""
import re

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
    client.get("/logout/")
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
