"""Lighthouse (npm `lighthouse`, the system Chromium headless, its default simulated phone) on the
staff screens — the clerk's queue, an application page, the teacher's journal, a district report,
an admin list — and on two family pages; the suite prints the table of scores. Staff pages reach
performance ≥ 90, accessibility ≥ 95, best practices ≥ 95; the family pages 100 in all three;
axe-core (run inside each page) finds no serious or critical violation on any of them. A page below
target is measured twice more and judged by the median. LIGHTHOUSE_REPORTS=<dir> keeps the reports.

Before the staff screens got their own templates (main at eaed928), perf/a11y/bp: the queue 72/81/96,
an application 66/73/96, the journal 73/79/96, the funnel 68/81/96, the users 64/60/96, the family
pages 100/100/96 (no favicon: a console error)."""
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Application, School, TeachingAssignment, User
from tests.helpers.browser import esia_login, new_page, staff_login
from tests.helpers.data import set_password
from tests.helpers.web import TEACHER_PASSWORD

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CATEGORIES = ("performance", "accessibility", "best-practices")
STAFF_TARGET = {"performance": 90, "accessibility": 95, "best-practices": 95}
FAMILY_TARGET = {"performance": 100, "accessibility": 100, "best-practices": 100}
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
                "--disable-component-update --disable-sync")


def ids(app):
    with app.app_context():
        school = db.session.execute(select(School).where(School.number == "239")).scalar_one()
        set_password("t.orlova", TEACHER_PASSWORD)
        teacher = db.session.execute(select(User.id).where(User.username == "t.orlova")).scalar_one()
        assignment = db.session.execute(select(TeachingAssignment.id).where(
            TeachingAssignment.teacher_id == teacher)).scalars().first()
        application = db.session.execute(select(Application.id).where(
            Application.school_id == school.id)).scalars().first()
        db.session.remove()
    return dict(assignment=assignment, application=application)


def session_of(browser, live_app, login):
    """A logged-in browser page and its Cookie header (Lighthouse's Chromium sends it along)."""
    page = new_page(browser, bypass_csp=True)  # axe-core goes in as an inline script
    login(page)
    cookies = page.context.cookies(live_app)
    return page, "; ".join(f"{c['name']}={c['value']}" for c in cookies)


def lighthouse(url, cookie):
    env = dict(os.environ, CHROME_PATH="/usr/bin/chromium")
    done = subprocess.run(
        ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output-path=stdout",
         "--only-categories=" + ",".join(CATEGORIES), f"--chrome-flags={CHROME_FLAGS}",
         "--extra-headers=" + json.dumps({"Cookie": cookie}), "--disable-storage-reset"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    if os.environ.get("LIGHTHOUSE_REPORTS"):  # a directory: keep each page's full report for a look
        name = "".join(c if c.isalnum() else "_" for c in url.split("/", 3)[-1])[:80]
        Path(os.environ["LIGHTHOUSE_REPORTS"], f"{name}.json").write_text(done.stdout, encoding="utf-8")
    assert report["finalDisplayedUrl"].split("?")[0] == url.split("?")[0], (url, report["finalDisplayedUrl"])
    scores = {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}
    failed = [f"{audit['id']} ({audit.get('displayValue', '')})" for audit in report["audits"].values()
              if audit.get("score") is not None and audit["score"] < 0.9
              and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")]
    return scores, failed


def serious_violations(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                           .map(v => v.id + ": " + v.help + " (" + v.nodes.length + ")");
    }""")


def test_staff_and_family_pages_score_in_lighthouse(sqlite_app, live_app, browser, volkov, capsys):
    for tool in (LIGHTHOUSE, AXE):
        if not tool.exists():
            pytest.fail(f"{tool} is missing: run `make install` (npm ci)")
    known = ids(sqlite_app)
    logins = {
        "clerk": lambda page: staff_login(page, live_app, "clerk239", "clerk12345"),
        "teacher": lambda page: staff_login(page, live_app, "t.orlova", TEACHER_PASSWORD),
        "supervisor": lambda page: staff_login(page, live_app, "supervisor", "super12345"),
        "admin": lambda page: staff_login(page, live_app, "admin", "admin12345"),
        "parent": lambda page: esia_login(page, live_app),
    }
    pages = [
        ("clerk", "/applications/list/", STAFF_TARGET),
        ("clerk", f"/applications/show/{known['application']}", STAFF_TARGET),
        ("teacher", f"/journal/{known['assignment']}?from=2026-11-01&to=2026-11-30", STAFF_TARGET),
        ("supervisor", "/reports/funnel", STAFF_TARGET),
        ("admin", "/users/list/", STAFF_TARGET),
        ("parent", f"/my/students/{volkov}/today", FAMILY_TARGET),
        ("parent", f"/my/students/{volkov}/diary?week=2026-11-25", FAMILY_TARGET),
        ("parent", f"/my/students/{volkov}/grades?from=2026-09-01&to=2026-12-31", FAMILY_TARGET),
    ]
    sessions = {}
    rows, problems = [], []
    for who, path, target in pages:
        if who not in sessions:
            sessions[who] = session_of(browser, live_app, logins[who])
        page, cookie = sessions[who]
        page.goto(f"{live_app}{path}")
        assert page.url.split("?")[0] == f"{live_app}{path}".split("?")[0], page.url
        for violation in serious_violations(page):
            problems.append(f"{path}: axe-core: {violation}")
        scores, failed = lighthouse(f"{live_app}{path}", cookie)
        if any(scores[name] < least for name, least in target.items()):
            # a shared machine's load moves the performance score: the median of three runs, as
            # Lighthouse's documentation on variability advises
            runs = [scores] + [lighthouse(f"{live_app}{path}", cookie)[0] for _ in range(2)]
            scores = {name: sorted(run[name] for run in runs)[1] for name in CATEGORIES}
        rows.append((path, scores))
        for name, least in target.items():
            if scores[name] < least:
                problems.append(f"{path}: {name} {scores[name]} < {least}; audits below 0.9: {', '.join(failed)}")
    with capsys.disabled():  # the figures go into the suite's output (CI's log), pass or fail
        print("\nLighthouse (simulated phone)      perf  a11y  bp")
        for path, scores in rows:
            print(f"{path[:32]:32} {scores['performance']:5} {scores['accessibility']:5} {scores['best-practices']:4}")
    assert not problems, "\n".join(problems)
