"""A family's lists stay a page long however many applications they hold: «Мои заявления» pages
by 20, «Сегодня» shows the newest few in progress with a link to the rest (the city bench's
parent, with thousands of test applications, got a 2 MB page in 0.8 s)."""
import re
from datetime import date

from app.diary.demo import load_diary_demo
from tests.helpers.workflow import parent, submit

LETTERS = "абвгдежзиклмнопрстуфхцчшэюя"


def _submit_many(app, sub, n):
    with app.app_context():
        actor = parent(sub)
        for i in range(n):
            submit(actor=actor, child={"last_name": "Тест" + LETTERS[i % 27] + LETTERS[i // 27],
                                       "first_name": "Иван", "middle_name": "", "birth_date": "2015-03-03"})


def _cards(html):
    return re.findall(r'<li class="card">', html)


def test_my_applications_pages_by_twenty(sqlite_app, login_parent):
    _submit_many(sqlite_app, "parent-ivanova", 23)
    client = sqlite_app.test_client()
    login_parent(client, "parent-ivanova")
    first = client.get("/my/applications").get_data(as_text=True)
    assert len(_cards(first)) == 20
    assert "Более ранние" in first and "Более новые" not in first
    assert 'href="/my/applications?page=1"' in first
    second = client.get("/my/applications?page=1").get_data(as_text=True)
    assert "Более новые" in second and "Более ранние" not in second
    shown = set(re.findall(r'/my/applications/([A-Z0-9-]+)"', first))
    rest = set(re.findall(r'/my/applications/([A-Z0-9-]+)"', second))
    assert not shown & rest and len(shown | rest) >= 23  # every application on exactly one page


def test_my_applications_page_out_of_range_or_garbage(sqlite_app, login_parent):
    _submit_many(sqlite_app, "parent-ivanova", 3)
    client = sqlite_app.test_client()
    login_parent(client, "parent-ivanova")
    far = client.get("/my/applications?page=999999")
    assert far.status_code == 200
    assert "На этой странице заявлений нет." in far.get_data(as_text=True)
    for garbage in ("abc", "-5", "1e9", "99999999999999999999999", "%00"):
        response = client.get(f"/my/applications?page={garbage}")
        assert response.status_code in (200, 400), garbage
        if response.status_code == 200:
            assert "Мои заявления" in response.get_data(as_text=True)


def test_today_shows_the_newest_applications_and_a_link_to_all(sqlite_app, login_parent):
    with sqlite_app.app_context():
        load_diary_demo(today=date(2026, 11, 25))
    _submit_many(sqlite_app, "parent-smirnova", 12)
    client = sqlite_app.test_client()
    login_parent(client, "parent-smirnova")
    html = client.get("/my/today").get_data(as_text=True)
    box = html.split('id="open-applications"', 1)[1].split("</section>", 1)[0]
    assert len(re.findall(r"<li>", box)) == 5
    assert "Все заявления в работе: 12" in box and 'href="/my/applications"' in box
    child = re.findall(r"/my/students/(\d+)/today", html)[0]
    day = client.get(f"/my/students/{child}/today").get_data(as_text=True)
    day_box = day.split('id="open-applications"', 1)[1].split("</section>", 1)[0]
    assert len(re.findall(r"<li>", day_box)) == 5 and "Все заявления в работе: 12" in day_box
