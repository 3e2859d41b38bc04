"""No route answers 5xx to hostile values (issue 8, "no input gives a 500", the class rather than
the cases): every GET rule of the URL map, with its path arguments and the query parameters the
app reads set to values at and beyond the edges — NUL bytes, ids beyond the database's integers,
negative numbers, dates at the calendar's edges, nested-looking and very long text — as each kind
of user, on PostgreSQL (where NUL bytes and integer overflow reach the database as errors)."""
import re

import pytest

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
