"""The rules of a grade (app/diary/grading.py), the same in the journal's JSON writes, its per-lesson
form and the marks import: no grade on a lesson that has not taken place yet in St. Petersburg's
day (under a clock frozen at the midnight edge: a UTC server's Sunday 22:30 is Monday 01:30 in
St. Petersburg, Sunday 20:30 is still Sunday there), a kind of work with its weight 1..5, a remark
per grade, and hostile cell input refused in Russian with nothing stored."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from app.diary.imports import ImportFailed, import_file
from app.extensions import db
from app.models import Attendance, Grade, Lesson, OutboxMessage
from tests.helpers.data import EXAMPLE_SCHOOL, count
from tests.helpers.web import csrf_token, teacher

UTC = ZoneInfo("UTC")
# the examples' algebra lesson is on Monday 23 November 2026
MONDAY_0130 = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)  # St. Petersburg: Monday 01:30
SUNDAY_2330 = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)  # St. Petersburg: Sunday 23:30
FUTURE = "Нельзя ставить оценку за урок, который ещё не прошёл"


def _cell(client, school, value="5", **extra):
    return client.post(f"/journal/{school['algebra']}/cell", json={
        "student_id": school["sokolova"], "lesson_id": school["algebra_lesson"], "value": value, **extra})


def _grade(app, school):
    with app.app_context():
        return db.session.execute(select(Grade).where(
            Grade.student_id == school["sokolova"], Grade.lesson_id == school["algebra_lesson"])).scalar_one_or_none()


@pytest.fixture
def fresh_lesson(app, school):
    """The algebra lesson of 23 November without Соколова's grade (the import gave her a 5)."""
    with app.app_context():
        db.session.execute(Grade.__table__.delete().where(Grade.lesson_id == school["algebra_lesson"],
                                                          Grade.student_id == school["sokolova"]))
        db.session.commit()
    return school


def test_a_grade_on_a_lesson_of_tomorrow_is_refused_at_st_petersburgs_midnight(app, fresh_lesson):
    school = fresh_lesson
    client = teacher(app)
    with time_machine.travel(SUNDAY_2330, tick=False):
        with app.app_context():
            before = count(OutboxMessage)
        refused = _cell(client, school, "5")
        assert refused.status_code == 400
        assert FUTURE in refused.json["message"]
        mark = _cell(client, school, "Н")
        assert mark.status_code == 400 and "ещё не прошёл" in mark.json["message"]
        assert _grade(app, school) is None
        with app.app_context():
            assert count(OutboxMessage) == before  # no SMS nor mail about a grade never given
            assert count(Attendance, Attendance.lesson_id == school["algebra_lesson"],
                         Attendance.student_id == school["sokolova"]) == 0
    with time_machine.travel(MONDAY_0130, tick=False):  # the server's date is still Sunday
        accepted = _cell(client, school, "5")
        assert accepted.status_code == 200 and accepted.json == {"cell": "5"}
    assert _grade(app, school).value == "5"


def test_the_per_lesson_form_refuses_a_future_lesson_too(app, fresh_lesson):
    school = fresh_lesson
    client = teacher(app)
    url = f"/journal/{school['algebra']}/lessons/{school['algebra_lesson']}"
    with time_machine.travel(SUNDAY_2330, tick=False):
        page = client.get(url)
        assert page.status_code == 200
        answer = client.post(url, data={"csrf_token": csrf_token(page), "topic": "Линейные уравнения",
                                        "homework": "№ 112, 114", f"value-{school['sokolova']}": "5",
                                        f"kind-{school['sokolova']}": "current"})
        assert answer.status_code == 400
        assert FUTURE in answer.get_data(as_text=True)
    assert _grade(app, school) is None


def test_the_marks_import_refuses_grades_and_absences_of_lessons_not_yet_taken_place(app, school, tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("student_id;subject;date;value;kind;number\n"
                    "S-1001;Алгебра;2026-11-23;4;current;1\n", encoding="utf-8")
    marks = tmp_path / "attendance.csv"
    marks.write_text("student_id;date;number;mark\nS-1001;2026-11-23;1;Н\n", encoding="utf-8")
    with app.app_context():
        before = count(Grade), count(Attendance)
        with time_machine.travel(SUNDAY_2330, tick=False):
            with pytest.raises(ImportFailed) as failed:
                import_file(path, EXAMPLE_SCHOOL)
            assert any(FUTURE in p.message and p.column == "date" and p.line == 2 for p in failed.value.problems)
            with pytest.raises(ImportFailed) as failed_marks:
                import_file(marks, EXAMPLE_SCHOOL)
            assert any("ещё не прошёл" in p.message for p in failed_marks.value.problems)
            assert (count(Grade), count(Attendance)) == before
        with time_machine.travel(MONDAY_0130, tick=False):
            report = import_file(path, EXAMPLE_SCHOOL)
            assert report.updated == 1


def test_kind_weight_and_remark_are_kept_per_grade(app, fresh_lesson):
    school = fresh_lesson
    client = teacher(app)
    answer = _cell(client, school, "4", kind="test", remark="Ошибка в  третьей задаче")
    assert answer.status_code == 200
    grade = _grade(app, school)
    assert (grade.value, grade.kind, grade.weight, grade.remark) == ("4", "test", 3, "Ошибка в третьей задаче")
    assert _cell(client, school, "4", kind="test", weight=5).status_code == 200
    grade = _grade(app, school)
    assert (grade.weight, grade.remark) == (5, "Ошибка в третьей задаче")  # the remark stays
    assert _cell(client, school, "4", kind="independent").status_code == 200  # another kind: its own weight
    assert (_grade(app, school).kind, _grade(app, school).weight) == ("independent", 2)


@pytest.mark.parametrize("weight", [0, 6, -1, "3.5", "пять", True, [1], 10**20, "٣"])
def test_a_weight_beyond_one_to_five_is_refused_in_russian(app, fresh_lesson, weight):
    answer = _cell(teacher(app), fresh_lesson, "5", weight=weight)
    assert answer.status_code == 400, weight
    assert "Вес оценки — целое число от 1 до 5" in answer.json["message"]
    assert _grade(app, fresh_lesson) is None


def test_the_database_itself_refuses_a_weight_beyond_five(app, school):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        grade = db.session.execute(select(Grade).where(Grade.lesson_id == school["algebra_lesson"])).scalars().first()
        grade.weight = 9
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize("body", [
    {"value": "5\x00"}, {"value": "5", "kind": "quarter"}, {"value": "5", "kind": "<script>"},
    {"value": "5", "kind": ["test"]}, {"value": "5", "remark": "x" * 501}, {"value": "5", "remark": {"a": 1}},
    {"value": ["5"]}, {"value": "5", "lesson_id": 10**30}, {"value": "5", "student_id": "1; drop"},
    {"value": "5", "lesson_id": -1},
])
def test_hostile_cell_input_gets_a_russian_400_or_404_and_stores_nothing(app, fresh_lesson, body):
    school = fresh_lesson
    payload = {"student_id": school["sokolova"], "lesson_id": school["algebra_lesson"], **body}
    answer = teacher(app).post(f"/journal/{school['algebra']}/cell", json=payload)
    if body.get("value") == "5\x00":  # the NUL is stripped: a plain 5
        assert answer.status_code == 200
        assert "\x00" not in _grade(app, school).value
        return
    assert answer.status_code in (400, 404), body
    assert any("а" <= ch <= "я" for ch in answer.json["message"].lower()), answer.json
    assert _grade(app, school) is None


def test_a_lesson_six_weeks_ahead_is_shown_but_closed_in_the_grid(app, school):
    with app.app_context():
        lesson = db.session.get(Lesson, school["algebra_lesson"])
        future = Lesson(class_id=lesson.class_id, subject_id=lesson.subject_id, teacher_id=lesson.teacher_id,
                        date=datetime(2026, 12, 28).date(), number=1)
        db.session.add(future)
        db.session.commit()
        future_id = future.id
    with time_machine.travel(datetime(2026, 12, 2, 12, tzinfo=UTC), tick=False):
        client = teacher(app)
        page = client.get(f"/journal/{school['algebra']}?from=2026-11-01&to=2026-12-31").get_data(as_text=True)
        assert f'data-lesson="{future_id}"' in page and "data-future" in page
        refused = client.post(f"/journal/{school['algebra']}/cell", json={
            "student_id": school["sokolova"], "lesson_id": future_id, "value": "5"})
        assert refused.status_code == 400 and FUTURE in refused.json["message"]


def test_the_per_lesson_form_saves_kind_weight_remark_and_marks_and_shows_errors_by_the_row(app, fresh_lesson):
    school = fresh_lesson
    client = teacher(app)
    url = f"/journal/{school['algebra']}/lessons/{school['algebra_lesson']}"
    page = client.get(url)
    sokolova, volkov = school["sokolova"], school["volkov"]
    answer = client.post(url, data={
        "csrf_token": csrf_token(page), "topic": "Линейные уравнения", "homework": "№ 112, 114",
        f"value-{sokolova}": "5", f"kind-{sokolova}": "test", f"weight-{sokolova}": "9",
        f"value-{volkov}": "4", f"kind-{volkov}": "independent", f"weight-{volkov}": "",
        f"remark-{volkov}": "Решил сам", f"mark-{volkov}": "ОП"})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    row = re.search(rf'(?s)<tr class="danger">\s*<th scope="row">[^<]*'
                    rf'<span class="help-block text-danger" id="err-{sokolova}"[^>]*>([^<]*)</span>', html)
    assert row and "Вес оценки — целое число от 1 до 5" in row.group(1)
    assert f'name="weight-{sokolova}" value="9"' in html  # what was typed stays
    assert _grade(app, school) is None
    with app.app_context():
        grade = db.session.execute(select(Grade).where(Grade.student_id == volkov,
                                                       Grade.lesson_id == school["algebra_lesson"])).scalar_one()
        assert (grade.value, grade.kind, grade.weight, grade.remark) == ("4", "independent", 2, "Решил сам")
        assert db.session.execute(select(Attendance.mark).where(
            Attendance.student_id == volkov, Attendance.lesson_id == school["algebra_lesson"])).scalar() == "ОП"
