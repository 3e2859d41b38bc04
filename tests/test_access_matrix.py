"""The access matrix: every kind of person × every object page and API endpoint that shows a
pupil's or an application's data. A "no" cell passes only when the answer does not contain the
object (any status but a 200 with the data; lists must not contain it); a "yes" cell must show it.
A single leak fails the test, with the cell named.

People: anonymous; the parent (official representative of the pupil, applicant); another parent;
the pupil; interested persons with each scope; an interested person whose access was revoked and
one whose end date passed; the clerk of the pupil's school, a clerk of another school of the same
district, a clerk of another district; the district supervisor; the admin."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import AccessGrant, Application, Student, User, utcnow
from tests.helpers.web import citizen_login, staff_login

CITIZENS = {
    "parent": ("parent-ivanova", dict(email="ivanova@example.ru", given_name="Мария",
                                      family_name="Иванова")),
    "other_parent": ("parent-petrov", dict(email="petrov@example.ru", given_name="Пётр",
                                           family_name="Петров")),
    "pupil": ("pupil-ivan", dict(email="ivan@example.ru", given_name="Ваня", family_name="И.")),
    "viewer_all": ("viewer-all", dict(email="babushka@example.ru", given_name="Нина",
                                      family_name="Бабушкина")),
    "viewer_schedule": ("viewer-sched", dict(email="tutor@example.ru", given_name="Олег",
                                             family_name="Репетиторов")),
    "viewer_grades": ("viewer-grades", dict(email="papa@example.ru", given_name="Сергей",
                                            family_name="Отцов")),
    "viewer_revoked": ("viewer-revoked", dict(email="ex@example.ru", given_name="Бывший",
                                              family_name="Зритель")),
    "viewer_ended": ("viewer-ended", dict(email="ended@example.ru", given_name="Истёкший",
                                          family_name="Зритель")),
}
STAFF = {
    "clerk_here": ("clerk239", "clerk12345"),
    "clerk_same_district": ("clerk321", "clerk12345"),
    "clerk_other_district": ("clerk27", "clerk12345"),
    "supervisor": ("supervisor", "super12345"),
    "admin": ("admin", "admin12345"),
}
PEOPLE = ["anonymous", *CITIZENS, *STAFF]
GRANTED = {  # who holds an access grant to the pupil, and how
    "pupil": ("student", "all", None, False),
    "viewer_all": ("viewer", "all", None, False),
    "viewer_schedule": ("viewer", "schedule_homework", None, False),
    "viewer_grades": ("viewer", "grades", None, False),
    "viewer_revoked": ("viewer", "all", None, True),
    "viewer_ended": ("viewer", "all", clock.today() - timedelta(days=1), False),
}
APPLICATION_READERS = {"parent", "clerk_here", "supervisor", "admin"}
STUDENT_READERS = {"parent", "pupil", "viewer_all", "viewer_schedule", "viewer_grades"}


@pytest.fixture
def world(app, idp, login_parent):
    """The parent applied and the school approved; the others got their grants."""
    clients = {"anonymous": app.test_client()}
    for name, (sub, claims) in CITIZENS.items():
        clients[name] = app.test_client()
        citizen_login(clients[name], idp, sub, **claims)
    for name, (username, password) in STAFF.items():
        clients[name] = staff_login(app.test_client(), username, password)

    with app.app_context():
        pupil = db.session.execute(
            select(Student).where(Student.last_name == "Иванов", Student.first_name == "Иван")
        ).scalar_one()
        pupil_id, school_id = pupil.id, pupil.school_id
    parent = clients["parent"]
    response = parent.post("/my/applications/new", data={
        "last_name": "Иванов", "first_name": "Иван", "middle_name": "Иванович",
        "birth_date": "09.07.2014", "school_id": school_id,
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        application = db.session.execute(
            select(Application).where(Application.child_last_name == "Иванов")
        ).scalar_one()
        application_id, code = application.id, application.code
    clerk = clients["clerk_here"]
    clerk.post(f"/applications/{application_id}/verify", data={"document_type": "passport_rf"})
    clerk.post(f"/applications/{application_id}/approve", data={"student_id": pupil_id})

    with app.app_context():
        assert db.session.get(Application, application_id).state == "approved"
        for name, (relation, scope, until, revoked) in GRANTED.items():
            sub = CITIZENS[name][0]
            user = db.session.execute(
                select(User).where(User.username.like(f"%:{sub}"))
            ).scalar_one()
            db.session.add(AccessGrant(
                user_id=user.id, student_id=pupil_id, relation=relation, scope=scope,
                valid_until=until, revoked_at=utcnow() if revoked else None,
            ))
        db.session.commit()
    return dict(clients=clients, application_id=application_id, code=code, pupil_id=pupil_id)


def body(response):
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def check(world, who, method, url, marker, allowed, data=None):
    client = world["clients"][who]
    # Redirects are followed: a redirect to the object's page is as much a leak as the page.
    response = client.open(url, method=method, json=data, follow_redirects=True)
    shown = response.status_code in (200, 201) and marker in body(response)
    if who in allowed:
        return None if shown else f"{who} {method} {url}: expected to see it, got {response.status_code}"
    return f"LEAK {who} {method} {url}: {response.status_code}" if shown else None


def run(world, cells):
    problems = []
    for method, url, marker, allowed in cells:
        for who in PEOPLE:
            problem = check(world, who, method, url, marker, allowed)
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)


def test_application_pages_and_api(world):
    a, code = world["application_id"], world["code"]
    run(world, [
        ("GET", f"/my/applications/{code}", code, {"parent"}),
        ("GET", "/my/applications", code, {"parent"}),
        ("GET", f"/applications/show/{a}", code, {"clerk_here", "supervisor", "admin"}),
        ("GET", "/applications/list/", code, {"clerk_here", "supervisor", "admin"}),
        ("GET", f"/applications/find?q={code}", "Иванович", {"clerk_here", "supervisor", "admin"}),
        ("GET", f"/applications/{a}/print", code, {"clerk_here", "admin"}),
        ("GET", f"/api/v1/applications/{a}", code, APPLICATION_READERS),
        ("GET", "/api/v1/applications/", code, APPLICATION_READERS),
    ])


def test_pupil_pages_and_api(world):
    marker = "Иванович"
    p = world["pupil_id"]
    run(world, [
        ("GET", "/my/students", marker, STUDENT_READERS),
        ("GET", f"/my/students/{p}", marker, STUDENT_READERS),
        ("GET", "/api/v1/students/", marker, STUDENT_READERS),
        ("GET", f"/my/students/{p}/grades", marker, {"parent", "pupil", "viewer_all", "viewer_grades"}),
        ("GET", f"/api/v1/students/{p}/diary", "week_start", {"parent", "pupil", "viewer_all", "viewer_schedule"}),
        # every new page or endpoint showing a pupil's data gets its row here
    ])


def test_representative_only_endpoints(world):
    p = world["pupil_id"]
    run(world, [
        ("GET", f"/api/v1/students/{p}/invitations", '"result"', {"parent"}),
        ("GET", f"/api/v1/students/{p}/access-log", '"result"', {"parent"}),
        ("GET", f"/my/students/{p}", "Журнал просмотров", {"parent"}),
    ])


def test_writes_are_refused_out_of_scope(app, world):
    """Every state-changing request by someone without the right is refused and changes nothing."""
    a, p = world["application_id"], world["pupil_id"]
    for who in PEOPLE:
        if who == "parent":
            continue
        client = world["clients"][who]
        r = client.post(f"/api/v1/students/{p}/invitations",
                        json={"email": f"{who}@example.ru", "kind": "viewer", "scope": "all", "until": None})
        assert r.status_code in (401, 403, 404), (who, r.status_code)
        r = client.post(f"/my/students/{p}", data={"email": f"{who}@example.ru", "kind": "viewer",
                                                    "scope": "all", "consent": "1"})
        assert r.status_code in (302, 401, 403, 404), (who, r.status_code)
    for who in PEOPLE:
        if who in {"clerk_here", "admin"}:
            continue
        r = world["clients"][who].post(f"/api/v1/applications/{a}/transitions/reject",
                                       json={"reason": "проверка"})
        assert r.status_code in (401, 403, 404, 409), (who, r.status_code)
        r = world["clients"][who].post(f"/applications/{a}/reject", data={"reason": "проверка"})
        assert r.status_code in (302, 401, 403, 404), (who, r.status_code)
    with app.app_context():
        from app.models import Invitation

        assert db.session.execute(select(Invitation)).first() is None
        assert db.session.get(Application, a).state in ("approved", "notified")


EVENT, MEETING = "Концерт для проверки доступа", "Собрание для проверки доступа"
SCHEDULE = {"parent", "pupil", "viewer_all", "viewer_schedule"}
GRADES = {"parent", "pupil", "viewer_all", "viewer_grades"}
WHOLE_DIARY = {"parent", "pupil", "viewer_all"}


@pytest.fixture
def happenings(app, world):
    """A school concert and a parent meeting ahead at the pupil's school."""
    from datetime import datetime

    from app.models import ParentMeeting, SchoolEvent

    with app.app_context():
        school_id = db.session.get(Student, world["pupil_id"]).school_id
        db.session.add_all([SchoolEvent(school_id=school_id, title=EVENT, starts_at=datetime(2031, 5, 25, 12)),
                            ParentMeeting(school_id=school_id, topic=MEETING, starts_at=datetime(2031, 5, 20, 19))])
        db.session.commit()
    return world


def test_every_section_of_the_diary_page_and_api(happenings):
    """Each section, page and API: only an active grant whose scope opens it — the revoked and the
    ended interested person are refused on every one, as is every member of staff."""
    world, p, name = happenings, happenings["pupil_id"], "Иванович"
    run(world, [
        ("GET", f"/my/students/{p}/diary", name, SCHEDULE),
        ("GET", f"/my/students/{p}/grades", name, GRADES),
        ("GET", f"/my/students/{p}/results", name, GRADES),
        ("GET", f"/my/students/{p}/dynamics", name, GRADES),
        ("GET", f"/my/students/{p}/stats", name, GRADES),
        ("GET", f"/my/students/{p}/attendance", name, WHOLE_DIARY),
        ("GET", f"/my/students/{p}/events", EVENT, SCHEDULE),
        ("GET", f"/my/students/{p}/meetings", MEETING, SCHEDULE),
        ("GET", f"/my/students/{p}/messages", name, WHOLE_DIARY),
        ("GET", f"/api/v1/students/{p}/grades", '"subjects"', GRADES),
        ("GET", f"/api/v1/students/{p}/results", '"subjects"', GRADES),
        ("GET", f"/api/v1/students/{p}/stats", '"from"', GRADES),
        ("GET", f"/api/v1/students/{p}/attendance", '"from"', WHOLE_DIARY),
        ("GET", f"/api/v1/students/{p}/events", EVENT, SCHEDULE),
        ("GET", f"/api/v1/students/{p}/meetings", MEETING, SCHEDULE),
        ("GET", f"/api/v1/students/{p}/messages", '"conversations"', WHOLE_DIARY),
    ])


def test_calendar_feed_follows_the_grants(app, happenings):
    """Everyone's own feed address: the pupil's events are in it only through an active grant
    that opens the events (not after a revocation or the end date)."""
    from app.diary import calendar

    feeds = {}
    with app.app_context():
        for who, (sub, _claims) in CITIZENS.items():
            user = db.session.execute(select(User).where(User.username.like(f"%:{sub}"))).scalar_one()
            feeds[who] = calendar.new_secret(user.id)
    anonymous = happenings["clients"]["anonymous"]
    problems = []
    for who, secret in feeds.items():
        answer = anonymous.get(f"/ical/{secret}.ics")
        shown = answer.status_code == 200 and EVENT in answer.get_data(as_text=True)
        if shown != (who in SCHEDULE):
            problems.append(f"{who}: {'LEAK' if shown else 'missing'} ({answer.status_code})")
    assert not problems, problems


@pytest.fixture
def districts(app):
    from app.models import District, School

    with app.app_context():
        def school(number):
            return db.session.execute(select(School).where(School.number == number)).scalar_one()

        own, far = school("239"), school("27")
        assert own.district_id != far.district_id
        return dict(own=own.district_id, far=far.district_id, far_school=far.id)


def test_reports_pages_and_api_by_district(world, districts):
    """The supervisor reads the own district only, by any door (page, API, a school of another
    district); the admin any district; nobody else reads reports. «Петров Пётр» is a pupil of
    the supervisor's district without a connected parent, «Смирнов Дмитрий» one of the other."""
    own, far, far_school = districts["own"], districts["far"], districts["far_school"]
    readers = {"supervisor", "admin"}
    run(world, [
        ("GET", f"/reports/coverage?district={own}", "Петров Пётр", readers),
        ("GET", f"/reports/coverage?district={far}", "Смирнов Дмитрий", {"admin"}),
        ("GET", f"/reports/coverage?school={far_school}", "Смирнов Дмитрий", {"admin"}),
        ("GET", f"/reports/coverage?district={own}&school={far_school}", "Смирнов Дмитрий", set()),
        ("GET", "/api/v1/reports/funnel", '"report": "funnel"', readers),
        ("GET", f"/api/v1/reports/coverage?district={own}", "Петров Пётр", readers),
        ("GET", f"/api/v1/reports/coverage?district={far}", "Смирнов Дмитрий", {"admin"}),
        ("GET", f"/api/v1/reports/coverage?school={far_school}", "Смирнов Дмитрий", {"admin"}),
        ("GET", f"/api/v1/reports/funnel?district={far}", f'"district_id": {far}', {"admin"}),
    ])
