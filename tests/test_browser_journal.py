"""The teacher's journal in real Chromium: type a grade, Enter moves down, the cell is saved when
left; a bad value is marked and explained; nothing is saved for it."""
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Grade, Lesson, Student, TeachingAssignment
from tests.helpers.browser import new_page, staff_login
from tests.helpers.data import import_examples, set_password, user_id
from tests.helpers.web import TEACHER_PASSWORD


def test_teacher_enters_grades_with_the_keyboard(sqlite_app, live_app, browser):
    with sqlite_app.app_context():
        import_examples()
        set_password("t.orlova", TEACHER_PASSWORD)
        assignment = db.session.execute(select(TeachingAssignment.id).where(
            TeachingAssignment.teacher_id == user_id("t.orlova"))).scalar_one()
        lesson = db.session.execute(select(Lesson.id).where(Lesson.subject.has(name="Алгебра"))).scalar_one()
        pupils = dict(db.session.execute(select(Student.external_id, Student.id).where(
            Student.external_id.isnot(None))).all())
        db.session.remove()
    page = new_page(browser)
    staff_login(page, live_app, "t.orlova", TEACHER_PASSWORD)
    page.goto(f"{live_app}/journal/{assignment}?from=2026-11-01&to=2026-11-30")
    first = page.locator(f'input.cell[data-student="{pupils["S-1003"]}"][data-lesson="{lesson}"]')
    second = page.locator(f'input.cell[data-student="{pupils["S-1001"]}"][data-lesson="{lesson}"]')
    first.fill("4")
    with page.expect_response(re.compile(r"/cell$")):
        first.press("Enter")  # moves down and saves the cell it left
    assert page.evaluate("() => document.activeElement.dataset.student") in {str(v) for v in pupils.values()}
    second.fill("7")
    with page.expect_response(re.compile(r"/cell$")) as answer:
        second.press("Tab")
    assert answer.value.status == 400
    # the error is shown next to the cell it is about, and the cell is marked invalid
    error = page.locator(f"#err-{pupils['S-1001']}-{lesson}")
    error.wait_for(state="visible")
    assert "оценку 1–5" in error.inner_text()
    assert second.get_attribute("aria-invalid") == "true"
    with sqlite_app.app_context():
        values = dict(db.session.execute(select(Grade.student_id, Grade.value).where(Grade.lesson_id == lesson)).all())
        db.session.remove()
    assert values[pupils["S-1003"]] == "4"
    assert values[pupils["S-1001"]] == "5"  # unchanged: "7" was refused


def test_names_stay_on_the_left_and_todays_column_is_in_view(sqlite_app, live_app, browser):
    from datetime import timedelta

    from app import clock

    with sqlite_app.app_context():
        import_examples()
        set_password("t.orlova", TEACHER_PASSWORD)
        assignment = db.session.execute(select(TeachingAssignment).where(
            TeachingAssignment.teacher_id == user_id("t.orlova"))).scalar_one()
        today = clock.today()
        for offset in range(-34, 8):  # a lesson every day of the grid's default weeks
            db.session.add(Lesson(class_id=assignment.class_id, subject_id=assignment.subject_id, number=7,
                                  teacher_id=assignment.teacher_id, date=today + timedelta(days=offset)))
        db.session.commit()
        assignment_id = assignment.id
        db.session.remove()
    page = new_page(browser, viewport={"width": 800, "height": 700})
    staff_login(page, live_app, "t.orlova", TEACHER_PASSWORD)
    page.goto(f"{live_app}/journal/{assignment_id}")
    scroller = page.locator("#journal-scroll")
    assert scroller.evaluate("e => e.scrollLeft") > 0  # opened on today, not on five weeks ago
    today_header = page.locator('th[aria-current="date"]')
    box, frame = today_header.bounding_box(), scroller.bounding_box()
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]
    name = page.locator("tbody th[scope=row]").first
    before = name.bounding_box()["x"]
    scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    assert abs(name.bounding_box()["x"] - before) < 1  # sticky: the pupils' names stay in place
    future = page.locator("input.cell[data-future]").first
    assert future.is_disabled()  # next week's lessons take no grade
