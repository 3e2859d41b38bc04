"""The school year and the classes come from the school's tables (app.diary.school_year,
app.diary.membership), not from «1 сентября» or the text of a class name: a school whose year
starts on 2 September and whose quarters have their own dates; a pupil moved from one class to
another on a given day; a renamed class. Data: the example exports (fixtures `school` and
`pupil_world`, tests/fixtures/diary.py) — 7 «Б» with Волков, lessons in November 2026."""
import ast
import re
from datetime import date, datetime, timezone
from pathlib import Path

import time_machine
from sqlalchemy import select

from app.diary import membership, school_year
from app.diary.imports import import_file
from app.extensions import db
from app.models import (
    AcademicYear, ClassMembership, Grade, Lesson, Period, SchoolClass, Student, Subject, TeachingAssignment, User,
)
from tests.helpers.data import EXAMPLES
from tests.helpers.web import teacher

APP = Path(__file__).resolve().parent.parent / "app"
SCHOOL = 1  # лицей № 239, where the examples are imported


def url(student_id, section, query=""):
    return f"/my/students/{student_id}/{section}{query}"


def school_calendar():
    """2026/2027 from 2 September; the first quarter to 1 November, the second from 10 November
    (a calendar unlike the general rule and unlike the demo's)."""
    year = AcademicYear(school_id=SCHOOL, name="2026/2027", starts_on=date(2026, 9, 2), ends_on=date(2027, 5, 31))
    db.session.add(year)
    db.session.flush()
    for number, (first, last) in enumerate([(date(2026, 9, 2), date(2026, 11, 1)),
                                            (date(2026, 11, 10), date(2026, 12, 27)),
                                            (date(2027, 1, 11), date(2027, 3, 19)),
                                            (date(2027, 3, 29), date(2027, 5, 26))], start=1):
        db.session.add(Period(year_id=year.id, kind="quarter", number=number, starts_on=first, ends_on=last))
    db.session.commit()


def add_grade(student_id, subject, day, value, kind="current"):
    subject_id = db.session.execute(select(Subject.id).where(Subject.school_id == SCHOOL, Subject.name == subject)).scalar_one()
    db.session.add(Grade(student_id=student_id, subject_id=subject_id, date=day, value=value, kind=kind))
    db.session.commit()


def test_grades_and_final_grades_follow_the_schools_year_and_quarters(app, pupil_world):
    client, volkov = pupil_world["parent-ivanova"], pupil_world["volkov"]
    with app.app_context():
        school_calendar()
        add_grade(volkov, "Алгебра", date(2026, 9, 1), "2")  # before the school's year began
        add_grade(volkov, "Алгебра", date(2026, 11, 6), "4", kind="quarter")  # the holidays after the 1st quarter
        add_grade(volkov, "Алгебра", date(2026, 11, 30), "5", kind="year")
    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=timezone.utc), tick=False):
        grades = client.get(url(volkov, "grades")).get_data(as_text=True)
        api = client.get(f"/api/v1/students/{volkov}/grades").json
        results = client.get(url(volkov, "results")).get_data(as_text=True)
        api_results = client.get(f"/api/v1/students/{volkov}/results").json
    # «Оценки» count from 2 September: the grade of 1 September is not in the average (3, not 2,50)
    assert 'value="2026-09-02"' in grades and "средний балл 3,00" in grades and "2,50" not in grades
    assert api["from"] == "2026-09-02" and {s["subject"]: s["average"] for s in api["subjects"]}["Алгебра"] == 3.0
    # «Итоговые оценки»: a table by period, each named as the tables say, not by a date
    header = re.findall(r"<th scope=\"col\">([^<]*)</th>", re.search(r"(?s)<thead>(.*?)</thead>", results).group(1))
    assert header == ["Предмет", "I четверть", "II четверть", "III четверть", "IV четверть", "Год", "Экзамен"]
    row = re.findall(r"<td>(.*?)</td>", re.search(r"(?s)<th scope=\"row\">Алгебра</th>(.*?)</tr>", results).group(1))
    assert [re.sub(r"<[^>]+>", "", cell) for cell in row] == ["4", "—", "—", "—", "5", "—"]
    assert "06.11.2026" not in results
    algebra = next(s for s in api_results["subjects"] if s["subject"] == "Алгебра")
    assert [(r["period"], r["value"]) for r in algebra["results"]] == [("I четверть", "4"), ("Год", "5")]


def test_periods_by_name_and_the_current_one(app):
    with app.app_context():
        school_calendar()
        year = school_year.current_year(SCHOOL, date(2026, 11, 5))
        assert year.name == "2026/2027"
        assert [school_year.period_name(p) for p in school_year.periods(year)] == [
            "I четверть", "II четверть", "III четверть", "IV четверть"]
        assert school_year.period_name(school_year.current_period(SCHOOL, date(2027, 2, 1))) == "III четверть"
        assert school_year.period_name(school_year.current_period(SCHOOL, date(2026, 11, 5))) == "I четверть"
        assert school_year.current_year(SCHOOL, date(2026, 9, 1)) is None  # not started yet
        assert school_year.current_year(SCHOOL, date(2027, 7, 15)).name == "2026/2027"  # the summer after it
        # a school without a year in its tables: the general rule, and no invented quarter
        assert school_year.current_year(2, date(2026, 11, 5)) is None
        assert school_year.since_start(2, date(2026, 11, 5)) == (date(2026, 9, 1), date(2026, 11, 5))
        assert school_year.current_period(2, date(2026, 11, 5)) is None
    assert [school_year.roman(n) for n in (1, 2, 3, 4, 9, 14, 1994)] == ["I", "II", "III", "IV", "IX", "XIV", "MCMXCIV"]


def test_the_1_september_rule_is_written_once():
    """Only app/diary/school_year.py knows the general start of a school year."""
    offenders = []
    for path in APP.rglob("*.py"):
        if path.name == "school_year.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "date"
                    and len(node.args) == 3 and all(isinstance(a, ast.Constant) for a in node.args[1:])
                    and [a.value for a in node.args[1:]] == [9, 1]):
                offenders.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
        if re.search(r"month\s*>=\s*9", path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(APP.parent)}: month >= 9")
    assert offenders == []


def _class_7a_with_algebra():
    """7 «А» of the same school (the demo roster's Сидорова is in it), with an algebra lesson on
    Wednesday 25 November taught by Орлова."""
    klass = db.session.execute(select(SchoolClass).where(SchoolClass.school_id == SCHOOL,
                                                         SchoolClass.name == "7 «А»")).scalar_one()
    orlova = db.session.execute(select(User.id).where(User.username == "t.orlova")).scalar_one()
    algebra = db.session.execute(select(Subject.id).where(Subject.school_id == SCHOOL, Subject.name == "Алгебра")).scalar_one()
    assignment = TeachingAssignment(teacher_id=orlova, class_id=klass.id, subject_id=algebra)
    lesson = Lesson(class_id=klass.id, subject_id=algebra, teacher_id=orlova, date=date(2026, 11, 25), number=1,
                    topic="Системы уравнений")
    db.session.add_all([assignment, lesson])
    db.session.commit()
    return assignment.id, lesson.id


def _journal_names(client, assignment_id, date_from, date_to):
    return client.get(f"/journal/{assignment_id}?from={date_from}&to={date_to}").get_data(as_text=True)


def test_a_pupil_moved_to_another_class_is_in_each_on_its_side_of_the_day(app, school, pupil_world):
    """Волков leaves 7 «Б» for 7 «А» on Tuesday 24 November 2026."""
    family = pupil_world["parent-ivanova"]
    with app.app_context():
        assignment_7a, lesson_7a = _class_7a_with_algebra()
        membership.enroll(db.session.get(Student, school["volkov"]), "7 «А»", date(2026, 11, 24))
        db.session.commit()
        rows = db.session.execute(select(ClassMembership.since, ClassMembership.until, SchoolClass.name)
                                  .join(SchoolClass).where(ClassMembership.student_id == school["volkov"])
                                  .order_by(SchoolClass.name)).all()
        assert [tuple(r) for r in rows] == [(date(2026, 11, 24), None, "7 «А»"), (None, date(2026, 11, 23), "7 «Б»")]
        assert db.session.get(Student, school["volkov"]).class_name == "7 «А»"
    orlova = teacher(app)
    before_7b = _journal_names(orlova, school["algebra"], "2026-11-01", "2026-11-23")
    after_7b = _journal_names(orlova, school["algebra"], "2026-11-24", "2026-11-30")
    before_7a = _journal_names(orlova, assignment_7a, "2026-11-01", "2026-11-23")
    after_7a = _journal_names(orlova, assignment_7a, "2026-11-24", "2026-11-30")
    assert "Волков Максим" in before_7b and "Соколова Дарья" in before_7b
    assert "Волков Максим" not in after_7b and "Волков Максим" in after_7a and "Волков Максим" not in before_7a
    # the journal writes for the pupil: the new class from the day of the move, the old one before it
    cell = {"student_id": school["volkov"], "value": "5"}
    assert orlova.post(f"/journal/{assignment_7a}/cell", json={**cell, "lesson_id": lesson_7a}).status_code == 200
    assert orlova.post(f"/journal/{school['algebra']}/cell",
                       json={**cell, "lesson_id": school["algebra_lesson"]}).status_code == 200  # 23.11, 7 «Б»
    # the family's week: Monday in 7 «Б», Wednesday in 7 «А», nothing of 7 «Б» after the move
    week = family.get(url(school["volkov"], "diary", "?week=2026-11-25")).get_data(as_text=True)
    assert "Линейные уравнения" in week and "Системы уравнений" in week
    assert "Капитанская дочка" not in week  # 7 «Б»'s literature on Tuesday 24th
    api_week = family.get(f"/api/v1/students/{school['volkov']}/diary?week=2026-11-25").json
    assert [(d["date"], [l["topic"] for l in d["lessons"]]) for d in api_week["days"][:3]] == [
        ("2026-11-23", ["Линейные уравнения", "Причастный оборот"]), ("2026-11-24", []),
        ("2026-11-25", ["Системы уравнений"])]


def test_a_teacher_cannot_write_for_a_pupil_on_the_days_after_he_left(app, school):
    with app.app_context():
        membership.enroll(db.session.get(Student, school["volkov"]), "7 «А»", date(2026, 11, 24))
        db.session.commit()
        lesson_24 = db.session.execute(select(Lesson.id).where(Lesson.date == date(2026, 11, 24))).scalar_one()
    belov = teacher(app, "a.belov")
    literature = db_assignment(app, "a.belov", "Литература")
    answer = belov.post(f"/journal/{literature}/cell",
                        json={"student_id": school["volkov"], "lesson_id": lesson_24, "value": "4"})
    assert answer.status_code == 404 and answer.json["message"] == "Этот обучающийся не учится в этом классе."
    grid = belov.get(f"/journal/{literature}?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert re.search(r'aria-label="Волков Максим Игоревич, 24\.11"[^>]*disabled', grid)


def db_assignment(app, username, subject):
    with app.app_context():
        return db.session.execute(
            select(TeachingAssignment.id).join(User, User.id == TeachingAssignment.teacher_id)
            .where(User.username == username, TeachingAssignment.subject.has(name=subject))).scalar_one()


def test_a_renamed_class_keeps_its_pupils(app, school, pupil_world):
    with app.app_context():
        klass = db.session.execute(select(SchoolClass).where(SchoolClass.name == "7 «Б»")).scalar_one()
        klass.name = "8 «Б»"  # the next school year: the class goes up
        db.session.commit()
        assert db.session.get(Student, school["volkov"]).class_name == "8 «Б»"  # the display follows
    grid = _journal_names(teacher(app), school["algebra"], "2026-11-01", "2026-11-30")
    assert "8 «Б»" in grid and "Волков Максим" in grid and "Соколова Дарья" in grid
    week = pupil_world["parent-ivanova"].get(url(school["volkov"], "diary", "?week=2026-11-25")).get_data(as_text=True)
    assert "Линейные уравнения" in week and "8 «Б»" in week
    stats = pupil_world["parent-ivanova"].get(f"/api/v1/students/{school['volkov']}/stats"
                                              "?from=2026-09-01&to=2026-12-31").json
    assert stats["class"] == "8 «Б»" and next(s for s in stats["subjects"] if s["subject"] == "Алгебра")["of"] == 2


def test_a_reimport_moves_the_pupil_and_keeps_his_earlier_grades_on_the_old_class(app, school, tmp_path):
    moved = (EXAMPLES / "students.csv").read_text(encoding="utf-8").replace(
        "S-1002;Волков;Максим;Игоревич;15.09.2012;7 «Б»", "S-1002;Волков;Максим;Игоревич;15.09.2012;6 «А»")
    assert moved != (EXAMPLES / "students.csv").read_text(encoding="utf-8")
    (tmp_path / "students.csv").write_text(moved, encoding="utf-8")
    with app.app_context(), time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=timezone.utc), tick=False):
        import_file(tmp_path / "students.csv", SCHOOL)
        volkov = db.session.get(Student, school["volkov"])
        assert membership.class_of(volkov, date(2026, 11, 23)).name == "7 «Б»"
        assert membership.class_of(volkov, date(2026, 11, 24)).name == "6 «А»"
        assert volkov.class_name == "6 «А»"
        # the grades of 23 November name lesson 1 of that day: 7 «Б»'s, where he was then
        report = import_file(EXAMPLES / "grades.csv", SCHOOL)
        assert (report.created, report.updated) == (0, 0)
        again = import_file(tmp_path / "students.csv", SCHOOL)  # the same file again changes nothing
        assert (again.created, again.updated) == (0, 0)
        assert db.session.query(ClassMembership).filter_by(student_id=school["volkov"]).count() == 2


def test_the_roster_screen_moves_the_pupil_from_today(app, school, login_staff):
    admin = login_staff(app.test_client(), "admin", "admin12345")
    form = admin.get(f"/roster/edit/{school['volkov']}").get_data(as_text=True)
    data = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', form).group(1)
            for name in ("last_name", "first_name", "middle_name", "birth_date")}
    data.update(sex="m", class_name="7 «А»", school=re.search(r'<option selected value="(\d+)"', form).group(1))
    answer = admin.post(f"/roster/edit/{school['volkov']}", data=data)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    with app.app_context():
        volkov = db.session.get(Student, school["volkov"])
        new = membership.class_of(volkov)
        assert (volkov.class_name, new.name) == ("7 «А»", "7 «А»")
        assert "Волков" in [s.last_name for s in membership.pupils(new.id)]
        old = db.session.execute(select(SchoolClass.id).where(SchoolClass.name == "7 «Б»")).scalar_one()
        assert "Волков" not in [s.last_name for s in membership.pupils(old)]
        assert "Волков" in [s.last_name for s in membership.pupils(old, date(2026, 11, 23))]  # before today
