"""Fuzzing the JSON API with schemathesis against its own OpenAPI document (/api/v1/_openapi).

Who calls: a parent (a browser session made through the real OIDC login, sent as a cookie) and a
clerk (a bearer token from POST /api/v1/security/login), each on SQLite and PostgreSQL.
What counts as a failure: any 5xx, a status code the document does not declare for the
operation, a wrong content type, a body that does not match the declared schema, and (in the
negative phase) a request the document calls invalid that was answered with 2xx.

The app runs in-process (schemathesis' WSGI transport on the `app` fixture): no port, no
thread, the same throwaway databases as the rest of the suite, and a failure prints the
reproducing request as a curl line; the WSGI path is the same Flask stack gunicorn runs.

Bounded in time: few examples per operation (FUZZ_EXAMPLES, default 20), no shrinking past the
first failure, no Hypothesis deadline (a 2-core machine shared by a CI run is slow at random).
"""
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from sqlalchemy import select
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from app.models import School
from tests.helpers.web import staff_login

pytestmark = pytest.mark.slow  # schemathesis fuzzing of the whole API

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# FAB's refresh endpoint: fuzzed for server errors only. Its declaration is FAB's, and
# flask-jwt-extended answers a malformed token with an undeclared 422 {"msg"}. (The login is ours:
# app.auth.staff.SecurityApi.login checks its body with app.api.schemas.LoginInput.)
SERVER_ERRORS_ONLY = ("/api/v1/security/refresh",)
# Not fuzzed, with the reason:
EXCLUDED_PATHS = (
    # the document itself: a big static answer, and nothing from the request reaches code
    r"^/api/\{version\}/_openapi$",
    # FAB's generic REST security API (users, roles, permissions, resources, groups): off by
    # engineer E's decision (our staff screens manage accounts under one password policy); if it
    # ever comes back, its code and declarations are FAB's, not this document's.
    r"^/api/v1/security/(users|roles|groups|permissions|permissions-resources|resources)",
    # FAB's menu of the logged-in user (the HTML menu as JSON, no input)
    r"^/api/v1/menu/$",
)


def _session_cookies(client):
    """The cookies the Flask test client holds after a login, as name -> value."""
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def _approved_access(app, parent):
    """An approved access of the parent to a child, the ordinary way (submit, verify, approve)."""
    with app.app_context():
        school_id = db.session.execute(select(School.id).where(School.number == "239")).scalar_one()
    child = {"last_name": "Иванов", "first_name": "Иван", "middle_name": "Иванович", "birth_date": "2014-07-09"}
    submitted = parent.post("/api/v1/applications/", json={"school_id": school_id, "child": child})
    assert submitted.status_code == 201, submitted.data
    clerk = app.test_client()
    staff_login(clerk, "clerk239", "clerk12345")
    url = f"/api/v1/applications/{submitted.json['id']}/transitions"
    assert clerk.post(f"{url}/verify_passport", json={"document_type": "passport_rf"}).status_code == 200
    assert clerk.post(f"{url}/approve", json={}).status_code == 200


@pytest.fixture(params=["parent", "clerk", "supervisor"])
def caller(request, app, login_parent):
    """Who calls: headers, cookies, and the ids of what the caller may really open (so that the
    fuzzer reaches past the 404 of a random id into the code that reads bodies and queries)."""
    client = app.test_client()
    if request.param == "parent":
        login_parent(client)
        _approved_access(app, client)
        headers = {}
    else:
        username, password = {"clerk": ("clerk239", "clerk12345"), "supervisor": ("supervisor", "super12345")}[
            request.param]
        response = client.post("/api/v1/security/login",
                               json={"username": username, "password": password, "provider": "db"})
        assert response.status_code == 200, response.data
        headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    known = {}
    applications = client.get("/api/v1/applications/", headers=headers).json["result"]
    if applications:
        known["pk"] = applications[0]["id"]
    pupils = client.get("/api/v1/students/", headers=headers).json["result"]
    if pupils:
        known["student_id"] = pupils[0]["id"]
    # the supervisor reads the district reports only (the rest is the clerk's and the parent's)
    only = "/api/v1/reports/" if request.param == "supervisor" else "/api/"
    assert known or only != "/api/", "the demo data gives every caller something to open"
    return {"headers": headers, "cookies": _session_cookies(client), "known": known, "only": only}


@pytest.fixture
def api_schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app)
    schema.config.generation.update(max_examples=EXAMPLES, no_shrink=True, allow_x00=True)
    for pattern in EXCLUDED_PATHS:
        schema = schema.exclude(path_regex=pattern)
    return schema


def _fuzz(operation, mode, caller, path_parameters):
    """Run one operation in one generation mode; the failure text carries the curl line."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        if isinstance(case.query, dict):
            # a generated null in the query string: werkzeug (and requests) would silently drop the
            # parameter while the check believes it was sent; send what a client would, "null"
            case.query = {name: "null" if value is None else value for name, value in case.query.items()}
        checks = [not_a_server_error] if operation.path in SERVER_ERRORS_ONLY else CHECKS
        # the WSGI transport does not undo Content-Encoding: ask for the plain body (the answers
        # are gzipped for a client that accepts it, app/static_assets.py)
        headers = {**caller["headers"], "Accept-Encoding": "identity"}
        case.call_and_validate(headers=headers, cookies=caller["cookies"], checks=checks)

    run()


def test_api_fuzz(api_schema, caller):
    """Every declared operation, valid and invalid data: no 5xx, nothing outside the document."""
    failures, fuzzed = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(caller["only"]):
            continue
        names = re.findall(r"\{(\w+)\}", operation.path)
        known = {name: caller["known"][name] for name in names if name in caller["known"]}
        runs = [(GenerationMode.POSITIVE, known), (GenerationMode.NEGATIVE, known)]
        if known:  # and ids the fuzzer makes up: huge, negative, not numbers
            runs.append((GenerationMode.NEGATIVE, None))
        for mode, path_parameters in runs:
            fuzzed += 1
            try:
                _fuzz(operation, mode, caller, path_parameters)
            except Unsatisfiable:
                pass  # nothing to make invalid (no parameters, no body): the positive run covers it
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all reported together below
                ids = "known ids" if path_parameters else "generated ids"
                failures.append(f"{operation.label} ({mode.value}, {ids}):\n{exc}")
    assert fuzzed >= (2 if caller["only"] != "/api/" else 2 * 15), fuzzed  # the document still declares them
    assert not failures, "\n\n".join(failures)
