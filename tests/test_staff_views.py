"""The clerk's and the admin's Flask-AppBuilder screens."""
import re
from datetime import time

import pytest
from sqlalchemy import func, select

from app import roles
from app.access import Actor
from app.extensions import db
from app.models import (
    Application,
    AuditEvent,
    District,
    OutboxMessage,
    OutboxStatus,
    ReceptionSlot,
    School,
    Student,
)
from app.workflow import fire
from tests.helpers.data import failed_message, school_id
from tests.helpers.web import alerts

FIRST_NAMES = ["Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Жанна", "Зоя", "Илья", "Кира"]


def parent_actor(app, username="esia:parent-ivanova"):
    user = app.appbuilder.sm.find_user(username=username)
    return Actor(user_id=user.id, label=user.username, roles=frozenset({roles.PARENT}))


def create_applications(app, number, how_many, last_name="Соколов"):
    """Applications of the demo parent Ivanova at school `number`; returns their codes."""
    codes = []
    with app.app_context():
        actor = parent_actor(app)
        school = school_id(app, number)
        for i in range(how_many):
            application = fire("submit", actor, data={
                "school_id": school,
                "child": {"last_name": last_name, "first_name": FIRST_NAMES[i % 10],
                          "middle_name": "", "birth_date": f"{2010 + i % 8}-0{1 + i // 10 % 9}-1{i % 10}"},
            })
            codes.append(application.code)
    return codes


def app_row(app, code):
    with app.app_context():
        a = db.session.execute(select(Application).where(Application.code == code)).scalar_one()
        return {"id": a.id, "state": a.state, "version": a.version, "student_id": a.student_id,
                "reason": a.reason, "document_type": a.document_type,
                "events": db.session.scalar(select(func.count()).select_from(AuditEvent))}


def petrov_code(app):
    with app.app_context():
        return db.session.execute(
            select(Application.code).where(Application.child_last_name == "Петров")).scalar_one()


def codes_on(page, codes):
    body = page.get_data(as_text=True)
    return {code for code in codes if code in body}


# --------------------------------------------------------------------------- the queue
def test_queue_shows_own_school_and_filters_by_state(sqlite_app, login_staff):
    app = sqlite_app
    own = create_applications(app, "239", 2) + [petrov_code(app)]
    other = create_applications(app, "321", 2, last_name="Чужой")
    with app.app_context():
        clerk = Actor(user_id=None, label="t", roles=frozenset({roles.CLERK}), school_id=school_id(app, "239"))
        verified = db.session.execute(select(Application).where(Application.code == own[0])).scalar_one()
        fire("verify_passport", clerk, verified.id, data={"document_type": "passport_rf"})
    client = login_staff(app.test_client(), "clerk239", "clerk12345")
    page = client.get("/applications/list/")
    assert page.status_code == 200
    assert codes_on(page, own + other) == set(own)
    body = page.get_data(as_text=True)
    for state in ("submitted", "passport_verified", "approved", "rejected", "withdrawn", "expired"):
        assert f"?_flt_3_state={state}" in body  # the state pills
    assert codes_on(client.get("/applications/list/?_flt_3_state=passport_verified"), own + other) == {own[0]}
    assert codes_on(client.get("/applications/list/?_flt_3_state=submitted"), own + other) == set(own[1:])
    assert codes_on(client.get("/applications/list/?_flt_3_state=approved"), own + other) == set()


def test_search_by_loosely_typed_code_opens_the_application(sqlite_app, login_staff):
    app = sqlite_app
    code = petrov_code(app)
    application_id = app_row(app, code)["id"]
    client = login_staff(app.test_client(), "clerk239", "clerk12345")
    raw = code.replace("-", "")
    for typed in (raw.lower(), f"{raw[:3].lower()} {raw[3:].lower()}", f"  {code}  ", code.lower()):
        r = client.get("/applications/find", query_string={"q": typed})
        assert r.status_code == 302, typed
        assert r.headers["Location"].endswith(f"/applications/show/{application_id}"), typed
    # the list's search box goes to /find
    assert 'action="/applications/find"' in client.get("/applications/list/").get_data(as_text=True)
    # an unknown code: back to the list with a message, not an error
    r = client.get("/applications/find", query_string={"q": "zzz-zzz"}, follow_redirects=True)
    assert r.status_code == 200
    assert alerts(r)


def test_search_by_surname_lists_matches(sqlite_app, login_staff):
    app = sqlite_app
    sokolovs = create_applications(app, "239", 3, last_name="Соколов")
    others = create_applications(app, "239", 2, last_name="Орлова")
    client = login_staff(app.test_client(), "clerk239", "clerk12345")
    r = client.get("/applications/find", query_string={"q": "соколов"}, follow_redirects=True)
    assert r.status_code == 200
    assert codes_on(r, sokolovs + others + [petrov_code(app)]) == set(sokolovs)
    r = client.get("/applications/find", query_string={"q": "Орл"}, follow_redirects=True)
    assert codes_on(r, sokolovs + others) == set(others)


def test_paging_and_the_page_size_trap(sqlite_app, login_staff):
    app = sqlite_app
    codes = create_applications(app, "239", 104) + [petrov_code(app)]  # 105 in the queue
    client = login_staff(app.test_client(), "clerk239", "clerk12345")
    first = codes_on(client.get("/applications/list/"), codes)
    second = codes_on(client.get("/applications/list/?page_ApplicationView=1"), codes)
    assert len(first) == 25 and len(second) == 25 and not first & second
    last = codes_on(client.get("/applications/list/?page_ApplicationView=4"), codes)
    assert len(last) == 5

    for bad in ("abc", "", "-5", "1e9", "99999999999999999999999"):
        r = client.get(f"/applications/list/?psize_ApplicationView={bad}", follow_redirects=True)
        assert r.status_code == 200, bad
        assert 1 <= len(codes_on(r, codes)) <= 100, bad
    huge = client.get("/applications/list/?psize_ApplicationView=100000", follow_redirects=True)
    assert huge.status_code == 200
    assert len(codes_on(huge, codes)) == 100  # clamped, not unbounded
    for query in ("page_ApplicationView=abc", "page_ApplicationView=-1",
                  "page_ApplicationView=99999999999999999999",
                  "_oc_ApplicationView=no_such_column&_od_ApplicationView=asc",
                  "_oc_ApplicationView=parent.password&_od_ApplicationView=desc"):
        r = client.get(f"/applications/list/?{query}", follow_redirects=True)
        assert r.status_code == 200, query
    ordered = client.get("/applications/list/?_oc_ApplicationView=child_last_name&_od_ApplicationView=asc")
    assert ordered.status_code == 200
    assert codes_on(ordered, [petrov_code(app)])  # Петров sorts before Соколов


# --------------------------------------------------------------------------- the show page and its actions
@pytest.fixture
def petrov(sqlite_app, login_staff):
    """The demo data's application (Петров at лицей № 239): its code, its row, and the school's
    clerk logged in."""
    code = petrov_code(sqlite_app)
    return code, app_row(sqlite_app, code), login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")


def forms_on(page):
    body = page.get_data(as_text=True)
    return {name for name in ("verify", "approve", "reject")
            if re.search(rf'<form method="post" action="/applications/\d+/{name}"', body)}


def test_show_page_timeline_and_actions_for_the_current_state(sqlite_app, petrov):
    app = sqlite_app
    code, row, client = petrov
    show = f"/applications/show/{row['id']}"

    page = client.get(show)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert code in body and "Петров" in body
    assert forms_on(page) == {"verify", "reject"}
    assert f"/applications/{row['id']}/print" in body
    assert body.count('name="csrf_token"') == 3  # verify, reject and the menu's logout form (POST)
    assert 'value="passport_rf"' in body and 'value="other"' in body

    r = client.post(f"/applications/{row['id']}/verify",
                    data={"document_type": "other", "version": str(row["version"])})
    assert r.status_code == 302 and r.headers["Location"].endswith(show)
    after = app_row(app, code)
    assert (after["state"], after["document_type"]) == ("passport_verified", "other")
    page = client.get(show)
    assert forms_on(page) == {"approve", "reject"}
    assert alerts(page)  # "the passport check has been recorded"
    body = page.get_data(as_text=True)
    timeline = re.search(r"(?s)<h4>[^<]*</h4>\s*<ol>(.*?)</ol>", body).group(1)
    assert timeline.count("<li>") == 2
    assert "Греку Ирина" in timeline
    # the roster pupil with the same name and birth date is offered and preselected
    with app.app_context():
        pupil = db.session.execute(select(Student).where(Student.last_name == "Петров")).scalar_one()
    assert re.search(rf'name="student_id" value="{pupil.id}" checked', body)

    # a second click from the stale page: refused, nothing changes
    stale = client.post(f"/applications/{row['id']}/verify",
                        data={"document_type": "passport_rf", "version": str(row["version"])})
    assert stale.status_code == 302
    assert app_row(app, code)["state"] == "passport_verified"
    assert app_row(app, code)["document_type"] == "other"

    r = client.post(f"/applications/{row['id']}/approve", data={"student_id": str(pupil.id)})
    assert r.status_code == 302
    assert (app_row(app, code)["state"], app_row(app, code)["student_id"]) == ("approved", pupil.id)
    page = client.get(show)
    assert forms_on(page) == set()
    assert re.search(r"(?s)<h4>[^<]*</h4>\s*<ol>(.*?)</ol>", page.get_data(as_text=True)).group(1).count("<li>") == 3


def test_approve_can_add_a_new_pupil_to_the_roster(sqlite_app, login_staff):
    app = sqlite_app
    [code] = create_applications(app, "239", 1, last_name="Новиков")
    row = app_row(app, code)
    client = login_staff(app.test_client(), "clerk239", "clerk12345")
    client.post(f"/applications/{row['id']}/verify", data={"document_type": "passport_rf"})
    page = client.get(f"/applications/show/{row['id']}").get_data(as_text=True)
    assert re.search(r'name="student_id" value="" checked', page)  # nobody in the roster matches
    r = client.post(f"/applications/{row['id']}/approve", data={"student_id": "", "class_name": "3 «Б»"})
    assert r.status_code == 302
    after = app_row(app, code)
    assert after["state"] == "approved"
    with app.app_context():
        pupil = db.session.get(Student, after["student_id"])
        assert (pupil.last_name, pupil.class_name, pupil.school_id) == ("Новиков", "3 «Б»", school_id(app, "239"))


def test_reject_needs_a_reason(sqlite_app, petrov):
    app = sqlite_app
    code, row, client = petrov
    for reason in ("", "   ", "a"):
        page = client.post(f"/applications/{row['id']}/reject", data={"reason": reason}, follow_redirects=True)
        assert page.status_code == 200
        assert alerts(page), reason  # the error is shown
        assert forms_on(page) == {"verify", "reject"}
        assert app_row(app, code) == row
    page = client.post(f"/applications/{row['id']}/reject",
                       data={"reason": "Не подтверждено родство"}, follow_redirects=True)
    after = app_row(app, code)
    assert (after["state"], after["reason"]) == ("rejected", "Не подтверждено родство")
    assert "Не подтверждено родство" in page.get_data(as_text=True)
    assert forms_on(page) == set()


def test_print_page_has_what_the_parent_signs(sqlite_app, petrov):
    app = sqlite_app
    code, row, client = petrov
    page = client.get(f"/applications/{row['id']}/print")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for text in ("ГБОУ лицей № 239", "от Петрова Петра Сергеевича", "обучающегося Петрова Петра Петровича",
                 "08.08.2015", code):
        assert text in body, text
    assert body.count('class="line"') >= 2  # lines for the signature and the date
    assert "data-print" in body and "actions.js" in body  # the print button (no inline script)
    assert "Подпись" in body and "Дата" in body


# --------------------------------------------------------------------------- reception hours
def slots(app, number):
    with app.app_context():
        return [(s.weekday, s.time_from, s.time_to, s.room, s.responsible) for s in db.session.execute(
            select(ReceptionSlot).join(School).where(School.number == number)
            .order_by(ReceptionSlot.weekday, ReceptionSlot.time_from)).scalars()]


def test_clerk_adds_and_edits_reception_hours(sqlite_app, login_staff):
    app = sqlite_app
    client = login_staff(app.test_client(), "clerk239", "clerk12345")
    before = slots(app, "239")
    form = {"school": str(school_id(app, "239")), "weekday": "0", "time_from": "10:00", "time_to": "12:30",
            "room": "кабинет № 10", "responsible": "Греку Ирина Алексеевна"}
    r = client.post("/reception-hours/add", data=form)
    assert r.status_code == 302
    after = slots(app, "239")
    assert after == [(0, time(10), time(12, 30), "кабинет № 10", "Греку Ирина Алексеевна")] + before

    # the end before the start: an error on the form, what was typed stays, nothing saved
    bad = dict(form, time_from="18:00", time_to="17:00", room="кабинет № 99")
    r = client.post("/reception-hours/add", data=bad)
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "кабинет № 99" in body
    assert re.search(r'value="18:00"', body)
    assert slots(app, "239") == after
    equal = dict(form, time_from="10:00", time_to="10:00", room="кабинет № 98")
    client.post("/reception-hours/add", data=equal)
    assert slots(app, "239") == after

    with app.app_context():
        slot_id = db.session.execute(
            select(ReceptionSlot.id).where(ReceptionSlot.room == "кабинет № 63 (2 этаж)")).scalar_one()
    edit = dict(form, weekday="4", time_from="14:00", time_to="17:00", room="кабинет № 63 (2 этаж)")
    r = client.post(f"/reception-hours/edit/{slot_id}", data=edit)
    assert r.status_code == 302
    assert (4, time(14), time(17), "кабинет № 63 (2 этаж)", "Греку Ирина Алексеевна") in slots(app, "239")
    r = client.post(f"/reception-hours/edit/{slot_id}", data=dict(edit, time_to="13:00"))
    assert r.status_code == 200
    assert (4, time(14), time(17), "кабинет № 63 (2 этаж)", "Греку Ирина Алексеевна") in slots(app, "239")
    # the parent sees the new hours
    schools = app.test_client().get("/api/v1/schools/").json["result"]
    lyceum = next(s for s in schools if s["number"] == "239")
    assert ("14:00", "17:00") in [(h["from"], h["to"]) for h in lyceum["reception_hours"]]


# --------------------------------------------------------------------------- admin
def test_admin_screens_open(sqlite_app, login_staff):
    app = sqlite_app
    client = login_staff(app.test_client(), "admin", "admin12345")
    for path, expected in (("/districts/list/", "Василеостровский район"),
                           ("/schools/list/", "ГБОУ гимназия № 27"),
                           ("/staff-assignments/list/", "Смирнова"),
                           ("/roster/list/", "Сидорова"),
                           ("/audit/list/", "submit"),
                           ("/outbox/list/", "petrov@example.ru"),
                           ("/applications/list/", petrov_code(app)),
                           ("/reception-hours/list/", "Кузнецов Андрей Павлович"),
                           ("/users/list/", "clerk239"),
                           ("/staff-assignments/add", "<form"),
                           ("/districts/add", "<form")):
        page = client.get(path)
        assert page.status_code == 200, path
        assert expected in page.get_data(as_text=True), path


def test_audit_log_is_read_only(sqlite_app, login_staff):
    app = sqlite_app
    client = login_staff(app.test_client(), "admin", "admin12345")
    with app.app_context():
        event = db.session.execute(select(AuditEvent)).scalars().first()
        event_id, action = event.id, event.action
    assert client.get(f"/audit/show/{event_id}").status_code == 200
    for method, path in (("get", "/audit/add"), ("post", "/audit/add"),
                         ("get", f"/audit/edit/{event_id}"), ("post", f"/audit/edit/{event_id}"),
                         ("get", f"/audit/delete/{event_id}"), ("post", f"/audit/delete/{event_id}"),
                         ("post", "/audit/action_post")):
        r = getattr(client, method)(path, data={"action": "tampered", "actor_label": "x"})
        assert r.status_code in (403, 404, 405), (method, path)
    listing = client.get("/audit/list/").get_data(as_text=True)
    assert f"/audit/edit/{event_id}" not in listing and f"/audit/delete/{event_id}" not in listing
    with app.app_context():
        assert db.session.get(AuditEvent, event_id).action == action


def test_outbox_shows_failed_messages_and_retry_makes_them_pending(sqlite_app, login_staff):
    app = sqlite_app
    message_id = failed_message(app)
    client = login_staff(app.test_client(), "admin", "admin12345")
    page = client.get("/outbox/list/")
    body = page.get_data(as_text=True)
    assert "Connection refused" in body
    assert 'id="modal-confirm"' in body  # the confirm dialog of the retry action
    confirm = re.search(r'(?s)<div class="modal fade" id="modal-confirm".*?</div>\s*</div>\s*</div>\s*</div>', body)
    assert confirm, "no confirm dialog"
    # FAB's own dialog has "Cancel" hard-coded in English; ours is translated
    assert ">Cancel<" not in confirm.group(0)
    assert client.get(f"/outbox/show/{message_id}").status_code == 200
    # unknown actions and rows are a clean 404, never a 500
    assert client.post("/outbox/action_post", data={"action": "explode", "rowid": str(message_id)}).status_code == 404
    assert client.post("/outbox/action_post", data={"action": "retry", "rowid": "abc"}).status_code == 302
    r = client.post("/outbox/action_post", data={"action": "retry", "rowid": str(message_id)})
    assert r.status_code == 302
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.attempts) == ("pending", 0)
    assert "/outbox/list" in r.headers["Location"]
    # the single-row form of the action (the button on the message's page) works too
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        message.status = OutboxStatus.FAILED
        db.session.commit()
    assert client.post(f"/outbox/action/retry/{message_id}").status_code == 302
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == "pending"
    assert client.post("/outbox/action/retry/999999").status_code == 404  # no such row in the list: nothing


def test_admin_database_errors_are_not_shown_raw(sqlite_app, login_staff):
    app = sqlite_app
    client = login_staff(app.test_client(), "admin", "admin12345")
    with app.app_context():
        districts = db.session.scalar(select(func.count()).select_from(District))
        district_id = db.session.execute(select(District.id)).scalars().first()
    page = client.post("/districts/add", data={"name": "Адмиралтейский район"}, follow_redirects=True)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for raw in ("IntegrityError", "UNIQUE constraint", "duplicate key", "INSERT INTO", "sqlalchemy"):
        assert raw not in body, raw
    # a district with schools cannot be deleted (no orphans, even on SQLite)
    page = client.post(f"/districts/delete/{district_id}", follow_redirects=True)
    assert page.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(District)) == districts
        assert db.session.get(District, district_id) is not None
    assert app.test_client().get("/api/v1/schools/").status_code == 200


def test_times_are_shown_in_st_petersburg_time(sqlite_app, login_staff):
    """Moments are kept in UTC; the queue, the application page and the portal show Moscow time."""
    from datetime import datetime

    from app.models import Application, AuditEvent

    app = sqlite_app
    code = create_applications(app, "239", 1, last_name="Полуночный")[0]
    with app.app_context():
        application = db.session.execute(select(Application).where(Application.code == code)).scalar_one()
        application.created_at = datetime(2026, 1, 15, 21, 30)  # UTC: 16 January, 00:30 in St. Petersburg
        for event in db.session.execute(select(AuditEvent).where(AuditEvent.object_id == application.id,
                                                                 AuditEvent.object_type == "application")).scalars():
            event.at = datetime(2026, 1, 15, 21, 30)
        db.session.commit()
        pk = application.id
    client = login_staff(app.test_client(), "clerk239", "clerk12345")
    queue = client.get("/applications/list/?_flt_0_child_last_name=Полуночный").get_data(as_text=True)
    assert "16.01.2026 00:30" in queue and "15.01.2026 21:30" not in queue
    shown = client.get(f"/applications/show/{pk}").get_data(as_text=True)
    assert "16.01.2026 00:30" in shown and "21:30" not in shown


def test_audit_log_search_matches_what_the_rows_show(sqlite_app, login_staff):
    """«Кто» shows «Система» for the stored code `system`, «Действие» the action's Russian name:
    the admin searches by those words, not by the codes behind them."""
    app = sqlite_app
    with app.app_context():
        by_system = AuditEvent(actor_label="system", action="expire", object_type="application", object_id=1)
        by_clerk = AuditEvent(actor_label="Греку Ирина Алексеевна", action="approve", object_type="application",
                              object_id=1)
        db.session.add_all([by_system, by_clerk])
        db.session.commit()
        system_id, clerk_id = by_system.id, by_clerk.id
        from app.workflow.machine import action_title
        expire_title = action_title("expire")
    assert expire_title != "expire"
    client = login_staff(app.test_client(), "admin", "admin12345")

    def found(column, value):
        listing = client.get("/audit/list/", query_string={f"_flt_0_{column}": value, "psize_AuditEventView": 100})
        assert listing.status_code == 200
        html = listing.get_data(as_text=True)
        return {event_id for event_id in (system_id, clerk_id) if f"/audit/show/{event_id}\"" in html}

    assert found("actor_label", "систем") == {system_id}  # the label «Система», any case
    assert found("actor_label", "Греку") == {clerk_id}  # a person's name as stored
    assert found("action", expire_title.lower()[:5]) >= {system_id}
    assert clerk_id not in found("action", expire_title)
    for hostile in ("_flt_9_actor_label", "_flt_99_action", "_flt_x_action", "_flt_7_no_such_column"):
        page = client.get("/audit/list/", query_string={hostile: "систем"}, follow_redirects=True)
        assert page.status_code == 200, hostile  # a filter the page does not have is dropped, not a 500


@pytest.mark.parametrize("path", ["/applications/list/", "/audit/list/", "/roles/list/", "/users/list/"])
def test_list_tables_are_named_and_reachable_by_keyboard(sqlite_app, login_staff, path):
    """FAB's list tables: the scrolling wrapper can be focused and scrolled from the keyboard and
    is announced by name; the buttons' column and the check boxes are named (no empty header)."""
    user, password = ("clerk239", "clerk12345") if path.startswith("/applications") else ("admin", "admin12345")
    html = login_staff(sqlite_app.test_client(), user, password).get(path).get_data(as_text=True)
    wrapper = re.search(r'<div class="table-responsive"[^>]*>', html)
    assert wrapper, path
    assert 'tabindex="0"' in wrapper.group(0) and 'role="region"' in wrapper.group(0)
    assert 'aria-label="Таблица записей"' in wrapper.group(0)
    headers = re.findall(r"(?s)<th\b[^>]*>(.*?)</th>", html)
    assert headers and all(re.sub(r"<[^>]+>", "", h).strip() or "aria-label=" in h for h in headers), headers
    for box in re.findall(r'<input[^>]+class="action_check(?:_all)?"[^>]*>', html):
        assert 'aria-label="Выбрать' in box, box
