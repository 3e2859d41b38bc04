"""One record per transition (app.workflow.transitions): the staff page's forms and flashes, the
portal's buttons, the API's list of actions and its OpenAPI description, the audit log's label
and the mails are all read from it — a new record is offered everywhere it says, nowhere else."""
import dataclasses
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from app import roles
from app.api.schemas import TransitionInput
from app.extensions import db
from app.models import Application, ApplicationState as S, AuditEvent, OutboxMessage
from app.views import ApplicationView
from app.workflow import rules
from app.workflow.machine import action_title
from app.workflow.notifications import RECIPIENTS
from app.workflow.transitions import (
    API,
    CHANNELS,
    PORTAL,
    STAFF,
    TRANSITIONS,
    Field,
    Mail,
    Transition,
    api_transitions,
)
from tests.helpers import workflow as wf
from tests.helpers.web import alerts, bearer, staff_login, text_of, transition_url

MAIL_TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates" / "mail"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# A state each transition can start from, reached from a fresh application (tests.helpers.workflow).
REACHABLE = (S.SUBMITTED, S.PASSPORT_VERIFIED, S.APPROVED)


FIRST_NAMES = iter(["Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Жанна", "Зоя", "Илья", "Кира",
                    "Лев", "Мира", "Нина", "Олег", "Пётр", "Рита", "Семён", "Таня", "Ульяна", "Фёдор"])


def fresh(app, state):
    """A new application of the demo parent Ivanova for a child of her own (not in the roster)."""
    child = {"last_name": "Записев", "first_name": next(FIRST_NAMES), "middle_name": "",
             "birth_date": "2014-03-15"}
    with app.app_context():
        return wf.drive(state, child=child)


def russian(text):
    """The text as a Russian user reads it, and that it is Russian (translated, not the msgid)."""
    with force_locale("ru"):
        shown = str(text)
    assert CYRILLIC.search(shown), f"not translated: {shown!r}"
    return shown


def staff_forms(page):
    return set(re.findall(r'<form method="post" action="/applications/\d+/([\w-]+)"', page.get_data(as_text=True)))


def portal_forms(page, code):
    return set(re.findall(rf'<form method="post" action="/my/applications/{code}/([\w-]+)"',
                          page.get_data(as_text=True)))


def valid_body(transition, application):
    """What a careful user sends for the record's fields (the first offered choice, some text)."""
    body = {}
    for f in transition.fields:
        if f.kind == "radio":
            options = f.options(application)
            value = next((o.value for o in options if o.checked), options[0].value)
            if value != "":  # the form's "none of these" is the API's omitted field
                body[f.name] = value
        elif f.required:
            body[f.name] = "Проверка записи о переходе"
    return body


def code_of(app, application_id):
    with app.app_context():
        return db.session.get(Application, application_id).code


def state_of(app, application_id):
    with app.app_context():
        return wf.get(application_id).state


# --------------------------------------------------------------------------- the records
def test_every_record_is_complete(sqlite_app):
    states = set(S)
    with sqlite_app.test_request_context():
        clerk_permissions = set(roles.ROLE_PERMISSIONS[roles.CLERK])
        api_fields = set(TransitionInput().fields)
        paths = {channel: [] for channel in CHANNELS}
        for t in TRANSITIONS.values():
            assert set(t.sources) <= states or t.sources == (None,), t.name
            assert t.target in states and t.actors, t.name
            russian(t.title)  # the audit log and the timelines
            assert action_title(t.name) == russian(t.title)
            assert set(t.channels) <= set(CHANNELS), t.name
            if t.channels:  # offered to people: a button and what is said after it
                russian(t.label)
                russian(t.flash)
            else:  # fired by the system only (scheduler, outbox worker)
                assert t.actors == {"system"}, t.name
            for text in (t.heading, t.hint, t.confirm):
                if text:
                    russian(text)
            for f in t.fields:
                assert f.kind in ("text", "textarea", "radio"), (t.name, f.name)
                assert f.kind != "radio" or f.options, (t.name, f.name)
                if f.label:
                    russian(f.label)
                if API in t.channels and not t.creates:
                    assert f.name in api_fields, f"{t.name}.{f.name}: not in the API's TransitionInput"
            for mail in t.mails:
                assert (MAIL_TEMPLATES / f"{mail.template}.txt").exists(), mail.template
                assert (MAIL_TEMPLATES / f"{mail.template}.html").exists(), mail.template
                assert mail.to in RECIPIENTS, mail.to
                russian(mail.subject)
                if mail.on_sent:
                    assert TRANSITIONS[mail.on_sent].actors == {"system"}, mail.on_sent
            if STAFF in t.channels:
                assert t.actors & {"clerk", "admin"}, t.name
                assert t.staff_permission in ApplicationView.base_permissions, t.name
                if "clerk" in t.actors:
                    assert (t.staff_permission, "ApplicationView") in clerk_permissions, t.name
            if PORTAL in t.channels:
                assert "parent" in t.actors, t.name
            for channel in t.channels:
                if not t.creates:
                    paths[channel].append(t.path)
        for channel, taken in paths.items():
            assert len(taken) == len(set(taken)), (channel, taken)  # one form URL per transition


def test_every_channel_offers_what_its_records_say(sqlite_app, login_parent):
    """For each state a fresh application can be in: the clerk's page has a form (button, heading,
    fields) for exactly the staff transitions from that state, the parent's page a button for
    exactly the portal ones; each API transition is performed through the API from that state."""
    app = sqlite_app
    clerk = staff_login(app.test_client(), "clerk239", "clerk12345")
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    api = app.test_client()
    headers = bearer(api, "clerk239")
    seen = set()
    for state in REACHABLE:
        application_id = fresh(app, state)
        code = code_of(app, application_id)
        starting_here = [t for t in TRANSITIONS.values() if state in t.sources]

        page = clerk.get(f"/applications/show/{application_id}")
        staff = [t for t in starting_here if STAFF in t.channels]
        assert staff_forms(page) == {t.path for t in staff}, state
        body = page.get_data(as_text=True)
        with app.test_request_context():
            for t in staff:
                form = re.search(rf'(?s)<form method="post" action="/applications/{application_id}/{t.path}".*?</form>',
                                 body).group(0)
                assert russian(t.label) in text_of(form), t.name
                for f in t.fields:
                    assert f'name="{f.name}"' in form, (t.name, f.name)

        page = parent.get(f"/my/applications/{code}")
        portal = [t for t in starting_here if PORTAL in t.channels and not t.creates]
        assert portal_forms(page, code) == {t.path for t in portal}, state
        with app.test_request_context():
            for t in portal:
                assert russian(t.label) in text_of(page), t.name
                if t.confirm:
                    assert f'data-confirm="{russian(t.confirm)}"' in page.get_data(as_text=True)

        for t in starting_here:
            if t not in api_transitions():
                continue
            application_id = fresh(app, state)  # a fresh one for each: the transition moves it
            with app.app_context():
                body = valid_body(t, wf.get(application_id))
            caller, caller_headers = (parent, {}) if "parent" in t.actors else (api, headers)
            answer = caller.post(transition_url(application_id, t.name), json=body, headers=caller_headers)
            assert answer.status_code == 200, (t.name, answer.json)
            assert answer.json["state"] == t.target
            seen.add(t.name)
    assert seen == {t.name for t in api_transitions()}  # every API transition was tried


def test_the_api_refuses_what_it_does_not_offer_in_russian(sqlite_app):
    app = sqlite_app
    application_id = fresh(app, "approved")  # a source state of mark_notified
    submitted_id = fresh(app, "submitted")  # … and of expire
    api = app.test_client()
    headers = bearer(api, "admin", "admin12345")  # may do anything a person may
    offered = {t.name for t in api_transitions()}
    hidden = [name for name in TRANSITIONS if name not in offered]
    assert {"submit", "expire", "mark_notified"} <= set(hidden)
    for name in hidden + ["no_such_action"]:
        for target in (application_id, submitted_id):
            before = state_of(app, target)
            answer = api.post(transition_url(target, name), json={}, headers=headers)
            assert answer.status_code == 404, (name, answer.status_code)
            assert CYRILLIC.search(answer.json["message"]), answer.json
            assert state_of(app, target) == before
    spec = api.get("/api/v1/_openapi").json
    operation = spec["paths"]["/api/v1/applications/{pk}/transitions/{name}"]["post"]
    [name] = [p for p in operation["parameters"] if p["name"] == "name"]
    assert name["schema"]["enum"] == [t.name for t in api_transitions()]


# --------------------------------------------------------------------------- a new record
RETURN = Transition(
    "return_to_queue",
    (S.PASSPORT_VERIFIED,),
    S.SUBMITTED,
    frozenset({"clerk", "admin"}),
    rules.prepare_reject,  # asks for a reason of three letters or more
    title="Возвращено в очередь",
    channels=frozenset({STAFF, API}),
    heading="Вернуть в очередь",
    label="Вернуть в очередь",
    flash="Заявление возвращено в очередь.",
    fields=(Field("reason", "Что не так с проверкой", "textarea", required=True, min_length=3),),
    mails=(Mail("rejected", "Заявление возвращено в очередь"),),
    slug="return",
    permission="can_verify",  # a permission the clerk has (a real one would be added in app.roles)
)


def test_a_new_record_is_offered_on_the_staff_page_the_api_and_the_openapi(sqlite_app, login_staff,
                                                                           monkeypatch):
    app = sqlite_app
    monkeypatch.setitem(TRANSITIONS, RETURN.name, RETURN)
    application_id = fresh(app, "passport_verified")
    code = code_of(app, application_id)
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    show = f"/applications/show/{application_id}"

    page = clerk.get(show)
    assert staff_forms(page) == {"approve", "reject", "return"}
    form = re.search(rf'(?s)<form method="post" action="/applications/{application_id}/return".*?</form>',
                     page.get_data(as_text=True)).group(0)
    assert "Вернуть в очередь" in text_of(form) and "Что не так с проверкой" in text_of(form)
    assert re.search(r'<textarea[^>]*name="reason"[^>]*required', form)

    refused = clerk.post(f"/applications/{application_id}/return", data={"reason": "x"}, follow_redirects=True)
    assert state_of(app, application_id) == "passport_verified"  # prepare checked the field
    assert alerts(refused, "danger")
    done = clerk.post(f"/applications/{application_id}/return", data={"reason": "Копия паспорта нечитаема"})
    assert done.status_code == 302 and done.headers["Location"].endswith(show)
    page = clerk.get(show)
    assert any("Заявление возвращено в очередь." in text for text in alerts(page, "success"))
    assert state_of(app, application_id) == "submitted"
    assert staff_forms(page) == {"verify", "reject"}  # what the submitted state offers again
    with app.app_context():
        event = db.session.query(AuditEvent).filter_by(object_id=application_id).order_by(AuditEvent.id.desc()).first()
        assert (event.action, event.details) == ("return_to_queue", {"reason": "Копия паспорта нечитаема"})
        mail = db.session.query(OutboxMessage).filter_by(application_id=application_id).order_by(
            OutboxMessage.id.desc()).first()
        assert mail.subject == f"Заявление возвращено в очередь · {code}"
    admin = login_staff(app.test_client(), "admin", "admin12345")
    assert "Возвращено в очередь" in text_of(admin.get(f"/audit/show/{event.id}"))

    api = app.test_client()
    headers = bearer(api, "clerk239")
    assert api.post(transition_url(application_id, "verify_passport"), json={"document_type": "other"},
                    headers=headers).status_code == 200
    answer = api.post(transition_url(application_id, "return_to_queue"), json={"reason": "Не тот документ"},
                      headers=headers)
    assert answer.status_code == 200 and answer.json["state"] == "submitted"
    spec = api.get("/api/v1/_openapi").json
    operation = spec["paths"]["/api/v1/applications/{pk}/transitions/{name}"]["post"]
    [name] = [p for p in operation["parameters"] if p["name"] == "name"]
    assert "return_to_queue" in name["schema"]["enum"]
    assert "Возвращено в очередь" in operation["description"]

    # offered on the staff page only: the API refuses it, in Russian
    monkeypatch.setitem(TRANSITIONS, RETURN.name, dataclasses.replace(RETURN, channels=frozenset({STAFF})))
    assert api.post(transition_url(application_id, "verify_passport"), json={"document_type": "other"},
                    headers=headers).status_code == 200
    answer = api.post(transition_url(application_id, "return_to_queue"), json={"reason": "Не тот документ"},
                      headers=headers)
    assert answer.status_code == 404 and CYRILLIC.search(answer.json["message"])
    assert state_of(app, application_id) == "passport_verified"
    assert "return" in staff_forms(clerk.get(show))


@pytest.mark.parametrize("path", ["print", "show", "no-such-action"])
def test_a_form_url_that_names_no_staff_transition_is_not_found(sqlite_app, login_staff, path):
    app = sqlite_app
    application_id = fresh(app, "submitted")
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    assert clerk.post(f"/applications/{application_id}/{path}", data={}).status_code == 404
    assert clerk.get(f"/applications/{application_id}/{path}").status_code in (200, 404)  # show: FAB's page
    assert clerk.get(f"/applications/{application_id}/verify").status_code == 405  # a form's address
    assert state_of(app, application_id) == "submitted"
