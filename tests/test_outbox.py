"""The outbox worker against a real SMTP server on loopback (aiosmtpd): what arrives, when the
application becomes `notified`, retries with backoff when the server is down or refuses, the
failed state after MAX_ATTEMPTS, the admin's retry, idempotency, and the .eml file transport."""
import email
import email.policy
import os
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import OutboxMessage, utcnow
from app.workflow import fire
from app.workflow.outbox import backoff, drain, retry
from scripts.pgcluster import free_port
from tests.helpers.app import drain_outbox, make_app, reset_data
from tests.helpers.data import count, outbox
from tests.helpers.data import outbox_alerts as alerts
from tests.helpers.workflow import IVAN, IVANOVA_EMAIL, drive, events, get, parent, staff, submit


def approval_message(application_id):
    (message,) = [m for m in outbox(application_id) if m.on_sent == "mark_notified"]
    return message


def deliver_demo_mail(smtp):
    """Send what the demo data left in the outbox, so a test counts only its own messages."""
    assert drain()["sent"] == 1  # Petrov's submission
    smtp.mailbox.clear()


def message_ids(smtp):
    return Counter(m["Message-ID"] for m in smtp.messages)


class Refusing:
    """An SMTP server that answers every message with a permanent error."""

    def __init__(self):
        self.seen = 0

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        return "554 5.7.1 Message refused"


# --------------------------------------------------------------------------- delivery
def test_approval_email_arrives_in_russian_capable_utf8_text_and_html(app, smtp):
    with app.app_context():
        deliver_demo_mail(smtp)
        application_id = drive("approved")
        code = get(application_id).code
        # nothing is sent inside the transition: the mail waits in the outbox
        assert smtp.messages == []
        assert get(application_id).state == "approved"
        assert {m.status for m in outbox(application_id)} == {"pending"}

        assert drain() == {"sent": 2, "retry": 0, "failed": 0}

        received = smtp.mailbox.to(IVANOVA_EMAIL)
        assert len(received) == 2 and len(smtp.messages) == 2
        approval = next(m for m in received
                        if m["Message-ID"] == f"<application.{application_id}.approve.3@e-diary>")
        assert code in approval["Subject"]
        assert approval["From"].addresses[0].display_name == "Электронный дневник"
        assert approval.get_content_type() == "multipart/alternative"
        plain, html = approval.get_body(("plain",)), approval.get_body(("html",))
        assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
        for part in (plain, html):
            content = part.get_content()
            assert "обучающегося Иванова Ивана Ивановича" in content
            assert code in content
            assert "http://127.0.0.1:5000" in content  # how to open the diary
        assert "<" in html.get_content() and "Мария" in plain.get_content()

        application = get(application_id)
        assert application.state == "notified"
        last = events(application_id)[-1]
        assert (last.action, last.actor_id, last.to_state) == ("mark_notified", None, "notified")
        message = approval_message(application_id)
        assert (message.status, message.attempts, message.last_error) == ("sent", 1, "")
        assert message.sent_at is not None

        # a second pass sends nothing again
        assert drain() == {"sent": 0, "retry": 0, "failed": 0}
        assert len(smtp.messages) == 2


def test_the_letter_is_written_by_the_worker_with_the_hours_the_school_has_then(app, smtp, login_staff):
    """A submit queues the letter without rendering it in the web request (template, recipient and
    subject only); the worker renders it just before sending, so reception hours the school
    published in between are in it, and the outbox then shows the text that was sent."""
    from datetime import time

    from app.models import ReceptionSlot
    from tests.helpers.workflow import school

    with app.app_context():
        deliver_demo_mail(smtp)
        application_id = drive("submitted")
        (queued,) = outbox(application_id)
        assert (queued.template, queued.body_text, queued.body_html) == ("submitted", "", "")
        assert get(application_id).code in queued.subject
        admin = login_staff(app.test_client(), "admin", "admin12345")
        assert "Текст письма будет составлен при отправке." in admin.get(f"/outbox/show/{queued.id}").get_data(True)
        db.session.add(ReceptionSlot(school_id=school("239").id, weekday=5, time_from=time(10),
                                     time_to=time(12, 30), room="каб. 112 (новый)"))
        db.session.commit()
        assert drain()["sent"] == 1
        (letter,) = smtp.mailbox.to(IVANOVA_EMAIL)
        plain = letter.get_body(("plain",)).get_content()
        assert "суббота 10:00–12:30, каб. 112 (новый)" in plain, plain
        assert "каб. 112 (новый)" in letter.get_body(("html",)).get_content()
        (sent,) = outbox(application_id)
        assert sent.status == "sent" and sent.body_text.split() == plain.split()
        shown = admin.get(f"/outbox/show/{sent.id}").get_data(True)
        assert "каб. 112 (новый)" in shown and "будет составлен" not in shown


def test_submission_and_rejection_emails_do_not_change_the_state(app, smtp):
    with app.app_context():
        deliver_demo_mail(smtp)
        application_id = drive("submitted")
        drain()
        assert get(application_id).state == "submitted"
        fire("reject", staff("clerk239"), application_id, {"reason": "Не явились в школу"})
        drain()
        assert get(application_id).state == "rejected"
        rejection = smtp.mailbox.to(IVANOVA_EMAIL)[-1]
        assert "Не явились в школу" in rejection.get_body(("plain",)).get_content()
        assert len(smtp.messages) == 2


def test_refusing_server_keeps_the_application_approved(app, smtp, config):
    refusing = Refusing()
    controller = Controller(refusing, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with app.app_context():
            deliver_demo_mail(smtp)
            application_id = drive("approved")
            config(MAIL_PORT=controller.port)
            counts = drain()
            assert counts["sent"] == 0 and refusing.seen == 2
            assert get(application_id).state == "approved"
            message = approval_message(application_id)
            assert message.status == "pending" and message.attempts == 1
            assert "554" in message.last_error
    finally:
        controller.stop()


# --------------------------------------------------------------------------- SMTP down
def test_smtp_down_leaves_messages_pending_then_delivers_each_once(app, smtp):
    with app.app_context():
        deliver_demo_mail(smtp)
        application_id = drive("approved")
        smtp.stop()
        before = utcnow()
        counts = drain()
        after = utcnow()
        # one attempt per message and pass, not a loop until MAX_ATTEMPTS
        assert counts == {"sent": 0, "retry": 2, "failed": 0}
        for message in outbox(application_id):
            assert message.status == "pending"
            assert message.attempts == 1
            assert message.last_error  # the admin sees why
            assert before <= message.next_attempt_at <= after  # OUTBOX_BACKOFF_SECONDS = 0
        assert get(application_id).state == "approved"
        assert len(events(application_id)) == 3

        smtp.start()
        assert drain() == {"sent": 2, "retry": 0, "failed": 0}
        assert drain() == {"sent": 0, "retry": 0, "failed": 0}
        assert get(application_id).state == "notified"
        ids = message_ids(smtp)
        assert len(ids) == 2 and set(ids.values()) == {1}
        assert [m["To"] for m in smtp.messages] == [IVANOVA_EMAIL] * 2
        assert [m.attempts for m in outbox(application_id)] == [2, 2]
        assert [e.action for e in events(application_id)].count("mark_notified") == 1


def test_many_messages_survive_an_outage(app, smtp):
    with app.app_context():
        children = [{**IVAN, "first_name": name} for name in
                    ("Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор")]
        ids = [submit(child=child) for child in children]
        smtp.stop()
        drain()
        drain()
        assert {m.status for m in outbox()} == {"pending"}
        smtp.start()
        drain()
        received = Counter(m["Message-ID"] for m in smtp.messages)
        expected = len(outbox())  # the demo application's mail too
        assert len(received) == expected and set(received.values()) == {1}
        assert {m.application_id for m in outbox() if m.status == "sent"} >= set(ids)
        assert {m.status for m in outbox()} == {"sent"}


def test_backoff_schedules_the_next_attempt_later(app, smtp, config):
    with app.app_context():
        deliver_demo_mail(smtp)
        config(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_BACKOFF_MAX_SECONDS=3600)
        application_id = drive("approved")
        smtp.stop()
        before = utcnow()
        assert drain()["retry"] == 2
        message = approval_message(application_id)
        assert before + timedelta(seconds=59) <= message.next_attempt_at
        assert message.next_attempt_at <= utcnow() + timedelta(seconds=61)
        # not due yet: even with the server back, nothing is sent and nothing counted
        smtp.start()
        assert drain() == {"sent": 0, "retry": 0, "failed": 0}
        assert approval_message(application_id).attempts == 1
        assert smtp.messages == []
        # once due, it goes
        db.session.execute(OutboxMessage.__table__.update().values(next_attempt_at=utcnow()))
        db.session.commit()
        assert drain()["sent"] == 2
        assert get(application_id).state == "notified"


def test_backoff_grows_exponentially_up_to_the_cap(app, config):
    with app.app_context():
        config(OUTBOX_BACKOFF_SECONDS=30, OUTBOX_BACKOFF_MAX_SECONDS=3600)
        assert [backoff(n).total_seconds() for n in range(1, 10)] == [
            30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
        assert backoff(0).total_seconds() == 30
        config(OUTBOX_BACKOFF_SECONDS=0)
        assert backoff(5) == timedelta(0)


# --------------------------------------------------------------------------- failed, retry
def test_after_max_attempts_the_message_fails_and_stays_failed(app, smtp, config):
    with app.app_context():
        deliver_demo_mail(smtp)
        assert app.config["MAX_ATTEMPTS"] == 3
        config(OUTBOX_GIVE_UP_DAYS=0)  # no slow retries (tests/test_outbox_outage.py has them)
        application_id = drive("approved")
        smtp.stop()
        assert drain()["retry"] == 2
        assert drain()["retry"] == 2
        assert drain() == {"sent": 0, "retry": 0, "failed": 2}
        for message in outbox(application_id):
            assert (message.status, message.attempts) == ("failed", 3)
            assert message.last_error
        # one alert (not one per message) to the administrator, through the same outbox
        (alert,) = alerts()
        assert alert.recipient == "admin@staff.diary.localhost" and alert.status == "pending"
        # the alert cannot go either: it fails in its turn, and no alert about the alert follows
        assert drain() == {"sent": 0, "retry": 1, "failed": 0}
        assert drain() == {"sent": 0, "retry": 1, "failed": 0}
        assert drain() == {"sent": 0, "retry": 0, "failed": 1}
        assert [a.status for a in alerts()] == ["failed"]
        assert drain() == {"sent": 0, "retry": 0, "failed": 0}

        smtp.start()
        assert drain() == {"sent": 0, "retry": 0, "failed": 0}
        assert smtp.messages == []
        assert {m.status for m in outbox(application_id)} == {"failed"}
        assert get(application_id).state == "approved"

        # the admin's retry: pending again, due now, sent once
        message = approval_message(application_id)
        retry(message)
        db.session.commit()
        message = approval_message(application_id)
        assert message.status == "pending" and message.attempts == 0
        assert message.next_attempt_at <= utcnow()
        assert drain() == {"sent": 1, "retry": 0, "failed": 0}
        assert len(smtp.messages) == 1
        assert smtp.messages[0]["Subject"] == message.subject
        assert get(application_id).state == "notified"
        # the submission e-mail stays failed until someone retries it too
        assert sorted(m.status for m in outbox(application_id)) == ["failed", "sent"]


def test_retry_of_a_sent_message_does_not_send_it_again(app, smtp):
    with app.app_context():
        deliver_demo_mail(smtp)
        application_id = drive("approved")
        drain()
        assert len(smtp.messages) == 2
        message = approval_message(application_id)
        retry(message)
        db.session.commit()
        assert approval_message(application_id).status == "sent"
        assert drain()["sent"] == 0
        assert len(smtp.messages) == 2


def test_one_message_per_idempotency_key(app):
    with app.app_context():
        application_id = drive("approved")
        existing = approval_message(application_id)
        before = count(OutboxMessage)
        db.session.add(OutboxMessage(
            channel="email", recipient=existing.recipient, subject=existing.subject,
            body_text="duplicate", body_html="", idempotency_key=existing.idempotency_key,
            application_id=application_id, on_sent="mark_notified", next_attempt_at=utcnow()))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert count(OutboxMessage) == before
        keys = [m.idempotency_key for m in outbox()]
        assert len(keys) == len(set(keys))


def test_e_mail_goes_to_the_parents_current_provider_address(app, smtp):
    """The address comes from the identity provider's claims (the FAB column may be a placeholder)."""
    with app.app_context():
        deliver_demo_mail(smtp)
        application_id = submit(parent("parent-petrov"), child={**IVAN, "last_name": "Петров"})
        drain()
        assert [m["To"] for m in smtp.messages].count("petrov@example.ru") >= 1
        assert get(application_id).state == "submitted"


# --------------------------------------------------------------------------- file transport
@pytest.fixture(scope="module")
def file_mail_app(smtp_server, idp, tmp_path_factory):
    base = tmp_path_factory.mktemp("file-mail")
    mail_dir = base / "mail"
    application = make_app(f"sqlite:///{base / 'diary.db'}", smtp_server, idp,
                           MAIL_SERVER="", MAIL_DIR=str(mail_dir))
    return application, mail_dir


def test_without_mail_server_the_worker_writes_eml_files(file_mail_app, smtp):
    application, mail_dir = file_mail_app
    reset_data(application)
    with application.app_context():
        application_id = drive("approved")
        code = get(application_id).code
        counts = drain_outbox(application)
        assert counts == {"sent": 3, "retry": 0, "failed": 0}  # demo submission + 2 of ours
        assert smtp.messages == []
        files = sorted(os.listdir(mail_dir))
        assert len(files) == 3 and all(name.endswith(".eml") for name in files)
        parsed = []
        for name in files:
            with open(mail_dir / name, "rb") as fh:
                parsed.append(email.message_from_binary_file(fh, policy=email.policy.default))
        ours = [m for m in parsed if m["To"] == IVANOVA_EMAIL]
        assert len(ours) == 2
        assert all(code in m["Subject"] for m in ours)
        assert any("Иванова Ивана Ивановича" in m.get_body(("plain",)).get_content() for m in ours)
        assert get(application_id).state == "notified"
        assert drain_outbox(application)["sent"] == 0
        assert len(os.listdir(mail_dir)) == 3


def test_worker_survives_a_database_outage_and_sends_afterwards(sqlite_app, smtp):
    """`flask outbox run` must not die when the database is away for a moment: the messages
    wait in the database and go out on a later pass."""
    from app.workflow.outbox import run_forever

    passes = []

    def stop():
        # pass 1: the outbox table is unreachable; pass 2: it is back
        passes.append(1)
        with sqlite_app.app_context():
            if len(passes) == 1:
                db.session.execute(db.text("ALTER TABLE outbox_message RENAME TO outbox_away"))
                db.session.commit()
            elif len(passes) == 2:
                db.session.execute(db.text("ALTER TABLE outbox_away RENAME TO outbox_message"))
                db.session.commit()
        return len(passes) > 2

    with sqlite_app.app_context():
        run_forever(poll_seconds=0, stop=stop)
    assert len(passes) == 3
    subjects = [m["Subject"] for m in smtp.messages]
    assert len(subjects) == 1 and "Ваше заявление отправлено" in subjects[0], subjects  # Petrov's
