"""The diary API: the same data, access and viewer scopes as the pages; the access log written."""
from sqlalchemy import select

from app.extensions import db
from app.models import AccessLogEntry

ENDPOINTS = ["diary", "grades", "results", "attendance", "stats", "events", "meetings", "messages"]


def api(client, student_id, name, query=""):
    return client.get(f"/api/v1/students/{student_id}/{name}{query}")


def test_representative_reads_every_endpoint(app, pupil_world):
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    for name in ENDPOINTS:
        assert api(client, p, name).status_code == 200, name
    week = api(client, p, "diary", "?week=2026-11-25").json
    assert week["week_start"] == "2026-11-23"
    algebra = week["days"][0]["lessons"][0]
    assert (algebra["subject"], algebra["starts_at"], algebra["homework"]) == ("Алгебра", "09:00", "№ 112, 114")
    assert algebra["grades"][0]["value"] == "3"
    grades = api(client, p, "grades", "?from=2026-09-01&to=2026-12-31").json
    assert {s["subject"]: s["average"] for s in grades["subjects"]} == {"Алгебра": 3.0, "Литература": 5.0}
    assert api(client, p, "grades", "?from=01.09.2026").status_code == 400
    assert api(client, p, "events").json["upcoming"][0]["title"] == "Новогодний концерт"
    assert api(client, p, "meetings").json["upcoming"][0]["topic"] == "Итоги полугодия"
    teachers = api(client, p, "messages").json["teachers"]
    assert sorted(t["name"] for t in teachers) == ["Белов Андрей Николаевич", "Орлова Татьяна Викторовна"]


def test_scopes_and_strangers(app, pupil_world):
    p = pupil_world["volkov"]
    tutor, papa, stranger = pupil_world["tutor-oleg"], pupil_world["papa-sergey"], pupil_world["parent-petrov"]
    for name in ("grades", "results", "attendance", "stats", "messages"):
        assert api(tutor, p, name).status_code == 403, name
    week = api(tutor, p, "diary", "?week=2026-11-25").json
    lessons = [l for d in week["days"] for l in d["lessons"]]
    assert lessons and all(l["grades"] == [] and l["attendance"] is None for l in lessons)
    assert any(l["homework"] for l in lessons)
    assert api(papa, p, "grades").status_code == 200
    for name in ("diary", "attendance", "events", "messages"):
        assert api(papa, p, name).status_code == 403, name
    for name in ENDPOINTS:
        assert api(stranger, p, name).status_code == 404, name
        assert api(app.test_client(), p, name).status_code == 401, name
    with app.app_context():
        whats = db.session.execute(select(AccessLogEntry.what)).scalars().all()
        assert "api:diary" in whats and "api:grades" in whats


def test_write_to_a_teacher_through_the_api(app, pupil_world):
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    teacher_id = api(client, p, "messages").json["teachers"][0]["id"]
    bad = client.post(f"/api/v1/students/{p}/messages", json={"teacher_id": teacher_id, "text": " "})
    assert bad.status_code == 400 and bad.json["message"] == "Напишите сообщение."
    sent = client.post(f"/api/v1/students/{p}/messages", json={"teacher_id": teacher_id, "subject": "Вопрос",
                                                               "text": "Когда контрольная?"})
    assert sent.status_code == 201
    listed = api(client, p, "messages").json["conversations"]
    assert listed[0]["messages"][0]["text"] == "Когда контрольная?" and listed[0]["messages"][0]["mine"]
    assert pupil_world["tutor-oleg"].post(f"/api/v1/students/{p}/messages",
                                          json={"teacher_id": teacher_id, "text": "?"}).status_code == 403


def test_a_conversation_answers_as_its_openapi_declares(app, pupil_world):
    """A client generated from /api/v1/_openapi reads «unread» as the answer sends it: a yes/no
    (the document said integer while the answer was false/true)."""
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    teacher_id = api(client, p, "messages").json["teachers"][0]["id"]
    client.post(f"/api/v1/students/{p}/messages", json={"teacher_id": teacher_id, "text": "Когда контрольная?"})
    conversation = api(client, p, "messages").json["conversations"][0]
    declared = client.get("/api/v1/_openapi").json["components"]["schemas"]["ConversationOut"]["properties"]
    assert conversation["unread"] is False and declared["unread"]["type"] == "boolean"
    assert set(conversation) == set(declared)
