"""Invitations: the representative invites; the invitee with the invited e-mail accepts after the
Gosuslugi login; wrong e-mail, reuse, expiry, revocation (effective at the next request), only
representatives invite; tokens stored hashed; consent versions; the access log."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AccessGrant, AccessLogEntry, Consent, Invitation, Student, utcnow
from tests.helpers.app import drain_outbox
from tests.helpers.data import grant
from tests.helpers.web import invite

GRANDMA = dict(email="nina@example.ru", given_name="Нина", family_name="Бабушкина")


@pytest.fixture
def family(app, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    with app.app_context():
        pupil = db.session.execute(select(Student.id).where(Student.last_name == "Иванов")).scalar_one()
        grant("parent-ivanova", pupil)
    return {"parent": parent, "pupil": pupil}


def link_from_mail(smtp, address):
    (mail,) = smtp.mailbox.to(address)
    return re.search(r"http\S+/invite/(\S+)", mail.get_body(("plain",)).get_content()).group(1)


def test_invite_accept_and_see_only_grades(app, family, login_parent, smtp):
    drain_outbox(app)
    smtp.mailbox.clear()
    assert invite(family["parent"], family["pupil"]).status_code == 302
    drain_outbox(app)
    token = link_from_mail(smtp, "nina@example.ru")
    with app.app_context():
        stored = db.session.execute(select(Invitation)).scalar_one()
        assert token not in stored.token_hash and len(token) >= 40
    grandma = app.test_client()
    first = grandma.get(f"/invite/{token}")  # not logged in: asked to log in, token remembered
    assert first.status_code == 200 and "Войти через Госуслуги" in first.get_data(as_text=True)
    login_parent(grandma, "grandma-nina", **GRANDMA)
    assert grandma.get("/my/applications").headers["Location"].endswith(f"/invite/{token}")
    accepted = grandma.post(f"/invite/{token}", data={"consent": "1"})
    assert accepted.status_code == 302
    p = family["pupil"]
    assert grandma.get(f"/my/students/{p}/grades").status_code == 200
    assert grandma.get(f"/my/students/{p}/diary").status_code == 403
    assert grandma.get(f"/invite/{token}").status_code == 410  # used
    with app.app_context():
        purposes = sorted(c.purpose for c in db.session.execute(select(Consent)).scalars())
        assert purposes == ["accept", "grant"]
        whats = db.session.execute(select(AccessLogEntry.what)).scalars().all()
        assert "grades" in whats
    profile = family["parent"].get(f"/my/students/{p}").get_data(as_text=True)
    assert "nina@example.ru" in profile and "Принято" in profile and "Журнал просмотров" in profile


def test_wrong_email_expired_and_unknown_tokens_change_nothing(app, family, login_parent, smtp):
    drain_outbox(app)
    smtp.mailbox.clear()
    invite(family["parent"], family["pupil"])
    drain_outbox(app)
    token = link_from_mail(smtp, "nina@example.ru")
    stranger = app.test_client()
    login_parent(stranger, "someone-else", email="other@example.ru", given_name="Другой", family_name="Человек")
    refused = stranger.post(f"/invite/{token}", data={"consent": "1"})
    assert refused.status_code == 403 and "n***@example.ru" in refused.get_data(as_text=True)
    assert app.test_client().get("/invite/not-a-token").status_code == 404
    with app.app_context():
        invitation = db.session.execute(select(Invitation)).scalar_one()
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    grandma = app.test_client()
    login_parent(grandma, "grandma-nina", **GRANDMA)
    expired = grandma.post(f"/invite/{token}", data={"consent": "1"})
    assert expired.status_code == 410 and "истёк" in expired.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(AccessGrant).where(AccessGrant.relation == "viewer")).first() is None


def test_revoke_takes_effect_at_the_next_request(app, family, login_parent, smtp):
    drain_outbox(app)
    smtp.mailbox.clear()
    invite(family["parent"], family["pupil"], scope="all")
    drain_outbox(app)
    token = link_from_mail(smtp, "nina@example.ru")
    grandma = app.test_client()
    login_parent(grandma, "grandma-nina", **GRANDMA)
    grandma.post(f"/invite/{token}", data={"consent": "1"})
    p = family["pupil"]
    assert grandma.get(f"/my/students/{p}/diary").status_code == 200
    with app.app_context():
        invitation_id = db.session.execute(select(Invitation.id)).scalar_one()
    assert family["parent"].post(f"/my/students/{p}/invitations/{invitation_id}/revoke").status_code == 302
    assert grandma.get(f"/my/students/{p}/diary").status_code == 404
    assert "Иванов Иван" not in grandma.get("/my/students").get_data(as_text=True)
    with app.app_context():
        assert all(c.withdrawn_at for c in db.session.execute(select(Consent).where(
            Consent.purpose == "accept")).scalars())


def test_only_representatives_invite_and_limits(app, family, login_parent):
    p = family["pupil"]
    other = app.test_client()
    login_parent(other, "parent-petrov")
    assert invite(other, p).status_code == 404
    assert other.post(f"/my/students/{p}/invitations/1/revoke").status_code == 404
    bad = invite(family["parent"], p, email="не-почта", consent="")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Введите правильный адрес" in text and "Подтвердите согласие" in text
    for n in range(5):
        assert invite(family["parent"], p, email=f"person{n}@example.ru").status_code == 302
    # the form again with the refusal's own status: 409, as the API answers it (was 400 on the page)
    waiting = invite(family["parent"], p, email="person0@example.ru")
    assert waiting.status_code == 409 and "уже ожидает" in waiting.get_data(as_text=True)
    sixth = invite(family["parent"], p, email="person6@example.ru")
    assert sixth.status_code == 409 and "Слишком много" in sixth.get_data(as_text=True)


def test_students_and_invitations_api(app, family, login_parent, smtp):
    parent, p = family["parent"], family["pupil"]
    students = parent.get("/api/v1/students/").json["result"]
    assert [(s["id"], s["relation"], s["scope"], s["until"]) for s in students] == [(p, "representative", None, None)]
    assert students[0]["school"]["number"] == "239"
    bad = parent.post(f"/api/v1/students/{p}/invitations", json={"email": "x", "kind": "viewer"})
    assert bad.status_code == 400 and "email" in bad.json["errors"]
    created = parent.post(f"/api/v1/students/{p}/invitations",
                          json={"email": "nina@example.ru", "kind": "viewer", "scope": "schedule_homework",
                                "until": "2030-06-30"})
    assert created.status_code == 201
    assert {k: created.json[k] for k in ("email", "kind", "scope", "until", "state")} == {
        "email": "nina@example.ru", "kind": "viewer", "scope": "schedule_homework", "until": "2030-06-30",
        "state": "pending"}
    assert [i["id"] for i in parent.get(f"/api/v1/students/{p}/invitations").json["result"]] == [created.json["id"]]
    drain_outbox(app)
    token = link_from_mail(smtp, "nina@example.ru")
    grandma = app.test_client()
    login_parent(grandma, "grandma-nina", **GRANDMA)
    grandma.post(f"/invite/{token}", data={"consent": "1"})
    mine = grandma.get("/api/v1/students/").json["result"]
    assert [(s["relation"], s["scope"], s["until"]) for s in mine] == [("viewer", "schedule_homework", "2030-06-30")]
    assert grandma.get(f"/api/v1/students/{p}/invitations").status_code == 403
    assert grandma.post(f"/api/v1/invitations/{created.json['id']}/revoke").status_code == 404
    grandma.get(f"/api/v1/students/{p}/diary")
    log = parent.get(f"/api/v1/students/{p}/access-log").json["result"]
    assert log and log[0]["what"] == "api:diary" and "Нина" in log[0]["who"]
    assert log[0]["what_label"] == "Дневник (через приложение)"  # the code in words, for a client to show
    revoked = parent.post(f"/api/v1/invitations/{created.json['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json == {"state": "revoked"}
    assert grandma.get("/api/v1/students/").json["result"] == []
    assert grandma.get(f"/api/v1/students/{p}/diary").status_code == 404
