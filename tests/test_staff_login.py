"""Staff log in with a user name and password on their own form under the «Войти через Госуслуги»
button, and their sessions: every login starts a new session; failed attempts are limited per
account and per address (the rules in detail: tests/test_throttling.py); a session or API token
ends at the next request once its account is disabled or its password changed (sessions as an
attacker tries them: tests/test_sessions_security.py); administrators reset passwords and disable
accounts (audited); staff change their own password."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User
from tests.helpers.app import sqlite_app_in
from tests.helpers.data import user_id
from tests.helpers.web import alerts, api_login, login_form, staff_login, staff_pages_open

TOO_MANY = "Слишком много попыток входа. Попробуйте через 15 минут."
WRONG = "Неверное имя пользователя или пароль."


def user_events(app, uid):
    with app.app_context():
        return db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_label)
            .where(AuditEvent.object_type == "user", AuditEvent.object_id == uid)
            .order_by(AuditEvent.id)
        ).all()


# --------------------------------------------------------------------------- the page
def test_login_page_is_russian_with_gosuslugi_and_the_staff_form(sqlite_app):
    client = sqlite_app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    assert 'id="login-esia"' in page and 'href="/login/esia"' in page
    assert page.index("Войти через Госуслуги") < page.index("Вход для сотрудников")
    for label in ("Имя пользователя", "Пароль", 'value="Войти"'):
        assert label in page
    assert 'name="username"' in page and 'name="password"' in page and 'method="post"' in page
    # the portal's landing page leads staff here
    landing = client.get("/welcome").get_data(as_text=True)
    assert 'href="/login/"' in landing and "Вход для сотрудников" in landing


def test_correct_login_starts_a_new_session(app):
    client = app.test_client()
    login_form(client, "clerk239", "wrong-password")  # a session exists before (the flash message)
    with client.session_transaction() as session:
        session["planted"] = "from before the login"
    before = client.get_cookie("diary_session").value
    assert login_form(client, "clerk239", "clerk12345").status_code == 302
    assert client.get_cookie("diary_session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        first_sid = session["sid"]
    assert staff_pages_open(client)
    client.post("/logout/")
    assert not staff_pages_open(client)
    login_form(client, "clerk239", "clerk12345")
    with client.session_transaction() as session:
        assert session["sid"] != first_sid


def test_wrong_password_does_not_tell_whether_the_account_exists(sqlite_app):
    client = sqlite_app.test_client()
    answers = []
    for username in ("clerk239", "nobody-here"):
        answer = login_form(client, username, "wrong-password")
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login/")
        answers.append(alerts(client.get(answer.headers["Location"]).get_data(as_text=True)))
    assert answers[0] == answers[1] == [WRONG]
    assert not staff_pages_open(client)


def test_a_parent_cannot_log_in_with_a_password(sqlite_app):
    """Citizens' accounts come from Gosuslugi: no password at all, and even one set by mistake is
    refused (no staff role) with the same words as a wrong password."""
    client = sqlite_app.test_client()
    answer = login_form(client, "esia:parent-ivanova", "any-password-at-all")
    assert answer.status_code == 302
    assert alerts(client.get("/login/").get_data(as_text=True)) == [WRONG]
    assert api_login(client, "esia:parent-ivanova", "any-password-at-all").status_code == 401
    with sqlite_app.app_context():
        sqlite_app.appbuilder.sm.reset_password(user_id(sqlite_app, "esia:parent-ivanova"), "parent-pass-2026")
    login_form(client, "esia:parent-ivanova", "parent-pass-2026")
    assert alerts(client.get("/login/").get_data(as_text=True)) == [WRONG]
    assert client.get("/applications/").status_code != 200  # the portal stays closed
    assert api_login(client, "ivanova@example.ru", "parent-pass-2026").status_code == 401


def test_json_login_keeps_fab_contract(app):
    client = app.test_client()
    answer = api_login(client, "clerk239", "clerk12345")
    assert answer.status_code == 200 and answer.json["access_token"]
    assert client.get("/api/v1/applications/", headers={
        "Authorization": f"Bearer {answer.json['access_token']}"}).status_code == 200
    assert api_login(client, "clerk239", "wrong").status_code == 401
    assert api_login(client, "nobody", "wrong").status_code == 401


# --------------------------------------------------------------------------- attempt limits
@pytest.fixture(scope="module")
def limited_app(tmp_path_factory, smtp_server, idp):
    """Limits on (counters in the database): after 3 failures of an account it waits 15 minutes,
    3 failures per address (any account) per 15 minutes. The real rules (growing delays, pairs,
    a higher per-address cap) are tested in tests/test_throttling.py."""
    return sqlite_app_in(tmp_path_factory.mktemp("limited"), smtp_server, idp, RATELIMIT_ENABLED=True,
                         STAFF_LOGIN_RATE_LIMIT="3 per 15 minutes", STAFF_LOGIN_ADDRESS_RATE_LIMIT="3 per 15 minutes",
                         STAFF_LOGIN_ACCOUNT_FREE_FAILURES=3, STAFF_LOGIN_ACCOUNT_DELAY_SECONDS=900,
                         STAFF_LOGIN_ACCOUNT_DELAY_MAX_SECONDS=900)


def test_failures_are_limited_per_account_from_any_address(limited_app):
    for n in range(3):
        assert login_form(limited_app.test_client(), "clerk321", "wrong", f"10.1.0.{n}").status_code == 302
    # a fourth address, the right password: refused, the form comes back with the message
    client = limited_app.test_client()
    locked = login_form(client, "clerk321", "clerk12345", "10.1.0.9")
    page = locked.get_data(as_text=True)
    assert locked.status_code == 429 and TOO_MANY in page and 'id="staff-login"' in page
    assert not staff_pages_open(client)
    locked = api_login(client, "clerk321", "clerk12345", "10.1.0.10")
    assert locked.status_code == 429 and locked.json["message"] == TOO_MANY
    # other accounts from those addresses are not affected
    assert login_form(client, "clerk27", "clerk12345", "10.1.0.9").status_code == 302 and staff_pages_open(client)


def test_failures_are_limited_per_address_for_any_account(limited_app):
    for name in ("guess-1", "guess-2", "clerk27"):
        login_form(limited_app.test_client(), name, "wrong", "10.2.0.1")
    client = limited_app.test_client()
    locked = login_form(client, "supervisor", "super12345", "10.2.0.1")
    assert locked.status_code == 429 and TOO_MANY in locked.get_data(as_text=True)
    assert api_login(client, "supervisor", "super12345", "10.2.0.1").status_code == 429
    # the same account from another address is fine
    assert api_login(client, "supervisor", "super12345", "10.2.0.2").status_code == 200


def test_a_success_forgets_the_accounts_failures(limited_app):
    client = limited_app.test_client()
    for n in range(2):
        login_form(client, "admin", "wrong", f"10.3.0.{n}")
    assert api_login(client, "admin", "admin12345", "10.3.0.5").status_code == 200
    for n in range(2):
        login_form(client, "admin", "wrong", f"10.3.1.{n}")
    assert login_form(client, "admin", "admin12345", "10.3.2.1").status_code == 302 and staff_pages_open(client)


def test_json_failures_count_too(limited_app):
    client = limited_app.test_client()
    for n in range(3):
        assert api_login(client, "esia:parent-petrov", "x", f"10.4.0.{n}").status_code == 401
    assert api_login(client, "esia:parent-petrov", "x", "10.4.0.9").status_code == 429


# --------------------------------------------------------------------------- sessions end
def test_a_disabled_accounts_session_ends_at_the_next_request(app):
    clerk = staff_login(app.test_client(), "clerk239", "clerk12345")
    token = api_login(app.test_client(), "clerk239", "clerk12345").json["access_token"]
    assert staff_pages_open(clerk)
    with app.app_context():
        db.session.get(User, user_id(app, "clerk239")).active = False
        db.session.commit()
    answer = clerk.get("/applications/list/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login/")
    page = clerk.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Сеанс завершён: учётная запись изменена или отключена. Войдите снова." in page
    assert not staff_pages_open(clerk)
    assert app.test_client().get("/api/v1/applications/", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401
    login_form(clerk, "clerk239", "clerk12345")
    assert not staff_pages_open(clerk)
    assert api_login(clerk, "clerk239", "clerk12345").status_code == 401


def test_sessions_and_tokens_from_before_a_password_reset_stop_working(sqlite_app):
    """The security manager's reset (what every reset path calls) ends them all at once."""
    browser = staff_login(sqlite_app.test_client(), "clerk239", "clerk12345")
    api = sqlite_app.test_client()
    tokens = api.post("/api/v1/security/login", json={
        "username": "clerk239", "password": "clerk12345", "provider": "db", "refresh": True}).json
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert api.get("/api/v1/applications/", headers=bearer).status_code == 200
    with sqlite_app.app_context():
        sqlite_app.appbuilder.sm.reset_password(user_id(sqlite_app, "clerk239"), "New-Secret-2026")
    assert api.get("/api/v1/applications/", headers=bearer).status_code == 401
    assert not staff_pages_open(browser)
    assert api.post("/api/v1/security/refresh", headers={
        "Authorization": f"Bearer {tokens['refresh_token']}"}).status_code == 401
    fresh = api_login(api, "clerk239", "New-Secret-2026").json["access_token"]
    assert api.get("/api/v1/applications/", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_cookie_is_httponly_and_lax_and_secure_under_https(sqlite_app, tmp_path, smtp_server, idp):
    cookie = login_form(sqlite_app.test_client(), "clerk239", "clerk12345").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https_app = sqlite_app_in(tmp_path, smtp_server, idp, PREFERRED_URL_SCHEME="https")
    assert https_app.config["SESSION_COOKIE_SECURE"] is True
    cookie = login_form(https_app.test_client(), "clerk239", "clerk12345").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --------------------------------------------------------------------------- administrators
@pytest.fixture
def clerk_and_admin(app):
    """The clerk of лицей № 239 (its account's id, a logged-in client) and the administrator."""
    return (user_id(app, "clerk239"), staff_login(app.test_client(), "clerk239", "clerk12345"),
            staff_login(app.test_client(), "admin", "admin12345"))


def test_admin_resets_a_password_and_the_old_session_ends(app, clerk_and_admin):
    clerk_id, clerk, admin = clerk_and_admin
    show = admin.get(f"/users/show/{clerk_id}").get_data(as_text=True)
    assert "Сбросить пароль" in show and "Ответственный в ОУ" in show
    form = admin.get(f"/resetpassword/form?pk={clerk_id}").get_data(as_text=True)
    assert "Новый пароль" in form
    url = f"/resetpassword/form?pk={clerk_id}"
    for password, again, message in (
        ("short-1", "short-1", "Пароль должен содержать не менее 10 символов."),
        ("New-Secret-2026", "New-Secret-2027", "Пароли не совпадают."),
    ):
        page = admin.post(url, data={"password": password, "conf_password": again}).get_data(as_text=True)
        assert message in page
    assert staff_pages_open(clerk) and user_events(app, clerk_id) == []
    done = admin.post(url, data={"password": "New-Secret-2026", "conf_password": "New-Secret-2026"},
                      follow_redirects=True)
    assert "Пароль изменён. Открытые сеансы пользователя завершены." in done.get_data(as_text=True)
    assert user_events(app, clerk_id) == [("password_reset", "Администратор")]
    assert not staff_pages_open(clerk)  # the old session ended
    login_form(clerk, "clerk239", "clerk12345")
    assert not staff_pages_open(clerk)
    login_form(clerk, "clerk239", "New-Secret-2026")
    assert staff_pages_open(clerk)
    audit = admin.get("/audit/list/").get_data(as_text=True)
    assert "Пароль сброшен администратором" in audit


def test_a_password_equal_to_the_user_name_is_refused(sqlite_app):
    admin = staff_login(sqlite_app.test_client(), "admin", "admin12345")
    with sqlite_app.app_context():
        sm = sqlite_app.appbuilder.sm
        clerk = sm.find_user(username="clerk239")
        clerk.username = "clerk239-long"
        db.session.commit()
        clerk_id = clerk.id
    page = admin.post(f"/resetpassword/form?pk={clerk_id}",
                      data={"password": "Clerk239-Long", "conf_password": "Clerk239-Long"}).get_data(as_text=True)
    assert "Пароль не должен совпадать с именем пользователя." in page
    assert admin.get("/resetpassword/form?pk=99999").status_code == 404


def test_admin_disables_and_enables_an_account_in_the_users_form(app, clerk_and_admin):
    clerk_id, clerk, admin = clerk_and_admin
    edit = admin.get(f"/users/edit/{clerk_id}").get_data(as_text=True)
    assert "Активна" in edit and "Ответственный в ОУ" in edit
    with app.app_context():
        clerk_role = app.appbuilder.sm.find_role("Clerk").id
    fields = {"first_name": "Ирина", "last_name": "Греку", "username": "clerk239",
              "email": "clerk239@staff.diary.localhost", "roles": [str(clerk_role)]}
    assert admin.post(f"/users/edit/{clerk_id}", data=fields).status_code == 302
    assert user_events(app, clerk_id) == [("disabled", "Администратор")]
    assert not staff_pages_open(clerk)
    assert admin.post(f"/users/edit/{clerk_id}", data={**fields, "active": "y"}).status_code == 302
    assert [e.action for e in user_events(app, clerk_id)] == ["disabled", "enabled"]
    login_form(clerk, "clerk239", "clerk12345")
    assert staff_pages_open(clerk)
    # an administrator cannot lock themselves out
    admin_id = user_id(app, "admin")
    with app.app_context():
        admin_role = app.appbuilder.sm.find_role("Admin").id
    page = admin.post(f"/users/edit/{admin_id}", follow_redirects=True, data={
        "first_name": "Администратор", "last_name": "Системы", "username": "admin",
        "email": "admin@staff.diary.localhost", "roles": [str(admin_role)]}).get_data(as_text=True)
    assert "Нельзя отключить собственную учётную запись." in page
    assert staff_pages_open(admin) and user_events(app, admin_id) == []


def test_only_administrators_reset_passwords_and_edit_users(sqlite_app):
    supervisor_id = user_id(sqlite_app, "supervisor")
    clerk = staff_login(sqlite_app.test_client(), "clerk239", "clerk12345")
    for url in (f"/resetpassword/form?pk={supervisor_id}", "/users/list/", f"/users/edit/{supervisor_id}",
                f"/users/show/{supervisor_id}"):
        assert clerk.get(url).status_code in (302, 403), url
    clerk.post(f"/resetpassword/form?pk={supervisor_id}",
               data={"password": "Taken-Over-2026", "conf_password": "Taken-Over-2026"})
    clerk.post(f"/users/edit/{supervisor_id}", data={"first_name": "X", "last_name": "Y",
                                                     "username": "supervisor", "email": "s@x.ru"})
    assert user_events(sqlite_app, supervisor_id) == []
    assert login_form(sqlite_app.test_client(), "supervisor", "super12345").headers["Location"] == "/"
    with sqlite_app.app_context():
        assert db.session.get(User, supervisor_id).active


# --------------------------------------------------------------------------- own password
def test_staff_change_their_own_password(app):
    clerk_id = user_id(app, "clerk239")
    clerk = staff_login(app.test_client(), "clerk239", "clerk12345")
    other_device = staff_login(app.test_client(), "clerk239", "clerk12345")
    info = clerk.get("/users/userinfo/").get_data(as_text=True)
    assert "Сменить пароль" in info and "Моя учётная запись" in info
    form = clerk.get("/resetmypassword/form").get_data(as_text=True)
    assert "Текущий пароль" in form and "Новый пароль ещё раз" in form
    url = "/resetmypassword/form"
    for current, new, again, message in (
        ("wrong-current", "Good-Password-1", "Good-Password-1", "Текущий пароль указан неверно."),
        ("clerk12345", "short", "short", "Пароль должен содержать не менее 10 символов."),
        ("clerk12345", "Good-Password-1", "Good-Password-2", "Пароли не совпадают."),
    ):
        page = clerk.post(url, data={"current_password": current, "password": new,
                                     "conf_password": again}).get_data(as_text=True)
        assert message in page, message
    assert user_events(app, clerk_id) == []
    done = clerk.post(url, follow_redirects=True, data={
        "current_password": "clerk12345", "password": "Good-Password-1", "conf_password": "Good-Password-1"})
    assert "Ваш пароль изменён." in done.get_data(as_text=True)
    assert user_events(app, clerk_id) == [("password_changed", "Греку Ирина Алексеевна")]
    assert staff_pages_open(clerk)  # this session stays
    assert not staff_pages_open(other_device)  # the others end
    assert login_form(app.test_client(), "clerk239", "clerk12345").headers["Location"].startswith("/login/")
    fresh = app.test_client()
    login_form(fresh, "clerk239", "Good-Password-1")
    assert staff_pages_open(fresh)


def test_own_password_must_differ_from_the_user_name(sqlite_app):
    with sqlite_app.app_context():
        sm = sqlite_app.appbuilder.sm
        sm.find_user(username="clerk321").username = "clerk321-olga"
        db.session.commit()
    client = staff_login(sqlite_app.test_client(), "clerk321-olga", "clerk12345")
    page = client.post("/resetmypassword/form", data={
        "current_password": "clerk12345", "password": "clerk321-olga", "conf_password": "clerk321-olga",
    }).get_data(as_text=True)
    assert "Пароль не должен совпадать с именем пользователя." in page
