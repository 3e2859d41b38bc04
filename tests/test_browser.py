"""The whole journey in a real browser (Playwright driving the system Chromium).

A parent logs in through the identity provider (oidc-provider-mock standing in for ESIA), fills
"Подать заявление" and gets the application code; a clerk of school 239 finds the application by
the code on the staff screens, records the passport check and approves it; the parent gets the
e-mail and sees the pupil; the parent pages fit a phone screen (375 px) without horizontal scroll.

The app is served on a free loopback port, the identity provider is on http://localhost:<port>
(fixtures `live_app` and `browser`: tests/fixtures/browser.py).

Elements are found by id, name, form action or role, not by their wording: the UI texts are
Russian and still being edited. The Russian wording that the journey expects is checked
separately, all at once, at the end of the test (see `wording`).

Run: .venv/bin/python -m pytest tests/test_browser.py"""
import re
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import Application, School, Student
from tests.helpers.app import drain_outbox
from tests.helpers.browser import PHONE, esia_login, new_page, no_horizontal_scroll, staff_login
from tests.helpers.web import DEMO_PARENTS

PARENT = "parent-ivanova"
PARENT_EMAIL = DEMO_PARENTS[PARENT]["email"]
CHILD = ("Иванов", "Иван", "Иванович", "2014-07-09")
CODE = re.compile(r"^[0-9A-Z]{3}-[0-9A-Z]{3}$")


# --------------------------------------------------------------------------- helpers
def state_of(app, code):
    with app.app_context():
        state = db.session.execute(select(Application.state).where(Application.code == code)).scalar_one()
        db.session.remove()
        return state


def ids_of(app):
    """(district id, school id) of lyceum 239 and the id of the roster pupil Иванов Иван."""
    with app.app_context():
        school = db.session.execute(select(School).where(School.number == "239")).scalar_one()
        student_id = db.session.execute(select(Student.id).where(
            Student.school_id == school.id, Student.last_name == CHILD[0],
            Student.first_name == CHILD[1], Student.birth_date == date.fromisoformat(CHILD[3]),
        )).scalar_one()
        result = school.district_id, school.id, student_id
        db.session.remove()
        return result


# --------------------------------------------------------------------------- the journey
def test_parent_applies_clerk_approves_in_a_real_browser(sqlite_app, live_app, browser, idp, smtp,
                                                         tmp_path):
    app = sqlite_app
    district_id, school_id, student_id = ids_of(app)
    idp.put_user(PARENT, **DEMO_PARENTS[PARENT])
    wording = []  # Russian texts that differ from the expected ones, reported at the end

    def expect_text(where, locator, expected):
        actual = " ".join(locator.inner_text().split())
        if actual != expected:
            wording.append(f"{where}: expected {expected!r}, got {actual!r}")

    # (1) the parent logs in through "Госуслуги" (the mock provider)
    parent = new_page(browser)
    esia_login(parent, live_app, PARENT)
    assert parent.url == f"{live_app}/my/applications"

    # (2) "Подать заявление": district, school 239, the child; the page shows the code
    apply_link = parent.locator('header nav a[href="/my/applications/new"]')
    expect_text("parent menu link to /my/applications/new", apply_link, "Подать заявление")
    apply_link.click()
    parent.wait_for_url(f"{live_app}/my/applications/new")
    parent.select_option("#district", value=str(district_id))
    parent.select_option("#school_id", value=str(school_id))
    parent.fill("#last_name", CHILD[0])
    parent.fill("#first_name", CHILD[1])
    parent.fill("#middle_name", CHILD[2])
    parent.fill("#birth_date", CHILD[3])
    with parent.expect_navigation(url=re.compile(r"/my/applications/[0-9A-Z]{3}-[0-9A-Z]{3}\?sent=1$")):
        parent.locator('main form[method="post"] button[type="submit"]').click()
    code = parent.locator("dl.facts code").inner_text().strip()
    assert CODE.match(code), code
    assert parent.url.endswith(f"/my/applications/{code}?sent=1")
    assert state_of(app, code) == "submitted"

    # (3) the clerk of school 239, in another context: log in, find by the code, check, approve
    clerk = new_page(browser)
    staff_login(clerk, live_app, "clerk239", "clerk12345")
    clerk.goto(f"{live_app}/applications/list/")
    clerk.fill("#q", code)
    with clerk.expect_navigation(url=re.compile(r"/applications/show/\d+$")):
        clerk.locator('form[role="search"] [type="submit"]').click()
    show_url = clerk.url

    verify = clerk.locator('form[action$="/verify"]')
    expect_text("staff verify button", verify.locator('button[type="submit"]'), "Паспорт проверен")
    expect_text("staff reject button", clerk.locator('form[action$="/reject"] button[type="submit"]'),
                "Отклонить")
    verify.locator('input[name="document_type"][value="passport_rf"]').check()
    with clerk.expect_navigation(url=show_url):
        verify.locator('button[type="submit"]').click()
    assert state_of(app, code) == "passport_verified"

    approve = clerk.locator('form[action$="/approve"]')
    expect_text("staff approve button", approve.locator('button[type="submit"]'), "Одобрить")
    approve.locator(f'input[name="student_id"][value="{student_id}"]').check()
    with clerk.expect_navigation(url=show_url):
        approve.locator('button[type="submit"]').click()
    assert state_of(app, code) == "approved"
    assert clerk.locator('form[action$="/approve"]').count() == 0

    # (4) the outbox goes out: the parent gets the approval with the code
    counts = drain_outbox(app)
    assert counts["failed"] == 0 and counts["retry"] == 0, counts
    mails = [m for m in smtp.mailbox.to(PARENT_EMAIL) if code in m["Subject"]]
    assert len(mails) == 2, [m["Subject"] for m in mails]  # "sent", then "approved"
    approval = mails[-1]
    assert "доступ" in approval["Subject"].lower(), approval["Subject"]
    assert code in approval.get_body(("plain",)).get_content()
    assert state_of(app, code) == "notified"

    # (5) the parent sees the pupil
    parent.goto(f"{live_app}/my/students")
    assert parent.locator("table td", has_text="Иванов Иван Иванович").count() == 1

    # (6) a phone: no horizontal scroll on the parent pages
    parent.set_viewport_size(PHONE)
    for path in ("/my/applications", "/my/applications/new", "/my/students"):
        parent.goto(f"{live_app}{path}")
        sizes = no_horizontal_scroll(parent)
        assert sizes["innerWidth"] == PHONE["width"], (path, sizes)
        assert sizes["scrollWidth"] <= sizes["innerWidth"], (path, sizes)
        assert sizes["scrollWidth"] <= sizes["clientWidth"], (path, sizes)
    parent.goto(f"{live_app}/my/applications/new")
    shot = tmp_path / "apply-375px.png"
    parent.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert not wording, "Russian wording differs:\n" + "\n".join(wording)
