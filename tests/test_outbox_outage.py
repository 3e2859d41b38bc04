"""Long SMTP outages with the clock under control (time-machine moves what app.models.utcnow and
the e-mail Date header read), against the real aiosmtpd server of the test session: nothing is lost
past the fast retry window, every message arrives once and every application becomes «notified» by
itself; past OUTBOX_GIVE_UP_DAYS the messages fail and the administrator is alerted. And delivery is
at least once with a stable Message-ID: a real worker process killed with -9 while the server holds
its message leaves it pending, and the next worker sends it again under the same Message-ID."""
import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, utcnow
from app.workflow import fire
from app.workflow.outbox import backoff, drain
from config import Config
from scripts.pgcluster import free_port
from tests.fixtures.servers import Mailbox
from tests.helpers.data import outbox
from tests.helpers.data import outbox_alerts as alerts
from tests.helpers.workflow import IVAN, drive, get, staff, submit

# The shipped defaults, not the test suite's quick ones (MAX_ATTEMPTS=3, no backoff).
DEFAULTS = {name: getattr(Config, name) for name in (
    "MAX_ATTEMPTS", "OUTBOX_BACKOFF_SECONDS", "OUTBOX_BACKOFF_MAX_SECONDS", "OUTBOX_SLOW_RETRY_SECONDS",
    "OUTBOX_GIVE_UP_DAYS")}
POLL = timedelta(minutes=10)  # how often our worker wakes up in moved time
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def clock():
    """Frozen time that the test moves forward (the real SMTP and database keep working)."""
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        yield traveller


def ours(application_ids):
    return [m for m in outbox() if m.application_id in application_ids]


def work(clock, duration):
    """The worker polling every POLL for `duration` of moved time."""
    end = utcnow() + duration
    while utcnow() < end:
        clock.shift(POLL)
        drain()


def approved_applications(smtp):
    assert drain()["sent"] == 1  # the demo data's mail, so that only ours count
    smtp.mailbox.clear()
    ids = [drive("approved")]
    clerk = staff("clerk239")
    for name in ("Анна", "Борис"):
        application_id = submit(child={**IVAN, "first_name": name})
        fire("verify_passport", clerk, application_id, {"document_type": "passport_rf"})
        fire("approve", clerk, application_id, {})
        ids.append(application_id)
    assert {get(i).state for i in ids} == {"approved"}
    return ids


def fast_window():
    return sum((backoff(n) for n in range(1, DEFAULTS["MAX_ATTEMPTS"])), timedelta())


def test_smtp_down_past_the_fast_window_loses_nothing(app, smtp, config, clock):
    with app.app_context():
        config(**DEFAULTS)
        ids = approved_applications(smtp)
        messages = len(ours(ids))
        assert messages == 2 * len(ids)  # submission + approval each
        assert fast_window() < timedelta(hours=1)

        smtp.stop()
        outage = timedelta(hours=12)
        work(clock, outage)
        for message in ours(ids):
            # long past MAX_ATTEMPTS: still waiting, retried at the capped interval, not given up
            assert message.status == "pending", message.last_error
            assert message.attempts > DEFAULTS["MAX_ATTEMPTS"]
            slow = timedelta(seconds=DEFAULTS["OUTBOX_SLOW_RETRY_SECONDS"])
            assert message.attempts <= DEFAULTS["MAX_ATTEMPTS"] + outage / slow + 1
            assert message.next_attempt_at <= utcnow() + slow
            assert "Connection refused" in message.last_error
        assert alerts() == []
        assert {get(i).state for i in ids} == {"approved"}

        smtp.start()
        work(clock, timedelta(seconds=DEFAULTS["OUTBOX_SLOW_RETRY_SECONDS"]) + POLL)
        received = Counter(m["Message-ID"] for m in smtp.messages)
        assert len(received) == messages and set(received.values()) == {1}
        assert {m.status for m in outbox()} == {"sent"}
        assert {get(i).state for i in ids} == {"notified"}
        notified = db.session.execute(select(AuditEvent.object_id).where(
            AuditEvent.action == "mark_notified")).scalars().all()
        assert sorted(notified) == sorted(ids)
        assert drain() == {"sent": 0, "retry": 0, "failed": 0}


def test_past_the_give_up_period_messages_fail_and_the_admin_is_alerted(app, smtp, config, clock, caplog):
    with app.app_context():
        config(**DEFAULTS, ADMIN_EMAIL="duty@spb-edu.example.ru")
        ids = approved_applications(smtp)
        messages = len(ours(ids))
        smtp.stop()
        give_up = timedelta(days=DEFAULTS["OUTBOX_GIVE_UP_DAYS"])
        work(clock, give_up - timedelta(hours=2))
        assert {m.status for m in ours(ids)} == {"pending"}  # two hours short: still trying
        assert alerts() == []

        with caplog.at_level(logging.ERROR, logger="app.workflow.outbox_alerts"):
            work(clock, timedelta(hours=2) + POLL)
        assert len(ours(ids)) == messages and {m.status for m in ours(ids)} == {"failed"}
        assert all(m.last_error for m in ours(ids))
        given_up = [r for r in caplog.records if r.levelno == logging.ERROR and "given up" in r.getMessage()]
        assert len(given_up) == messages
        (alert,) = alerts()  # one alert for the batch, to the configured address
        assert (alert.recipient, alert.status) == ("duty@spb-edu.example.ru", "pending")
        assert {get(i).state for i in ids} == {"approved"}

        smtp.start()
        work(clock, POLL)
        (letter,) = smtp.messages  # the alert only: failed messages wait for the admin's retry
        assert letter["To"] == "duty@spb-edu.example.ru"
        assert letter["Subject"] == "Электронный дневник: сообщения не доставлены"
        text = letter.get_body(("plain",)).get_content()
        assert f"Не доставлено сообщений: {messages}." in text
        assert "http://127.0.0.1:5000/outbox/list/" in text
        assert {get(i).state for i in ids} == {"approved"}


# --------------------------------------------------------------------------- at least once
class Holding(Mailbox):
    """Takes the message in, then keeps the client waiting for the 250 reply until released:
    the moment a worker can die after the server has the message but before it knows so."""

    def __init__(self):
        super().__init__()
        self.received = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        self.received.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


@pytest.mark.slow  # a real worker process, killed and started again
def test_a_worker_killed_mid_batch_resends_under_the_same_message_id(app, smtp, config):
    holding = Holding()
    controller = Controller(holding, hostname="127.0.0.1", port=free_port())
    controller.start()
    worker = None
    try:
        with app.app_context():
            application_id = drive("approved")
            pending = len([m for m in outbox() if m.status == "pending"])
            assert pending >= 2
            env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(controller.port), "MAIL_TIMEOUT": "60",
                   "SECRET_KEY": "outbox-kill-test-" + "k" * 40, "OUTBOX_BACKOFF_SECONDS": "0"}
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "run", "outbox", "run", "--once"],
                                      cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            assert holding.received.wait(60), worker.stdout.read().decode()[-2000:] if worker.poll() else ""
            os.kill(worker.pid, signal.SIGKILL)
            assert worker.wait(30) == -signal.SIGKILL
            holding.release.set()
            (first,) = holding.messages  # the server has it; the worker never learned it
            held = next(m for m in outbox() if f"<{m.idempotency_key.replace(':', '.')}@e-diary>" == first["Message-ID"])
            assert held.status == "pending" and held.sent_at is None

            for _ in range(100):  # PostgreSQL frees the dead worker's row lock when it sees the socket close
                drain()
                if all(m.status == "sent" for m in outbox()):
                    break
            assert {m.status for m in outbox()} == {"sent"}
            resent = [m for m in smtp.messages if m["Message-ID"] == first["Message-ID"]]
            assert len(resent) == 1  # delivered twice in all, both times under one Message-ID
            assert resent[0]["Subject"] == first["Subject"] and resent[0]["To"] == first["To"]
            ids = Counter(m["Message-ID"] for m in smtp.messages)
            assert len(ids) == pending and set(ids.values()) == {1}
            assert get(application_id).state == "notified"
    finally:
        holding.release.set()
        if worker is not None and worker.poll() is None:
            worker.kill()
        controller.stop()
