"""No route answers 5xx to hostile values (issue 8, "no input gives a 500", the class rather than
the cases): every GET rule of the URL map, with its path arguments and the query parameters the
app reads set to values at and beyond the edges — NUL bytes, ids beyond the database's integers,
negative numbers, dates at the calendar's edges, nested-looking and very long text — as each kind
of user, on PostgreSQL (where NUL bytes and integer overflow reach the database as errors)."""
import re

import pytest

pytestmark = pytest.mark.slow  # every route of the URL map × hostile values × six kinds of user

HOSTILE = ["99999999999999999999", "-9223372036854775809", "0001-01-01", "9999-12-31", "a\x00b",
           "%", "[[[[[[[[", "x" * 5000]
# Query parameters read by our pages and API (grep request.args): each gets every hostile value.
PARAMS = ["week", "from", "to", "date", "page", "page_size", "log_page", "q", "state", "district",
          "district_id", "school", "school_id", "days", "student", "student_id", "subject", "class",
          "kind", "format", "pk", "next", "_l_", "psize_ApplicationView", "page_ApplicationView",
          "_oc_ApplicationView", "_od_ApplicationView", "_flt_0_state"]
SKIP = ("logout", "everywhere", "static")


def hostile_urls(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or any(word in rule.endpoint.lower() for word in SKIP):
            continue
        for number, value in enumerate(HOSTILE):
            path_value = value if "\x00" not in value else "a%00b"
            path = re.sub(r"<(?:int:)([^<>]+)>", HOSTILE[number % 2], rule.rule)
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", path_value.replace("/", "")[:300] or "x", path)
            yield rule.endpoint, path, {param: value for param in PARAMS}


@pytest.fixture
def users(pg_app, login_staff, login_parent):
    made = {"anonymous": pg_app.test_client()}
    for name, password in (("admin", "admin12345"), ("clerk239", "clerk12345"),
                           ("teacher239", "teacher12345"), ("supervisor", "super12345")):
        made[name] = login_staff(pg_app.test_client(), name, password)
    parent = pg_app.test_client()
    login_parent(parent)
    made["parent"] = parent
    return made


def test_no_route_answers_5xx_to_hostile_values(pg_app, users):
    urls = list(hostile_urls(pg_app))
    assert len(urls) > 800
    failures = []
    for who, client in users.items():
        for endpoint, path, query in urls:
            answer = client.get(path, query_string=query)
            if answer.status_code >= 500:
                failures.append(f"{who} GET {path} ({endpoint}) -> {answer.status_code}")
    assert not failures, f"{len(failures)} server errors, e.g.:\n" + "\n".join(failures[:30])


# Field names of our forms and FAB's (grep the templates and form classes), each given every
# hostile value, as a form and as a JSON body of the wrong shape.
FIELDS = ["q", "reason", "text", "body", "subject", "title", "topic", "homework", "remark", "value",
          "email", "kind", "scope", "until", "date", "starts_at", "ends_at", "school_id", "student_id",
          "district_id", "class_name", "last_name", "first_name", "middle_name", "birth_date",
          "document_type", "version", "password", "password1", "password2", "username", "day",
          "time_from", "time_to", "room", "lesson_id", "mark", "weight", "action", "rowid", "file",
          "teacher_id", "thread_id"]


def test_no_post_route_answers_5xx_to_hostile_forms_or_json(pg_app, users):
    """Found by it: a JSON body to a page (Flask-WTF takes JSON as the form) with a list, an object
    or a number for a text field was a 500 on FAB's add/edit screens and the login form."""
    rules = [rule for rule in pg_app.url_map.iter_rules()
             if "POST" in rule.methods and not any(word in rule.endpoint.lower() for word in SKIP)]
    assert len(rules) > 60
    failures = []
    for who in ("admin", "clerk239", "teacher239", "parent"):
        client = users[who]
        for rule in rules:
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", rule.rule)
            for number, value in enumerate(HOSTILE):
                bodies = ({"data": {field: value for field in FIELDS}},
                          {"json": {field: [value] if number % 2 else {"x": value} for field in FIELDS}},
                          {"json": {field: number for field in FIELDS}})
                for body in bodies:
                    answer = client.post(path, **body)
                    if answer.status_code >= 500:
                        failures.append(f"{who} POST {path} {sorted(body)[0]} {value[:12]!r} -> {answer.status_code}")
    assert not failures, f"{len(failures)} server errors, e.g.:\n" + "\n".join(failures[:30])
