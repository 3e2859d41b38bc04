"""The family pages in real Chromium: a parent opens the week, the grades and the chart; axe-core
(npm, run inside the page) reports no serious or critical accessibility violations on the family
pages; at 375 px they have no horizontal scrolling. (The pupil Волков with his representative:
fixture `volkov`, tests/fixtures/diary.py.)"""
import re
from pathlib import Path

import pytest

from tests.helpers.browser import PHONE, esia_login, new_page, no_horizontal_scroll

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["today", "diary?week=2026-11-25", "grades?from=2026-09-01&to=2026-12-31", "results", "attendance?from=2026-09-01&to=2026-12-31",
         "dynamics?from=2026-11-01&to=2026-11-30", "stats?from=2026-09-01&to=2026-12-31", "events", "meetings",
         "messages"]


def serious_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                           .map(v => v.id + ": " + v.help + " (" + v.nodes.length + ")");
    }""")
    return result


def test_parent_reads_week_grades_and_chart(sqlite_app, live_app, browser, volkov):
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `make install` (npm ci)")
    page = new_page(browser)
    esia_login(page, live_app)
    # one child: the login lands on the child's «Сегодня», «Сегодня» the current tab
    page.wait_for_url(re.compile(rf"/my/students/{volkov}/today$"))
    assert page.locator('nav.tabs a[aria-current="page"]').inner_text() == "Сегодня"
    assert "Уроки сегодня" in page.locator("main").inner_text()
    page.goto(f"{live_app}/my/students")
    page.locator(f'a[href="/my/students/{volkov}"]').click()  # «Профиль обучающегося»
    page.wait_for_url(re.compile(rf"/my/students/{volkov}$"))
    page.locator(f'a[href="/my/students/{volkov}/diary"]').click()
    page.wait_for_url(re.compile(rf"/my/students/{volkov}/diary"))
    page.goto(f"{live_app}/my/students/{volkov}/diary?week=2026-11-25")
    assert page.locator("section.day").count() == 2  # Monday and Tuesday have lessons
    assert "№ 112, 114" in page.locator("section.day").first.inner_text()
    page.locator('a[rel="next"]').click()
    page.wait_for_url(re.compile(r"week=2026-11-30"))
    assert "уроков нет" in page.locator("main").inner_text()

    page.goto(f"{live_app}/my/students/{volkov}/grades?from=2026-09-01&to=2026-12-31")
    assert "Алгебра" in page.locator("main").inner_text()
    grid = page.locator("table.grid")
    assert grid.locator('tbody th[scope="row"]', has_text="Алгебра").count() == 1
    # the subjects stay in view while the dates scroll
    assert grid.locator('tbody th[scope="row"]').first.evaluate("e => getComputedStyle(e).position") == "sticky"

    page.goto(f"{live_app}/my/students/{volkov}/dynamics?from=2026-11-01&to=2026-11-30")
    page.wait_for_function("() => window.Chart && Chart.getChart('dynamics') !== undefined")
    labels = page.evaluate("() => Chart.getChart('dynamics').data.datasets.map(d => d.label)")
    assert "Алгебра" in labels


def test_family_pages_are_accessible_and_fit_a_phone(sqlite_app, live_app, browser, volkov):
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `make install` (npm ci)")
    page = new_page(browser, viewport=PHONE, bypass_csp=True)  # axe-core goes in as an inline script
    esia_login(page, live_app)
    problems = []
    for path in [*(f"/my/students/{volkov}/{p}" for p in PAGES), "/my/students", f"/my/students/{volkov}",
                 "/my/settings"]:
        page.goto(f"{live_app}{path}")
        size = no_horizontal_scroll(page)
        if size["scrollWidth"] > size["innerWidth"]:
            problems.append(f"{path}: scrolls sideways ({size['scrollWidth']} > {size['innerWidth']})")
        for violation in serious_violations(page):
            problems.append(f"{path}: {violation}")
    assert not problems, "\n".join(problems)
