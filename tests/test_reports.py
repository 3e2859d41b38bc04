"""Reports: the figures (SQL aggregation on SQLite and PostgreSQL), the supervisor's district scope
by page and export, CSV and XLSX exports."""
import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import AccessGrant, Application, School, Student, User
from app.reports.rollup import refresh
from app.workflow import rules
from tests.helpers.data import school_id
from tests.helpers.web import assert_russian, bearer

NOW = clock.utcnow()


def add_application(parent_id, school_id, last, state, days_ago, decided_after_days=None, reason=""):
    birth = datetime(2014, 1, 1).date()
    created = NOW - timedelta(days=days_ago)
    db.session.add(Application(
        code=rules.new_code(), parent_id=parent_id, school_id=school_id, child_last_name=last,
        child_first_name="Тест", child_middle_name="", child_birth_date=birth,
        child_key=rules.child_key(last, "Тест", "", birth), state=state, version=1, reason=reason,
        created_at=created, updated_at=created,
        decided_at=created + timedelta(days=decided_after_days) if decided_after_days is not None else None))


@pytest.fixture
def city(app):
    with app.app_context():
        parent = db.session.execute(select(User.id).where(User.username == "admin")).scalar_one()
        s239, s27 = (school_id(n) for n in ("239", "27"))
        for i, days in enumerate((1, 2, 3, 4, 10)):  # approved after 1, 2, 3, 4, 10 days at 239
            add_application(parent, s239, f"Одобренный{i}", "approved", 30, days)
        add_application(parent, s239, "Отклонённый", "rejected", 20, 1, reason="Нет в списке обучающихся")
        add_application(parent, s239, "Старый", "submitted", 40)
        add_application(parent, s27, "Гимназист", "submitted", 50)  # another district
        pupil = db.session.execute(select(Student.id).where(Student.last_name == "Иванов")).scalar_one()
        db.session.add(AccessGrant(user_id=parent, student_id=pupil))
        db.session.commit()
        refresh(full=True)  # what `flask reports refresh` does hourly
    return {"s239": s239, "s27": s27}


def test_funnel_backlog_and_approval_time_figures(app, city, login_staff):
    supervisor = login_staff(app.test_client(), "supervisor", "super12345")
    assert_russian(supervisor, "/reports/funnel")
    funnel = supervisor.get("/reports/funnel?format=csv")
    rows = list(csv.reader(io.StringIO(funnel.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    header, lyceum = rows[0], next(r for r in rows[1:] if r[1] == "239")
    assert header[:3] == ["Район", "Образовательное учреждение", "Всего"]
    assert lyceum[2] == "8"  # 5 approved + rejected + old + Petrov's demo application
    assert all(r[1] != "27" for r in rows[1:])  # another district
    backlog = supervisor.get("/reports/backlog?days=30").get_data(as_text=True)
    assert "239" in backlog and "27</td>" not in backlog
    times = supervisor.get("/reports/approval-time?format=xlsx")
    sheet = load_workbook(io.BytesIO(times.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][3] == "Медиана, дней"
    lyceum = next(r for r in values[1:] if r[1] == "239")
    assert (lyceum[2], lyceum[3], lyceum[4]) == (5, 3.0, 10.0)
    assert "Нет в списке обучающихся" in supervisor.get("/reports/approval-time").get_data(as_text=True)


def test_coverage_and_academic(app, city, login_staff):
    admin = login_staff(app.test_client(), "admin", "admin12345")
    by_class = admin.get(f"/reports/coverage?school={city['s239']}&format=csv").get_data(as_text=True)
    assert by_class.lstrip("\ufeff").splitlines()[0] == "Класс;Обучающиеся;С подключённым представителем;Доля, %"
    assert "6 «А»;1;1;100,0" in by_class.splitlines()  # a decimal comma for a Russian Excel
    with app.app_context():
        district = db.session.get(School, city["s239"]).district
        district_id, district_name = district.id, district.name
        pupils = db.session.scalar(select(func.count()).select_from(Student).join(School)
                                   .where(School.district_id == district_id))
    by_school = admin.get(f"/reports/coverage?district={district_id}&format=csv").get_data(as_text=True)
    assert by_school.lstrip("\ufeff").splitlines()[0].startswith("Образовательное учреждение;")
    by_district = admin.get("/reports/coverage?format=csv").get_data(as_text=True)
    row = next(l for l in by_district.splitlines() if l.startswith(district_name + ";"))
    assert row.split(";")[1] == str(pupils)
    page = admin.get("/reports/coverage").get_data(as_text=True)
    assert f"district={district_id}" in page  # a district's row leads to its schools
    assert "Сидорова Анна" not in page and "Выберите район или школу" in page  # no city-wide list of names
    page = admin.get(f"/reports/coverage?school={city['s239']}").get_data(as_text=True)
    assert "Сидорова Анна" in page  # a pupil nobody is connected to
    assert admin.get("/reports/academic").status_code == 200


def test_supervisor_cannot_see_another_district(app, city, login_staff):
    supervisor = login_staff(app.test_client(), "supervisor", "super12345")
    with app.app_context():
        other = db.session.execute(select(School.district_id).where(School.id == city["s27"])).scalar_one()
    for report in ("funnel", "backlog", "coverage"):
        assert supervisor.get(f"/reports/{report}?district={other}").status_code == 403
        assert supervisor.get(f"/reports/{report}?district={other}&format=csv").status_code == 403
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert clerk.get("/reports/funnel").status_code in (302, 403)
    admin = login_staff(app.test_client(), "admin", "admin12345")
    assert "27" in admin.get(f"/reports/backlog?district={other}&days=30").get_data(as_text=True)


def test_academic_report_by_city_district_and_school(app, login_staff):
    """The pre-aggregated figures (flask reports refresh) agree with the grades themselves at
    every level: the city by district, a district by school, a school by class."""
    from statistics import mean

    from app.diary.demo import load_diary_demo
    from app.models import Attendance, Grade, Lesson, SchoolClass, Subject
    with app.app_context():
        load_diary_demo()
        assert app.test_cli_runner().invoke(args=["reports", "refresh", "--full"]).exit_code == 0
        s239, s27 = (db.session.execute(select(School).where(School.number == n)).scalar_one() for n in ("239", "27"))
        district, s239_id, s27_id = s239.district.name, s239.id, s27.id
        values = {}
        for subject, value in db.session.execute(
                select(Subject.name, Grade.value).join(Subject, Subject.id == Grade.subject_id)
                .join(Student, Student.id == Grade.student_id)
                .where(Student.school_id == s239_id, Grade.kind.in_(("current", "test")))):
            if value.isdigit():
                values.setdefault(subject, []).append(int(value))
        expected = {subject: round(mean(v), 2) for subject, v in values.items()}
        pupils = db.session.scalar(select(func.count()).select_from(Student).where(
            Student.school_id == s239_id, Student.class_name == "6 «А»"))
        lessons = dict(db.session.execute(
            select(Subject.name, func.count()).select_from(Lesson).join(Subject, Subject.id == Lesson.subject_id)
            .join(SchoolClass, SchoolClass.id == Lesson.class_id).where(SchoolClass.school_id == s239_id)
            .group_by(Subject.name)).all())
        absent = dict(db.session.execute(
            select(Subject.name, func.count()).select_from(Attendance).join(Lesson, Lesson.id == Attendance.lesson_id)
            .join(Subject, Subject.id == Lesson.subject_id).where(Attendance.mark.in_(("Н", "Б", "УП")))
            .group_by(Subject.name)).all())
    assert len(expected) >= 5

    def table(client, query):
        response = client.get(f"/reports/academic?from=2000-01-01&to=2100-01-01&format=csv&{query}")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
        return rows[0], rows[1:]

    def ru(text):  # the CSV's decimal comma (a Russian Excel's number)
        assert "." not in text, text
        return float(text.replace(",", "."))

    admin = login_staff(app.test_client(), "admin", "admin12345")
    header, rows = table(admin, f"school={s239_id}")
    assert header == ["Класс", "Предмет", "Средний балл", "Оценок", "Посещаемость, %", "Средний балл по району"]
    assert {(r[0], r[1]): ru(r[2]) for r in rows} == {("6 «А»", s): a for s, a in expected.items()}
    for r in rows:
        whole = lessons[r[1]] * pupils
        assert ru(r[4]) == round(100 * (1 - absent.get(r[1], 0) / whole), 1)
    _, by_school = table(admin, f"district={s239.district_id}")
    assert {r[1]: ru(r[2]) for r in by_school if r[0] == "239"} == expected
    _, by_district = table(admin, "")
    assert {r[1]: ru(r[2]) for r in by_district if r[0] == district} == expected
    page = admin.get(f"/reports/academic?district={s239.district_id}&from=2000-01-01").get_data(as_text=True)
    assert f"school={s239_id}" in page  # a school's row leads to its classes
    assert "Средний балл по предметам" in page and "report-chart" in page
    assert_russian(admin, f"/reports/academic?school={s239_id}&from=2000-01-01")

    supervisor = login_staff(app.test_client(), "supervisor", "super12345")
    assert supervisor.get(f"/reports/academic?school={s239_id}&format=csv").status_code == 200
    assert supervisor.get(f"/reports/academic?school={s27_id}").status_code == 404  # another district
    assert supervisor.get(f"/reports/academic?school={s27_id}&format=xlsx").status_code == 404


def test_reports_api_keeps_the_supervisors_district(app, city):
    """GET /api/v1/reports/<name>: the figures of the page, under the same scope."""
    client = app.test_client()
    assert client.get("/api/v1/reports/funnel").status_code == 401
    supervisor = bearer(client, "supervisor", "super12345")
    with app.app_context():
        own = db.session.execute(select(School.district_id).where(School.id == city["s239"])).scalar_one()
        other = db.session.execute(select(School.district_id).where(School.id == city["s27"])).scalar_one()
    answer = client.get("/api/v1/reports/funnel", headers=supervisor)
    assert answer.status_code == 200 and answer.json["district_id"] == own
    assert answer.json["columns"][0] == {"key": "district", "title": "Район"}
    lyceum = next(r for r in answer.json["rows"] if r["school"] == "239")
    assert lyceum["total"] == 8
    assert all(r["school"] != "27" for r in answer.json["rows"])
    assert client.get(f"/api/v1/reports/funnel?district={other}", headers=supervisor).status_code == 403
    assert client.get(f"/api/v1/reports/coverage?school={city['s27']}", headers=supervisor).status_code == 404
    assert client.get("/api/v1/reports/nonsense", headers=supervisor).status_code == 404
    clerk = bearer(client, "clerk239", "clerk12345")
    assert client.get("/api/v1/reports/funnel", headers=clerk).status_code == 403
    admin = bearer(client, "admin", "admin12345")
    city_wide = client.get(f"/api/v1/reports/backlog?days=30", headers=admin).json
    assert {"239", "27"} <= {r["school"] for r in city_wide["rows"]}


def test_report_arguments_out_of_range_are_not_errors(app, city, login_staff):
    admin = login_staff(app.test_client(), "admin", "admin12345")
    for query in ("school=99999999999999", "district=99999999999999", "school=-1"):
        assert admin.get(f"/reports/coverage?{query}").status_code == 404, query
    for query in ("school=abc", "district=", "from=2026-13-45&to=x", "days=-5"):
        assert admin.get(f"/reports/academic?{query}").status_code == 200, query


def test_reports_not_yet_computed_say_so_in_plain_russian(sqlite_app, login_staff):
    """Before the hourly recomputation the district supervisor reads when the figures come, not a
    command of the server's console."""
    supervisor = login_staff(sqlite_app.test_client(), "supervisor", "super12345")
    for name in ("funnel", "coverage", "academic"):
        page = supervisor.get(f"/reports/{name}").get_data(as_text=True)
        assert "пересчитываются раз в час" in page and "flask" not in page, name
        assert_russian(supervisor, f"/reports/{name}")
