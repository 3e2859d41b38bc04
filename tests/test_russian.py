"""No English leaks into the Russian interface: staff screens (ours and FAB's), the login form,
error pages and every e-mail the workflow sends.

A page's visible text and its user-facing attributes (placeholder, title, aria-label, button values)
are scanned for Latin words; data that is legitimately Latin (e-mail addresses, application codes,
URLs, user names of demo staff) is removed first (tests/helpers/web.py)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Application, School
from app.workflow.expiry import expire_overdue
from tests.helpers.app import drain_outbox
from tests.helpers.web import assert_russian, english_words, visible_text


def submitted_application(app, client, school="239", last_name="Иванов"):
    with app.app_context():
        school = db.session.execute(select(School).where(School.number == school)).scalar_one()
        school_id, district_id = school.id, school.district_id
    response = client.post("/my/applications/new", data={
        "last_name": last_name, "first_name": "Иван", "middle_name": "Иванович",
        "birth_date": "09.07.2014", "district_id": district_id, "school_id": school_id,
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with app.app_context():
        return db.session.execute(
            select(Application.id).where(Application.child_last_name == last_name)
            .order_by(Application.id.desc()).limit(1)
        ).scalar_one()


def test_login_form_and_error_pages_are_russian(sqlite_app):
    client = sqlite_app.test_client()
    assert_russian(client, "/login/")
    response = client.post("/login/", data={"username": "clerk239", "password": "wrong"},
                           follow_redirects=True)
    found = english_words(visible_text(response.get_data(as_text=True)))
    assert not found, found
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "Страница не найдена" in missing.get_data(as_text=True)
    assert not english_words(visible_text(missing.get_data(as_text=True)))


def test_clerk_screens_are_russian(sqlite_app, login_parent, login_staff):
    parent = sqlite_app.test_client()
    login_parent(parent)
    application_id = submitted_application(sqlite_app, parent)
    clerk = login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")
    for path in ("/", "/applications/list/", "/applications/list/?_flt_3_state=submitted",
                 f"/applications/show/{application_id}", f"/applications/{application_id}/print",
                 "/reception-hours/list/", "/reception-hours/add"):
        assert_russian(clerk, path)
    # no results and a wrong code are explained in Russian too
    assert_russian(clerk, "/applications/list/?_flt_3_state=rejected")
    found = clerk.get("/applications/find?q=ZZZ-ZZZ", follow_redirects=True)
    assert not english_words(visible_text(found.get_data(as_text=True)))


@pytest.mark.parametrize("section", ["districts", "schools", "roster", "staff-assignments", "audit",
                                     "outbox"])
def test_admin_screens_are_russian(sqlite_app, login_staff, section):
    admin = login_staff(sqlite_app.test_client(), "admin", "admin12345")
    assert_russian(admin, f"/{section}/list/")
    if section not in ("audit", "outbox"):
        assert_russian(admin, f"/{section}/add")
        assert_russian(admin, f"/{section}/show/1")
        assert_russian(admin, f"/{section}/edit/1")


def test_every_workflow_email_is_russian(sqlite_app, smtp, login_parent, login_staff):
    parent = sqlite_app.test_client()
    login_parent(parent)
    clerk = login_staff(sqlite_app.test_client(), "clerk239", "clerk12345")
    first = submitted_application(sqlite_app, parent)
    clerk.post(f"/applications/{first}/reject", data={"reason": "Ребёнок не обучается в школе"})
    second = submitted_application(sqlite_app, parent)
    clerk.post(f"/applications/{second}/verify", data={"document_type": "passport_rf"})
    clerk.post(f"/applications/{second}/approve", data={"student_id": "", "class_name": "5 «А»"})
    submitted_application(sqlite_app, parent, school="321", last_name="Иванова")
    with sqlite_app.app_context():
        expired = expire_overdue(now=datetime.now(timezone.utc) + timedelta(days=400))
    assert expired
    drain_outbox(sqlite_app)

    mails = smtp.mailbox.to("ivanova@example.ru")
    subjects = [m["Subject"] for m in mails]
    assert len(mails) == 6, subjects  # 3 × submitted, rejected, approved, expired
    for mail in mails:
        for part in ("plain", "html"):
            body = mail.get_body((part,)).get_content()
            if part == "html":
                body = visible_text(body)
            found = english_words(f"{mail['Subject']} {body}")
            assert not found, (mail["Subject"], part, found)
    for word in ("отклон", "предоставлен", "истёк"):
        assert any(word in f"{m['Subject']} {m.get_body(('plain',)).get_content()}".lower()
                   for m in mails), (word, subjects)
