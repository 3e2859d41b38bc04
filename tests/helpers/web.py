"""What a user does and sees over HTTP, through Flask's test client."""
import html
import io
import re
from urllib.parse import urlparse

import requests

DEMO_PARENTS = {
    "parent-ivanova": dict(email="ivanova@example.ru", given_name="Мария", family_name="Иванова",
                           middle_name="Петровна"),
    "parent-petrov": dict(email="petrov@example.ru", given_name="Пётр", family_name="Петров",
                          middle_name="Сергеевич"),
    "parent-smirnova": dict(email="smirnova@example.ru", given_name="Наталья", family_name="Смирнова",
                            middle_name="Викторовна"),
}
# Latin words a Russian user legitimately sees as data: the demo staff's user names.
STAFF_NAMES = {"admin", "clerk239", "clerk321", "clerk27", "supervisor"}
# Names of file formats, written so in Russian texts too.
FORMATS = {"csv", "xlsx", "json", "utf", "windows"}  # and of encodings (UTF-8, Windows-1251)
LATIN_DATA = [
    re.compile(r"[\w.+-]+@[\w.-]+"),  # e-mail addresses
    re.compile(r"https?://\S+"),  # links in e-mails
    re.compile(r"\b[0-9A-Z]{3}-[0-9A-Z]{3}\b"),  # application codes like 7KQ-4MZ
]


# --------------------------------------------------------------------------- logging in
def login_form(client, username, password, address="127.0.0.1", **headers):
    """The staff login form as sent from `address`; the answer (302 in, or back to the form)."""
    return client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def api_login(client, username, password, address="127.0.0.1", **headers):
    """The JSON login (FAB's contract); the answer."""
    return client.post("/api/v1/security/login", environ_base={"REMOTE_ADDR": address}, headers=headers,
                       json={"username": username, "password": password, "provider": "db"})


def staff_login(client, username, password):
    """The staff member is logged in on `client` (the test fails otherwise); returns the client."""
    response = login_form(client, username, password)
    assert response.status_code == 302, response.data[:500]
    return client


def bearer(client, username, password="clerk12345"):
    """Headers with the API token of a staff member (the test fails if the login does)."""
    response = api_login(client, username, password)
    assert response.status_code == 200, response.data[:500]
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def citizen_login(client, idp, sub, **claims):
    """Walk the real OpenID Connect redirect flow: app -> provider (form post of `sub`) -> app."""
    if claims:
        idp.put_user(sub, **claims)
    start = client.get("/login/esia")
    assert start.status_code == 302, start.data[:500]
    authorize_url = start.headers["Location"]
    answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text[:500]
    callback = urlparse(answer.headers["Location"])
    done = client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 302, done.data[:500]
    return done


TEACHER_PASSWORD = "teacher-2026"  # the imported teachers' (fixture `school`, tests/fixtures/diary.py)


def teacher(app, username="t.orlova"):
    """A client logged in as a teacher of the imported examples."""
    return staff_login(app.test_client(), username, TEACHER_PASSWORD)


def transition_url(application_id, name):
    """The API's address of a transition of an application."""
    return f"/api/v1/applications/{application_id}/transitions/{name}"


def approve_by_api(app, application_id, clerk="clerk239"):
    """The school's clerk records the passport check and approves, through the API; returns the
    clerk's headers."""
    client = app.test_client()
    headers = bearer(client, clerk)
    for name, body in (("verify_passport", {"document_type": "passport_rf"}), ("approve", {})):
        answer = client.post(transition_url(application_id, name), json=body, headers=headers)
        assert answer.status_code == 200, answer.data[:500]
    return headers


def invite(client, pupil, email="Nina@Example.ru", **extra):
    """The representative's invitation form on the pupil's profile (an interested person, "only
    grades", consent given unless `extra` says otherwise); the answer."""
    data = {"kind": "viewer", "email": email, "scope": "grades", "consent": "1", **extra}
    return client.post(f"/my/students/{pupil}", data=data)


def upload(client, name, data, **form):
    """A file (`data`, bytes) sent through the import page as `name`; the answer."""
    return client.post("/imports/", data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def staff_pages_open(client):
    """The clerk's queue opens (a logged-out client is sent to the login page instead)."""
    return client.get("/applications/list/").status_code == 200


# --------------------------------------------------------------------------- reading pages
def _page(page):
    return page if isinstance(page, str) else page.get_data(as_text=True)


def text_of(page):
    """The visible text of a page (a response or its HTML): no tags, no scripts, entities decoded,
    spaces collapsed."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", _page(page))
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def alerts(page, kind=None):
    """The messages shown on a page, in order: the staff screens' Bootstrap alerts and the family
    pages' flashes; only those of `kind` ("danger", "success", …) when given."""
    found = re.findall(r'(?s)<div class="(?:alert|flash)( [^"]*)?"[^>]*>(.*?)</div>', _page(page))
    return [html.unescape(re.sub(r"<[^>]+>|&times;", "", text)).strip()
            for classes, text in found
            if kind is None or re.search(rf"\b(?:alert|flash)-{kind}\b", classes)]


def error_of(page):
    """The first error message shown on a page (an alert or flash of kind "danger"), or None."""
    return next(iter(alerts(page, "danger")), None)


def csrf_token(page):
    """The CSRF token of the (first) form on the page."""
    page = _page(page)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def visible_text(page):
    """What a user reads, user-facing attributes included (placeholder, title, aria-label, alt,
    button values)."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", _page(page))
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    # what to type literally, marked as English (the import file's column names)
    page = re.sub(r'(?s)<code lang="en" translate="no">.*?</code>', " ", page)
    attrs = re.findall(r'\b(?:placeholder|title|aria-label|alt|data-original-title)="([^"]*)"', page)
    buttons = re.findall(r'<input[^>]+type="(?:submit|button)"[^>]*value="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(" ".join([text, *attrs, *buttons])).split())


def english_words(text):
    """Latin words in a Russian text, legitimate Latin data (addresses, links, codes) left out."""
    for pattern in LATIN_DATA:
        text = pattern.sub(" ", text)
    words = re.findall(r"\b[A-Za-z][A-Za-z']{2,}\b", text)
    return sorted({w for w in words if w.lower() not in STAFF_NAMES | FORMATS})


def assert_russian(client, path):
    """The page at `path` opens (redirects followed) and is in Russian: no English word in sight."""
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200, (path, response.status_code)
    found = english_words(visible_text(response))
    assert not found, f"English on {path}: {found}"
    assert re.search("[а-яА-Я]", visible_text(response)), path
