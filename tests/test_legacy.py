"""Issue 3: accounts of the portal before ESIA — `flask legacy import`, linking an old account to
the ESIA account, and the first-login welcome notice."""
import hashlib
import hmac
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import roles
from app.access import Actor
from app.extensions import db
from app.legacy.passwords import hash_format, own_sha256_hash, verify
from app.models import (
    AccessGrant,
    Application,
    AuditEvent,
    Identity,
    LegacyAccount,
    Student,
    User,
)
from tests.helpers.app import make_app, reset_data
from tests.helpers.data import citizen_id, count
from tests.helpers.web import citizen_login, csrf_token, error_of, text_of

DATA = Path(__file__).parent / "data"
GOOD = DATA / "legacy_accounts.csv"
BAD = DATA / "legacy_bad.csv"
OLD_CODE = "7KQ-4MZ"  # an application the old portal made (tests/data/legacy_accounts.csv)
PETROV_CODE = "PTR-222"  # parent-petrov's own application (demo data), renamed for the tests
IVANOVA_OLD = ("ivanova.old@mail.ru", "Пароль-2016")  # pbkdf2
PETROV_OLD = ("petrov.old@yandex.ru", "petrov1983")  # scrypt
SIDOROVA_OLD = ("sidorova@rambler.ru", "qwerty-old")  # the old portal's sha256$salt$hex
INVALID = "Неверный адрес электронной почты или пароль"
LINKED = "Существующая учетная запись успешно привязана к ЕСИА"
ALREADY = "Эта учетная запись уже привязана к ЕСИА"
TOO_MANY = "Слишком много попыток. Попробуйте позже."
WELCOME = "Добро пожаловать в «Электронный дневник»!"


# --------------------------------------------------------------------------- set-up helpers
def prepare(app):
    """The roster ids the data files name, the old portal's application and Petrov's code."""
    with app.app_context():
        names = {s.id: s.last_name for s in db.session.execute(select(Student)).scalars()}
        assert [names.get(i) for i in (1, 2, 3, 4)] == ["Иванов", "Петров", "Сидорова", "Петрова"]
        sm = app.appbuilder.sm
        # The old portal's applications were moved here owned by a service account nobody logs
        # in with (inactive, no roles, no ESIA identity): "no other owner".
        shell = sm.user_model(username="old-portal", first_name="Старый", last_name="Портал",
                              email="old-portal@email.notfound", active=False, password=None)
        db.session.add(shell)
        db.session.commit()
        from app.workflow import fire

        actor = Actor(user_id=shell.id, label="старый портал", roles=frozenset({roles.PARENT}))
        application = fire("submit", actor, data={
            "school_id": db.session.get(Student, 1).school_id,
            "child": {"last_name": "Иванов", "first_name": "Иван", "middle_name": "Иванович",
                      "birth_date": "2014-07-09"},
        })
        application.code = OLD_CODE
        petrov_app = db.session.execute(
            select(Application).join(User, User.id == Application.parent_id)
            .where(User.username.like("%parent-petrov"))
        ).scalar_one()
        petrov_app.code = PETROV_CODE
        db.session.commit()


def run_import(app, path, *extra):
    return app.test_cli_runner().invoke(args=["legacy", "import", str(path), *extra])


def account(app, email):
    with app.app_context():
        row = db.session.execute(select(LegacyAccount).where(LegacyAccount.email == email)).scalar_one()
        db.session.expunge(row)
        return row


def audit(app, action, object_id=None):
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.object_type == "legacy_account",
                                         AuditEvent.action == action)
        if object_id is not None:
            query = query.where(AuditEvent.object_id == object_id)
        rows = db.session.execute(query.order_by(AuditEvent.id)).scalars().all()
        return [(r.actor_id, r.object_id, dict(r.details)) for r in rows]


def link(client, email, password):
    return client.post("/my/account/link", data={"email": email, "password": password})


@pytest.fixture
def imported(app):
    prepare(app)
    result = run_import(app, GOOD)
    assert result.exit_code == 0, result.output
    return app


# --------------------------------------------------------------------------- password formats
def test_password_hash_formats():
    own = own_sha256_hash("qwerty-old", "f3a9c1")
    expected = hmac.new(b"f3a9c1", "qwerty-old".encode(), hashlib.sha256).hexdigest()
    assert own == f"sha256$f3a9c1${expected}"
    assert verify(own, "qwerty-old") and not verify(own, "qwerty-old ")
    for line in GOOD.read_text(encoding="utf-8").splitlines()[1:]:
        if line:
            assert hash_format(line.split(";")[1]) in ("pbkdf2", "scrypt", "sha256")
    # werkzeug's formats check through werkzeug; absurd costs are refused, not computed
    assert hash_format("scrypt:1073741824:8:1$salt$" + "ab" * 32) is None
    assert hash_format("scrypt:3:8:1$salt$" + "ab" * 32) is None
    assert hash_format("pbkdf2:sha256:999999999$salt$" + "ab" * 32) is None
    assert hash_format("md5$abc$def") is None
    assert not verify("pbkdf2:sha256:0$salt$" + "ab" * 32, "x")


# --------------------------------------------------------------------------- import
def test_import_creates_placeholders_grants_and_takes_the_old_applications(app):
    prepare(app)
    users_before = count(app, User)
    result = run_import(app, GOOD)
    assert result.exit_code == 0, result.output
    assert "новых 4" in result.output
    assert "Доступов к обучающимся создано: 4; заявлений закреплено: 1." in result.output
    assert count(app, LegacyAccount) == 4
    assert count(app, User) == users_before + 4
    with app.app_context():
        for acc in db.session.execute(select(LegacyAccount)).scalars():
            holder = db.session.get(User, acc.holder_id)
            assert holder.username == f"legacy:{acc.id}"
            assert not holder.active and not holder.roles
            assert acc.email == acc.email.lower() and acc.linked_user_id is None
        ivanova = db.session.execute(
            select(LegacyAccount).where(LegacyAccount.email == IVANOVA_OLD[0])).scalar_one()
        assert ivanova.full_name == "Иванова Мария Петровна"
        grants = db.session.execute(
            select(AccessGrant).where(AccessGrant.user_id == ivanova.holder_id)).scalars().all()
        assert [(g.student_id, g.relation, g.revoked_at) for g in grants] == [
            (1, "representative", None)]
        old = db.session.execute(select(Application).where(Application.code == OLD_CODE)).scalar_one()
        assert old.parent_id == ivanova.holder_id
        petrov = db.session.execute(
            select(LegacyAccount).where(LegacyAccount.email == PETROV_OLD[0])).scalar_one()
        assert sorted(db.session.execute(select(AccessGrant.student_id).where(
            AccessGrant.user_id == petrov.holder_id)).scalars()) == [2, 4]
    assert len(audit(app, "imported")) == 4


def test_bad_file_reports_every_problem_by_line_in_russian_and_saves_nothing(app):
    prepare(app)
    users_before, grants_before = count(app, User), count(app, AccessGrant)
    result = run_import(app, BAD)
    assert result.exit_code == 1
    err = result.stderr
    assert "файл не загружен" in err
    expected = [
        "строка 2: неверный адрес электронной почты «not-an-email»",
        "строка 3: обучающийся student:999 не найден в контингенте",
        "строка 4: адрес «dup@mail.ru» повторяется (уже был в строке 3)",
        "строка 4: неверный формат хеша пароля",
        "строка 4: заявление ZZZ-ZZZ не найдено",
        "строка 5: непонятная ссылка «teacher:5»",
        f"строка 5: заявление {PETROV_CODE} принадлежит другому пользователю",
    ]
    for line in expected:
        assert line in err, (line, err)
    assert "строка 6" not in err  # the good line
    assert count(app, LegacyAccount) == 0
    assert count(app, User) == users_before
    assert count(app, AccessGrant) == grants_before
    with app.app_context():
        petrov_app = db.session.execute(
            select(Application).where(Application.code == PETROV_CODE)).scalar_one()
        assert db.session.get(User, petrov_app.parent_id).username.endswith("parent-petrov")


def test_comma_separated_file_and_unreadable_files(sqlite_app, tmp_path):
    app = sqlite_app
    prepare(app)
    good = tmp_path / "comma.csv"
    good.write_text("email,password_hash,full_name,children\n"
                    f"new@mail.ru,{own_sha256_hash('секрет-1')},\"Новикова, Анна\",student:5\n",
                    encoding="utf-8")
    result = run_import(app, good, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "ничего не сохранено" in result.output and count(app, LegacyAccount) == 0
    assert run_import(app, good).exit_code == 0
    assert account(app, "new@mail.ru").full_name == "Новикова, Анна"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("email;password_hash;full_name;children\nа@б.рф;x;Ёж;\n".encode("cp1251"))
    assert "не в кодировке UTF-8" in run_import(app, latin1).stderr
    headless = tmp_path / "headless.csv"
    headless.write_text("mail;hash\nx;y\n", encoding="utf-8")
    result = run_import(app, headless)
    assert result.exit_code == 1 and "в заголовке нет столбцов" in result.stderr


def test_reimport_is_idempotent_and_leaves_linked_accounts_alone(imported, login_parent):
    app = imported
    counts = {m: count(app, m) for m in (LegacyAccount, User, AccessGrant, Application)}
    again = run_import(app, GOOD)
    assert again.exit_code == 0, again.output
    assert "новых 0, обновлено 0, без изменений 4" in again.output
    assert {m: count(app, m) for m in counts} == counts
    assert audit(app, "reimported") == []

    client = app.test_client()
    login_parent(client, "parent-ivanova")
    assert link(client, *IVANOVA_OLD).status_code == 302
    third = run_import(app, GOOD)
    assert third.exit_code == 0, third.output  # the moved application is no "someone else's"
    assert "уже привязанных к ЕСИА 1" in third.output
    assert f"строка 2: {IVANOVA_OLD[0]} — уже привязана к ЕСИА" in third.output
    assert {m: count(app, m) for m in counts} == counts
    assert account(app, IVANOVA_OLD[0]).linked_user_id == citizen_id(app, "parent-ivanova")


# --------------------------------------------------------------------------- linking
def test_link_moves_pupils_and_applications_to_the_parent(imported, login_parent):
    app = imported
    client = app.test_client()
    login_parent(client, "parent-ivanova")
    assert "Иванов Иван" not in client.get("/my/students").get_data(as_text=True)
    form = client.get("/my/account/link")
    assert form.status_code == 200
    assert "Привязать существующую учетную запись к ЕСИА" in text_of(form)
    assert 'name="csrf_token"' in form.get_data(as_text=True)

    done = link(client, "  Ivanova.OLD@mail.ru ", IVANOVA_OLD[1])  # e-mail in any case
    assert done.status_code == 302
    page = client.get(done.headers["Location"])
    assert page.status_code == 200
    shown = text_of(page)
    body = text_of(page.get_data(as_text=True).split("</head>", 1)[-1])
    assert body.count(LINKED) == 1  # the heading, not a flash above it saying the same
    assert "Вся информация из привязанного аккаунта перенесена в ваш текущий аккаунт" in shown
    assert "Иванов Иван Иванович" in shown and OLD_CODE in shown

    parent = citizen_id(app, "parent-ivanova")
    acc = account(app, IVANOVA_OLD[0])
    assert acc.linked_user_id == parent and acc.linked_at is not None
    students = client.get("/my/students")
    assert "Иванов Иван Иванович" in text_of(students)
    assert OLD_CODE in client.get("/my/applications").get_data(as_text=True)
    assert client.get(f"/my/applications/{OLD_CODE}").status_code == 200
    with app.app_context():
        assert db.session.execute(select(func.count(AccessGrant.id)).where(
            AccessGrant.user_id == acc.holder_id)).scalar() == 0
    [(actor_id, object_id, details)] = audit(app, "linked")
    assert (actor_id, object_id) == (parent, acc.id)
    assert details["grants_moved"] == 1 and details["applications_moved"] == 1
    assert details["grants_revoked"] == 0

    # another parent cannot open this result page
    other = app.test_client()
    login_parent(other, "parent-petrov")
    assert other.get(done.headers["Location"]).status_code == 404


def test_link_keeps_one_grant_when_the_parent_already_sees_the_pupil(imported, login_parent):
    app = imported
    parent = citizen_id(app, "parent-petrov")
    with app.app_context():
        db.session.add(AccessGrant(user_id=parent, student_id=2))  # approved before, by the school
        db.session.commit()
    client = app.test_client()
    login_parent(client, "parent-petrov")
    assert link(client, *PETROV_OLD).status_code == 302
    acc = account(app, PETROV_OLD[0])
    with app.app_context():
        active = db.session.execute(select(AccessGrant.student_id).where(
            AccessGrant.user_id == parent, AccessGrant.revoked_at.is_(None))).scalars().all()
        assert sorted(active) == [2, 4]
        revoked = db.session.execute(select(AccessGrant).where(
            AccessGrant.user_id == acc.holder_id)).scalar_one()
        assert revoked.student_id == 2 and revoked.revoked_at is not None
        assert revoked.revoked_by_id == parent
    [(_a, _o, details)] = audit(app, "linked", acc.id)
    assert details["grants_moved"] == 1 and details["grants_revoked"] == 1
    page = text_of(client.get("/my/students"))
    assert "Петров Пётр Петрович" in page and "Петрова Мария Петровна" in page


def test_wrong_password_and_unknown_email_get_the_same_answer(imported, login_parent):
    app = imported
    client = app.test_client()
    login_parent(client, "parent-ivanova")
    wrong = link(client, IVANOVA_OLD[0], "не тот пароль")
    unknown = link(client, "nobody@mail.ru", IVANOVA_OLD[1])
    assert wrong.status_code == unknown.status_code == 400
    assert error_of(wrong) == error_of(unknown) == INVALID
    assert "nobody@mail.ru" in unknown.get_data(as_text=True)  # the form keeps the e-mail
    assert IVANOVA_OLD[1] not in unknown.get_data(as_text=True)  # never the password
    empty = link(client, "", "")
    assert empty.status_code == 400 and error_of(empty)
    assert account(app, IVANOVA_OLD[0]).linked_user_id is None
    parent = citizen_id(app, "parent-ivanova")
    failed = audit(app, "link_failed")
    assert [(a, d["reason"]) for a, _o, d in failed] == [(parent, "wrong_password"),
                                                         (parent, "unknown_email")]
    assert failed[0][1] == account(app, IVANOVA_OLD[0]).id and failed[1][1] == 0
    assert "Иванов Иван" not in client.get("/my/students").get_data(as_text=True)


def test_already_linked_account_is_refused_only_after_the_right_password(imported, login_parent):
    app = imported
    first = app.test_client()
    login_parent(first, "parent-ivanova")
    assert link(first, *SIDOROVA_OLD).status_code == 302  # the old portal's own hash format
    second = app.test_client()
    login_parent(second, "parent-petrov")
    refused = link(second, *SIDOROVA_OLD)
    assert refused.status_code == 409 and error_of(refused) == ALREADY
    guess = link(second, SIDOROVA_OLD[0], "угадываю")
    assert error_of(guess) == INVALID  # no hint that the account exists or is linked
    again = link(first, *SIDOROVA_OLD)
    assert error_of(again) == ALREADY
    acc = account(app, SIDOROVA_OLD[0])
    assert acc.linked_user_id == citizen_id(app, "parent-ivanova")
    refusals = audit(app, "link_refused", acc.id)
    assert [(a, d["reason"]) for a, _o, d in refusals] == [
        (citizen_id(app, "parent-petrov"), "already_linked"),
        (citizen_id(app, "parent-ivanova"), "already_linked")]
    assert "Сидорова Анна" not in second.get("/my/students").get_data(as_text=True)


def test_only_esia_parents_reach_the_link_form(imported, login_staff):
    app = imported
    anonymous = app.test_client()
    assert anonymous.get("/my/account/link").status_code == 302
    assert anonymous.post("/my/account/link", data=dict(zip(("email", "password"),
                                                              IVANOVA_OLD))).status_code == 302
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert clerk.post("/my/account/link", data=dict(zip(("email", "password"),
                                                          IVANOVA_OLD))).status_code == 302
    assert account(app, IVANOVA_OLD[0]).linked_user_id is None


def test_pages_are_in_russian(imported, login_parent):
    client = imported.test_client()
    login_parent(client, "parent-ivanova")
    pages = [client.get("/my/applications"), client.get("/my/welcome"),
             client.get("/my/account/link"), link(client, "x@mail.ru", "y")]
    done = link(client, *IVANOVA_OLD)
    pages.append(client.get(done.headers["Location"]))
    for page in pages:
        visible = text_of(page).replace(OLD_CODE, "")
        assert not re.findall(r"\b[A-Za-z]{3,}\b", visible), (page.request.path, visible)


# --------------------------------------------------------------------------- welcome notice
def test_welcome_notice_at_first_login_until_hidden(app, login_parent):
    client = app.test_client()
    done = login_parent(client, "parent-ivanova")
    assert done.headers["Location"].endswith("/my/today")  # no diary open yet: on to «Мои заявления»
    assert client.get("/my/today").headers["Location"].endswith("/my/applications")
    first = client.get("/my/applications")
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    assert WELCOME in text_of(first)
    assert 'href="/my/applications/new"' in body and 'href="/my/account/link"' in body
    assert "подайте заявление на предоставление доступа" in text_of(first)
    assert "обратитесь к родителю (официальному представителю)" in text_of(first)
    assert "Пригласить обучающегося" in text_of(first)
    assert "Больше не показывать это уведомление" in text_of(first)
    assert re.search(r'<form method="post" action="/my/welcome/hide">\s*'
                     r'<input type="hidden" name="csrf_token"', body)
    assert WELCOME not in text_of(client.get("/my/applications"))  # once per login
    assert WELCOME in text_of(client.get("/my/welcome"))  # always reachable

    again = app.test_client()  # a new login shows it again: not hidden yet
    login_parent(again, "parent-ivanova")
    assert WELCOME in text_of(again.get("/my/applications"))
    assert again.get("/my/welcome/hide").status_code == 405  # POST only
    hidden = again.post("/my/welcome/hide")
    assert hidden.status_code == 302 and hidden.headers["Location"].endswith("/my/today")
    with app.app_context():
        assert db.session.execute(select(Identity.welcome_hidden).where(
            Identity.subject == "parent-ivanova")).scalar_one() is True

    third = app.test_client()
    login_parent(third, "parent-ivanova")
    assert WELCOME not in text_of(third.get("/my/applications"))
    assert "Больше не показывать" not in text_of(third.get("/my/welcome"))
    other = app.test_client()  # somebody else's choice is their own
    login_parent(other, "parent-petrov")
    assert WELCOME in text_of(other.get("/my/applications"))


# --------------------------------------------------------------------------- limits and CSRF
@pytest.fixture(scope="module")
def strict_app(smtp_server, idp, tmp_path_factory):
    path = tmp_path_factory.mktemp("legacy-strict") / "diary.db"
    return make_app(f"sqlite:///{path}", smtp_server, idp, RATELIMIT_ENABLED=True,
                    WTF_CSRF_ENABLED=True, LEGACY_LINK_RATE_LIMIT="3 per 15 minutes",
                    LEGACY_LINK_ACCOUNT_FREE_FAILURES=3, LEGACY_LINK_ACCOUNT_DELAY_SECONDS=900,
                    LEGACY_LINK_ACCOUNT_DELAY_MAX_SECONDS=900)


def test_attempts_are_limited_per_email_and_per_address(strict_app, idp, smtp):
    app = strict_app
    reset_data(app)
    prepare(app)
    assert run_import(app, GOOD).exit_code == 0

    def post(client, email, password, address):
        return client.post("/my/account/link", environ_base={"REMOTE_ADDR": address}, data={
            "email": email, "password": password, "csrf_token": csrf_token(client.get("/my/account/link"))})

    client = app.test_client()
    citizen_login(client, idp, "parent-ivanova", email="ivanova@example.ru", given_name="Мария",
                  family_name="Иванова")
    for _ in range(3):
        assert error_of(post(client, IVANOVA_OLD[0], "мимо", "10.0.0.1")) == INVALID
    blocked = post(client, IVANOVA_OLD[0], IVANOVA_OLD[1], "10.0.0.1")  # even the right one
    assert blocked.status_code == 429 and error_of(blocked) == TOO_MANY
    # the e-mail is blocked from any address
    assert error_of(post(client, IVANOVA_OLD[0], IVANOVA_OLD[1], "10.0.0.2")) == TOO_MANY
    # the address is not blocked for another e-mail (per address and e-mail; tests/test_throttling.py)
    assert post(client, PETROV_OLD[0], PETROV_OLD[1], "10.0.0.1").status_code == 302
    assert account(app, IVANOVA_OLD[0]).linked_user_id is None
    acc = account(app, IVANOVA_OLD[0])
    reasons = [d["reason"] for _a, _o, d in audit(app, "link_refused", acc.id)]
    assert reasons == ["too_many_attempts", "too_many_attempts"]


def test_forms_need_the_csrf_token(strict_app, idp, smtp):
    app = strict_app
    reset_data(app)
    prepare(app)
    assert run_import(app, GOOD).exit_code == 0
    client = app.test_client()
    citizen_login(client, idp, "parent-petrov", email="petrov@example.ru", given_name="Пётр",
                  family_name="Петров")
    forged = client.post("/my/account/link", data=dict(zip(("email", "password"), PETROV_OLD)),
                         environ_base={"REMOTE_ADDR": "10.1.0.1"})
    assert forged.status_code == 400
    assert account(app, PETROV_OLD[0]).linked_user_id is None
    assert client.post("/my/welcome/hide").status_code == 400
    with app.app_context():
        assert db.session.execute(select(Identity.welcome_hidden).where(
            Identity.subject == "parent-petrov")).scalar_one() is False
    token = csrf_token(client.get("/my/welcome"))
    assert client.post("/my/welcome/hide", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.execute(select(Identity.welcome_hidden).where(
            Identity.subject == "parent-petrov")).scalar_one() is True


def test_unknown_email_takes_as_long_as_a_wrong_password(sqlite_app, login_parent, tmp_path):
    """The answer time must not tell whether an old account with this e-mail exists."""
    import time

    from werkzeug.security import generate_password_hash

    app = sqlite_app
    slow = generate_password_hash("секрет", method="pbkdf2:sha256:300000")
    data = tmp_path / "slow.csv"
    data.write_text(f"email;password_hash;full_name;children\nslow@mail.ru;{slow};Медленнова Анна;\n",
                    encoding="utf-8")
    assert run_import(app, data).exit_code == 0
    client = app.test_client()
    login_parent(client, "parent-ivanova")

    def timed(email):
        started = time.perf_counter()
        assert error_of(link(client, email, "не тот")) == INVALID
        return time.perf_counter() - started

    timed("warm-up@mail.ru")  # the dummy hash of this format is made once per process
    wrong = sorted(timed("slow@mail.ru") for _ in range(3))[1]
    unknown = sorted(timed(f"nobody{i}@mail.ru") for i in range(3))[1]
    assert wrong > 0.05  # the check really is the slow part
    assert 0.5 < unknown / wrong < 2, (unknown, wrong)
