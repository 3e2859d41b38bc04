"""The parent pages (Russian, phone-first): log in, apply, follow, withdraw, see the pupils.

Wording assertions use the texts of the real service (seeds): "Мои заявления", "Ваше заявление
отправлено", "Обучающиеся", "паспорт". Structure assertions (status codes, codes, data) do not
depend on the wording."""
import html
import re
from datetime import date

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Application, Student
from tests.helpers.data import count, school_id
from tests.helpers.web import approve_by_api, bearer, text_of, transition_url

NEW_PARENT = dict(email="iks@example.ru", given_name="Икс", family_name="Иксов")
LYCEUM_HOURS = "пятница 15:00–18:00, кабинет № 63 (2 этаж), Греку Ирина Алексеевна"


def errors_of(response):
    """Field errors shown on the form: {field id: message}."""
    page = response.get_data(as_text=True)
    found = dict(re.findall(r'<div class="error" id="([\w-]+)-error">([^<]*)</div>', page))
    school = re.search(r'<div class="error">([^<]*)</div>', page)
    if school:
        found["school_id"] = school.group(1)
    return {k: html.unescape(v).strip() for k, v in found.items()}


def field_value(response, name):
    match = re.search(rf'<input id="{name}" name="{name}"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    assert match, f"no input {name}"
    return html.unescape(match.group(1))


def selected_school(response):
    page = response.get_data(as_text=True)
    select_html = re.search(r'(?s)<select id="school_id".*?</select>', page).group(0)
    match = re.search(r'<option value="(\d+)"\s+selected', select_html)
    return int(match.group(1)) if match else None


def form_for(app, **overrides):
    form = {"last_name": "Иксов", "first_name": "Игорь", "middle_name": "Игоревич",
            "birth_date": "2013-04-12", "district": "", "school_id": str(school_id(app, "239"))}
    form.update(overrides)
    return form


def apply(client, form):
    return client.post("/my/applications/new", data=form)


def application_by_code(app, code):
    with app.app_context():
        a = db.session.execute(select(Application).where(Application.code == code)).scalar_one()
        return a.id, a.state


# --------------------------------------------------------------------------- login, empty states
def test_login_leads_to_my_applications_with_the_empty_state_explained(sqlite_app, login_parent):
    client = sqlite_app.test_client()
    assert client.get("/my/applications").status_code == 302  # not logged in
    done = login_parent(client, "parent-x", **NEW_PARENT)
    assert done.headers["Location"].endswith("/my/today")  # no diary open yet: on to «Мои заявления»
    assert client.get("/my/today").headers["Location"].endswith("/my/applications")
    page = client.get("/my/applications")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'name="viewport"' in body and "width=device-width" in body  # phone-first
    assert 'class="empty"' in body
    assert 'href="/my/applications/new"' in body
    assert "Мои заявления" in text_of(page)
    students = client.get("/my/students")
    assert students.status_code == 200
    assert 'class="empty"' in students.get_data(as_text=True)
    assert "<table" not in students.get_data(as_text=True)
    assert "Обучающиеся" in text_of(students)
    assert "образовательн" in text_of(students)  # what to do: visit the school


def test_the_form_offers_district_then_school(sqlite_app, login_parent):
    client = sqlite_app.test_client()
    login_parent(client, "parent-x", **NEW_PARENT)
    page = client.get("/my/applications/new")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    districts = re.search(r'(?s)<select id="district".*?</select>', body).group(0)
    assert "Адмиралтейский район" in districts and "Василеостровский район" in districts
    schools = re.search(r'(?s)<select id="school_id".*?</select>', body).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)" data-district="(\d+)">', schools)
    assert [g[0] for g in groups] == ["Адмиралтейский район", "Василеостровский район"]
    for number in ("239", "321", "27"):
        assert f'value="{school_id(sqlite_app, number)}"' in schools
    assert "apply.js" in body  # narrows the schools to the chosen district
    for name in ("last_name", "first_name", "middle_name", "birth_date"):
        assert f'name="{name}"' in body
    assert 'name="csrf_token"' in body


# --------------------------------------------------------------------------- validation
def assert_russian(message):
    assert re.search("[А-Яа-яЁё]", message), message
    assert not re.search("[A-Za-z]{3,}", message), message


def test_validation_messages_in_russian_and_nothing_typed_is_lost(sqlite_app, login_parent):
    client = sqlite_app.test_client()
    login_parent(client, "parent-x", **NEW_PARENT)

    # empty names
    r = apply(client, form_for(sqlite_app, last_name="", first_name="  ", middle_name="Игоревич"))
    assert r.status_code == 400
    errors = errors_of(r)
    assert {"last_name", "first_name"} <= set(errors), errors
    assert field_value(r, "middle_name") == "Игоревич"
    assert field_value(r, "birth_date") == "2013-04-12"
    assert selected_school(r) == school_id(sqlite_app, "239")

    # a future birth date
    future = date(clock.today().year + 1, 1, 1).isoformat()
    r = apply(client, form_for(sqlite_app, birth_date=future))
    assert r.status_code == 400
    future_error = errors_of(r)["birth_date"]
    assert field_value(r, "last_name") == "Иксов"
    assert field_value(r, "first_name") == "Игорь"
    assert field_value(r, "birth_date") == future

    # an implausible age: a two-year-old, and a thirty-year-old
    for years in (2, 30):
        birth = date(clock.today().year - years, 1, 1).isoformat()
        r = apply(client, form_for(sqlite_app, birth_date=birth))
        assert r.status_code == 400
        assert "birth_date" in errors_of(r), years
        assert errors_of(r)["birth_date"] != future_error

    # no school
    r = apply(client, form_for(sqlite_app, school_id="", district=str(1)))
    assert r.status_code == 400
    assert "school_id" in errors_of(r)
    assert field_value(r, "last_name") == "Иксов"
    districts = re.search(r'(?s)<select id="district".*?</select>', r.get_data(as_text=True)).group(0)
    assert re.search(r'<option value="1"\s+selected>', districts)  # the chosen district is kept

    assert count(sqlite_app, Application) == 1  # only the demo one
    for message in errors.values():
        assert_russian(message)
    assert_russian(future_error)
    assert_russian(errors_of(r)["school_id"])


# --------------------------------------------------------------------------- submit, the sent page
def test_after_submit_the_page_says_sent_with_code_hours_and_passport(sqlite_app, login_parent, smtp):
    client = sqlite_app.test_client()
    login_parent(client, "parent-x", **NEW_PARENT)
    r = apply(client, form_for(sqlite_app))
    assert r.status_code == 302
    location = r.headers["Location"]
    code = re.search(r"/my/applications/([0-9A-Z]{3}-[0-9A-Z]{3})", location).group(1)
    application_id, state = application_by_code(sqlite_app, code)
    assert state == "submitted"
    with sqlite_app.app_context():
        a = db.session.get(Application, application_id)
        assert (a.child_last_name, a.child_first_name, a.child_middle_name) == ("Иксов", "Игорь", "Игоревич")
        assert a.child_birth_date == date(2013, 4, 12)
        assert a.parent.email == "iks@example.ru"

    page = client.get(location)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert code in body
    assert "Кирочная ул., д. 8" in body
    visible = text_of(page)
    assert "Ваше заявление отправлено" in visible
    assert LYCEUM_HOURS in visible
    assert "паспорт" in visible

    # the same child and school again: refused, with the reason, nothing new saved
    again = apply(client, form_for(sqlite_app))
    assert again.status_code == 400
    assert code in again.get_data(as_text=True)
    assert count(sqlite_app, Application) == 2


# --------------------------------------------------------------------------- list, timeline, withdraw
def test_list_shows_state_and_timeline_and_withdraw_works(sqlite_app, login_parent):
    client = sqlite_app.test_client()
    login_parent(client, "parent-x", **NEW_PARENT)
    code = apply(client, form_for(sqlite_app)).headers["Location"].split("/")[-1].split("?")[0]
    listing = client.get("/my/applications")
    body = listing.get_data(as_text=True)
    assert code in body
    assert "state-submitted" in body
    assert "Иксов Игорь Игоревич" in body and "ГБОУ лицей № 239" in body
    assert 'class="empty"' not in body

    application_id, _state = application_by_code(sqlite_app, code)
    client_clerk = sqlite_app.test_client()
    assert client_clerk.post(transition_url(application_id, "verify_passport"), json={"document_type": "passport_rf"},
                             headers=bearer(client_clerk, "clerk239")).status_code == 200
    page = client.get(f"/my/applications/{code}")
    body = page.get_data(as_text=True)
    timeline = re.search(r'(?s)<ol class="timeline">(.*?)</ol>', body).group(1)
    assert timeline.count("<li>") == 2
    assert "state-passport_verified" in body
    assert f"/my/applications/{code}/withdraw" in body  # still possible before approval

    r = client.post(f"/my/applications/{code}/withdraw", data={"version": "2"})
    assert r.status_code == 302
    assert application_by_code(sqlite_app, code)[1] == "withdrawn"
    page = client.get(f"/my/applications/{code}")
    body = page.get_data(as_text=True)
    assert f"/my/applications/{code}/withdraw" not in body
    assert re.search(r'(?s)<ol class="timeline">(.*?)</ol>', body).group(1).count("<li>") == 3
    listing = client.get("/my/applications").get_data(as_text=True)
    assert "state-withdrawn" in listing
    card = re.search(rf'(?s)<li class="card">((?:(?!</li>\s*</ul>).)*?{code}.*?)</ol>', listing).group(1)
    assert card.count("<li>") == 3  # the card's timeline: submitted, verified, withdrawn


def test_after_approval_no_withdraw_and_the_pupil_is_listed(app, login_parent):
    client = app.test_client()
    login_parent(client, "parent-x", **NEW_PARENT)
    code = apply(client, form_for(app)).headers["Location"].split("/")[-1].split("?")[0]
    application_id, _state = application_by_code(app, code)
    approve_by_api(app, application_id)

    page = client.get(f"/my/applications/{code}")
    body = page.get_data(as_text=True)
    assert "state-approved" in body
    assert f"/my/applications/{code}/withdraw" not in body
    assert "/my/students" in body
    r = client.post(f"/my/applications/{code}/withdraw", data={"version": "3"})  # crafted anyway
    assert r.status_code in (302, 400, 409)
    assert application_by_code(app, code)[1] == "approved"

    students = client.get("/my/students")
    assert students.status_code == 200
    table = re.search(r"(?s)<table.*?</table>", students.get_data(as_text=True))
    assert table, "no table of pupils"
    rows = re.findall(r"(?s)<tr>(.*?)</tr>", table.group(0))
    cells = [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
              for c in re.findall(r"(?s)<t[hd][^>]*>(.*?)</t[hd]>", row)] for row in rows]
    assert ["Иксов Игорь Игоревич", "12.04.2013"] == cells[1][:2]
    assert len(cells) == 2 and len(cells[1]) == 3
    assert cells[0] == ["Имя", "Дата рождения", "Ваш доступ"]
    assert cells[1][2] == "Родитель (законный представитель)"  # the approved parent's relation
    with app.app_context():
        assert db.session.execute(select(Student).where(Student.last_name == "Иксов")).scalar_one()


def test_pages_are_in_russian(sqlite_app, login_parent):
    client = sqlite_app.test_client()
    login_parent(client, "parent-x", **NEW_PARENT)
    code = apply(client, form_for(sqlite_app)).headers["Location"].split("/")[-1].split("?")[0]
    for path in ("/welcome", "/my/applications", "/my/applications/new", f"/my/applications/{code}",
                 f"/my/applications/{code}?sent=1", "/my/students"):
        visible = text_of(client.get(path)).replace(code, "")
        english = re.findall(r"\b[A-Za-z]{3,}\b", visible)
        assert not english, (path, english)
