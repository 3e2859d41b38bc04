"""The teachers' journal: only own classes × subjects; cells take grades and attendance marks with
validation; every change audited with the old and the new value."""
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Attendance, AuditEvent, Grade, Lesson, Remark, Student, TeachingAssignment,
)
from tests.helpers.data import import_examples, set_password
from tests.helpers.web import TEACHER_PASSWORD, assert_russian, teacher


def test_teacher_sees_own_classes_and_the_grid(app, school):
    client = teacher(app)
    assert client.get("/").headers["Location"].endswith("/journal/")
    index = client.get("/journal/").get_data(as_text=True)
    assert "Алгебра" in index and "Русский язык" not in index
    grid = client.get(f"/journal/{school['algebra']}?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "Волков Максим Игоревич" in grid and "23.11" in grid
    assert 'value="3"' in grid  # Волков's grade from the import


def test_cell_saves_grade_and_mark_with_audit(app, school):
    client = teacher(app)
    url = f"/journal/{school['algebra']}/cell"
    answer = client.post(url, json={"student_id": school["volkov"], "lesson_id": school["algebra_lesson"],
                                    "value": "4 оп"})
    assert answer.status_code == 200 and answer.json == {"cell": "4 ОП"}
    with app.app_context():
        grade = db.session.execute(select(Grade).where(Grade.student_id == school["volkov"],
                                                       Grade.lesson_id == school["algebra_lesson"])).scalar_one()
        assert grade.value == "4"
        assert db.session.execute(select(Attendance.mark).where(
            Attendance.student_id == school["volkov"],
            Attendance.lesson_id == school["algebra_lesson"])).scalars().all() == ["ОП"]
        events = db.session.execute(select(AuditEvent).where(AuditEvent.action.in_(
            ["grade_set", "attendance_set"])).order_by(AuditEvent.id)).scalars().all()
        assert [(e.action, e.details["from"], e.details["to"]) for e in events] == [
            ("grade_set", "3", "4"), ("attendance_set", None, "ОП")]
        assert events[0].actor_label == "Орлова Татьяна Викторовна"  # document order
    cleared = client.post(url, json={"student_id": school["volkov"], "lesson_id": school["algebra_lesson"],
                                     "value": ""})
    assert cleared.json == {"cell": ""}
    with app.app_context():
        assert db.session.execute(select(Grade).where(Grade.lesson_id == school["algebra_lesson"],
                                                      Grade.student_id == school["volkov"])).first() is None


def test_bad_values_are_refused_in_russian_and_change_nothing(app, school):
    client = teacher(app)
    url = f"/journal/{school['algebra']}/cell"
    for value in ("6", "5 5", "отл", "Н Б"):
        answer = client.post(url, json={"student_id": school["volkov"], "lesson_id": school["algebra_lesson"],
                                        "value": value})
        assert answer.status_code == 400, value
        assert "оценку 1–5" in answer.json["message"]
    with app.app_context():
        assert db.session.execute(select(Grade.value).where(
            Grade.student_id == school["volkov"], Grade.lesson_id == school["algebra_lesson"])).scalar() == "3"


def test_other_teachers_classes_lessons_and_pupils_are_refused(app, school, login_staff):
    client = teacher(app)
    assert client.get(f"/journal/{school['russian']}").status_code == 404
    cell = {"student_id": school["volkov"], "lesson_id": school["russian_lesson"], "value": "2"}
    assert client.post(f"/journal/{school['russian']}/cell", json=cell).status_code == 404
    # own journal, but a lesson of another subject: refused too
    assert client.post(f"/journal/{school['algebra']}/cell", json=cell).status_code == 404
    with app.app_context():
        petrov = db.session.execute(select(Student.id).where(Student.last_name == "Петров")).scalars().first()
    stranger = {"student_id": petrov, "lesson_id": school["algebra_lesson"], "value": "2"}
    assert client.post(f"/journal/{school['algebra']}/cell", json=stranger).status_code == 404
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert clerk.get("/journal/").status_code in (302, 403)
    assert clerk.post(f"/journal/{school['algebra']}/cell", json=cell).status_code in (302, 403)
    with app.app_context():
        assert db.session.execute(select(Grade).where(Grade.value == "2")).first() is None


def test_topic_homework_and_remark_are_saved_and_audited(app, school):
    client = teacher(app)
    base = f"/journal/{school['algebra']}"
    answer = client.post(f"{base}/lesson", json={"lesson_id": school["algebra_lesson"],
                                                 "topic": "Системы уравнений", "homework": "№ 120"})
    assert answer.json == {"topic": "Системы уравнений", "homework": "№ 120"}
    assert client.post(f"{base}/remark", json={"student_id": school["volkov"],
                                               "lesson_id": school["algebra_lesson"], "text": ""}).status_code == 400
    assert client.post(f"{base}/remark", json={"student_id": school["volkov"],
                                               "lesson_id": school["algebra_lesson"],
                                               "text": "Отвлекался на уроке"}).status_code == 200
    with app.app_context():
        lesson = db.session.get(Lesson, school["algebra_lesson"])
        assert (lesson.topic, lesson.homework) == ("Системы уравнений", "№ 120")
        assert db.session.execute(select(Remark.text)).scalars().all() == ["Отвлекался на уроке"]
        actions = db.session.execute(select(AuditEvent.action).where(
            AuditEvent.action.in_(["lesson_set", "remark_added"]))).scalars().all()
        assert sorted(actions) == ["lesson_set", "remark_added"]


def test_journal_pages_are_russian(sqlite_app):
    with sqlite_app.app_context():
        import_examples()
        set_password("t.orlova", TEACHER_PASSWORD)
        assignment = db.session.execute(select(TeachingAssignment.id)).scalars().first()
    client = teacher(sqlite_app)
    assert_russian(client, "/journal/")
    assert_russian(client, f"/journal/{assignment}?from=2026-11-01&to=2026-11-30")
    assert_russian(client, f"/journal/{assignment}?from=2020-01-01&to=2020-01-31")  # empty state
