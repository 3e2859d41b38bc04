"""One search of applications (app/applications_search.py): what a clerk types into «Найти» on
the queue and what the API's `?q=` gets find the same applications, on SQLite and PostgreSQL; %
and _ are letters, not wildcards."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Application, School
from tests.helpers.web import bearer
from tests.helpers.workflow import submit

# (last name as typed in the form, the name stored afterwards — % and _ cannot be typed in the
# form, but a record from an import or the old portal may hold them)
CHILDREN = [("Соколов", None), ("Соколова", None), ("Орлов", None), ("Процентов", "%Процентов"),
            ("Подчёркнутый", "_Подчёркнутый"), ("Соколовский", "Сокол_вский")]


@pytest.fixture
def codes(app):
    """{stored last name: code} of the queue of школа № 239 (the demo's and these)."""
    with app.app_context():
        for number, (typed, stored) in enumerate(CHILDREN):
            application = db.session.get(Application, submit(child={
                "last_name": typed, "first_name": "Анна", "middle_name": "", "birth_date": f"2014-0{number + 1}-1{number}"}))
            if stored:
                application.child_last_name = stored
        db.session.commit()
        rows = db.session.execute(select(Application.child_last_name, Application.code, Application.id)
                                  .join(School).where(School.number == "239")).all()
        return {name: (code, pk) for name, code, pk in rows}


def in_queue(client, codes, text):
    """The codes «Найти» shows for `text`: a code opens its application, a name lists matches."""
    found = client.get("/applications/find", query_string={"q": text})
    assert found.status_code == 302, text
    location = found.headers["Location"]
    shown = re.search(r"/applications/show/(\d+)$", location)
    if shown:
        return {code for code, pk in codes.values() if pk == int(shown.group(1))}
    page = client.get(location)
    assert page.status_code == 200, text
    body = page.get_data(as_text=True)
    return {code for code, _ in codes.values() if code in body}


def in_api(client, headers, text):
    answer = client.get("/api/v1/applications/", query_string={"q": text, "page_size": 100}, headers=headers)
    assert answer.status_code == 200, (text, answer.json)
    return {row["code"] for row in answer.json["result"]}


def named(codes, *names):
    return {codes[name][0] for name in names}


def test_percent_and_underscore_find_only_literal_matches(app, codes, login_staff):
    headers = bearer(app.test_client(), "clerk239")
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    for text, expected in (("%", {"%Процентов"}), ("_", {"_Подчёркнутый"}), ("%Про", {"%Процентов"}),
                           ("Сокол_", {"Сокол_вский"}), ("%%", set())):
        assert in_api(app.test_client(), headers, text) == named(codes, *expected), text
        assert in_queue(clerk, codes, text) == named(codes, *expected), text


def test_the_same_text_finds_the_same_applications_in_the_queue_and_the_api(app, codes, login_staff):
    headers = bearer(app.test_client(), "clerk239")
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    sokolov, _ = codes["Соколов"]
    texts = {
        "соколов": {"Соколов", "Соколова"},
        "  Соколов  ": {"Соколов", "Соколова"},
        "Соколов Иван": {"Соколов", "Соколова"},  # the surname is the first word
        "Соколова": {"Соколова"},
        "Орл": {"Орлов"},
        "Нет-такой": set(),
        sokolov.lower(): {"Соколов"},  # a code, however typed
        sokolov.replace("-", " ").lower(): {"Соколов"},
        f" {sokolov.replace('-', '')} ": {"Соколов"},
    }
    for text, expected in texts.items():
        api = in_api(app.test_client(), headers, text)
        assert api == named(codes, *expected), text
        assert in_queue(clerk, codes, text) == api, text
