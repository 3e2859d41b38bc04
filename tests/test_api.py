"""The operator contract of the HTTP API (README), on SQLite and PostgreSQL."""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import AccessGrant, Application, AuditEvent, OutboxMessage, Student
from tests.helpers.data import IVAN as CHILD
from tests.helpers.data import application_state as snapshot
from tests.helpers.data import count, find_application, school_id
from tests.helpers.web import bearer as jwt
from tests.helpers.web import transition_url as url


def roster_id(app, last_name):
    with app.app_context():
        return db.session.execute(select(Student.id).where(Student.last_name == last_name)).scalar_one()


# --------------------------------------------------------------------------- health, login
def test_staff_password_login_gives_a_token_that_works(app, client):
    headers = jwt(client, "clerk239")
    listed = app.test_client().get("/api/v1/applications/", headers=headers)
    assert listed.status_code == 200
    assert listed.json["count"] == 1

    response = client.post(
        "/api/v1/security/login",
        json={"username": "clerk239", "password": "wrong-password", "provider": "db"},
    )
    assert response.status_code == 401
    assert "access_token" not in (response.json or {})
    response = client.get("/api/v1/applications/", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_citizen_account_cannot_log_in_with_a_password(app, client, login_parent):
    login_parent(app.test_client(), "parent-ivanova")  # the account exists
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username="esia:parent-ivanova")
        assert user is not None
        # Even with a password somehow set, a citizen logs in only through ESIA.
        sm.reset_password(user.id, "parent12345")
    response = client.post(
        "/api/v1/security/login",
        json={"username": "esia:parent-ivanova", "password": "parent12345", "provider": "db"},
    )
    assert response.status_code == 401
    client.post("/login/", data={"username": "esia:parent-ivanova", "password": "parent12345"})
    assert client.get("/my/applications").status_code == 302  # not logged in: sent to the landing


# --------------------------------------------------------------------------- schools
def test_health_and_public_schools(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}

    response = client.get("/api/v1/schools/")
    assert response.status_code == 200
    schools = response.json["result"]
    assert len(schools) >= 2
    for school in schools:
        assert {"id", "number", "name", "district", "reception_hours"} <= set(school)
    lyceum = next(s for s in schools if s["number"] == "239")
    assert lyceum["name"] == "ГБОУ лицей № 239"
    assert lyceum["district"]["name"] == "Адмиралтейский район"
    slot = lyceum["reception_hours"][0]
    assert (slot["from"], slot["to"]) == ("15:00", "18:00")
    assert slot["room"] == "кабинет № 63 (2 этаж)"
    assert slot["responsible"] == "Греку Ирина Алексеевна"
    assert slot["weekday"] == 4  # Friday


# --------------------------------------------------------------------------- anonymous, non-JSON
def test_anonymous_gets_401_everywhere(app, client):
    application_id = find_application(app, "Петров")
    before = snapshot(app, application_id)
    assert client.get("/api/v1/applications/").status_code == 401
    assert client.get(f"/api/v1/applications/{application_id}").status_code == 401
    assert client.post("/api/v1/applications/", json={"school_id": 1, "child": CHILD}).status_code == 401
    r = client.post(url(application_id, "reject"), json={"reason": "Не пришёл в школу"})
    assert r.status_code == 401
    assert r.json["message"]
    assert snapshot(app, application_id) == before
    assert count(app, Application) == 1


def test_non_json_bodies_are_400_and_change_nothing(app, client, login_parent):
    login_parent(client, "parent-ivanova")
    r = client.post("/api/v1/applications/", data={"school_id": "1", "last_name": "Иванов"})
    assert r.status_code == 400
    r = client.post("/api/v1/applications/", data="not json", content_type="application/json")
    assert r.status_code == 400
    r = client.post("/api/v1/applications/", json=["a", "list"])
    assert r.status_code == 400
    assert count(app, Application) == 1

    # A browser session (cookie) must send JSON even for a transition without data: a
    # cross-site page can post an empty body, it cannot post JSON without a CORS preflight.
    own = client.post("/api/v1/applications/", json={"school_id": school_id(app, "239"), "child": CHILD})
    assert own.status_code == 201
    mine = own.json["id"]
    before = snapshot(app, mine)
    assert client.post(url(mine, "withdraw")).status_code == 400
    assert client.post(url(mine, "withdraw"), data=b"",
                       content_type="application/x-www-form-urlencoded").status_code == 400
    assert snapshot(app, mine) == before
    r = client.post(url(mine, "withdraw"), json={})
    assert r.status_code == 200 and r.json["state"] == "withdrawn"

    staff = app.test_client()
    headers = jwt(staff, "clerk239")
    application_id = find_application(app, "Петров")
    before = snapshot(app, application_id)
    r = staff.post(url(application_id, "verify_passport"), data={"document_type": "passport_rf"},
                   headers=headers)
    assert r.status_code == 400
    assert snapshot(app, application_id) == before
    r = staff.post(url(application_id, "verify_passport"), json={"document_type": "passport_rf"},
                   headers=headers)
    assert r.status_code == 200
    before = snapshot(app, application_id)
    # An empty form post (what a cross-site page can send) is not "{}" ("add to the roster").
    r = staff.post(url(application_id, "approve"), data=b"",
                   content_type="application/x-www-form-urlencoded", headers=headers)
    assert r.status_code == 400
    r = staff.post(url(application_id, "approve"), data="{}", content_type="text/plain",
                   headers=headers)
    assert r.status_code == 400
    assert snapshot(app, application_id) == before
    # ... while a bare POST without any body still means {}
    r = staff.post(url(application_id, "approve"), headers=headers)
    assert r.status_code == 200 and r.json["state"] == "approved"


# --------------------------------------------------------------------------- create, read, list
def test_parent_creates_an_application(app, client, login_parent):
    login_parent(client, "parent-ivanova")
    school = school_id(app, "321")
    r = client.post("/api/v1/applications/", json={"school_id": school, "child": CHILD})
    assert r.status_code == 201, r.json
    body = r.json
    assert body["state"] == "submitted"
    assert body["school_id"] == school
    assert body["child"] == CHILD
    assert len(body["code"]) == 7 and body["code"][3] == "-"
    with app.app_context():
        row = db.session.get(Application, body["id"])
        assert row.code == body["code"]
        assert row.child_birth_date == date(2014, 7, 9)
        assert row.parent.username == "esia:parent-ivanova"


def test_create_with_bad_data_is_400_with_field_errors_and_saves_nothing(app, client, login_parent):
    login_parent(client, "parent-ivanova")
    before = (count(app, Application), count(app, AuditEvent), count(app, OutboxMessage))
    r = client.post("/api/v1/applications/", json={
        "school_id": 999,
        "child": {"last_name": "", "first_name": "Иван", "birth_date": "2099-01-01"},
    })
    assert r.status_code == 400
    assert {"school_id", "child.last_name", "child.birth_date"} <= set(r.json["errors"])
    r = client.post("/api/v1/applications/", json={
        "school_id": "abc", "child": {"last_name": ["x"], "first_name": {"a": 1}, "birth_date": 5},
    })
    assert r.status_code == 400
    assert {"school_id", "child.last_name", "child.first_name", "child.birth_date"} <= set(r.json["errors"])
    assert (count(app, Application), count(app, AuditEvent), count(app, OutboxMessage)) == before


def test_staff_cannot_create_applications(app, client):
    headers = jwt(client, "clerk239")
    r = client.post("/api/v1/applications/", json={"school_id": school_id(app, "239"), "child": CHILD},
                    headers=headers)
    assert r.status_code == 403
    assert count(app, Application) == 1


def test_get_application_has_the_documented_shape(app, client):
    headers = jwt(client, "clerk239")
    application_id = find_application(app, "Петров")
    r = client.get(f"/api/v1/applications/{application_id}", headers=headers)
    assert r.status_code == 200
    body = r.json
    assert body["id"] == application_id
    assert body["state"] == "submitted"
    assert body["school_id"] == school_id(app, "239")
    assert body["child"] == {"last_name": "Петров", "first_name": "Пётр", "middle_name": "Петрович",
                             "birth_date": "2015-08-08"}
    assert len(body["history"]) == 1
    event = body["history"][0]
    assert {"from", "to", "at", "actor"} <= set(event)
    assert event["from"] is None and event["to"] == "submitted"
    assert "Петров" in event["actor"]
    assert client.get("/api/v1/applications/99999", headers=headers).status_code == 404


def test_list_is_scoped_and_paginated(app, client, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    for first, birth in (("Иван", "2014-07-09"), ("Анна", "2013-03-21"), ("Олег", "2012-01-01")):
        r = parent.post("/api/v1/applications/", json={
            "school_id": school_id(app, "239"),
            "child": {"last_name": "Иванов", "first_name": first, "birth_date": birth},
        })
        assert r.status_code == 201, r.json
    r = parent.post("/api/v1/applications/", json={"school_id": school_id(app, "27"), "child": CHILD})
    assert r.status_code == 201

    def listing(username, password="clerk12345", **params):
        headers = jwt(client, username, password)
        response = client.get("/api/v1/applications/", query_string=params, headers=headers)
        assert response.status_code == 200, response.json
        return response.json

    assert listing("clerk239")["count"] == 4
    assert {a["school_id"] for a in listing("clerk239")["result"]} == {school_id(app, "239")}
    assert listing("clerk321")["count"] == 0
    assert listing("clerk27")["count"] == 1
    assert listing("supervisor", "super12345")["count"] == 4  # district 1: schools 239 and 321
    assert listing("admin", "admin12345")["count"] == 5
    own = parent.get("/api/v1/applications/").json
    assert own["count"] == 4 and all(a["child"]["last_name"] == "Иванов" for a in own["result"])

    first = listing("clerk239", page=1, page_size=3)
    second = listing("clerk239", page=2, page_size=3)
    assert len(first["result"]) == 3 and len(second["result"]) == 1
    assert not {a["id"] for a in first["result"]} & {a["id"] for a in second["result"]}
    assert listing("clerk239", page_size=100000)["page_size"] == 100
    assert listing("clerk239", page=0)["page"] == 1
    assert listing("clerk239", page=10**20)["result"] == []
    assert listing("clerk239", state="passport_verified")["count"] == 0
    assert listing("clerk239", q="петров")["count"] == 1

    headers = jwt(client, "clerk239")
    for params in ({"page": "abc"}, {"page_size": "ten"}, {"state": "nonsense"}):
        r = client.get("/api/v1/applications/", query_string=params, headers=headers)
        assert r.status_code == 400, params
        assert r.json["message"]


# --------------------------------------------------------------------------- transitions
def test_clerk_verifies_and_approves_with_a_roster_pupil(app, client):
    headers = jwt(client, "clerk239")
    application_id = find_application(app, "Петров")
    pupil = roster_id(app, "Петров")
    r = client.post(url(application_id, "verify_passport"), json={"document_type": "passport_rf"},
                    headers=headers)
    assert r.status_code == 200, r.json
    assert r.json["state"] == "passport_verified"
    r = client.post(url(application_id, "approve"), json={"student_id": pupil}, headers=headers)
    assert r.status_code == 200, r.json
    assert r.json["state"] == "approved"
    with app.app_context():
        a = db.session.get(Application, application_id)
        assert (a.state, a.student_id, a.document_type) == ("approved", pupil, "passport_rf")
        assert a.verified_by.username == "clerk239"
    assert count(app, AccessGrant, AccessGrant.student_id == pupil) == 1
    history = client.get(f"/api/v1/applications/{application_id}", headers=headers).json["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        (None, "submitted"), ("submitted", "passport_verified"), ("passport_verified", "approved")]
    assert history[-1]["actor"] == "Греку Ирина Алексеевна"


def test_approve_with_empty_body_adds_the_child_to_the_roster(app, client):
    headers = jwt(client, "clerk239")
    application_id = find_application(app, "Петров")
    assert client.post(url(application_id, "verify_passport"), json={"document_type": "other"},
                       headers=headers).status_code == 200
    students = count(app, Student)
    r = client.post(url(application_id, "approve"), json={}, headers=headers)
    assert r.status_code == 200 and r.json["state"] == "approved"
    assert count(app, Student) == students + 1
    with app.app_context():
        a = db.session.get(Application, application_id)
        assert a.student.school_id == a.school_id
        assert (a.student.last_name, a.student.birth_date) == ("Петров", date(2015, 8, 8))


def test_reject_needs_a_reason(app, client):
    headers = jwt(client, "clerk239")
    application_id = find_application(app, "Петров")
    before = snapshot(app, application_id)
    for body in ({}, {"reason": ""}, {"reason": "  "}, {"reason": 42}):
        r = client.post(url(application_id, "reject"), json=body, headers=headers)
        assert r.status_code == 400, body
        assert "reason" in r.json["errors"]
    assert snapshot(app, application_id) == before
    r = client.post(url(application_id, "reject"), json={"reason": "Ребёнок не обучается в школе"},
                    headers=headers)
    assert r.status_code == 200 and r.json["state"] == "rejected"
    with app.app_context():
        assert db.session.get(Application, application_id).reason == "Ребёнок не обучается в школе"


def test_illegal_transitions_are_409_and_change_nothing(app, client):
    headers = jwt(client, "clerk239")
    application_id = find_application(app, "Петров")
    before = snapshot(app, application_id)
    r = client.post(url(application_id, "approve"), json={}, headers=headers)
    assert r.status_code == 409
    assert r.json["message"]
    assert snapshot(app, application_id) == before
    assert client.post(url(application_id, "verify_passport"), json={"document_type": "passport_rf"},
                       headers=headers).status_code == 200
    again = client.post(url(application_id, "verify_passport"), json={"document_type": "passport_rf"},
                        headers=headers)
    assert again.status_code == 409
    assert client.post(url(application_id, "reject"), json={"reason": "Нет документов"},
                       headers=headers).status_code == 200
    before = snapshot(app, application_id)
    for name, body in (("approve", {}), ("reject", {"reason": "Ещё раз"}),
                       ("verify_passport", {"document_type": "other"})):
        r = client.post(url(application_id, name), json=body, headers=headers)
        assert r.status_code == 409, name
    assert snapshot(app, application_id) == before


def test_unknown_or_internal_transitions_are_refused(app, client):
    headers = jwt(client, "admin", "admin12345")
    application_id = find_application(app, "Петров")
    before = snapshot(app, application_id)
    for name in ("fly", "submit", "expire", "mark_notified"):
        r = client.post(url(application_id, name), json={}, headers=headers)
        assert r.status_code in (403, 404, 409), name
    # The clerk cannot withdraw: that is the parent's transition.
    r = client.post(url(application_id, "withdraw"), json={}, headers=jwt(client, "clerk239"))
    assert r.status_code == 403
    assert snapshot(app, application_id) == before


def test_stale_version_is_409(app, client):
    headers = jwt(client, "clerk239")
    application_id = find_application(app, "Петров")
    r = client.post(url(application_id, "verify_passport"),
                    json={"document_type": "passport_rf", "version": 1}, headers=headers)
    assert r.status_code == 200
    before = snapshot(app, application_id)
    r = client.post(url(application_id, "reject"), json={"reason": "Опоздал", "version": 1},
                    headers=headers)
    assert r.status_code == 409
    assert snapshot(app, application_id) == before


BAD_DATA = [
    ("verify_passport", {"document_type": "snils"}, "document_type"),
    ("verify_passport", {"document_type": ["passport_rf"]}, "document_type"),
    ("verify_passport", {"document_type": "passport_rf", "version": "abc"}, "version"),
    ("approve", {"student_id": "many"}, "student_id"),
    ("approve", {"student_id": {"id": 1}}, "student_id"),
    ("approve", {"student_id": 99999}, "student_id"),
    ("approve", {"student_id": "OTHER_SCHOOL"}, "student_id"),
    ("reject", {"reason": ["a", "list"]}, "reason"),
]


def test_bad_transition_data_is_400_and_nothing_is_half_saved(app, client):
    headers = jwt(client, "clerk239")
    application_id = find_application(app, "Петров")
    verified = False
    for name, body, field in BAD_DATA:
        if name == "approve" and not verified:
            assert client.post(url(application_id, "verify_passport"),
                               json={"document_type": "passport_rf"}, headers=headers).status_code == 200
            verified = True
        if body.get("student_id") == "OTHER_SCHOOL":
            body = {"student_id": roster_id(app, "Петрова")}  # a pupil of school 321
        before = snapshot(app, application_id)
        r = client.post(url(application_id, name), json=body, headers=headers)
        assert r.status_code == 400, (name, body, r.json)
        assert field in r.json["errors"], (name, body)
        assert snapshot(app, application_id) == before, (name, body)


def test_openapi_lists_the_contract_paths(client):
    response = client.get("/api/v1/_openapi")
    assert response.status_code == 200
    paths = response.json["paths"]
    assert "/api/v1/applications/" in paths
    assert "/api/v1/schools/" in paths
    assert "/api/v1/applications/{pk}/transitions/{name}" in paths
    assert {"get", "post"} <= set(paths["/api/v1/applications/"])
    assert "post" in paths["/api/v1/applications/{pk}/transitions/{name}"]


def test_a_submit_answers_from_the_rows_it_wrote(app, client, login_parent):
    """The answer of a submit (and of a transition) is built in the transaction, from the rows just
    written: nothing is read back after the commit (app.workflow.fire(then=…)). A submit reads
    its school once, the school's hours once (for the answer: the letter is rendered by the outbox
    worker) and no history (a new application's history is the event it just wrote)."""
    from tests.helpers.sql import statements

    login_parent(client, "parent-ivanova")
    school = school_id(app, "239")
    with statements(app) as seen:
        created = client.post("/api/v1/applications/", json={"school_id": school, "child": CHILD})
    assert created.status_code == 201 and created.json["history"][0]["to"] == "submitted"
    assert created.json["school"]["reception_hours"], created.json
    after = seen[[s.startswith("INSERT INTO application") for s in seen].index(True):]
    assert not [s for s in after if s.startswith("SELECT application.")], "\n".join(seen)
    assert len([s for s in seen if s.startswith("SELECT reception_slot")]) == 1, "\n".join(seen)
    assert len([s for s in seen if s.startswith("SELECT school")]) == 1, "\n".join(seen)
    assert not [s for s in after if s.startswith("SELECT audit_event")], "\n".join(seen)
    with statements(app) as seen:
        done = client.post(url(created.json["id"], "withdraw"), json={})
    assert done.status_code == 200 and done.json["state"] == "withdrawn" and done.json["version"] == 2
    commit = next(i for i, s in enumerate(seen) if s.startswith("UPDATE application"))
    assert not [s for s in seen[commit + 1:] if s.startswith("SELECT application.")][1:], "\n".join(seen)
