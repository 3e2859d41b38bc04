"""The teacher's journal and the family's pages as tests reach them: a page's address, the algebra
lesson of the imported examples, a grade put through the real journal endpoint."""
from sqlalchemy import select

from app.extensions import db
from app.models import Lesson, Student, User
from tests.helpers.data import set_password
from tests.helpers.web import TEACHER_PASSWORD, teacher


def page(student_id, name):
    return f"/my/students/{student_id}/{name}"


def algebra_lesson(app, student_id):
    with app.app_context():
        klass = db.session.scalar(select(Student.class_name).where(Student.id == student_id))
        assert klass
        return db.session.execute(select(Lesson.id).where(
            Lesson.subject.has(name="Алгебра"), Lesson.date == "2026-11-23")).scalars().first()


def grade_through_the_journal(app, student_id, value):
    with app.app_context():
        set_password("t.orlova", TEACHER_PASSWORD)
        from app.models import TeachingAssignment

        assignment = db.session.execute(select(TeachingAssignment.id).join(
            User, User.id == TeachingAssignment.teacher_id).where(
            User.username == "t.orlova", TeachingAssignment.subject.has(name="Алгебра"))).scalar_one()
    answer = teacher(app).post(f"/journal/{assignment}/cell", json={
        "student_id": student_id, "lesson_id": algebra_lesson(app, student_id), "value": value})
    assert answer.status_code == 200, answer.data[:300]
