"""On a 375 px phone in real Chromium: the menu of the family pages and of the staff screens folds
behind «Меню» (the page's content starts on the first screen) and opens on a tap; no page scrolls
sideways (the clerk's application page, the teacher's messages, the family pages); no table heading
breaks a word in the middle («Дата рождени/я», «СМ/С»). On a wide screen the staff menu is open."""
import re
from datetime import date

from sqlalchemy import select

from app.diary.demo import load_diary_demo
from app.extensions import db
from app.models import Application
from tests.helpers.browser import PHONE, esia_login, new_page, no_horizontal_scroll, staff_login

BROKEN_WORDS = """() => {
    const broken = [];
    for (const th of document.querySelectorAll("th")) {
        const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const match of node.textContent.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0)
                                           .map(r => Math.round(r.top)));
                if (lines.size > 1) broken.push(match[0]);
            }
        }
    }
    return broken;
}"""


def layout_problems(page, path):
    problems = []
    size = no_horizontal_scroll(page)
    if size["scrollWidth"] > size["innerWidth"]:
        problems.append(f"{path}: scrolls sideways ({size['scrollWidth']} > {size['innerWidth']})")
    broken = page.evaluate(BROKEN_WORDS)
    if broken:
        problems.append(f"{path}: table headings break words: {broken}")
    top = page.evaluate("() => document.querySelector('main').getBoundingClientRect().top")
    if top > PHONE["height"] / 4:
        problems.append(f"{path}: the content starts {top:.0f} px down, below the header")
    return problems


def menu_opens(page, toggle, menu):
    assert page.locator(menu).is_hidden(), "the menu is not folded on a phone"
    assert page.locator(toggle).inner_text().strip() == "Меню"
    page.locator(toggle).click()
    page.wait_for_selector(menu, state="visible")
    assert page.locator(toggle).get_attribute("aria-expanded") == "true"


def test_family_pages_fit_a_phone(sqlite_app, live_app, browser, volkov):
    page = new_page(browser, viewport=PHONE)
    esia_login(page, live_app)
    problems = []
    for path in ["/my/students", f"/my/students/{volkov}", f"/my/students/{volkov}/diary?week=2026-11-25",
                 f"/my/students/{volkov}/grades?from=2026-09-01&to=2026-12-31", f"/my/students/{volkov}/results",
                 f"/my/students/{volkov}/attendance?from=2026-09-01&to=2026-12-31",
                 f"/my/students/{volkov}/messages", "/my/applications", "/my/settings"]:
        page.goto(f"{live_app}{path}")
        problems += layout_problems(page, path)
    assert not problems, "\n".join(problems)
    menu_opens(page, "button[data-menu-toggle]", "#portal-menu")
    page.locator("#portal-menu a", has_text="Обучающиеся").click()
    page.wait_for_url(re.compile(r"/my/students$"))


def test_staff_screens_fit_a_phone(sqlite_app, live_app, browser):
    with sqlite_app.app_context():
        load_diary_demo(today=date(2026, 11, 25))  # teacher239 and the parents' messages
        application = db.session.execute(select(Application.id)).scalars().first()
        db.session.remove()
    problems = []
    clerk = new_page(browser, viewport=PHONE)
    staff_login(clerk, live_app, "clerk239", "clerk12345")
    for path in ["/applications/list/", f"/applications/show/{application}", "/reception-hours/list/", "/imports/"]:
        clerk.goto(f"{live_app}{path}")
        problems += layout_problems(clerk, path)
    menu_opens(clerk, "button.navbar-toggle", "#staff-menu")
    wide = new_page(browser, viewport={"width": 1280, "height": 800})
    staff_login(wide, live_app, "clerk239", "clerk12345")
    wide.goto(f"{live_app}/applications/list/")
    assert wide.locator("#staff-menu").is_visible() and wide.locator("button.navbar-toggle").is_hidden()

    teacher = new_page(browser, viewport=PHONE)
    staff_login(teacher, live_app, "teacher239", "teacher12345")
    teacher.goto(f"{live_app}/teacher-messages/")
    problems += layout_problems(teacher, "/teacher-messages/")
    thread = teacher.locator('main a[href^="/teacher-messages/"]').first
    assert thread.count(), "the demo teacher has no conversation"
    href = thread.get_attribute("href")
    teacher.goto(f"{live_app}{href}")
    problems += layout_problems(teacher, href)
    assert not problems, "\n".join(problems)
