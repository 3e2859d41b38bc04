"""One password policy (app/auth/passwords.py) on every path that sets a staff password: the
administrator's new account and password reset, the own password change, `flask staff create`,
the security manager itself; FAB's REST user management is switched off (it created an Admin
with the password "1" and echoed passwords back without an audit event)."""
import pytest
from sqlalchemy import func, select

from app.auth import passwords
from app.extensions import db
from app.models import AuditEvent, School, User
from tests.helpers.data import count
from tests.helpers.web import bearer, staff_login

SHORT = "Пароль должен содержать не менее 10 символов."
LONG = "Пароль должен содержать не более 128 символов."
SAME_AS_USERNAME = "Пароль не должен совпадать с именем пользователя."
PERSONAL = "Пароль не должен совпадать с фамилией, именем, отчеством или адресом электронной почты владельца учётной записи."
COMMON = "Этот пароль слишком распространён: его подбирают одним из первых. Выберите другой."


def user_named(app, username):
    with app.app_context():
        return db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()


@pytest.mark.parametrize("password, username, expected", [
    ("short-1", "clerk239", SHORT),
    ("x" * 129, "clerk239", LONG),
    ("Clerk239-Long", "clerk239-long", SAME_AS_USERNAME),
    ("  CLERK239-long ", "clerk239-long", SAME_AS_USERNAME),
    ("irina.greku@school.ru", "clerk239", PERSONAL),
    ("Irina.Greku", "clerk239", PERSONAL),  # the e-mail's part before @
    ("ГрекуИрина", "clerk239", PERSONAL),  # last name + first name
    ("Александровна", "clerk239", PERSONAL),  # the patronymic
    ("ИринаАлександровна", "clerk239", PERSONAL),  # first name + patronymic
    ("Греку Ирина Александровна", "clerk239", PERSONAL),  # the full name
    ("1234567890", "clerk239", COMMON),
    ("QwertyUiop", "clerk239", COMMON),
    ("password123", "clerk239", COMMON),
    ("1qaz2wsx3edc", "clerk239", COMMON),
    ("йцукенгшщз", "clerk239", COMMON),  # «qwertyuiop» typed on the Russian layout
    ("Гроза-над-Невой-7", "clerk239", None),
    ("x" * 128, "clerk239", None),
])
def test_the_policy(sqlite_app, password, username, expected):
    with sqlite_app.test_request_context():
        assert passwords.problem(password, username=username, email="irina.greku@school.ru",
                                 first_name="Ирина", last_name="Греку",
                                 middle_name="Александровна") == expected


def test_admin_reset_refuses_common_passwords(app):
    admin = staff_login(app.test_client(), "admin", "admin12345")
    clerk = user_named(app, "clerk239")
    for weak in ("1234567890", "qwertyuiop", "password123"):
        page = admin.post(f"/resetpassword/form?pk={clerk.id}", data={"password": weak, "conf_password": weak})
        assert COMMON in page.get_data(as_text=True), weak
    with app.app_context():
        assert db.session.execute(select(func.count(AuditEvent.id)).where(
            AuditEvent.object_type == "user", AuditEvent.object_id == clerk.id)).scalar_one() == 0
    assert user_named(app, "clerk239").password == clerk.password  # unchanged


def test_own_password_change_refuses_common_and_personal_passwords(sqlite_app):
    clerk = staff_login(sqlite_app.test_client(), "clerk239", "clerk12345")
    before = user_named(sqlite_app, "clerk239").password
    for weak, message in (("qwertyuiop", COMMON), ("Греку Ирина", PERSONAL), ("Алексеевна", PERSONAL),
                           ("ИринаАлексеевна", PERSONAL), ("йцукенгшщз", COMMON)):
        page = clerk.post("/resetmypassword/form", data={
            "current_password": "clerk12345", "password": weak, "conf_password": weak}).get_data(as_text=True)
        assert message in page, weak
    assert user_named(sqlite_app, "clerk239").password == before
    form = clerk.get("/resetmypassword/form").get_data(as_text=True)
    assert "не имя пользователя, не фамилия, имя или отчество, не адрес почты и не распространённый пароль" in form


def test_admin_new_account_follows_the_policy(app):
    admin = staff_login(app.test_client(), "admin", "admin12345")
    with app.app_context():
        clerk_role = app.appbuilder.sm.find_role("Clerk").id
    fields = {"first_name": "Анна", "last_name": "Петрова", "username": "apetrova", "active": "y",
              "email": "anna.petrova@school239.spb.ru", "roles": [str(clerk_role)]}
    users = count(app, User)
    for weak, message in (("1234567890", COMMON), ("Anna.Petrova", PERSONAL), ("apetrova", SHORT)):
        page = admin.post("/users/add", data={**fields, "password": weak, "conf_password": weak})
        assert message in page.get_data(as_text=True), weak
    assert count(app, User) == users
    done = admin.post("/users/add", data={**fields, "password": "Белые-ночи-2026", "conf_password": "Белые-ночи-2026"})
    assert done.status_code == 302 and user_named(app, "apetrova") is not None


def test_cli_staff_create_follows_the_policy(app):
    with app.app_context():
        school_id = db.session.execute(select(School.id).order_by(School.id)).scalars().first()
    runner = app.test_cli_runner()

    def create(password, username="new.clerk"):
        return runner.invoke(args=["staff", "create", username, "--role", "clerk", "--school", str(school_id),
                                   "--password", password])

    for weak, message in (("abcdefgh", SHORT), ("new.clerk.x", SAME_AS_USERNAME), ("password123", COMMON)):
        result = create(weak, "new.clerk.x" if weak == "new.clerk.x" else "new.clerk")
        assert result.exit_code != 0 and message in result.output, (weak, result.output)
    assert user_named(app, "new.clerk") is None and user_named(app, "new.clerk.x") is None
    result = create("Разводные-мосты-9")
    assert result.exit_code == 0, result.output
    # an existing account's password goes through the same policy
    result = create("1234567890")
    assert result.exit_code != 0 and COMMON in result.output


def test_the_security_manager_refuses_weak_passwords_whoever_calls_it(sqlite_app):
    with sqlite_app.app_context():
        sm = sqlite_app.appbuilder.sm
        clerk = sm.find_user(username="clerk239")
        before = clerk.password
        with pytest.raises(passwords.WeakPassword, match="распространён"):
            sm.reset_password(clerk.id, "qwerty12345")
        with pytest.raises(passwords.WeakPassword):
            sm.add_user("weak.one", "Слабый", "Пароль", "weak@example.ru", sm.find_role("Clerk"), "1")
        assert sm.find_user(username="clerk239").password == before
        assert sm.find_user(username="weak.one") is None


# --------------------------------------------------------------------------- FAB's REST user API

def test_fab_rest_user_management_is_off(app):
    client = app.test_client()
    token = bearer(client, "admin", "admin12345")  # the JSON login stays (README contract)
    with app.app_context():
        admin_role = app.appbuilder.sm.find_role("Admin").id
    users = count(app, User)
    created = client.post("/api/v1/security/users/", headers=token, json={
        "first_name": "X", "last_name": "Y", "username": "backdoor", "email": "backdoor@example.ru",
        "active": True, "roles": [admin_role], "password": "1"})
    assert created.status_code in (404, 405)
    assert count(app, User) == users and user_named(app, "backdoor") is None
    clerk = user_named(app, "clerk239")
    changed = client.put(f"/api/v1/security/users/{clerk.id}", headers=token, json={"password": "2"})
    assert changed.status_code in (404, 405) and "2" not in (changed.get_json(silent=True) or {}).values()
    assert user_named(app, "clerk239").password == clerk.password
    for path in ("/api/v1/security/users/", "/api/v1/security/roles/", "/api/v1/security/permissions/",
                 "/api/v1/security/groups/", "/api/v1/security/permissions-resources/"):
        assert client.get(path, headers=token).status_code == 404, path
    # the screens that replace it are there
    admin = staff_login(app.test_client(), "admin", "admin12345")
    assert admin.get("/users/add").status_code == 200


def test_reset_form_of_an_impossible_account_is_404(app):
    admin = staff_login(app.test_client(), "admin", "admin12345")
    for pk in ("99999999999999999999", "-9223372036854775809", "abc", "1e5", ""):
        assert admin.get(f"/resetpassword/form?pk={pk}").status_code == 404, pk
        assert admin.post(f"/resetpassword/form?pk={pk}", data={
            "password": "Белые-ночи-2026", "conf_password": "Белые-ночи-2026"}).status_code == 404, pk
