"""The JSON API against hostile input, on SQLite and PostgreSQL: ids beyond the database's
integers, negative ids, NUL bytes in JSON strings, wrong JSON types, dates at the calendar's edges,
LIKE wildcards in the search. Each answer is a 4xx with a Russian message (and the fields), never a
500, and a refused write saves nothing."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Conversation, Invitation, Message, OutboxMessage, Student
from tests.helpers.data import IVAN as CHILD
from tests.helpers.data import application_state as snapshot
from tests.helpers.data import count, find_application, school_id
from tests.helpers.web import approve_by_api
from tests.helpers.web import bearer as jwt
from tests.helpers.web import transition_url as url

HUGE = "99999999999999999999"
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


def russian(response):
    """The error body: a Russian message, and Russian messages for every field named."""
    body = response.json
    assert body and CYRILLIC.search(body["message"]), body
    for field, message in (body.get("errors") or {}).items():
        assert CYRILLIC.search(message), (field, message)
    return body.get("errors") or {}


@pytest.fixture
def family(app, client, login_parent):
    """Иванова with approved access to her son (submitted, verified and approved the ordinary way)."""
    login_parent(client, "parent-ivanova")
    created = client.post("/api/v1/applications/", json={"school_id": school_id(app, "239"), "child": CHILD})
    assert created.status_code == 201, created.data
    clerk = approve_by_api(app, created.json["id"])
    pupil = client.get("/api/v1/students/").json["result"][0]["id"]
    return {"parent": client, "pupil": pupil, "application": created.json["id"], "clerk": clerk}


def _writes(app):
    return {m.__name__: count(app, m) for m in (Invitation, OutboxMessage, Conversation, Message, AuditEvent)}


# --------------------------------------------------------------------------- ids in the path
def test_ids_beyond_the_database_integers_are_404(app, family):
    parent, clerk = family["parent"], family["clerk"]
    staff = app.test_client()
    for path in (f"/api/v1/applications/{HUGE}", "/api/v1/applications/2147483648",
                 f"/api/v1/applications/{'9' * 5000}", "/api/v1/applications/0"):
        assert staff.get(path, headers=clerk).status_code == 404, path
        assert russian(staff.get(path, headers=clerk)) == {}
    application = find_application(app, "Петров")
    before = snapshot(app, application)
    r = staff.post(url(HUGE, "reject"), json={"reason": "Не пришёл в школу"}, headers=clerk)
    assert r.status_code == 404
    russian(r)
    for name in ("diary", "grades", "results", "attendance", "stats", "events", "meetings", "messages",
                 "invitations", "access-log"):
        r = parent.get(f"/api/v1/students/{HUGE}/{name}")
        assert r.status_code == 404, name
        russian(r)
    assert parent.post(f"/api/v1/students/{HUGE}/messages", json={"teacher_id": 1, "text": "?"}).status_code == 404
    assert parent.post(f"/api/v1/students/{HUGE}/invitations",
                       json={"email": "nina@example.ru", "kind": "viewer"}).status_code == 404
    assert parent.post(f"/api/v1/invitations/{HUGE}/revoke").status_code == 404
    assert snapshot(app, application) == before


def test_negative_ids_are_404_or_nothing(app, family):
    parent, clerk = family["parent"], family["clerk"]
    staff = app.test_client()
    assert staff.get("/api/v1/applications/-1", headers=clerk).status_code == 404
    assert staff.post(url(-5, "withdraw"), json={}, headers=clerk).status_code == 404
    assert parent.get("/api/v1/students/-1/diary").status_code == 404
    assert parent.post("/api/v1/invitations/-3/revoke").status_code == 404
    for value in (f"-{HUGE}", HUGE, "-1", "0"):
        r = staff.get(f"/api/v1/schools/?district_id={value}")
        assert r.status_code == 200 and r.json["result"] == [], value
    r = staff.get("/api/v1/schools/?district_id=abc")
    assert r.status_code == 400 and "district_id" in russian(r)


# --------------------------------------------------------------------------- wrong JSON types
def test_wrong_types_in_an_invitation_are_400_and_save_nothing(app, family):
    parent, pupil = family["parent"], family["pupil"]
    before = _writes(app)
    for body, field in (
        ({"email": "nina@example.ru", "kind": "viewer", "scope": ["all"]}, "scope"),
        ({"email": {"address": "nina@example.ru"}, "kind": "viewer"}, "email"),
        ({"email": "nina@example.ru", "kind": ["viewer"]}, "kind"),
        ({"email": "nina@example.ru", "kind": "viewer", "until": 20300630}, "until"),
        ({"email": "nina@example.ru", "kind": "viewer", "until": "0001-01-01"}, "until"),
        ({"email": None, "kind": "viewer"}, "email"),
        ({"email": "nina@example.ru", "kind": "viewer", "scope": "everything"}, "scope"),
    ):
        r = parent.post(f"/api/v1/students/{pupil}/invitations", json=body)
        assert r.status_code == 400, (body, r.status_code, r.data)
        assert field in russian(r), (body, r.json)
    assert _writes(app) == before
    ok = parent.post(f"/api/v1/students/{pupil}/invitations",
                     json={"email": "nina@example.ru", "kind": "viewer", "scope": "grades", "until": None})
    assert ok.status_code == 201 and ok.json["scope"] == "grades"


def test_wrong_types_in_a_message_are_400_and_save_nothing(app, pupil_world):
    parent, pupil = pupil_world["parent-ivanova"], pupil_world["volkov"]
    teacher_id = parent.get(f"/api/v1/students/{pupil}/messages").json["teachers"][0]["id"]
    before = _writes(app)
    for body, field in (
        ({"teacher_id": str(teacher_id), "text": "Здравствуйте"}, "teacher_id"),
        ({"teacher_id": True, "text": "Здравствуйте"}, "teacher_id"),
        ({"teacher_id": int(HUGE), "text": "Здравствуйте"}, "teacher_id"),
        ({"teacher_id": teacher_id, "text": {"body": "Здравствуйте"}}, "text"),
        ({"teacher_id": teacher_id, "text": None}, "text"),
        ({"teacher_id": teacher_id, "subject": ["Вопрос"], "text": "Здравствуйте"}, "subject"),
    ):
        r = parent.post(f"/api/v1/students/{pupil}/messages", json=body)
        assert r.status_code == 400, (body, r.status_code, r.data)
        assert field in russian(r), (body, r.json)
    assert _writes(app) == before
    sent = parent.post(f"/api/v1/students/{pupil}/messages",
                       json={"teacher_id": teacher_id, "subject": "\x00Вопрос", "text": "Когда\x00 сбор?"})
    assert sent.status_code == 201, sent.data
    with app.app_context():
        assert db.session.get(Message, sent.json["message_id"]).text == "Когда сбор?"
        assert db.session.get(Conversation, sent.json["conversation_id"]).subject == "Вопрос"


def test_wrong_types_in_an_application_are_400_and_save_nothing(app, family):
    parent = family["parent"]
    school = school_id(app, "239")
    applications = count(app, AuditEvent)
    for body, field in (
        ({"school_id": str(school), "child": CHILD}, "school_id"),
        ({"school_id": int(HUGE), "child": CHILD}, "school_id"),
        ({"school_id": school, "child": "Иванов Иван"}, "child"),
        ({"school_id": school, "child": None}, "child"),
        ({"school_id": school, "child": {**CHILD, "last_name": ["Иванов"]}}, "child.last_name"),
        ({"school_id": school, "child": {**CHILD, "birth_date": 20140709}}, "child.birth_date"),
        ({"school_id": school, "child": {**CHILD, "birth_date": "9999-12-31"}}, "child.birth_date"),
    ):
        r = parent.post("/api/v1/applications/", json=body)
        assert r.status_code == 400, (body, r.status_code, r.data)
        assert field in russian(r), (body, r.json)
    assert count(app, AuditEvent) == applications


def test_wrong_types_in_a_transition_are_400_and_change_nothing(app, family):
    clerk, staff = family["clerk"], app.test_client()
    application = find_application(app, "Петров")
    before = snapshot(app, application)
    for name, body, field in (
        ("reject", {"reason": {"text": "Не пришёл"}}, "reason"),
        ("reject", {"reason": ["Не пришёл в школу"]}, "reason"),
        ("verify_passport", {"document_type": ["passport_rf"]}, "document_type"),
        ("approve", {"student_id": "1"}, "student_id"),
        ("approve", {"student_id": int(HUGE)}, "student_id"),
        ("approve", {"student_id": -1}, "student_id"),
        ("reject", {"reason": "Не пришёл в школу", "version": "1"}, "version"),
    ):
        r = staff.post(url(application, name), json=body, headers=clerk)
        assert r.status_code == 400, (name, body, r.status_code, r.data)
        assert field in russian(r), (body, r.json)
    assert snapshot(app, application) == before


# --------------------------------------------------------------------------- NUL bytes
def test_nul_bytes_in_json_strings_are_never_stored_nor_a_500(app, family):
    parent, pupil, clerk, staff = family["parent"], family["pupil"], family["clerk"], app.test_client()
    r = parent.post("/api/v1/applications/", json={"school_id": school_id(app, "239"), "child": {
        "last_name": "Пет\x00рова", "first_name": "Ан\x00на", "middle_name": "\x00", "birth_date": "2015-03-01"}})
    assert r.status_code == 201, r.data
    assert (r.json["child"]["last_name"], r.json["child"]["first_name"]) == ("Петрова", "Анна")
    assert r.json["child"]["middle_name"] in ("", None)
    r = staff.post(url(r.json["id"], "reject"), json={"reason": "Не\x00 пришла в школу"}, headers=clerk)
    assert r.status_code == 200, r.data
    r = parent.post("/api/v1/applications/", json={"school_id": school_id(app, "239"), "child": {
        **CHILD, "birth_date": "2014-07-09\x00"}})
    assert r.status_code in (201, 400) and r.status_code != 500
    invited = parent.post(f"/api/v1/students/{pupil}/invitations",
                          json={"email": "nina\x00@example.ru", "kind": "viewer", "scope": "all"})
    assert invited.status_code in (201, 400), invited.data
    if invited.status_code == 400:
        russian(invited)
    assert staff.get("/api/v1/applications/?q=Пет\x00", headers=clerk).status_code == 200
    with app.app_context():  # read back and looked at in Python (SQLite's LIKE stops at a NUL)
        stored = [value for column in (Message.text, Conversation.subject, Invitation.email, Student.last_name,
                                       Student.first_name) for value in db.session.execute(select(column)).scalars()]
    assert stored and not [value for value in stored if value and "\x00" in value]


# --------------------------------------------------------------------------- dates, search
def test_dates_at_the_calendar_edges_are_400(app, family):
    parent, pupil = family["parent"], family["pupil"]
    for query, field in (("diary?week=0001-01-01", "week"), ("diary?week=9999-12-31", "week"),
                         ("grades?from=0001-01-01", "from"), ("attendance?to=9999-12-31", "to"),
                         ("stats?from=2026-02-30", "from"), ("grades?from=01.09.2026", "from")):
        r = parent.get(f"/api/v1/students/{pupil}/{query}")
        assert r.status_code == 400, (query, r.status_code)
        assert field in russian(r), query
    assert parent.get(f"/api/v1/students/{pupil}/diary?week=2199-12-31").status_code == 200


def test_the_search_takes_percent_and_underscore_literally(app, family):
    clerk, staff = family["clerk"], app.test_client()

    def found(text):
        r = staff.get("/api/v1/applications/", query_string={"q": text}, headers=clerk)
        assert r.status_code == 200
        return {a["child"]["last_name"] for a in r.json["result"]}

    assert "Петров" in found("Петров")
    assert "Петров" in found("пет")
    assert found("%") == set()
    assert found("_етров") == set()
    assert found("%ров") == set()
    assert found("\\") == set()


def test_nested_json_and_huge_numbers_are_400(app, family):
    parent, pupil = family["parent"], family["pupil"]
    r = parent.post(f"/api/v1/students/{pupil}/invitations", data="[" * 100_000,
                    content_type="application/json")
    assert r.status_code in (400, 413), r.status_code
    r = parent.post(f"/api/v1/students/{pupil}/messages", data='{"teacher_id": ' + "9" * 5000 + ', "text": "?"}',
                    content_type="application/json")
    assert r.status_code == 400, r.status_code
    russian(r)


def test_report_parameters_the_api_cannot_read_are_400(app):
    """The report pages forgive an unreadable filter (they show the default period); the API says
    which parameter it could not read."""
    supervisor = jwt(app.test_client(), "supervisor", "super12345")
    client = app.test_client()
    for query, field in (("from=вчера", "from"), ("to=2026-02-30", "to"), ("from=0001-01-01", "from"),
                         ("days=-5", "days"), ("days=много", "days"), ("district=abc", "district"),
                         ("school=1.5", "school")):
        r = client.get(f"/api/v1/reports/backlog?{query}", headers=supervisor)
        assert r.status_code == 400, (query, r.status_code)
        assert field in russian(r), query
    assert client.get(f"/api/v1/reports/backlog?district={HUGE}", headers=supervisor).status_code == 404
    assert client.get("/api/v1/reports/backlog?district=", headers=supervisor).status_code == 400
    assert client.get("/api/v1/reports/backlog?from=&days=7", headers=supervisor).status_code == 200


def test_the_json_login_answers_bad_bodies_in_russian(app):
    """POST /api/v1/security/login: FAB's login gave a 500 without "provider" and English
    marshmallow messages ({"message": {"username": ["Not a valid string."]}}) for wrong types."""
    client = app.test_client()
    for body, field in (({"username": "clerk239", "password": "clerk12345"}, "provider"),
                        ({"username": 239, "password": "clerk12345", "provider": "db"}, "username"),
                        ({"username": "clerk239\x00", "password": "clerk12345", "provider": "db"}, "username"),
                        ({"username": "clerk239", "password": ["clerk12345"], "provider": "db"}, "password"),
                        ({"username": "clerk239", "password": "\x00", "provider": "db"}, "password"),
                        ({"username": "clerk239", "password": "clerk12345", "provider": "ldap"}, "provider"),
                        ({"username": "clerk239", "password": "clerk12345", "provider": "db", "refresh": "yes"},
                         "refresh")):
        r = client.post("/api/v1/security/login", json=body)
        assert r.status_code == 400, (body, r.status_code, r.data)
        assert field in russian(r), body
    for body in (["clerk239"], "clerk239", None):
        r = client.post("/api/v1/security/login", json=body)
        assert r.status_code == 400 and russian(r) == {}
    wrong = client.post("/api/v1/security/login", json={"username": "clerk239", "password": "x" * 20, "provider": "db"})
    assert wrong.status_code == 401 and "access_token" not in wrong.json
    russian(wrong)
    assert jwt(client, "clerk239")["Authorization"].startswith("Bearer ")
