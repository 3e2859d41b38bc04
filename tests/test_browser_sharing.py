"""Sharing in real Chromium: the parent invites an interested person with "only grades"; the
invitee opens the e-mailed link, logs in through the identity provider, accepts and sees only the
grades; the parent revokes; the invitee's next page load no longer shows the pupil."""
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Student
from tests.helpers.app import drain_outbox
from tests.helpers.browser import esia_login, new_context, new_page, provider_login
from tests.helpers.data import grant
from tests.helpers.web import DEMO_PARENTS

GRANDMA = dict(email="nina@example.ru", given_name="Нина", family_name="Бабушкина")


def test_invite_accept_see_only_grades_then_revoke(sqlite_app, live_app, browser, idp, smtp):
    idp.put_user("parent-ivanova", **DEMO_PARENTS["parent-ivanova"])
    idp.put_user("grandma-nina", **GRANDMA)
    with sqlite_app.app_context():
        pupil = db.session.execute(select(Student.id).where(Student.last_name == "Иванов")).scalar_one()
        grant("parent-ivanova", pupil)
        db.session.remove()
    drain_outbox(sqlite_app)
    smtp.mailbox.clear()

    parent = new_context(browser).new_page()  # each dialog answered as the test says (answers)
    answers, questions = [], []
    parent.on("dialog", lambda d: (questions.append(d.message), d.accept() if answers.pop(0) else d.dismiss()))
    esia_login(parent, live_app)
    parent.goto(f"{live_app}/my/students")
    parent.locator(f'a[href="/my/students/{pupil}"]').click()
    parent.wait_for_url(re.compile(rf"/my/students/{pupil}$"))
    parent.check('input[name="kind"][value="viewer"]')
    parent.fill("#email", GRANDMA["email"])
    parent.select_option("#scope", "grades")
    parent.check('input[name="consent"]')
    parent.locator('form[action="#invite"] button[type="submit"]').click()
    parent.wait_for_url(re.compile(rf"/my/students/{pupil}(#invite)?$"))  # the fragment survives the redirect
    assert GRANDMA["email"] in parent.locator("main").inner_text()

    drain_outbox(sqlite_app)
    (mail,) = smtp.mailbox.to(GRANDMA["email"])
    link = re.search(r"http\S+/invite/(\S+)", mail.get_body(("plain",)).get_content()).group(1)

    grandma = new_page(browser)
    grandma.goto(f"{live_app}/invite/{link}")
    grandma.locator('main a[href="/login/esia"]').click()
    provider_login(grandma, "grandma-nina")
    grandma.wait_for_url(re.compile(rf"/invite/{re.escape(link)}$"))
    grandma.check('input[name="consent"]')
    grandma.locator('main form button[type="submit"]').click()
    grandma.wait_for_url(re.compile(rf"/my/students/{pupil}$"))
    assert "Профиль обучающегося" in grandma.locator("main").inner_text()
    grandma.goto(f"{live_app}/my/students/{pupil}/grades")
    assert "Оценки" in grandma.locator("nav.tabs").inner_text()
    assert "Дневник" not in grandma.locator("nav.tabs").inner_text()
    denied = grandma.goto(f"{live_app}/my/students/{pupil}/diary")
    assert denied.status == 403

    parent.reload()
    # revoking asks first: «Отмена» leaves the access as it was
    answers.append(False)
    parent.locator('form[action*="/revoke"] button').first.click()
    parent.wait_for_timeout(300)
    assert questions and "доступ" in questions[0].lower(), questions
    assert re.search(rf"/my/students/{pupil}(#invite)?$", parent.url) and "Доступ отозван" not in parent.locator("main").inner_text()
    assert grandma.goto(f"{live_app}/my/students/{pupil}/grades").status == 200  # still sees the grades
    answers.append(True)
    parent.locator('form[action*="/revoke"] button').first.click()
    parent.wait_for_load_state()
    assert "Доступ отозван" in parent.locator("main").inner_text()

    gone = grandma.goto(f"{live_app}/my/students/{pupil}/grades")
    assert gone.status == 404
    grandma.goto(f"{live_app}/my/students")
    assert "Иванов Иван" not in grandma.locator("main").inner_text()
