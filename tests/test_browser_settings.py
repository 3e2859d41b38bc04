"""The parent's settings in real Chromium: the calendar address is copied to the clipboard by
«Скопировать ссылку» (app/static/copy_link.js, no inline script under the page's policy); the page
of the mobile number fits a 375 px phone. (Fixture `volkov`: tests/fixtures/diary.py.)"""
from tests.helpers.browser import PHONE, esia_login, new_page, no_horizontal_scroll


def test_the_calendar_address_is_copied_and_the_phone_page_fits(sqlite_app, live_app, browser, volkov):
    page = new_page(browser, viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    esia_login(page, live_app)  # (the provider's page has a CDN stylesheet the test context blocks)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_app}/my/settings")
    page.get_by_role("button", name="Получить адрес календаря").click()
    page.wait_for_url(f"{live_app}/my/settings/calendar")
    address = page.locator("#calendar-url").input_value()
    assert address.endswith(".ics")
    page.get_by_role("button", name="Скопировать ссылку").click()
    page.get_by_text("Ссылка скопирована.").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == address
    assert not errors  # nothing refused by the Content-Security-Policy
    page.goto(f"{live_app}/my/settings/phone")
    assert page.get_by_label("Номер мобильного телефона").is_visible()
    assert no_horizontal_scroll(page)
