"""`flask demo` gives a newcomer a full diary: a term of lessons, grades, absences, events; the demo
parent already sees her daughter; the demo teacher has a journal. Idempotent."""
import re
from datetime import date

from sqlalchemy import select

from app.diary.demo import load_diary_demo
from app.extensions import db
from app.models import Application, AuditEvent, Grade, Lesson
from tests.helpers.data import count


def test_demo_term_is_full_and_loads_once(sqlite_app, login_parent, login_staff):
    with sqlite_app.app_context():
        load_diary_demo(today=date(2026, 11, 25))
        lessons, grades = count(Lesson), count(Grade)
        assert lessons > 300 and grades > 1000
        assert "уже загружены" in load_diary_demo(today=date(2026, 11, 25))
        assert (count(Lesson), count(Grade)) == (lessons, grades)
        sofia = db.session.execute(select(Application).where(Application.child_first_name == "Софья")).scalar_one()
        assert sofia.state == "approved" and sofia.student_id
        assert count(AuditEvent) >= 3  # submitted, passport checked, approved: the ordinary way
    parent = sqlite_app.test_client()
    login_parent(parent, "parent-ivanova")
    students = parent.get("/my/students").get_data(as_text=True)
    assert "Иванова Софья Ивановна" in students
    week = parent.get(f"/my/students/{sofia.student_id}/diary?week=2026-11-25").get_data(as_text=True)
    assert "Математика" in week and "Домашнее задание" in week
    grades_page = parent.get(f"/my/students/{sofia.student_id}/grades?from=2026-09-01&to=2026-11-25")
    assert "средний балл" in grades_page.get_data(as_text=True)
    assert "Олимпиада по математике" in parent.get(f"/my/students/{sofia.student_id}/messages").get_data(as_text=True)
    teacher = login_staff(sqlite_app.test_client(), "teacher239", "teacher12345")
    assert "6 «А»" in teacher.get("/journal/").get_data(as_text=True)


def test_both_demo_parents_see_a_child(sqlite_app, login_parent):
    with sqlite_app.app_context():
        load_diary_demo(today=date(2026, 11, 25))
    for sub, child in (("parent-ivanova", "Иванова Софья Ивановна"), ("parent-petrov", "Петрова Алиса Петровна")):
        client = sqlite_app.test_client()
        login_parent(client, sub)
        assert child in client.get("/my/students").get_data(as_text=True)


def test_the_demo_mother_of_twins_lands_on_one_card_per_child(sqlite_app, login_parent):
    """`make run` shows «Сегодня» with several children too: parent-smirnova has the twins."""
    with sqlite_app.app_context():
        load_diary_demo(today=date(2026, 11, 25))
    client = sqlite_app.test_client()
    login_parent(client, "parent-smirnova")
    today = client.get("/my/today")
    assert today.status_code == 200  # not a redirect to one child's day
    html = today.get_data(as_text=True)
    assert "Смирнов Алексей Олегович" in html and "Смирнова Мария Олеговна" in html
    assert len(set(re.findall(r"/my/students/(\d+)/today", html))) == 2
