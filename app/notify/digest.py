"""The daily digest: the worker meets the first due "digest" row of a recipient and sends every
due digest row of that recipient as one e-mail (rows held by another worker are left to it)."""
from flask import render_template
from flask_babel import force_locale, gettext
from sqlalchemy import select

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, utcnow
from .mail import send_email


def send_digest(message):
    query = select(OutboxMessage).where(
        OutboxMessage.channel == "digest", OutboxMessage.recipient == message.recipient,
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= message.next_attempt_at,
        OutboxMessage.id != message.id,
    ).order_by(OutboxMessage.id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    others = db.session.execute(query).scalars().all()
    items = [message, *others]
    with force_locale("ru"):
        subject = gettext("E-diary: what happened today")
        body_text = render_template("mail/digest.txt", items=items)
        body_html = render_template("mail/digest.html", items=items)
    letter = OutboxMessage(id=message.id, channel="email", recipient=message.recipient, subject=subject,
                           body_text=body_text, body_html=body_html,
                           idempotency_key=f"digest:{message.idempotency_key}")
    send_email(letter)
    now = utcnow()
    for other in others:  # delivered inside this letter
        other.status = OutboxStatus.SENT
        other.sent_at = now
        other.attempts += 1
