"""What happens when the outbox gives up on a message (OUTBOX_GIVE_UP_DAYS of failed attempts):
a log line at ERROR (for the operator's monitoring, at once) and an e-mail to the administrators
(ADMIN_EMAIL, or every active administrator's address), queued in the same outbox, at most one
per address and hour (while it waits, later give-ups of that hour update its text). An alert that itself cannot be delivered is logged only: no alert about
an alert, so a dead mail server never makes the outbox feed itself."""
import logging

from flask import current_app, render_template
from flask_appbuilder.security.sqla.models import Role
from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..inputs import InvalidInput, parse_email
from ..models import NotificationChannel, OutboxMessage, OutboxStatus, User

log = logging.getLogger(__name__)

ALERT_PREFIX = "outbox-alert:"


def is_alert(message):
    return message.idempotency_key.startswith(ALERT_PREFIX)


def admin_addresses():
    """ADMIN_EMAIL's addresses, else the active administrators' — each checked with email-validator."""
    addresses = [a for a in current_app.config.get("ADMIN_EMAIL", "").split(",") if a.strip()]
    if not addresses:
        admin_role = current_app.config.get("AUTH_ROLE_ADMIN", "Admin")
        addresses = db.session.execute(
            select(User.email).where(User.active.is_(True), User.roles.any(Role.name == admin_role))
            .order_by(User.id)).scalars().all()
    usable = []
    for address in addresses:
        try:
            usable.append(parse_email(address, "ADMIN_EMAIL", reserved_ok=True))
        except InvalidInput:
            log.warning("outbox alert: %r is not an e-mail address we can write to", address[:100])
    return usable


def given_up(message, now):
    """Called in the worker's transaction right after `message` was marked failed."""
    log.error("outbox message %s (%s) given up after %s attempts since %s: %s", message.id, message.channel,
              message.attempts, message.failing_since, message.last_error)
    if is_alert(message):
        return
    try:
        _queue_alerts(message, now)
    except Exception:  # noqa: BLE001 - the alert must never stop the worker; the ERROR line above stays
        log.exception("outbox: the alert about message %s could not be queued", message.id)


def _queue_alerts(message, now):
    failed = db.session.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)).scalar()
    context = dict(message=message, failed=failed, since=message.failing_since,
                   channel=NotificationChannel.label_for(message.channel),  # «SMS», «Эл. почта», not `email`
                   days=current_app.config["OUTBOX_GIVE_UP_DAYS"],
                   url=current_app.config["PUBLIC_URL"].rstrip("/") + "/outbox/list/")
    with force_locale("ru"):
        subject = gettext("E-diary: messages could not be delivered")
        body_text = render_template("mail/outbox_alert.txt", **context)
        body_html = render_template("mail/outbox_alert.html", **context)
    for address in admin_addresses():
        key = f"{ALERT_PREFIX}{now:%Y%m%d%H}:{address}"[:128]
        queued = db.session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).scalar()
        if queued is not None:  # this hour's alert exists: while it waits, it tells the latest count
            if queued.status == OutboxStatus.PENDING:
                queued.body_text, queued.body_html = body_text, body_html
            continue
        try:
            with db.session.begin_nested():  # another worker may queue the same alert at the same moment
                db.session.add(OutboxMessage(channel="email", recipient=address, subject=subject,
                                             body_text=body_text, body_html=body_html, idempotency_key=key,
                                             next_attempt_at=now))
        except IntegrityError:
            pass
