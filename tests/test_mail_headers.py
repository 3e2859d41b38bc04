"""E-mail headers from hostile data, delivered through the real SMTP server: an event titled with a
line break and a «Bcc:» becomes a one-line subject — every notification is sent, to its family only,
with no header the title tried to add; a row already queued with such a subject is sent too; a
recipient field holding two addresses never reaches two people."""
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.diary.views import _event_text, notify_families
from app.extensions import db
from app.models import AccessGrant, Identity, OutboxMessage, SchoolEvent, Student, utcnow
from app.workflow.outbox import drain
from tests.conftest import Mailbox, free_port

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
    parents = db.session.execute(select(Identity.user_id).where(
        Identity.subject.in_(["parent-ivanova", "parent-petrov"])).order_by(Identity.subject)).scalars()
    for user_id, student_id in zip(parents, pupils):
        db.session.add(AccessGrant(user_id=user_id, student_id=student_id))
    db.session.commit()


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
