"""The outbox worker: sends pending messages with retries and exponential backoff, then
at a capped interval through long outages (days) before a message is failed and the admin alerted.

Each message is sent while its row is locked (PostgreSQL: FOR UPDATE SKIP LOCKED), so any
number of workers can run side by side and none sends a message another one holds.
After the mail server accepted a message, its follow-up transition (mark_notified) is
fired in the same transaction that marks the message sent."""
import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..access import SYSTEM
from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, utcnow
from ..notify.digest import send_digest
from ..notify.mail import send_email
from ..notify.phones import WIPE_BODY
from ..notify.sms import send_sms
from .errors import WorkflowError
from .machine import fire
from .notifications import render
from .outbox_alerts import given_up

log = logging.getLogger(__name__)


def _transports():
    return {"email": send_email, "sms": send_sms, "digest": send_digest}


def backoff(attempts):
    config = current_app.config
    seconds = config["OUTBOX_BACKOFF_SECONDS"] * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, config["OUTBOX_BACKOFF_MAX_SECONDS"]))


def _wipe_secret(message):
    """A message carrying a secret (an SMS confirmation code) keeps no readable text once it is
    sent or given up."""
    if message.on_sent == WIPE_BODY:
        message.body_text = "—"
        message.body_html = ""


def _after_failure(message, error, now):
    """Schedule the next attempt: MAX_ATTEMPTS with exponential backoff, then every
    OUTBOX_SLOW_RETRY_SECONDS until OUTBOX_GIVE_UP_DAYS after the first failure, then fail.
    Returns 'retry' or 'failed'."""
    config = current_app.config
    message.attempts += 1
    message.last_error = error[:2000]
    if message.failing_since is None:
        message.failing_since = now
    if message.attempts < config["MAX_ATTEMPTS"]:
        message.next_attempt_at = now + backoff(message.attempts)
        return "retry"
    give_up_at = message.failing_since + timedelta(days=config["OUTBOX_GIVE_UP_DAYS"])
    if now < give_up_at:
        message.next_attempt_at = min(now + timedelta(seconds=config["OUTBOX_SLOW_RETRY_SECONDS"]), give_up_at)
        return "retry"
    message.status = OutboxStatus.FAILED
    _wipe_secret(message)
    return "failed"


def _claim_next(due_by):
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= due_by,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.execute(query).scalar_one_or_none()


def deliver_one(due_by=None):
    """Send one message due by `due_by` (default: now). Returns 'sent', 'retry', 'failed' or
    None when nothing is due."""
    message = _claim_next(due_by or utcnow())
    if message is None:
        db.session.rollback()
        return None
    try:
        render(message)
        _transports()[message.channel](message)
    except Exception as exc:  # noqa: BLE001 - any transport failure is retried
        outcome = _after_failure(message, f"{type(exc).__name__}: {exc}", utcnow())
        log.warning("outbox message %s: %s (%s)", message.id, message.last_error, outcome)
        if outcome == "failed":
            given_up(message, utcnow())
        db.session.commit()
        return outcome
    message.attempts += 1
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.last_error = ""
    _wipe_secret(message)
    if message.on_sent and message.application_id:
        try:
            fire(message.on_sent, SYSTEM, message.application_id, commit=False)
        except WorkflowError as exc:
            log.info("outbox message %s: follow-up %s skipped: %s", message.id, message.on_sent, exc)
    db.session.commit()
    return "sent"


def drain():
    """Send every message that is due now, each at most once per pass. Returns counts by outcome."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    # Only what was due when the pass started: a message that fails now is due again at
    # now + backoff, later than the pass start, so it is not retried in this pass however
    # short the backoff (otherwise one pass could burn all MAX_ATTEMPTS within a second).
    started = utcnow()
    while True:
        outcome = deliver_one(started)
        if outcome is None:
            return counts
        counts[outcome] += 1


def run_forever(poll_seconds=None, stop=None):
    poll = poll_seconds if poll_seconds is not None else current_app.config["OUTBOX_POLL_SECONDS"]
    while stop is None or not stop():
        try:
            counts = drain()
            if any(counts.values()):
                log.info("outbox: %s", counts)
        except SQLAlchemyError:
            # The database restarted or is unreachable for a moment: keep the worker alive,
            # nothing is lost (messages stay pending in the database) — try again next poll.
            log.exception("outbox: database error, retrying in %s s", poll)
        finally:
            db.session.remove()
        time.sleep(poll)


def retry(message):
    """Admin's retry of a failed message: back to pending, due now. Returns whether it was
    queued again; a message the server already accepted is never queued again (it would be
    delivered twice), nor one whose secret was wiped (a confirmation code: the parent asks for a new one)."""
    if message.status != OutboxStatus.FAILED or message.on_sent == WIPE_BODY:
        return False
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.failing_since = None
    message.next_attempt_at = utcnow()
    return True
