"""Conditional GET of the family's diary (issue 11): an ETag on the pages and the API, a bodiless
304 for the same answer, a new ETag once a teacher grades (the class revision,
app.diary.revisions), the access check before any of it, CONDITIONAL_GET=False switching it off."""
from flask_jwt_extended import create_access_token
from sqlalchemy import select

from app.diary import revisions
from app.extensions import db
from app.models import AccessLogEntry
from tests.helpers.data import citizen_id, import_examples
from tests.helpers.journal import grade_through_the_journal, page
from tests.helpers.sql import statements

WEEK = "?week=2026-11-25"
PAGES = ["diary" + WEEK, "today", "grades?from=2026-09-01&to=2026-12-31", "results", "attendance"]
API = ["diary" + WEEK, "grades?from=2026-09-01&to=2026-12-31", "results", "attendance"]


def api(student_id, name):
    return f"/api/v1/students/{student_id}/{name}"


def class_revision(app, student_id):
    with app.app_context():
        return dict(revisions.of_pupil(db.session, student_id))


def token(app, sub):
    with app.test_request_context():
        return {"Authorization": "Bearer " + create_access_token(identity=str(citizen_id(sub)))}


def test_pages_answer_304_for_the_same_etag_and_200_after_a_grade(app, pupil_world):
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    tags = {}
    client.get(page(p, "today"))  # the first «Сегодня» after the login carries the welcome notice once
    for name in PAGES:
        first = client.get(page(p, name))
        assert first.status_code == 200, name
        assert first.headers["ETag"] and first.headers["Cache-Control"] == "private, no-cache", name
        assert {"Cookie", "Authorization"} <= set(first.vary), name
        again = client.get(page(p, name), headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", name
        assert again.headers["ETag"] == first.headers["ETag"], name
        assert "Set-Cookie" not in again.headers, name
        tags[name] = first.headers["ETag"]
    before = class_revision(app, p)
    grade_through_the_journal(app, p, "5")
    assert class_revision(app, p) != before  # the journal's grade bumped the class
    for name in PAGES:
        changed = client.get(page(p, name), headers={"If-None-Match": tags[name]})
        assert changed.status_code == 200, name
        assert changed.headers["ETag"] != tags[name], name
    week = client.get(page(p, PAGES[0])).get_data(as_text=True)
    assert ">5<" in week


def test_gzipped_and_weak_etags_match_too(app, pupil_world):
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    first = client.get(page(p, PAGES[0]), headers={"Accept-Encoding": "gzip"})
    assert first.headers.get("Content-Encoding") == "gzip" and first.headers["ETag"].endswith('-gzip"')
    again = client.get(page(p, PAGES[0]), headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]
    weak = client.get(page(p, PAGES[0]), headers={"If-None-Match": "W/" + first.headers["ETag"]})
    assert weak.status_code == 304


def test_the_access_check_comes_first(app, pupil_world):
    p = pupil_world["volkov"]
    tag = pupil_world["parent-ivanova"].get(page(p, "grades")).headers["ETag"]
    assert pupil_world["parent-petrov"].get(page(p, "grades"), headers={"If-None-Match": tag}).status_code == 404
    assert pupil_world["tutor-oleg"].get(page(p, "grades"), headers={"If-None-Match": tag}).status_code == 403
    # another person's same page is another answer
    papa = pupil_world["papa-sergey"].get(page(p, "grades"), headers={"If-None-Match": tag})
    assert papa.status_code == 200 and papa.headers["ETag"] != tag
    # a viewer's visit is logged for a 304 too
    papa_tag = papa.headers["ETag"]
    with app.app_context():
        logged = db.session.scalar(select(db.func.count()).select_from(AccessLogEntry))
    assert pupil_world["papa-sergey"].get(page(p, "grades"), headers={"If-None-Match": papa_tag}).status_code == 304
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AccessLogEntry)) == logged + 1


def test_the_api_with_a_token_behaves_the_same(app, pupil_world):
    p = pupil_world["volkov"]
    headers = token(app, "parent-ivanova")
    client = app.test_client()
    tags = {}
    for name in API:
        first = client.get(api(p, name), headers=headers)
        assert first.status_code == 200 and first.headers["ETag"], name
        assert first.headers["Cache-Control"] == "private, no-cache", name
        again = client.get(api(p, name), headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", name
        tags[name] = first.headers["ETag"]
    stranger = token(app, "parent-petrov")
    assert client.get(api(p, API[0]), headers={**stranger, "If-None-Match": tags[API[0]]}).status_code == 404
    assert client.get(api(p, API[0]), headers={"If-None-Match": tags[API[0]]}).status_code == 401
    grade_through_the_journal(app, p, "2")
    for name in API:
        changed = client.get(api(p, name), headers={**headers, "If-None-Match": tags[name]})
        assert changed.status_code == 200 and changed.headers["ETag"] != tags[name], name


def test_switched_off(app, pupil_world, config):
    config(CONDITIONAL_GET=False)
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    answer = client.get(page(p, PAGES[0]))
    assert answer.status_code == 200 and "ETag" not in answer.headers
    assert client.get(page(p, PAGES[0]), headers={"If-None-Match": "*"}).status_code == 200
    assert "ETag" not in client.get(api(p, "diary"), headers=token(app, "parent-ivanova")).headers


def test_other_pages_keep_their_headers(app, pupil_world):
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    messages = client.get(page(p, "messages"))  # it holds a form: no ETag
    assert messages.status_code == 200 and "ETag" not in messages.headers
    assert messages.headers.get("Cache-Control") != "private, no-cache"


def test_an_import_bumps_the_class(app, pupil_world):
    p = pupil_world["volkov"]
    before = class_revision(app, p)
    with app.app_context():
        import_examples()  # the same files again: nothing changes, nothing is bumped
    assert class_revision(app, p) == before
    with app.app_context():
        from app.diary.imports import import_file

        import_file("grades.csv", 1, kind="grades", data=(
            "student_id;subject;date;value;kind;number;weight;remark\n"
            "S-1002;Алгебра;2026-11-23;4;current;1;1;\n").encode())
    after = class_revision(app, p)
    assert [c for c in after if (after[c] or 0) > (before[c] or 0)]


def test_a_304_reads_the_class_revisions_with_the_access_check(app, pupil_world):
    """The revisions the ETag needs come with the grant and the pupil in one statement: a 304 of a
    page or of the API runs no query of its own for them (one round trip less per request)."""
    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    client.get(page(p, "today"))
    for path in (page(p, PAGES[0]), api(p, API[0])):
        tag = client.get(path).headers["ETag"]
        with statements(app) as seen:
            assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
        assert not [s for s in seen if s.startswith("SELECT class_membership.class_id")], seen
        assert any("class_revision" in s and "access_grant" in s for s in seen), seen


def test_events_and_meetings_answer_304_until_one_is_added(app, pupil_world):
    """The events and the parent meetings carry an ETag too: a reload is a bodiless 304, and a new
    event or meeting of the pupil's school (it bumps the class revisions) sends the page afresh."""
    from datetime import datetime

    from app.models import ParentMeeting, SchoolEvent, Student

    client, p = pupil_world["parent-ivanova"], pupil_world["volkov"]
    client.get(page(p, "today"))
    tags = {}
    for name in ("events", "meetings"):
        first = client.get(page(p, name))
        assert first.status_code == 200 and first.headers["ETag"], name
        assert client.get(page(p, name), headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        tags[name] = first.headers["ETag"]
    with app.app_context():
        school_id = db.session.get(Student, p).school_id
        db.session.add_all([SchoolEvent(school_id=school_id, title="Турнир по шахматам", starts_at=datetime(2031, 5, 25, 12)),
                            ParentMeeting(school_id=school_id, topic="Летний лагерь", starts_at=datetime(2031, 5, 20, 19))])
        db.session.commit()
    for name, what in (("events", "Турнир по шахматам"), ("meetings", "Летний лагерь")):
        fresh = client.get(page(p, name), headers={"If-None-Match": tags[name]})
        assert fresh.status_code == 200 and what in fresh.get_data(as_text=True), name
