"""Request size limits and JSON nesting (app/http_security.py), tried as an attacker would.

- An anonymous 150 MB JSON body to /api/v1/security/login is a 413 with the Russian message and
  the body is not read: with a declared Content-Length nothing is read at all, a chunked body is
  read at most up to MAX_CONTENT_LENGTH. The test client hands the app a stream that counts what
  is read from it; a real gunicorn worker is checked for its peak memory (VmHWM).
- Only the data import upload may be larger (IMPORT_MAX_BYTES); form parts are bounded.
- 100,000 nested `[` (or `{"a":`) to any JSON endpoint, or just more than JSON_MAX_DEPTH levels,
  is a 400 with the Russian message, never a RecursionError 500."""
import io
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select as sql_select

from app.extensions import db
from app.models import TeachingAssignment
from scripts.pgcluster import free_port
from tests.helpers.data import import_examples, set_password, user_id
from tests.helpers.web import TEACHER_PASSWORD, teacher

ROOT = Path(__file__).resolve().parent.parent
TOO_LARGE = "Слишком большой запрос."
BAD_REQUEST = "Запрос не удалось обработать. Проверьте данные и попробуйте ещё раз."
MB = 1024 * 1024
HUGE = 150 * MB


class CountingStream(io.RawIOBase):
    """A request body (`payload`, then JSON whitespace, endless without `total`) that counts how
    much the server read."""

    def __init__(self, total=None, payload=b""):
        self.total = total
        self.payload = payload
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = len(buffer) if self.total is None else min(len(buffer), self.total - self.read_bytes)
        head = self.payload[self.read_bytes:self.read_bytes + n]
        buffer[:n] = head + b" " * (n - len(head))
        self.read_bytes += n
        return n


def _post_stream(client, path, stream, length=None, content_type="application/json"):
    """POST `stream` as the raw body (wsgi.input) with a declared length, or chunked."""
    environ = {"wsgi.input": stream, "CONTENT_TYPE": content_type}
    if length is None:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True  # what gunicorn says for a chunked body
        environ["CONTENT_LENGTH"] = ""
    else:
        environ["CONTENT_LENGTH"] = str(length)
    return client.post(path, environ_overrides=environ)


# --------------------------------------------------------------------------- sizes, test client
def test_huge_declared_body_is_413_before_a_byte_is_read(sqlite_app):
    client = sqlite_app.test_client()
    stream = CountingStream(HUGE)
    response = _post_stream(client, "/api/v1/security/login", stream, length=HUGE)
    assert response.status_code == 413, response.data[:300]
    assert response.get_json() == {"message": TOO_LARGE}
    assert stream.read_bytes == 0


def test_huge_chunked_body_is_read_only_up_to_the_limit(sqlite_app):
    client = sqlite_app.test_client()
    stream = CountingStream(HUGE)  # without a limit all of it would be read
    response = _post_stream(client, "/api/v1/security/login", stream)
    assert response.status_code == 413, response.data[:300]
    assert response.get_json() == {"message": TOO_LARGE}
    assert stream.read_bytes <= sqlite_app.config["MAX_CONTENT_LENGTH"] + 64 * 1024


def test_page_upload_over_the_limit_is_413_in_russian(sqlite_app):
    """A file of 2 MB posted to a page (a file part is not held back by MAX_FORM_MEMORY_SIZE)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    upload = FileStorage(io.BytesIO(b"x" * 2 * MB), filename="a.txt")
    boundary, body = encode_multipart({"username": "x", "file": upload})
    client = sqlite_app.test_client()
    stream = CountingStream(len(body), payload=body)
    response = _post_stream(client, "/login/", stream, length=len(body),
                            content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert TOO_LARGE in response.get_data(as_text=True)
    assert stream.read_bytes == 0


def test_chunked_form_over_the_limit_is_413_not_a_truncated_form(sqlite_app):
    client = sqlite_app.test_client()
    stream = CountingStream(HUGE, payload=b"username=" + b"x" * (3 * MB))
    response = _post_stream(client, "/login/", stream, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert TOO_LARGE in response.get_data(as_text=True)
    assert stream.read_bytes <= sqlite_app.config["MAX_CONTENT_LENGTH"] + 64 * 1024


def test_too_many_form_parts_are_refused(sqlite_app):
    client = sqlite_app.test_client()
    fields = {f"f{i}": "x" for i in range(sqlite_app.config["MAX_FORM_PARTS"] + 10)}
    response = client.post("/login/", data=fields, content_type="multipart/form-data")
    assert response.status_code == 413
    assert TOO_LARGE in response.get_data(as_text=True)


def test_only_the_import_upload_may_be_larger(sqlite_app, login_staff):
    """A 3 MB file reaches the import page (which judges it as a file), the same body anywhere
    else is a 413; past IMPORT_MAX_BYTES the import upload is a 413 too, unread."""
    client = login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")
    big = b"last_name,first_name\n" + "Иванов,Иван\n".encode() * (3 * MB // 20)
    response = client.post("/imports/", data={"file": (io.BytesIO(big), "unknown-kind.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 400), response.data[:300]  # judged by the page: unknown kind
    assert "Choose the kind" not in response.get_data(as_text=True)
    assert TOO_LARGE not in response.get_data(as_text=True)
    elsewhere = client.post("/my/settings", data={"file": (io.BytesIO(big), "students.csv")},
                            content_type="multipart/form-data")
    assert elsewhere.status_code == 413
    stream = CountingStream(HUGE)
    beyond = _post_stream(client, "/imports/", stream, length=sqlite_app.config["IMPORT_MAX_BYTES"] + 1,
                          content_type="multipart/form-data; boundary=x")
    assert beyond.status_code == 413
    assert TOO_LARGE in beyond.get_data(as_text=True)
    assert stream.read_bytes == 0


# --------------------------------------------------------------------------- JSON nesting
def _deep_bodies(levels=100_000):
    return {
        "arrays": "[" * levels + "]" * levels,
        "objects": '{"a":' * levels + "1" + "}" * levels,
        "unclosed": "[" * levels,
    }


def _teacher_cell_url(app):
    """A teacher of the example school (docs/import-examples) and the journal's cell URL."""
    with app.app_context():
        import_examples()
        set_password("t.orlova", TEACHER_PASSWORD)
        assignment = db.session.execute(sql_select(TeachingAssignment.id).where(
            TeachingAssignment.teacher_id == user_id("t.orlova"))).scalars().first()
        db.session.remove()
    return f"/journal/{assignment}/cell"


def test_deeply_nested_json_is_400_in_russian_everywhere(app, login_parent):
    anonymous = app.test_client()
    parent = app.test_client()
    login_parent(parent)
    cell_url = _teacher_cell_url(app)
    journal = teacher(app)
    assert journal.get(cell_url.rsplit("/", 1)[0]).status_code == 200
    targets = [
        (anonymous, "/api/v1/security/login"),  # Flask-AppBuilder's API (@safe)
        (parent, "/api/v1/applications/"),  # ours, get_json(silent=True)
        (parent, "/api/v1/students/1/invitations"),
        (journal, cell_url),  # a staff page's JSON endpoint
    ]
    problems = []
    for client, path in targets:
        for kind, body in _deep_bodies().items():
            response = client.post(path, data=body, content_type="application/json")
            message = (response.get_json(silent=True) or {}).get("message")
            if response.status_code != 400 or message != BAD_REQUEST:
                problems.append(f"{path} {kind}: {response.status_code} {response.data[:200]!r}")
    assert not problems, "\n".join(problems)


def test_deeply_nested_json_file_is_an_import_problem_not_a_500(sqlite_app, login_staff):
    """The import upload's JSON file is parsed by the importer (not request.get_json)."""
    clerk = login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")
    for body in _deep_bodies().values():
        response = clerk.post("/imports/", data={"file": (io.BytesIO(body.encode()), "grades.json")},
                              content_type="multipart/form-data")
        assert response.status_code in (200, 400), response.status_code
        assert "корректным JSON" in response.get_data(as_text=True)


def test_nesting_over_the_bound_is_refused_and_normal_json_works(sqlite_app):
    client = sqlite_app.test_client()
    limit = sqlite_app.config["JSON_MAX_DEPTH"]
    deep = '{"username": "admin", "password": "admin12345", "provider": "db", "x": ' + \
        "[" * limit + "]" * limit + "}"
    response = client.post("/api/v1/security/login", data=deep, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"message": BAD_REQUEST}
    # brackets inside strings are text, not nesting: a wrong password, not a bad request
    brackets = {"username": "admin", "password": '[{"\\' * 5000, "provider": "db"}
    response = client.post("/api/v1/security/login", json=brackets)
    assert response.status_code == 401, response.data[:300]
    fine = {"username": "admin", "password": "admin12345", "provider": "db"}
    response = client.post("/api/v1/security/login", json=fine)
    assert response.status_code == 200, response.data[:300]
    assert "access_token" in response.get_json()


def test_the_app_json_provider_bounds_every_loads(sqlite_app):
    """Whatever calls flask.json.loads (request.get_json, sessions, views) gets a ValueError, not
    a RecursionError; request.get_json(silent=True) gets None."""
    from flask import json, request

    with sqlite_app.test_request_context("/", method="POST", data="[" * 100_000,
                                         content_type="application/json"):
        with pytest.raises(ValueError):
            json.loads("[" * 100_000 + "]" * 100_000)
        with pytest.raises(ValueError):
            json.loads('{"a":' * 100_000 + "1" + "}" * 100_000)
        assert request.get_json(silent=True) is None
        assert json.loads('{"a": [1, {"b": "[[[["}]}') == {"a": [1, {"b": "[[[["}]}


# --------------------------------------------------------------------------- a real gunicorn worker
def _children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _memory_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def _read_answer(sock, timeout=20):
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return data


@pytest.fixture
def gunicorn_worker(_sqlite_app):
    """One sync gunicorn worker serving the app (the test session's SQLite database)."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=_sqlite_app.config["SQLALCHEMY_DATABASE_URI"],
               SECRET_KEY="gunicorn-test-key-" + "k" * 32, RATELIMIT_ENABLED="0")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b",
                               f"127.0.0.1:{port}", "--timeout", "60", "run:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if b" 200 " in _read_answer(s, 5):
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("gunicorn did not start: " + server.stderr.read().decode()[-3000:])
            time.sleep(0.3)
        (worker,) = _children(server.pid)
        yield port, worker
    finally:
        server.terminate()
        server.wait(20)


@pytest.mark.slow  # a gunicorn worker
def test_gunicorn_worker_does_not_swallow_a_150_mb_body(gunicorn_worker):
    port, worker = gunicorn_worker
    before = _memory_kb(worker, "VmRSS")

    # (1) declared length: the answer comes before the body is sent
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /api/v1/security/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % HUGE + b" " * 65536)
        answer = _read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]

    # (2) chunked: the worker stops reading at the limit; we stop sending when it answers
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /api/v1/security/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n"
        try:
            while sent < HUGE:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(chunk)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = _read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert sent < 40 * MB, sent  # the worker answered long before the 150 MB were sent

    peak = _memory_kb(worker, "VmHWM")
    assert peak - before < 50 * 1024, f"worker peak {peak // 1024} MB, before {before // 1024} MB"
