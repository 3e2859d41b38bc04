"""Playwright pages for the browser tests (fixtures `browser` and `live_app`: tests/fixtures/browser.py)."""
import re
from urllib.parse import urlparse

PHONE = {"width": 375, "height": 740}
TIMEOUT_MS = 10_000


def only_loopback(route):
    """Requests leave loopback never: the provider's page links a CDN stylesheet that would only
    stall the load."""
    if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def new_context(browser, **options):
    """A browser context of its own (own cookies): Russian, Moscow time, loopback only."""
    context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", only_loopback)
    return context


def new_page(browser, **options):
    """A page in a fresh context; dialogs are confirmed."""
    page = new_context(browser, **options).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def provider_login(page, sub):
    """On the identity provider's page (standing in for Gosuslugi): log in as `sub`."""
    page.locator('input[name="sub"]').fill(sub)
    page.locator('form:has(input[name="sub"]) button[type="submit"]').click()


def esia_login(page, live_app, sub="parent-ivanova"):
    """From the landing page through «Войти через Госуслуги» back to the family pages."""
    page.goto(f"{live_app}/welcome")
    with page.expect_navigation(url=re.compile(r"^http://localhost:\d+/")):
        page.locator('a[href="/login/esia"]').click()
    with page.expect_navigation(url=re.compile(re.escape(live_app) + "/my/")):
        provider_login(page, sub)


def staff_login(page, live_app, username, password):
    """The staff form of the login page (opened unless the page shows it already)."""
    if not page.url.startswith(f"{live_app}/login/"):
        page.goto(f"{live_app}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("#staff-login [type=submit]").click()
    assert "/login" not in page.url, f"{username} did not log in"


def no_horizontal_scroll(page):
    return page.evaluate(
        """() => ({
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            innerWidth: window.innerWidth,
        })"""
    )
