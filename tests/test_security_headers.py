"""Security headers on every response (app/http_security.py, flask-talisman): the whole URL map is
walked (every rule, every method, sample values for its arguments) as an anonymous visitor, a
clerk and a parent, and every answer — pages, staff screens, the API, static files, redirects,
403/404/405 — carries the same headers; error pages (404, 405, 413, 400, 500) too, on SQLite and
PostgreSQL. HSTS only over https (the request, or PREFERRED_URL_SCHEME=https behind the
balancer), and never a redirect to https."""
import re

import pytest

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
STATIC_FILES = {"static": "actions.js", "appbuilder.static": "css/ab.css", "portal.static": "portal.css"}
SAMPLES = {"code": "AAA-AAA", "version": "v1", "locale": "ru", "token": "no-such-token",
           "secret": "no-such-secret", "group_by": "username"}
LAST = ("logout", "everywhere")  # endpoints that end the walker's session go at the end


def sample_url(rule):
    def value(match):
        name = match.group(1)
        if name == "filename":
            return STATIC_FILES.get(rule.endpoint, "file.txt")
        if name == "name":
            return "funnel" if rule.endpoint.startswith("Reports") else "no_such_action"
        return SAMPLES.get(name, "1")

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule.rule)


def walk(app):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (any(w in r.endpoint.lower() for w in LAST), r.rule))
    for rule in rules:
        for method in METHODS:
            if method in rule.methods:
                yield method, sample_url(rule)


def header_problems(response):
    """What is missing or wrong in one response's headers (plain http)."""
    h = response.headers
    problems = []
    csp = h.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    script = directives.get("script-src", directives.get("default-src"))
    if script is None:
        problems.append(f"no script-src in CSP {csp!r}")
    elif "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script:
        problems.append(f"script-src allows inline/eval/any: {script}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {directives.get('frame-ancestors')}")
    if directives.get("object-src") != ["'none'"]:
        problems.append(f"object-src {directives.get('object-src')}")
    if directives.get("base-uri") is None:
        problems.append("no base-uri")
    if h.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options {h.get('X-Frame-Options')!r}")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options {h.get('X-Content-Type-Options')!r}")
    if h.get("Referrer-Policy") not in ("no-referrer", "strict-origin-when-cross-origin", "same-origin"):
        problems.append(f"Referrer-Policy {h.get('Referrer-Policy')!r}")
    permissions = h.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        if f"{feature}=()" not in permissions:
            problems.append(f"Permissions-Policy lacks {feature}=(): {permissions!r}")
    if "Strict-Transport-Security" in h:
        problems.append("HSTS over plain http")
    location = h.get("Location", "")
    if location.startswith("https://"):
        problems.append(f"redirect to https: {location}")
    return problems


@pytest.fixture
def clients(sqlite_app, login_staff, login_parent):
    anonymous = sqlite_app.test_client()
    clerk = login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")
    parent = sqlite_app.test_client()
    login_parent(parent)
    return {"anonymous": anonymous, "clerk": clerk, "parent": parent}


@pytest.mark.slow  # every route of the URL map
def test_every_route_of_the_url_map_carries_the_headers(sqlite_app, clients):
    routes = list(walk(sqlite_app))
    assert len(routes) > 250  # the walk covers the whole map, FAB's screens and APIs included
    problems, statuses = [], {}
    for who, client in clients.items():
        for method, url in routes:
            response = client.open(url, method=method)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            for problem in header_problems(response):
                problems.append(f"{who} {method} {url} -> {response.status_code}: {problem}")
    assert not problems, f"{len(problems)} problems, e.g.:\n" + "\n".join(problems[:40])
    # the walk met real pages, redirects, static files and refusals, not only one kind of answer
    assert {200, 302, 400, 401, 403, 404} <= set(statuses), statuses


def test_static_files_head_and_options_carry_the_headers(sqlite_app):
    client = sqlite_app.test_client()
    for url in ("/static/actions.js", "/static/appbuilder/js/ab.js", "/portal-static/portal.css"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert header_problems(response) == [], url
    assert header_problems(client.head("/welcome")) == []
    assert header_problems(client.options("/api/v1/schools/")) == []


def test_error_pages_carry_the_headers(app, monkeypatch):
    client = app.test_client()
    answers = {
        404: client.get("/no/such/page"),
        "404 api": client.get("/api/v1/no-such-thing"),
        405: client.get("/api/v1/security/login"),
        413: client.post("/api/v1/security/login", data=b" " * (app.config["MAX_CONTENT_LENGTH"] + 1),
                         content_type="application/json"),
        400: client.post("/api/v1/security/login", data="[" * 10_000, content_type="application/json"),
        401: client.get("/api/v1/students/"),
    }

    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setitem(app.view_functions, "ping", broken)  # an unexpected exception in a view
    answers[500] = client.get("/ping")
    for status, response in answers.items():
        assert response.status_code == int(str(status).split()[0]), (status, response.data[:200])
        assert header_problems(response) == [], status


def test_hsts_only_over_https_and_no_redirect_to_it(sqlite_app, monkeypatch):
    plain = sqlite_app.test_client()
    response = plain.get("/welcome")
    assert response.status_code == 200  # no redirect to https in development and tests
    assert "Strict-Transport-Security" not in response.headers

    secure = sqlite_app.test_client().get("/welcome", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")

    # behind the balancer that terminates TLS: PREFERRED_URL_SCHEME=https says so
    monkeypatch.setitem(sqlite_app.config, "PREFERRED_URL_SCHEME", "https")
    behind = sqlite_app.test_client().get("/welcome")
    assert behind.status_code == 200
    assert "max-age=" in behind.headers["Strict-Transport-Security"]


def test_only_files_and_nonced_scripts_run_on_our_pages(sqlite_app, clients):
    """The pages' own markup: no inline script without the response's nonce, no on…= handler,
    no javascript: URL (the browser test checks the same in Chromium)."""
    pages = {"parent": ["/my/applications", "/my/applications/new", "/my/students", "/my/settings"],
             "clerk": ["/applications/list/", "/imports/", "/reception-hours/list/", "/reception-hours/add",
                       "/school-events/add", "/roster/list/"],
             "anonymous": ["/welcome", "/login/"]}
    problems = []
    for who, urls in pages.items():
        for url in urls:
            response = clients[who].get(url)
            html = response.get_data(as_text=True)
            nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
            for tag in re.findall(r"<script\b[^>]*>", html):
                if "src=" not in tag and 'type="application/json"' not in tag and f'nonce="{nonce}"' not in tag:
                    problems.append(f"{url}: inline script {tag}")
            for handler in re.findall(r"<[^>]+\son[a-z]+\s*=", html):
                problems.append(f"{url}: event handler attribute {handler[:80]}")
            if "javascript:" in html.lower():
                problems.append(f"{url}: javascript: URL")
    assert not problems, "\n".join(problems)
