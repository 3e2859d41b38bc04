"""Issue 8, "no input gives a 500" for the pages: NUL bytes in every text field of every form
(enumerated from the URL map and the templates), dates at the calendar's edges, ids and page
numbers beyond the database's integers, FAB's download routes and page arguments, a CSV field
beyond Python's csv limit. Each answer is a 4xx (or the page itself) with a Russian message —
never a 5xx, never raw exception text — and nothing with a NUL reaches the database."""
import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Application,
    AuditEvent,
    Conversation,
    Invitation,
    Lesson,
    Student,
    TeachingAssignment,
    User,
)
from tests.helpers.data import no_nul_stored

NUL = "a\x00b"
HUGE = "99999999999999999999"
INT64_PLUS_ONE = "9223372036854775808"
NEG_HUGE = "-9223372036854775809"
EDGE_DATES = ["0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "99999-01-01", "-1-01-01",
              "2026-1-1", "x" * 300]


def assert_clean_answer(response, allowed=(200, 302, 400, 403, 404, 409, 413)):
    """A 4xx or the page, with a Russian text, never a 5xx or raw exception text."""
    body = response.get_data().decode("utf-8", "replace")
    where = f"{response.request.method} {response.request.path}?{response.request.query_string.decode()}"
    assert response.status_code in allowed, (where, response.status_code, body[:800])
    for leak in ("Traceback", "psycopg2", "sqlalchemy", "OverflowError", "NUL (0x00)", "ValueError"):
        assert leak not in body, body[:800]
    if response.status_code >= 400:
        text = response.json["message"] if response.is_json else body
        assert re.search("[а-яА-Я]", text), body[:400]


def _id(app, query):
    with app.app_context():
        return db.session.execute(query).scalars().first()


@pytest.fixture
def ids(app):
    from datetime import date

    from app.diary.demo import load_diary_demo

    ivanova = select(User.id).where(User.username.like("%parent-ivanova"))
    with app.app_context():
        load_diary_demo(today=date(2026, 11, 25))
        parent = db.session.execute(ivanova).scalar_one_or_none()
        daughter = db.session.execute(select(Student.id).where(Student.first_name == "Софья")).scalar()
        assignment = db.session.execute(
            select(TeachingAssignment.id).join(User, User.id == TeachingAssignment.teacher_id)
            .where(User.username == "teacher239")).scalars().first()
        assignment_row = db.session.get(TeachingAssignment, assignment)
        lesson = db.session.execute(select(Lesson.id).where(
            Lesson.class_id == assignment_row.class_id,
            Lesson.subject_id == assignment_row.subject_id)).scalars().first()
        application = db.session.execute(select(Application.id).where(Application.state == "submitted")
                                         .order_by(Application.id)).scalars().first()
        conversation = db.session.execute(select(Conversation.id).order_by(Conversation.id)).scalars().first()
    return dict(parent=parent, daughter=daughter, assignment=assignment, lesson=lesson,
                application=application, conversation=conversation)


# --------------------------------------------------------------------------- NUL in every text field
def test_nul_in_the_staff_login_form(app):
    client = app.test_client()
    for data in ({"username": NUL, "password": NUL}, {"username": "admin\x00", "password": "x\x00"},
                 {"username": "\x00" * 50, "password": "admin12345"}):
        assert_clean_answer(client.post("/login/", data=data))
    assert_clean_answer(client.get("/login/?next=%00"))


def test_nul_in_the_parents_forms(app, ids, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    daughter = ids["daughter"]
    with app.app_context():
        school_id = db.session.execute(select(Student.school_id).where(Student.id == daughter)).scalar()
    forms = [
        ("/my/applications/new", {"school_id": str(school_id), "last_name": NUL, "first_name": NUL,
                                  "middle_name": NUL, "birth_date": "2014-07-09"}),
        ("/my/applications/new", {"school_id": NUL, "district": NUL, "last_name": "Иванов",
                                  "first_name": "Пётр", "birth_date": "2014\x00-07-09"}),
        (f"/my/students/{daughter}/messages", {"teacher_id": NUL, "subject": NUL, "text": NUL}),
        (f"/my/students/{daughter}", {"email": f"x{NUL}@example.ru", "kind": NUL, "scope": NUL,
                                      "until": NUL, "consent": NUL}),
        (f"/my/students/{daughter}", {"email": "viewer@example.ru", "kind": "viewer", "scope": "all",
                                      "until": "", "consent": "1", NUL: NUL}),
        ("/my/account/link", {"email": NUL, "password": NUL}),
        ("/my/account/link", {"email": f"old{NUL}@example.ru", "password": "secret"}),
        ("/my/settings", {"quiet_from": NUL, "quiet_to": "08:00\x00", f"{daughter}-grade-email": NUL}),
        ("/my/welcome/hide", {"hide": NUL}),
        (f"/invite/{NUL}", {"consent": NUL}),
    ]
    for url, data in forms:
        assert_clean_answer(parent.post(url, data=data))
    with app.app_context():
        teacher = db.session.execute(select(User.id).where(User.username == "teacher239")).scalar()
    sent = parent.post(f"/my/students/{daughter}/messages",
                       data={"teacher_id": str(teacher), "subject": "Вопрос\x00", "text": "Здравствуйте\x00!"})
    assert_clean_answer(sent)
    if ids["conversation"]:
        assert_clean_answer(parent.post(f"/my/messages/{ids['conversation']}", data={"text": NUL}))
    for url in ("/my/applications/%00", f"/my/applications/{NUL}/withdraw", "/welcome?%00=%00"):
        assert_clean_answer(parent.get(url) if "withdraw" not in url else parent.post(url, data={"version": NUL}))
    no_nul_stored(app)


def test_nul_in_the_clerks_forms(app, ids, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    pk = ids["application"]
    for url in (f"/applications/find?q={NUL}", "/applications/find?q=%00%00", f"/applications/list/?q={NUL}",
                f"/applications/list/?_flt_0_child_last_name={NUL}", f"/roster/list/?_flt_0_last_name={NUL}",
                f"/applications/show/{NUL}", f"/applications/print/{NUL}"):
        assert_clean_answer(clerk.get(url))
    for action, data in (("verify", {"document_type": NUL, "version": NUL}),
                         ("reject", {"reason": NUL * 100, "version": ""}),
                         ("approve", {"student_id": NUL, "class_name": NUL})):
        assert_clean_answer(clerk.post(f"/applications/{pk}/{action}", data=data))
    for view in ("reception-hours", "school-events", "parent-meetings"):
        page = clerk.get(f"/{view}/add")
        assert page.status_code == 200, view
        names = set(re.findall(r'name="([^"]+)"', page.get_data(as_text=True))) - {"csrf_token"}
        assert_clean_answer(clerk.post(f"/{view}/add", data={name: NUL for name in names}))
    no_nul_stored(app)


def test_nul_in_the_teachers_forms(app, ids, login_staff):
    teacher = login_staff(app.test_client(), "teacher239", "teacher12345")
    a, lesson = ids["assignment"], ids["lesson"]
    with app.app_context():
        pupil = db.session.execute(select(Student.id).where(Student.first_name == "Софья")).scalar()
    assert_clean_answer(teacher.post(f"/journal/{a}/lesson", json={"lesson_id": lesson, "topic": NUL,
                                                                   "homework": NUL}))
    assert_clean_answer(teacher.post(f"/journal/{a}/remark", json={"lesson_id": lesson, "student_id": pupil,
                                                                   "text": NUL}))
    assert_clean_answer(teacher.post(f"/journal/{a}/cell", json={"lesson_id": lesson, "student_id": pupil,
                                                                 "value": "5\x00"}))
    assert_clean_answer(teacher.post(f"/journal/{a}/cell", json={"lesson_id": NUL, "student_id": [NUL],
                                                                 "value": {"x": 1}}))
    if ids["conversation"]:
        assert_clean_answer(teacher.post(f"/teacher-messages/{ids['conversation']}", data={"text": NUL}))
    no_nul_stored(app)


def test_nul_in_the_admins_forms(app, login_staff):
    admin = login_staff(app.test_client(), "admin", "admin12345")
    for view in ("districts", "schools", "roster", "staff-assignments", "users"):
        page = admin.get(f"/{view}/add")
        assert page.status_code == 200, view
        names = set(re.findall(r'name="([^"]+)"', page.get_data(as_text=True))) - {"csrf_token"}
        assert_clean_answer(admin.post(f"/{view}/add", data={name: NUL for name in names}))
        assert_clean_answer(admin.get(f"/{view}/list/?_flt_0_name={NUL}"))
    upload = admin.post("/imports/", data={"school_id": NUL, "kind": NUL,
                                           "file": (io.BytesIO(b"x"), f"a{NUL}.csv")},
                        content_type="multipart/form-data")
    assert_clean_answer(upload)


# --------------------------------------------------------------------------- imports
def test_import_with_nul_and_an_oversized_csv_field(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")

    def upload(data, name="students.csv"):
        return clerk.post("/imports/", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")

    header = "student_id;last_name;first_name;birth_date;class\n"
    with_nul = (header + "S-1;Ива\x00нов;Пётр;2014-03-01;5 «А»\n").encode()
    answer = upload(with_nul)
    assert_clean_answer(answer)
    huge = (header + "S-2;" + "Я" * 140_000 + ";Пётр;2014-03-01;5 «А»\n").encode()
    answer = upload(huge)
    assert_clean_answer(answer, allowed=(400,))
    assert "строка" in answer.get_data(as_text=True)
    quoted = (header + 'S-3;"' + "x" * 140_000 + '";Пётр;2014-03-01;5 «А»\n').encode()
    assert_clean_answer(upload(quoted), allowed=(400,))
    with app.app_context():  # the NUL was stripped: Иванов imported; the oversized rows not at all
        names = dict(db.session.execute(select(Student.external_id, Student.last_name).where(
            Student.external_id.in_(["S-1", "S-2", "S-3"]))).all())
        assert names == {"S-1": "Иванов"}


# --------------------------------------------------------------------------- dates at the edges
def test_family_pages_at_the_calendars_edges(app, ids, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    base = f"/my/students/{ids['daughter']}"
    for value in EDGE_DATES:
        assert_clean_answer(parent.get(f"{base}/diary?week={value}"), allowed=(200, 400))
        for page in ("grades", "dynamics", "attendance", "results", "stats", "events", "meetings"):
            assert_clean_answer(parent.get(f"{base}/{page}?from={value}&to={value}"), allowed=(200, 400))
    wide = parent.get(f"{base}/dynamics?from=0001-01-01&to=9999-12-31")
    assert_clean_answer(wide, allowed=(400,))
    assert "дат" in wide.get_data(as_text=True).lower()
    assert parent.get(f"{base}/diary?week=2026-11-23").status_code == 200  # an ordinary week still works


def test_journal_and_reports_at_the_calendars_edges(app, ids, login_staff):
    teacher = login_staff(app.test_client(), "teacher239", "teacher12345")
    supervisor = login_staff(app.test_client(), "supervisor", "super12345")
    admin = login_staff(app.test_client(), "admin", "admin12345")
    for value in EDGE_DATES:
        assert_clean_answer(teacher.get(f"/journal/{ids['assignment']}?from={value}&to={value}"),
                            allowed=(200, 400))
        assert_clean_answer(teacher.get(f"/journal/{ids['assignment']}?to={value}"), allowed=(200, 400))
        for report in ("funnel", "backlog", "approval-time", "coverage", "academic"):
            for client in (supervisor, admin):
                for fmt in ("", "&format=csv", "&format=xlsx"):
                    assert_clean_answer(client.get(f"/reports/{report}?from={value}&to={value}{fmt}"),
                                        allowed=(200, 400))
    for days in (HUGE, NEG_HUGE, "x", "1e9"):
        assert_clean_answer(supervisor.get(f"/reports/backlog?days={days}"), allowed=(200, 400))


# --------------------------------------------------------------------------- ids and pages beyond the integers
def test_ids_and_pages_beyond_the_integers(app, ids, login_staff, login_parent):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    admin = login_staff(app.test_client(), "admin", "admin12345")
    supervisor = login_staff(app.test_client(), "supervisor", "super12345")
    for number in (HUGE, INT64_PLUS_ONE, NEG_HUGE, "2147483648", "-1", "0"):
        for url in (f"/applications/show/{number}", f"/applications/print/{number}",
                    f"/reception-hours/edit/{number}", f"/school-events/show/{number}"):
            assert_clean_answer(clerk.get(url), allowed=(302, 404))
        for url in (f"/schools/show/{number}", f"/districts/edit/{number}", f"/users/show/{number}",
                    f"/roster/show/{number}", f"/roster/edit/{number}",
                    f"/audit/show/{number}", f"/outbox/show/{number}", f"/districts/delete/{number}"):
            assert_clean_answer(admin.get(url), allowed=(302, 404))
        assert_clean_answer(clerk.post(f"/applications/{number}/reject", data={"reason": "Нет"}),
                            allowed=(302, 404))
        for who, view, route in ((clerk, "ApplicationView", "applications"), (admin, "StudentView", "roster"),
                                 (admin, "AuditEventView", "audit"), (admin, "UserDBModelView", "users")):
            assert_clean_answer(who.get(f"/{route}/list/?page_{view}={number}&psize_{view}={number}"),
                                allowed=(200, 302))
        for report in ("funnel", "coverage", "academic"):
            assert_clean_answer(admin.get(f"/reports/{report}?district={number}&school={number}"),
                                allowed=(200, 400, 403, 404))
            assert_clean_answer(supervisor.get(f"/reports/{report}?district={number}"),
                                allowed=(200, 400, 403, 404))
        assert_clean_answer(admin.post("/schools/add", data={"number": number, "name": "Школа",
                                                            "district": number, "address": "ул."}),
                            allowed=(200, 302, 400))
    assert_clean_answer(clerk.get("/applications/list/?page_ApplicationView=-1"), allowed=(200, 302))
    assert_clean_answer(clerk.get("/applications/list/?psize_ApplicationView=x&page_ApplicationView=1e3"),
                        allowed=(200, 302))
    assert clerk.get("/applications/show/99999999999999999999").status_code == 404

    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    daughter = ids["daughter"]
    for number in (HUGE, INT64_PLUS_ONE, "2147483648"):
        for url in (f"/my/students/{number}", f"/my/students/{number}/diary", f"/my/messages/{number}",
                    f"/my/account/link/{number}"):
            assert_clean_answer(parent.get(url), allowed=(404,))
        assert_clean_answer(parent.get(f"/my/students/{daughter}?log_page={number}"), allowed=(200, 400))
        assert_clean_answer(parent.post(f"/my/students/{daughter}/invitations/{number}/revoke"),
                            allowed=(302, 404))
        assert_clean_answer(parent.post("/my/applications/new", data={
            "school_id": number, "district": number, "last_name": "Иванов", "first_name": "Пётр",
            "birth_date": "2014-07-09"}), allowed=(400,))
        assert_clean_answer(parent.post(f"/my/students/{daughter}/messages",
                                        data={"teacher_id": number, "text": "Вопрос"}), allowed=(400, 404))
    assert_clean_answer(parent.get(f"/my/students/{daughter}?log_page=-5"), allowed=(200, 400))

    teacher = login_staff(app.test_client(), "teacher239", "teacher12345")
    for number in (HUGE, "2147483648"):
        assert_clean_answer(teacher.get(f"/journal/{number}"), allowed=(404,))
        assert_clean_answer(teacher.post(f"/journal/{ids['assignment']}/cell",
                                         json={"lesson_id": int(number), "student_id": int(number), "value": "5"}),
                            allowed=(400, 404))
        assert_clean_answer(teacher.get(f"/teacher-messages/{number}"), allowed=(404,))


# --------------------------------------------------------------------------- FAB's own routes
def test_fab_download_routes_and_page_arguments(app, login_staff):
    admin = login_staff(app.test_client(), "admin", "admin12345")
    for view in ("districts", "schools", "roster", "users", "reception-hours", "school-events"):
        for name in ("x", "..", "config.py", "%00", "a" * 300):
            assert_clean_answer(admin.get(f"/{view}/download/{name}"), allowed=(404,))
    for arg in ("psize_DistrictView=abc", "psize_DistrictView=99999999999999999999", "page_DistrictView=-1",
                "page_DistrictView=9223372036854775808", "psize_UserDBModelView=0",
                "page_UserDBModelView=x", "_oc_DistrictView=%00", "_od_DistrictView=%00"):
        assert_clean_answer(admin.get(f"/districts/list/?{arg}"), allowed=(200, 302))
        assert_clean_answer(admin.get(f"/users/list/?{arg.replace('DistrictView', 'UserDBModelView')}"),
                            allowed=(200, 302))


def test_error_page_is_russian_and_api_errors_are_json(app, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    page = clerk.get("/applications/show/99999999999999999999")
    assert page.status_code == 404 and "Страница не найдена" in page.get_data(as_text=True)
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    answer = clerk.get("/api/v1/applications/99999999999999999999")
    assert answer.status_code == 404 and answer.is_json and re.search("[а-я]", answer.json["message"])
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(AuditEvent)).scalar() == before


def test_refused_forms_keep_what_was_typed(app, ids, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    daughter = ids["daughter"]
    invite = parent.post(f"/my/students/{daughter}", data={
        "email": "babushka@example.ru", "kind": "viewer", "scope": "all", "until": "0001-01-01", "consent": "1"})
    body = invite.get_data(as_text=True)
    assert invite.status_code == 400 and 'value="babushka@example.ru"' in body
    assert "Введите дату с 01.01.1900 по 31.12.2199" in body
    message = parent.post(f"/my/students/{daughter}/messages",
                          data={"teacher_id": HUGE, "subject": "Про олимпиаду", "text": "Здравствуйте!\x00"})
    body = message.get_data(as_text=True)
    assert message.status_code == 400 and "Про олимпиаду" in body and "Здравствуйте!" in body
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Invitation).where(
            Invitation.email == "babushka@example.ru")).scalar() == 0
