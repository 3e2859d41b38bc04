"""The Content-Security-Policy in real Chromium: walking the main family and staff pages reports no
CSP violation (console "Refused to …" errors, securitypolicyviolation events) and no script error,
and the JavaScript features still work under the policy: the apply form's school list, the chart
on «Динамика» and on a district report, the journal's cell entry, the import upload with its
progress, and the confirm dialogs (withdrawing an application, revoking an invitation, printing),
whose «Отмена» sends nothing."""
import re
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Application, Invitation, School, TeachingAssignment, User
from tests.helpers.browser import TIMEOUT_MS, esia_login, new_context, staff_login
from tests.helpers.data import set_password
from tests.helpers.web import TEACHER_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
VIOLATION_HOOK = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


class Watched:
    """A page in its own context that records CSP violations and script errors per URL."""

    def __init__(self, browser, problems):
        self.context = new_context(browser)
        self.context.add_init_script(VIOLATION_HOOK)
        self.page = self.context.new_page()
        self.problems = problems
        self.answers = []  # what the next dialogs get: True accept, False dismiss
        self.dialogs = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: problems.append(f"{self.page.url}: script error {error}"))
        self.page.on("dialog", self._dialog)

    def _console(self, message):
        text = message.text
        if (message.type == "error" and ("Content Security Policy" in text or "Refused to" in text)
                or "Permissions-Policy" in text):  # Chromium warns of an unknown feature
            self.problems.append(f"{self.page.url}: {text}")

    def _dialog(self, dialog):
        self.dialogs.append((dialog.type, dialog.message))
        if self.answers and self.answers.pop(0):
            dialog.accept()
        else:
            dialog.dismiss()

    def visit(self, url):
        response = self.page.goto(url)
        self.page.wait_for_load_state("load")
        if response is not None and response.status >= 500:
            self.problems.append(f"{url}: HTTP {response.status}")
        self.collect()
        return response

    def collect(self):
        try:
            for violation in self.page.evaluate("() => window.__csp || []"):
                self.problems.append(f"{self.page.url}: violation {violation}")
            self.page.evaluate("() => { window.__csp = []; }")
        except Exception as exc:  # noqa: BLE001 - a page navigating away: nothing to collect
            if "navigat" not in str(exc) and "destroyed" not in str(exc):
                raise


def watched_staff_login(watched, live_app, username, password):
    watched.visit(f"{live_app}/login/")  # the login page is walked too
    staff_login(watched.page, live_app, username, password)


def facts(app):
    with app.app_context():
        school = db.session.execute(select(School).where(School.number == "239")).scalar_one()
        teacher = db.session.execute(select(User).where(User.username == "t.orlova")).scalar_one()
        set_password("t.orlova", TEACHER_PASSWORD)
        assignment = db.session.execute(select(TeachingAssignment.id).where(
            TeachingAssignment.teacher_id == teacher.id)).scalars().first()
        application = db.session.execute(select(Application.id).where(
            Application.school_id == school.id)).scalars().first()
        result = dict(district=school.district_id, school=school.id, assignment=assignment,
                      application=application)
        db.session.remove()
        return result


def state(app, model, **where):
    with app.app_context():
        row = db.session.execute(select(model).filter_by(**where)).scalar_one()
        value = row.state if hasattr(row, "state") else row
        db.session.remove()
        return value


def test_main_pages_run_under_the_policy(sqlite_app, live_app, browser, volkov):
    app = sqlite_app
    ids = facts(app)
    problems = []

    # ------------------------------------------------------------------ the family
    parent = Watched(browser, problems)
    page = parent.page
    esia_login(page, live_app)
    parent.collect()
    for path in ["/welcome", "/my/applications", "/my/students", f"/my/students/{volkov}",
                 f"/my/students/{volkov}/diary?week=2026-11-25",
                 f"/my/students/{volkov}/grades?from=2026-09-01&to=2026-12-31",
                 f"/my/students/{volkov}/results", f"/my/students/{volkov}/attendance",
                 f"/my/students/{volkov}/stats", f"/my/students/{volkov}/events",
                 f"/my/students/{volkov}/meetings", f"/my/students/{volkov}/messages",
                 "/my/settings", "/my/account/link", "/my/no-such-page"]:
        parent.visit(f"{live_app}{path}")

    # «Динамика»: the chart is drawn
    parent.visit(f"{live_app}/my/students/{volkov}/dynamics?from=2026-11-01&to=2026-11-30")
    page.wait_for_function("() => window.Chart && Chart.getChart('dynamics') !== undefined")

    # the apply form: choosing a district narrows the schools (apply.js), then submit
    parent.visit(f"{live_app}/my/applications/new")
    page.select_option("#district", value=str(ids["district"]))
    groups = page.evaluate("() => Array.from(document.querySelectorAll('#school_id optgroup'))"
                           ".map(g => g.getAttribute('data-district'))")
    assert groups == [str(ids["district"])], groups
    page.select_option("#school_id", value=str(ids["school"]))
    page.fill("#last_name", "Иванов")
    page.fill("#first_name", "Пётр")
    page.fill("#middle_name", "Иванович")
    page.fill("#birth_date", "2015-03-01")
    with page.expect_navigation(url=re.compile(r"/my/applications/[0-9A-Z]{3}-[0-9A-Z]{3}")):
        page.locator('main form[method="post"] button[type="submit"]').click()
    parent.collect()
    code = page.locator("dl.facts code").inner_text().strip()

    # withdrawing asks first: «Отмена» keeps the application, «OK» withdraws it
    parent.answers = [False]
    page.locator('form[action$="/withdraw"] button[type="submit"]').click()
    page.wait_for_timeout(300)
    assert parent.dialogs and parent.dialogs[-1][0] == "confirm", parent.dialogs
    assert "заявлени" in parent.dialogs[-1][1], parent.dialogs
    assert state(app, Application, code=code) == "submitted"
    parent.answers = [True]
    with page.expect_navigation():
        page.locator('form[action$="/withdraw"] button[type="submit"]').click()
    parent.collect()
    assert state(app, Application, code=code) == "withdrawn"

    # revoking an invitation asks first (the attribute's quotes broke the inline handler before)
    parent.visit(f"{live_app}/my/students/{volkov}")
    page.check('input[name="kind"][value="viewer"]')
    page.fill("#email", "grandma@example.ru")
    page.check('input[name="consent"]')
    with page.expect_navigation():
        page.locator('form[action="#invite"] button[type="submit"]').click()
    parent.collect()
    revoke = page.locator('form[action*="/revoke"] button[type="submit"]').first
    parent.answers = [False]
    before = len(parent.dialogs)
    revoke.click()
    page.wait_for_timeout(300)
    assert len(parent.dialogs) == before + 1 and "доступ" in parent.dialogs[-1][1].lower(), parent.dialogs
    assert state(app, Invitation, email="grandma@example.ru") == "pending"
    parent.answers = [True]
    with page.expect_navigation():
        revoke.click()
    parent.collect()
    assert state(app, Invitation, email="grandma@example.ru") != "pending"

    # ------------------------------------------------------------------ the clerk
    clerk = Watched(browser, problems)
    page = clerk.page
    watched_staff_login(clerk, live_app, "clerk239", "clerk12345")
    for path in ["/applications/list/", f"/applications/show/{ids['application']}",
                 "/reception-hours/list/", "/reception-hours/add", "/roster/list/", "/school-events/list/",
                 "/school-events/add", "/parent-meetings/list/", "/no-such-page"]:
        clerk.visit(f"{live_app}{path}")
    # the printable application: the print button works without inline script
    clerk.visit(f"{live_app}/applications/{ids['application']}/print")
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.locator("button[data-print]").click()
    assert page.evaluate("() => window.__printed") == 1

    # the import upload: progress, then the answer replaces the page's content in place
    clerk.visit(f"{live_app}/imports/")
    page.set_input_files("#file", str(ROOT / "docs" / "import-examples" / "classes.csv"))
    with page.expect_response(re.compile(r"/imports/$")):
        page.locator('#import-form button[type="submit"]').click()
    page.wait_for_selector("#import-page .alert-success")
    assert page.url.endswith("/imports/")
    assert not page.locator("#import-progress").is_visible()  # a fresh form, ready for the next file
    clerk.collect()

    # ------------------------------------------------------------------ the teacher's journal
    teacher = Watched(browser, problems)
    page = teacher.page
    watched_staff_login(teacher, live_app, "t.orlova", TEACHER_PASSWORD)
    teacher.visit(f"{live_app}/journal/")
    teacher.visit(f"{live_app}/journal/{ids['assignment']}?from=2026-11-01&to=2026-11-30")
    cell = page.locator("input.cell").first
    cell.fill("5")
    with page.expect_response(re.compile(r"/cell$")) as answer:
        cell.press("Enter")
    assert answer.value.status == 200
    teacher.collect()

    # ------------------------------------------------------------------ the administrator
    admin = Watched(browser, problems)
    page = admin.page
    watched_staff_login(admin, live_app, "admin", "admin12345")
    for path in ["/", "/districts/list/", "/schools/list/", f"/schools/show/{ids['school']}",
                 f"/schools/edit/{ids['school']}", "/users/list/", "/roles/list/", "/audit/list/",
                 "/outbox/list/", "/staff-assignments/list/", "/reports/funnel", "/reports/backlog"]:
        admin.visit(f"{live_app}{path}")
    admin.visit(f"{live_app}/reports/coverage")
    page.wait_for_function("() => window.Chart && Chart.getChart('report-chart') !== undefined")
    admin.visit(f"{live_app}/userstatschartview/chart/")  # login statistics: our Chart.js, ru-RU, no CDN
    page.wait_for_function("() => window.Chart && Chart.getChart('report-chart') !== undefined"
                           " && Chart.getChart('report-chart').options.locale === 'ru-RU'")
    admin.visit(f"{live_app}/swagger/v1")
    page.wait_for_selector(".swagger-ui .opblock", timeout=TIMEOUT_MS)
    admin.collect()

    assert not problems, "\n".join(problems)
