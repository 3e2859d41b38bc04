"""Scope: nobody sees or changes what is not theirs, whichever door they try
(FAB pages, the custom POST routes, FAB actions, the JSON API, the parent pages, CSRF)."""
from sqlalchemy import func, select

from app import roles
from app.access import Actor
from app.extensions import db
from app.models import (
    AccessGrant,
    Application,
    AuditEvent,
    OutboxMessage,
    ReceptionSlot,
    School,
    Student,
)
from app.workflow import fire
from tests.helpers.app import reset_data
from tests.helpers.data import failed_message, school_id
from tests.helpers.web import bearer as jwt
from tests.helpers.web import csrf_token

CHILD = {"last_name": "Иванова", "first_name": "Ольга", "middle_name": "Петровна",
         "birth_date": "2012-05-05"}


def submit(app, client, login_parent, number, sub="parent-ivanova", child=CHILD):
    """The parent applies through the API; returns (id, code)."""
    login_parent(client, sub)
    r = client.post("/api/v1/applications/", json={"school_id": school_id(app, number), "child": child})
    assert r.status_code == 201, r.json
    return r.json["id"], r.json["code"]


def petrov(app):
    with app.app_context():
        a = db.session.execute(
            select(Application).join(Application.parent).where(
                Application.child_last_name == "Петров")
        ).scalar_one()
        return a.id, a.code


def state_of(app, application_id):
    """What a refused request must not have changed."""
    with app.app_context():
        a = db.session.get(Application, application_id)
        return (a.state, a.version, a.student_id, a.reason, a.document_type,
                db.session.scalar(select(func.count()).select_from(AuditEvent)),
                db.session.scalar(select(func.count()).select_from(OutboxMessage)),
                db.session.scalar(select(func.count()).select_from(Student)))


def as_clerk(app, application_id, name, **data):
    """Fire a transition as the clerk of the application's school (test set-up)."""
    with app.app_context():
        a = db.session.get(Application, application_id)
        actor = Actor(user_id=None, label="test", roles=frozenset({roles.CLERK}), school_id=a.school_id)
        fire(name, actor, application_id, data=data)


# --------------------------------------------------------------------------- clerk of another school
def test_clerk_cannot_see_another_schools_application_in_pages(app, client, login_parent, login_staff):
    other_id, other_code = submit(app, app.test_client(), login_parent, "321")
    own_id, own_code = petrov(app)
    login_staff(client, "clerk239", "clerk12345")

    listing = client.get("/applications/list/").get_data(as_text=True)
    assert own_code in listing
    assert other_code not in listing
    assert client.get(f"/applications/show/{own_id}").status_code == 200
    assert client.get(f"/applications/show/{other_id}").status_code == 404
    assert client.get(f"/applications/{other_id}/print").status_code == 404
    # the state filter and the surname search stay inside the school too
    filtered = client.get("/applications/list/?_flt_3_state=submitted").get_data(as_text=True)
    assert own_code in filtered and other_code not in filtered
    by_name = client.get("/applications/list/?_flt_0_child_last_name=Иванова").get_data(as_text=True)
    assert other_code not in by_name
    for typed in (other_code, other_code.replace("-", "").lower()):
        found = client.get("/applications/find", query_string={"q": typed})
        assert found.status_code == 302
        assert f"/applications/show/{other_id}" not in found.headers["Location"]
    # the same search opens the own school's application
    found = client.get("/applications/find", query_string={"q": own_code.replace("-", " ").lower()})
    assert found.headers["Location"].endswith(f"/applications/show/{own_id}")


def test_clerk_cannot_act_on_another_schools_application(app, client, login_parent, login_staff):
    other_id, _code = submit(app, app.test_client(), login_parent, "321")
    before = state_of(app, other_id)
    login_staff(client, "clerk239", "clerk12345")
    crafted = [
        (f"/applications/{other_id}/verify", {"document_type": "passport_rf"}),
        (f"/applications/{other_id}/reject", {"reason": "Чужая школа"}),
    ]
    for path, form in crafted:
        assert client.post(path, data=form).status_code == 404, path
    assert state_of(app, other_id) == before
    as_clerk(app, other_id, "verify_passport", document_type="passport_rf")
    before = state_of(app, other_id)
    assert client.post(f"/applications/{other_id}/approve", data={"student_id": ""}).status_code == 404
    assert state_of(app, other_id) == before

    # FAB's generic routes do not exist for applications (they would skip the workflow)
    for path in (f"/applications/edit/{other_id}", f"/applications/delete/{other_id}",
                 f"/applications/action/approve/{other_id}"):
        assert client.post(path, data={"state": "approved"}).status_code in (403, 404, 405), path
    assert client.post("/applications/action_post",
                       data={"action": "approve", "rowid": str(other_id)}).status_code in (403, 404, 405)
    assert state_of(app, other_id) == before

    api = app.test_client()
    headers = jwt(api, "clerk239")
    assert api.get(f"/api/v1/applications/{other_id}", headers=headers).status_code in (403, 404)
    for name, body in (("approve", {}), ("reject", {"reason": "Чужая школа"}),
                       ("verify_passport", {"document_type": "other"})):
        r = api.post(f"/api/v1/applications/{other_id}/transitions/{name}", json=body, headers=headers)
        assert r.status_code in (403, 404), name
    assert state_of(app, other_id) == before


def test_clerk_cannot_approve_with_another_schools_pupil(app, client, login_staff):
    own_id, _code = petrov(app)
    as_clerk(app, own_id, "verify_passport", document_type="passport_rf")
    with app.app_context():
        foreign = db.session.execute(
            select(Student.id).where(Student.school_id == school_id(app, "321"))
        ).scalars().first()
    before = state_of(app, own_id)
    login_staff(client, "clerk239", "clerk12345")
    page = client.post(f"/applications/{own_id}/approve", data={"student_id": str(foreign)},
                       follow_redirects=True)
    assert page.status_code == 200
    assert 'role="alert"' in page.get_data(as_text=True) or "alert-danger" in page.get_data(as_text=True)
    assert state_of(app, own_id) == before
    api = app.test_client()
    r = api.post(f"/api/v1/applications/{own_id}/transitions/approve", json={"student_id": foreign},
                 headers=jwt(api, "clerk239"))
    assert r.status_code == 400
    assert state_of(app, own_id) == before
    assert not db_has_grant(app, foreign)


def db_has_grant(app, student_id):
    with app.app_context():
        return db.session.execute(
            select(AccessGrant.id).where(AccessGrant.student_id == student_id)).first() is not None


# --------------------------------------------------------------------------- supervisor
def test_supervisor_reads_own_district_only_and_cannot_act(app, client, login_parent, login_staff):
    parent = app.test_client()
    near_id, near_code = submit(app, parent, login_parent, "321")
    far_id, far_code = submit(app, parent, login_parent, "27")
    own_id, own_code = petrov(app)

    login_staff(client, "supervisor", "super12345")
    listing = client.get("/applications/list/").get_data(as_text=True)
    assert own_code in listing and near_code in listing
    assert far_code not in listing
    assert client.get(f"/applications/show/{near_id}").status_code == 200
    assert client.get(f"/applications/show/{far_id}").status_code == 404

    before = state_of(app, near_id)
    show = client.get(f"/applications/show/{near_id}").get_data(as_text=True)
    assert f"/applications/{near_id}/verify" not in show  # no action forms for a reader
    for path, form in ((f"/applications/{near_id}/verify", {"document_type": "passport_rf"}),
                       (f"/applications/{near_id}/reject", {"reason": "Проверка"})):
        r = client.post(path, data=form)
        assert r.status_code in (302, 403, 404), path
    assert state_of(app, near_id) == before

    api = app.test_client()
    headers = jwt(api, "supervisor", "super12345")
    listed = api.get("/api/v1/applications/", headers=headers).json
    assert {a["id"] for a in listed["result"]} == {own_id, near_id}
    assert api.get(f"/api/v1/applications/{near_id}", headers=headers).status_code == 200
    assert api.get(f"/api/v1/applications/{far_id}", headers=headers).status_code == 404
    for name, body in (("verify_passport", {"document_type": "passport_rf"}),
                       ("reject", {"reason": "Проверка"})):
        r = api.post(f"/api/v1/applications/{near_id}/transitions/{name}", json=body, headers=headers)
        assert r.status_code == 403, name
    assert state_of(app, near_id) == before


# --------------------------------------------------------------------------- parents
def test_parent_cannot_see_or_withdraw_another_parents_application(app, client, login_parent):
    other_id, other_code = petrov(app)
    before = state_of(app, other_id)
    login_parent(client, "parent-ivanova")
    assert client.get(f"/api/v1/applications/{other_id}").status_code == 404
    assert other_id not in {a["id"] for a in client.get("/api/v1/applications/").json["result"]}
    assert client.get(f"/my/applications/{other_code}").status_code == 404
    assert other_code not in client.get("/my/applications").get_data(as_text=True)
    assert client.post(f"/my/applications/{other_code}/withdraw").status_code == 404
    r = client.post(f"/api/v1/applications/{other_id}/transitions/withdraw", json={})
    assert r.status_code in (403, 404)
    # nor act as a clerk on it
    r = client.post(f"/api/v1/applications/{other_id}/transitions/verify_passport",
                    json={"document_type": "passport_rf"})
    assert r.status_code in (403, 404)
    assert client.post(f"/applications/{other_id}/verify", data={"document_type": "other"}).status_code in (302, 403, 404)
    assert client.get(f"/applications/show/{other_id}").status_code in (302, 403, 404)
    assert state_of(app, other_id) == before

    # the owner can
    owner = app.test_client()
    login_parent(owner, "parent-petrov")
    assert owner.get(f"/my/applications/{other_code}").status_code == 200
    assert owner.post(f"/my/applications/{other_code}/withdraw").status_code == 302
    assert state_of(app, other_id)[0] == "withdrawn"


# --------------------------------------------------------------------------- reception hours
def slots(app, number):
    with app.app_context():
        return [(s.id, s.weekday, s.time_from, s.time_to, s.room) for s in db.session.execute(
            select(ReceptionSlot).join(School).where(School.number == number)
            .order_by(ReceptionSlot.id)).scalars()]


def test_clerk_keeps_only_own_schools_reception_hours(app, client, login_staff):
    own, other = slots(app, "239"), slots(app, "321")
    login_staff(client, "clerk239", "clerk12345")
    listing = client.get("/reception-hours/list/").get_data(as_text=True)
    assert "Греку Ирина Алексеевна" in listing
    assert "Смирнова Ольга Викторовна" not in listing
    other_slot = other[0][0]
    assert client.get(f"/reception-hours/show/{other_slot}").status_code == 404
    assert client.get(f"/reception-hours/edit/{other_slot}").status_code == 404
    form = {"school": str(school_id(app, "321")), "weekday": "0", "time_from": "08:00",
            "time_to": "09:00", "room": "взлом", "responsible": "Никто"}
    assert client.post(f"/reception-hours/edit/{other_slot}", data=form).status_code == 404
    assert client.post(f"/reception-hours/delete/{other_slot}").status_code == 404
    # a crafted add for school 321
    client.post("/reception-hours/add", data=form)
    # a crafted edit that moves the own slot to school 321
    client.post(f"/reception-hours/edit/{own[0][0]}", data=form)
    assert slots(app, "321") == other
    assert slots(app, "239") == own
    # the add form offers the own school only
    add_page = client.get("/reception-hours/add").get_data(as_text=True)
    assert "ГБОУ лицей № 239" in add_page and "ГБОУ школа № 321" not in add_page


# --------------------------------------------------------------------------- FAB action on the outbox
def test_outbox_retry_action_is_admin_only(app, client, login_staff):
    message_id = failed_message(app, "SMTPServerDisconnected: gone")

    def status():
        with app.app_context():
            return db.session.get(OutboxMessage, message_id).status

    for username, password in (("clerk239", "clerk12345"), ("supervisor", "super12345")):
        staff = app.test_client()
        login_staff(staff, username, password)
        staff.post("/outbox/action_post", data={"action": "retry", "rowid": str(message_id)})
        staff.get(f"/outbox/action/retry/{message_id}")
        staff.post(f"/outbox/action/retry/{message_id}")
        assert staff.get("/outbox/list/").status_code in (302, 403)
        assert status() == "failed", username

    login_staff(client, "admin", "admin12345")
    r = client.post("/outbox/action_post", data={"action": "retry", "rowid": str(message_id)})
    assert r.status_code == 302
    assert status() == "pending"


# --------------------------------------------------------------------------- CSRF
def test_cross_site_posts_without_token_are_refused(csrf_app, smtp, login_parent):
    app = csrf_app
    reset_data(app)
    application_id, _code = petrov(app)
    as_clerk(app, application_id, "verify_passport", document_type="passport_rf")

    clerk = app.test_client()
    token = csrf_token(clerk.get("/login/").get_data(as_text=True))
    assert clerk.post("/login/", data={"username": "clerk239", "password": "clerk12345",
                                       "csrf_token": token}).status_code == 302
    before = state_of(app, application_id)
    r = clerk.post(f"/applications/{application_id}/approve", data={"student_id": ""},
                   headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"})
    assert r.status_code == 400
    assert state_of(app, application_id) == before
    # the real form (with its token) works
    page = clerk.get(f"/applications/show/{application_id}").get_data(as_text=True)
    r = clerk.post(f"/applications/{application_id}/approve",
                   data={"student_id": "", "csrf_token": csrf_token(page)})
    assert r.status_code == 302
    assert state_of(app, application_id)[0] == "approved"

    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    form = {"last_name": "Иванов", "first_name": "Иван", "middle_name": "", "birth_date": "2014-07-09",
            "school_id": str(school_id(app, "239"))}
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Application))
    assert parent.post("/my/applications/new", data=form).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == count
    token = csrf_token(parent.get("/my/applications/new").get_data(as_text=True))
    assert parent.post("/my/applications/new", data=dict(form, csrf_token=token)).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)) == count + 1


# --------------------------------------------------------------------------- the transition's own re-check
def test_fire_rechecks_the_scope_whoever_calls_it(app):
    """The transition function loads the application through the same scope as every page
    (app.access.get_application): a clerk of another school or a parent not its own gets 404
    from fire itself, nothing changes; the school's clerk goes on."""
    import pytest

    from app.workflow import NotFound

    application_id, _code = petrov(app)
    before = state_of(app, application_id)
    with app.app_context():
        other = db.session.execute(select(School.id).where(School.number == "321")).scalar_one()
        strangers = [Actor(user_id=None, label="clerk 321", roles=frozenset({roles.CLERK}), school_id=other),
                     Actor(user_id=10**6, label="parent", roles=frozenset({roles.PARENT}))]
        for actor, name, data in ((strangers[0], "verify_passport", {"document_type": "passport_rf"}),
                                  (strangers[1], "withdraw", {})):
            with pytest.raises(NotFound):
                fire(name, actor, application_id, data=data)
    assert state_of(app, application_id) == before
    as_clerk(app, application_id, "verify_passport", document_type="passport_rf")
    assert state_of(app, application_id)[0] == "passport_verified"


def test_two_clerks_at_once_the_second_sees_what_the_first_decided(pg_app):
    """The re-check reads the application with its row locked: the clerk who comes second waits
    for the first one's transaction and is told the application is already approved (state
    named), not a bare conflict."""
    import threading

    from app.workflow import IllegalTransition

    app = pg_app
    application_id, _code = petrov(app)
    as_clerk(app, application_id, "verify_passport", document_type="passport_rf")
    with app.app_context():
        school = db.session.get(Application, application_id).school_id
    barrier, results = threading.Barrier(2, timeout=30), [None, None]

    def clerk(index, name, data):
        with app.app_context():
            actor = Actor(user_id=None, label=f"clerk {index}", roles=frozenset({roles.CLERK}), school_id=school)
            db.session.get(Application, application_id)  # the page the clerk is looking at
            barrier.wait()
            try:
                results[index] = fire(name, actor, application_id, data=data).state
            except Exception as exc:  # noqa: BLE001 - inspected below
                results[index] = exc
                db.session.rollback()

    threads = [threading.Thread(target=clerk, args=(0, "approve", {})),
               threading.Thread(target=clerk, args=(1, "reject", {"reason": "Документы не совпали"}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], IllegalTransition) and lost[0].status == 409, repr(lost[0])
    with app.test_request_context("/"):
        from app.models import ApplicationState

        assert str(ApplicationState(won[0]).label) in lost[0].message


# --------------------------------------------------------------------------- the approval's grant
def test_an_approved_parent_is_the_representative_even_after_an_invitation(app, login_parent):
    """A parent who first saw the pupil as an interested person with «only grades» and then had
    an application approved sees the whole diary and may invite — one grant, the representative's."""
    from app.models import AccessGrant, User

    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    with app.app_context():
        pupil = db.session.execute(select(Student).where(Student.last_name == "Иванов")).scalar_one()
        pupil_id, school = pupil.id, pupil.school_id
        user_id = db.session.execute(select(User.id).where(User.username.like("%:parent-ivanova"))).scalar_one()
        db.session.add(AccessGrant(user_id=user_id, student_id=pupil_id, relation="viewer", scope="grades"))
        db.session.commit()
    assert parent.get(f"/my/students/{pupil_id}/diary").status_code == 403
    created = parent.post("/api/v1/applications/", json={"school_id": school, "child": {
        "last_name": "Иванов", "first_name": "Иван", "middle_name": "Иванович", "birth_date": "2014-07-09"}})
    assert created.status_code == 201, created.json
    as_clerk(app, created.json["id"], "verify_passport", document_type="passport_rf")
    as_clerk(app, created.json["id"], "approve", student_id=pupil_id)
    assert parent.get(f"/my/students/{pupil_id}/diary").status_code == 200
    assert parent.get(f"/api/v1/students/{pupil_id}/invitations").status_code == 200
    with app.app_context():
        active = db.session.execute(select(AccessGrant.relation).where(
            AccessGrant.user_id == user_id, AccessGrant.revoked_at.is_(None))).scalars().all()
        assert active == ["representative"]


def test_scope_rules_are_written_only_in_app_access():
    """Nobody outside app/access/ compares a row with the actor's school or district, tells an
    active grant by its columns, or reads role names for a scope decision: they ask app.access."""
    import pathlib
    import re

    pattern = re.compile(r"actor\.(school_id|district_id)|revoked_at\.is_\(None\)|valid_until\s*[<>]"
                         r"|in\s+\w+\.roles\b|roles\.(ADMIN|CLERK|TEACHER|SUPERVISOR|PARENT)\s+in\b")
    root = pathlib.Path(__file__).resolve().parent.parent / "app"
    found = [f"{path.relative_to(root.parent)}:{number}: {line.strip()}"
             for path in root.rglob("*.py") if path.parts[len(root.parts)] not in ("access", "models")
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert not found, "\n".join(found)
