"""E-mail headers from hostile data, delivered through the real SMTP server: an event titled with a
line break and a «Bcc:» becomes a one-line subject — every notification is sent, to its family only,
with no header the title tried to add; a row already queued with such a subject is sent too; a
recipient field holding two addresses never reaches two people. Every address that enters the
system (invitations on the page and the API, legacy and school imports, staff e-mail fields) is
checked with email-validator (app.inputs.parse_email)."""
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.diary.views import _event_text, notify_families
from app.extensions import db
from app.models import AccessGrant, Identity, Invitation, OutboxMessage, SchoolEvent, Student, User, utcnow
from app.workflow.outbox import drain
from scripts.pgcluster import free_port
from tests.fixtures.servers import Mailbox
from tests.helpers.data import grant
from tests.helpers.web import invite

TITLE = "Собрание\r\nBcc: x@evil.ru"


class Envelopes(Mailbox):
    """Keeps the SMTP envelope's recipients next to each message."""

    def __init__(self):
        super().__init__()
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((list(envelope.rcpt_tos), envelope.content))
        return await super().handle_DATA(server, session, envelope)


def families():
    """Both demo parents get access to a pupil of school 1 (лицей № 239): two families hear of its events."""
    pupils = db.session.execute(select(Student.id).where(Student.school_id == 1).order_by(Student.id).limit(2)).scalars()
    for sub, student_id in zip(["parent-ivanova", "parent-petrov"], pupils.all()):
        grant(sub, student_id)


@pytest.fixture
def mail(app):
    with app.app_context():
        families()
    handler = Envelopes()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = controller.port
    with app.app_context():
        drain()  # the demo data's mail, so that only ours count
    handler.envelopes.clear(), handler.clear()
    yield handler
    app.config["MAIL_PORT"] = saved
    controller.stop()


def event_messages():
    db.session.expire_all()
    return db.session.execute(select(OutboxMessage).where(
        OutboxMessage.idempotency_key.like("notify:event:%")).order_by(OutboxMessage.id)).scalars().all()


def assert_clean_delivery(mail, messages):
    assert len(messages) == 2, "both families hear of the event"
    assert drain()["failed"] == 0
    assert {m.status for m in event_messages()} == {"sent"}, [m.last_error for m in event_messages()]
    letters = [(rcpts, m) for (rcpts, _raw), m in zip(mail.envelopes, mail.messages)
               if "Собрание" in m["Subject"]]
    assert len(letters) == len(messages)
    for rcpts, letter in letters:
        assert rcpts == [letter["To"]] and "x@evil.ru" not in rcpts  # the family only
        assert letter["Bcc"] is None and letter.get_all("Bcc") is None
        assert letter["Subject"] == "Событие школы: Собрание Bcc: x@evil.ru"  # text, on one line
    for _rcpts, raw in mail.envelopes:
        assert b"\nBcc:" not in raw and b"\r\nBcc" not in raw
    assert sorted(letter["To"] for _r, letter in letters) == sorted(m.recipient for m in messages)


def test_an_event_title_with_a_line_break_is_delivered_with_no_extra_header(app, mail, login_staff):
    clerk = login_staff(app.test_client(), "clerk239", "clerk12345")
    answer = clerk.post("/school-events/add", data={
        "school": "1", "title": TITLE, "starts_at": "2030-01-10 18:00:00", "place": "Актовый зал",
        "description": "Итоги четверти"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[-3000:]
    with app.app_context():
        assert_clean_delivery(mail, event_messages())


def test_an_imported_title_with_a_line_break_reaches_every_family(app, mail):
    """The same title straight from data (an import, an older row), not through a form's clean-up."""
    with app.app_context():
        event = SchoolEvent(school_id=1, title=TITLE, starts_at=datetime(2030, 1, 10, 18))
        db.session.add(event)
        db.session.flush()
        notify_families(event, _event_text(event))
        messages = event_messages()
        assert all("\r" not in m.subject and "\n" not in m.subject for m in messages)
        assert_clean_delivery(mail, messages)


def test_a_queued_subject_with_a_line_break_is_sent_as_one_line(app, mail):
    with app.app_context():
        db.session.add(OutboxMessage(channel="email", recipient="ivanova@example.ru", subject=TITLE + "\x07\u202e",
                                     body_text="Текст", body_html="", idempotency_key="test:queued-crlf",
                                     next_attempt_at=utcnow()))
        db.session.commit()
        assert drain() == {"sent": 1, "retry": 0, "failed": 0}
        ((rcpts, raw),) = mail.envelopes
        (letter,) = mail.messages
        assert rcpts == ["ivanova@example.ru"] and letter["Bcc"] is None
        assert letter["Subject"] == "Собрание Bcc: x@evil.ru"


def test_a_recipient_with_two_addresses_reaches_nobody(app, mail):
    with app.app_context():
        db.session.add(OutboxMessage(channel="email", recipient="ivanova@example.ru, x@evil.ru", subject="Тема",
                                     body_text="Текст", body_html="", idempotency_key="test:two-addresses",
                                     next_attempt_at=utcnow()))
        db.session.commit()
        assert drain()["sent"] == 0
        assert mail.envelopes == []


# --------------------------------------------------------------------------- addresses (email-validator)
HOSTILE_ADDRESSES = ["<img/src=x/onerror=alert(1)>@x.ru", "nina@example.ru, x@evil.ru", "Нина <nina@example.ru>",
                     "nina@example.ru\r\nBcc: x@evil.ru", "nina@localhost", "nina@", "@example.ru", "a" * 250 + "@x.ru"]


def test_parse_email_accepts_one_plain_address_only(app):
    from app.inputs import InvalidInput, parse_email

    with app.test_request_context():
        assert parse_email("  Nina@Example.RU ") == "nina@example.ru"
        assert parse_email("", required=False) == ""
        assert parse_email("clerk239@staff.diary.localhost", reserved_ok=True) == "clerk239@staff.diary.localhost"
        for value in [*HOSTILE_ADDRESSES, "", None, ["nina@example.ru"], {"a": 1}]:
            with pytest.raises(InvalidInput) as refused:
                parse_email(value, "email")
            assert refused.value.fields == {"email": "Введите правильный адрес электронной почты."}, value


def test_an_invitation_to_a_hostile_address_is_refused_on_the_page_and_the_api(app, login_parent):
    parent = app.test_client()
    login_parent(parent, "parent-ivanova")
    with app.app_context():
        families()
        pupil = db.session.execute(select(AccessGrant.student_id).join(Identity, Identity.user_id == AccessGrant.user_id)
                                   .where(Identity.subject == "parent-ivanova")).scalar_one()
    for address in HOSTILE_ADDRESSES[:4]:
        page = invite(parent, pupil, email=address)
        assert page.status_code == 400, address
        assert "Введите правильный адрес электронной почты." in page.get_data(as_text=True)
        api = parent.post(f"/api/v1/students/{pupil}/invitations", json={"email": address, "kind": "viewer"})
        assert api.status_code == 400 and "email" in api.json["errors"], address
    with app.app_context():
        assert db.session.execute(select(Invitation.id)).first() is None
        assert db.session.execute(select(OutboxMessage.id).where(
            OutboxMessage.idempotency_key.like("invitation:%"))).first() is None
    assert invite(parent, pupil, email=" Nina@Example.RU ").status_code == 302  # a real one still goes


def test_legacy_and_school_imports_refuse_hostile_addresses(app):
    from app.diary.imports import ImportFailed as SchoolImportFailed, import_rows
    from app.legacy.importer import ImportFailed, read_rows

    with app.app_context():
        hash_ = ";sha256$salt$" + "0" * 64 + ";Ёж Ежов;\n"
        rows, problems = read_rows("email;password_hash;full_name;children\n"
                                   + "<img/src=x/onerror=alert(1)>@x.ru" + hash_ + "nina@example..ru" + hash_
                                   + "(nina)@example.ru" + hash_ + "Old@Mail.RU" + hash_)
        assert [str(p) for p in problems] == [
            f"строка {line}: неверный адрес электронной почты «{address}»" for line, address in (
                (2, "<img/src=x/onerror=alert(1)>@x.ru"), (3, "nina@example..ru"), (4, "(nina)@example.ru"))]
        assert [r.email for r in rows if r.line == 5] == ["old@mail.ru"]
        assert ImportFailed  # the CLI raises it with these problems

        with pytest.raises(SchoolImportFailed) as failed:
            import_rows("teachers", [(2, {"username": "t.evil", "last_name": "Злов", "first_name": "Иван",
                                      "middle_name": "", "email": "<img/src=x/onerror=alert(1)>@x.ru"})], 1, "teachers.csv")
        assert "адрес электронной почты" in str(failed.value)


def test_staff_e_mail_field_is_checked(app, login_staff):
    admin = login_staff(app.test_client(), "admin", "admin12345")
    with app.app_context():
        clerk = app.appbuilder.sm.find_user(username="clerk239")
        clerk_id, role_id = clerk.id, app.appbuilder.sm.find_role("Clerk").id
    fields = {"first_name": "Ирина", "last_name": "Греку", "username": "clerk239", "active": "y",
              "roles": [str(role_id)]}
    refused = admin.post(f"/users/edit/{clerk_id}", data={**fields, "email": "<img/src=x/onerror=alert(1)>@x.ru"})
    assert refused.status_code == 200 and "Введите правильный адрес электронной почты." in refused.get_data(as_text=True)
    kept = admin.post(f"/users/edit/{clerk_id}", data={**fields, "email": "clerk239@staff.diary.localhost"})
    assert kept.status_code == 302  # the demo's placeholder domain is the service's own
    changed = admin.post(f"/users/edit/{clerk_id}", data={**fields, "email": "I.Greku@School239.spb.ru"})
    assert changed.status_code == 302
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(User, clerk_id).email == "i.greku@school239.spb.ru"


def test_flask_staff_create_checks_the_e_mail(app):
    runner = app.test_cli_runner()
    args = ["staff", "create", "clerk.new", "--role", "clerk", "--school", "1", "--password", "Длинный-пароль-клерка-2026"]
    refused = runner.invoke(args=[*args, "--email", "<img/src=x/onerror=alert(1)>@x.ru"])
    assert refused.exit_code != 0 and "Неверный адрес электронной почты" in refused.output
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="clerk.new") is None
    done = runner.invoke(args=[*args, "--email", "New.Clerk@School239.spb.ru"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="clerk.new").email == "new.clerk@school239.spb.ru"
